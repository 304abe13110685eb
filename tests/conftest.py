"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import ServerProcess

from vectorizer import Engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on durable storage in a fresh data dir."""
    eng = Engine.open(tmp_path / "data")
    try:
        yield eng
    finally:
        eng.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A running server with the Qdrant REST API only."""
    proc = ServerProcess(tmp_path / "data").start()
    try:
        yield proc
    finally:
        if proc.running:
            proc.stop()
