"""A real socket server for the official clients, and qdrant-client's local mode as oracle.

The server is the Qdrant REST plugin's app, built the way the host builds it, served by
uvicorn in a background thread on a free port over an engine in a temporary directory.
"""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator

import pytest
import uvicorn
from litestar import Litestar
from qdrant_client import QdrantClient

from vectorizer import Engine
from vectorizer.config import Settings
from vectorizer_qdrant_rest import register_http_apis


class ThreadedServer:
    """uvicorn serving the Qdrant REST app in a daemon thread."""

    def __init__(self, engine: Engine) -> None:
        (api,) = register_http_apis(engine=engine, settings=Settings())
        app = Litestar(route_handlers=api.route_handlers, **api.app_options)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Qdrant REST test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    engine = Engine.open(tmp_path_factory.mktemp("compat") / "data")
    srv = ThreadedServer(engine).start()
    try:
        yield srv
    finally:
        srv.stop()
        engine.close()


@pytest.fixture
def remote(server: ThreadedServer) -> Iterator[QdrantClient]:
    """The official client over REST against our server; collections removed afterwards."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a failed version check must fail the test
        client = QdrantClient(url=server.url, prefer_grpc=False, timeout=60)
    try:
        yield client
    finally:
        for collection in client.get_collections().collections:
            client.delete_collection(collection.name)
        client.close()


@pytest.fixture
def local() -> Iterator[QdrantClient]:
    """qdrant-client's local mode: Qdrant's semantics in pure Python, the oracle."""
    client = QdrantClient(":memory:")
    try:
        yield client
    finally:
        client.close()
