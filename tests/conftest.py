"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import ServerProcess


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A running server with the Qdrant REST API only."""
    proc = ServerProcess(tmp_path / "data").start()
    try:
        yield proc
    finally:
        if proc.running:
            proc.stop()
