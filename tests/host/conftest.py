"""Fixtures for the plugin-host tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from .helpers import Server


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`start_server(*args, wait={names}, **env)` runs `vectorizer serve ARGS` in tmp_path.

    Every server still running at teardown is killed.
    """
    servers: list[Server] = []

    def start(*args: str, wait: Iterable[str] = (), **env: str) -> Server:
        server = Server(list(args), tmp_path, env)
        servers.append(server)
        server.wait_for(set(wait))
        return server

    yield start
    for server in servers:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(timeout=30)
