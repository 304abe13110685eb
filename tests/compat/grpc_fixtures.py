"""Fixtures for the official client over gRPC: both APIs served over ONE engine.

`grpc_servers` starts, over an engine in a temporary directory, the gRPC plugin's server
(`vectorizer_qdrant_grpc.grpc_server`) in a background thread with its own event loop,
and the REST test server (`ThreadedServer`, spec-checked) beside it. `remote_grpc` is
`QdrantClient(url=<REST>, grpc_port=<gRPC>, prefer_grpc=True)`; `remote_rest` the same
client over REST, for checks that a write through one API reads back identically through
the other. Import the fixtures into a test module to use them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from compat_helpers import ThreadedServer, client_is_compatible, has_version_check
from qdrant_client import QdrantClient

from vectorizer import Engine
from vectorizer_qdrant_grpc import grpc_server

HOST = "127.0.0.1"


class ThreadedGrpcServer:
    """The gRPC plugin's server in a daemon thread running its own event loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self._serve(),), daemon=True
        )

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with grpc_server(self.engine, HOST, 0) as running:
                self.port = running.port
                self._started.set()
                await self._stop.wait()
        except BaseException as exc:
            self._error = exc
            self._started.set()

    def start(self) -> ThreadedGrpcServer:
        self.thread.start()
        if not self._started.wait(30):
            raise RuntimeError("the gRPC test server did not start")
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(30)
        self.loop.close()


@dataclass
class Servers:
    """Both APIs over one engine."""

    engine: Engine
    rest: ThreadedServer
    grpc: ThreadedGrpcServer

    @property
    def url(self) -> str:
        return self.rest.url


def _client_kwargs() -> dict[str, Any]:
    if has_version_check():
        return {"check_compatibility": client_is_compatible()}
    return {}


def grpc_client(servers: Servers) -> QdrantClient:
    """The official client preferring gRPC (the REST port answers its version check)."""
    return QdrantClient(
        url=servers.url,
        grpc_port=servers.grpc.port,
        prefer_grpc=True,
        timeout=60,
        **_client_kwargs(),
    )


def _cleanup(client: QdrantClient) -> None:
    for collection in client.get_collections().collections:
        client.delete_collection(collection.name)


@pytest.fixture(scope="module")
def grpc_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    engine = Engine.open(tmp_path_factory.mktemp("compat_grpc") / "data")
    rest = ThreadedServer(engine).start()
    try:
        grpc = ThreadedGrpcServer(engine).start()
    except BaseException:
        rest.stop()
        engine.close()
        raise
    try:
        yield Servers(engine, rest, grpc)
    finally:
        grpc.stop()
        rest.stop()
        engine.close()


@pytest.fixture
def remote_grpc(grpc_servers: Servers) -> Iterator[QdrantClient]:
    """The official client over gRPC against our server; collections removed afterwards."""
    client = grpc_client(grpc_servers)
    try:
        yield client
    finally:
        _cleanup(client)
        client.close()


@pytest.fixture
def remote_rest(grpc_servers: Servers) -> Iterator[QdrantClient]:
    """The official client over REST, on the same engine as `remote_grpc`."""
    client = QdrantClient(url=grpc_servers.url, prefer_grpc=False, timeout=60, **_client_kwargs())
    try:
        yield client
    finally:
        _cleanup(client)
        client.close()
