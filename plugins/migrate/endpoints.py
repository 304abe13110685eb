"""The two ends of a migration, each a `QdrantClient` whatever the URL names.

* `qdrant://HOST:PORT` - a Qdrant-compatible server over gRPC (default port 6334);
* `http://HOST:PORT`, `https://...` - the same over REST (default port 6333);
* `local://PATH` - the storage folder of qdrant-client's local mode (`QdrantClient(path=...)`);
* `vectorizer://DATA_DIR` - a Vectorizer data directory, opened in this process: its Qdrant
  REST API is served on a loopback port for the migration's lifetime (no other server may
  have the directory open).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from qdrant_client import QdrantClient

from vectorizer import Settings, known_entry_points, make_plugin_manager

REST_PLUGIN = "qdrant_rest"
SCHEMES = ("qdrant", "http", "https", "local", "vectorizer")


class EndpointError(Exception):
    """A URL that cannot be used, or an end that cannot be reached (one line for people)."""


@dataclass
class Endpoint:
    url: str
    client: QdrantClient
    kind: str  # one of SCHEMES

    @property
    def is_local_mode(self) -> bool:
        return self.kind == "local"


def check_url(url: str) -> str:
    """The scheme of a migration URL, or EndpointError saying what is accepted."""
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise EndpointError(
            f"{url!r}: expected qdrant://HOST:PORT (gRPC), http(s)://HOST:PORT (REST), "
            "local://PATH (qdrant-client local mode folder) or vectorizer://DATA_DIR"
        )
    return scheme


@contextmanager
def open_endpoint(url: str, *, api_key: str | None = None, timeout: int = 60) -> Iterator[Endpoint]:
    """The client for `url`, closed (and an in-process server stopped) on exit."""
    scheme = check_url(url)
    parts = urlsplit(url)
    if scheme == "local":
        path = Path(parts.netloc + parts.path)
        if not path.is_dir():
            raise EndpointError(f"{url}: no local-mode storage folder at {path}")
        client = QdrantClient(path=str(path))
        with _closing(client):
            yield Endpoint(url, client, scheme)
    elif scheme == "vectorizer":
        with _served(Path(parts.netloc + parts.path)) as port:
            client = QdrantClient(url=f"http://127.0.0.1:{port}", timeout=timeout)
            with _closing(client):
                yield Endpoint(url, client, scheme)
    elif scheme == "qdrant":
        host, port = parts.hostname or "localhost", parts.port or 6334
        client = QdrantClient(
            host=host, grpc_port=port, prefer_grpc=True, api_key=api_key, timeout=timeout
        )
        with _closing(client):
            yield Endpoint(url, client, scheme)
    else:
        client = QdrantClient(url=url, api_key=api_key, timeout=timeout)
        with _closing(client):
            yield Endpoint(url, client, scheme)


@contextmanager
def _closing(client: QdrantClient) -> Iterator[None]:
    try:
        yield
    finally:
        client.close()


@contextmanager
def _served(data_dir: Path) -> Iterator[int]:
    """Serve `data_dir`'s Qdrant REST API on a free loopback port in a background thread."""
    from vectorizer import Host  # serving machinery only when a data dir is opened

    if not data_dir.is_dir():
        raise EndpointError(f"vectorizer://{data_dir}: no such data directory")
    others = [name for name in known_entry_points() if name != REST_PLUGIN]
    settings = Settings(data_dir=data_dir, ports={REST_PLUGIN: 0}, disabled=others)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict[str, object] = {}

    async def serve() -> None:
        try:
            async with Host(settings, pm=make_plugin_manager(others)) as host:
                box["host"] = host
                started.set()
                await host.wait()
        except BaseException as exc:  # reported to the caller
            box["error"] = exc
            started.set()

    logging.getLogger("vectorizer").setLevel(logging.WARNING)
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    started.wait(60)
    if "error" in box:
        raise EndpointError(f"vectorizer://{data_dir}: {box['error']}")
    host = box["host"]
    try:
        yield host.ports[REST_PLUGIN]  # type: ignore[attr-defined]
    finally:
        loop.call_soon_threadsafe(host.stop)  # type: ignore[attr-defined]
        thread.join(60)
        loop.close()
