"""Fixtures for the official client over gRPC: a real `vectorizer serve` process serving
Qdrant REST and gRPC over one data dir.

The server runs out of the test process, as it does in use: it takes its gRPC stubs from
the qdrant-client the project requires (`qdrant-client>=1.15` in vectorizer's
requirements), while the test process drives it with whatever qdrant-client version the
tox env installed. When that version is outside the pin, the server process gets
`$VECTORIZER_SERVER_STUBS` (a folder holding a pinned qdrant-client, installed with
`pip install --no-deps --target DIR "qdrant-client>=1.15"`; the tox `client-*`
envs make it) first on its `PYTHONPATH`.

`remote_grpc` is `QdrantClient(url=<REST>, grpc_port=<gRPC>, prefer_grpc=True)`;
`remote_rest` the same client over REST, for checks that a write through one API reads
back identically through the other. The REST traffic of both is checked against Qdrant's
OpenAPI spec on the client side (`spec_checked`), so it fails the test like the in-process
REST server's `SpecCheck` does. Import the fixtures into a test module to use them.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from compat_helpers import CLIENT_VERSION, client_is_compatible, has_version_check, record
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from qdrant_client import QdrantClient
from servers import ServerProcess

SERVER_STUBS_ENV = "VECTORIZER_SERVER_STUBS"
STUBS_LOG = "vectorizer_qdrant_grpc: protobuf messages of qdrant-client "
"""How the gRPC plugin logs the qdrant-client its stubs come from (then the version)."""


def stubs_pin() -> SpecifierSet:
    """The qdrant-client range vectorizer pins: the gRPC plugin is built on its stubs."""
    for line in importlib.metadata.requires("vectorizer") or []:
        requirement = Requirement(line)
        if requirement.name == "qdrant-client" and requirement.marker is None:
            return requirement.specifier
    raise AssertionError("vectorizer does not require qdrant-client")


def _version_in(folder: Path) -> str | None:
    """The version of the qdrant-client installed into `folder` (pip --target), if any."""
    for dist in importlib.metadata.distributions(path=[str(folder)]):
        if dist.metadata["Name"].lower().replace("_", "-") == "qdrant-client":
            return dist.version
    return None


def server_stubs() -> tuple[str | None, str]:
    """(folder to put first on the server's PYTHONPATH or None, the stubs' version).

    None when the installed qdrant-client is inside the pin: the server then uses it too.
    """
    pin = stubs_pin()
    if pin.contains(CLIENT_VERSION):
        return None, CLIENT_VERSION
    folder = os.environ.get(SERVER_STUBS_ENV)
    how = (
        f'pip install --no-deps --target DIR "qdrant-client{pin}" and set {SERVER_STUBS_ENV}=DIR '
        "(tox's client-* envs do)"
    )
    if not folder:
        raise RuntimeError(
            f"qdrant-client {CLIENT_VERSION} is outside the range the gRPC plugin's stubs "
            f"are pinned to ({pin}), so the server needs its own: {how}"
        )
    version = _version_in(Path(folder))
    if version is None or not pin.contains(version):
        raise RuntimeError(
            f"{SERVER_STUBS_ENV}={folder} holds qdrant-client {version}, not one in {pin}: {how}"
        )
    return folder, version


# ----------------------------------------------------------------------------- REST spec check


def _check_exchange(request: httpx.Request, call_next: Callable[[httpx.Request], Any]) -> Any:
    """qdrant-client REST middleware: check the response against the spec (`record`)."""
    response: httpx.Response = call_next(request)
    response.read()
    record(
        request.method,
        request.url.path,
        response.status_code,
        response.headers.get("content-type", ""),
        response.content,
    )
    return response


def spec_checked(client: QdrantClient) -> QdrantClient:
    """`client`, its REST responses from now on checked against Qdrant's OpenAPI spec
    (the conftest hooks fail the test that got a body off the spec)."""
    client.http.client.add_middleware(_check_exchange)
    return client


# ----------------------------------------------------------------------------- the server


@dataclass
class Servers:
    """One `vectorizer serve` process: Qdrant REST and gRPC over one data dir."""

    process: ServerProcess
    stubs_version: str
    """The qdrant-client version the server's gRPC stubs come from."""

    @property
    def url(self) -> str:
        return self.process.rest_url

    @property
    def grpc_port(self) -> int:
        return self.process.ports["qdrant_grpc"]

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


def stop_server(process: ServerProcess) -> int:
    """SIGTERM the server, wait for it and its whole log; close the log pipe (left to the
    garbage collector, it warns `unclosed file` in whichever test happens to run then)."""
    code = process.stop()
    assert process.server is not None and process.server.proc.stderr is not None
    process.server.proc.stderr.close()
    return code


def start_server(data_dir: Path) -> Servers:
    """Start `vectorizer serve` with REST and gRPC on free ports over `data_dir`."""
    folder, version = server_stubs()
    env = {}
    if folder is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [folder, os.environ.get("PYTHONPATH")]))
    process = ServerProcess(data_dir, grpc=True, env=env)
    try:
        process.start()
    except BaseException:
        if process.server is not None:
            stop_server(process)
        raise
    assert process.server is not None
    logged = [line for line in process.server.log if STUBS_LOG in line]
    if not logged or not logged[-1].endswith(STUBS_LOG + version):
        stop_server(process)
        raise AssertionError(
            f"the server should use the stubs of qdrant-client {version}; log:\n"
            + process.server.text
        )
    return Servers(process, version)


def _client_kwargs() -> dict[str, Any]:
    if has_version_check():
        return {"check_compatibility": client_is_compatible()}
    return {}


def grpc_client(servers: Servers) -> QdrantClient:
    """The official client preferring gRPC (the REST port answers its version check)."""
    client = QdrantClient(
        url=servers.url,
        grpc_port=servers.grpc_port,
        prefer_grpc=True,
        timeout=60,
        **_client_kwargs(),
    )
    return spec_checked(client)


def rest_client(servers: Servers) -> QdrantClient:
    """The official client over REST."""
    client = QdrantClient(url=servers.url, prefer_grpc=False, timeout=60, **_client_kwargs())
    return spec_checked(client)


def _cleanup(client: QdrantClient) -> None:
    for collection in client.get_collections().collections:
        client.delete_collection(collection.name)


@pytest.fixture(scope="module")
def grpc_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    servers = start_server(tmp_path_factory.mktemp("compat_grpc") / "data")
    try:
        yield servers
    finally:
        code = stop_server(servers.process)
        assert servers.process.server is not None
        log = servers.process.server.text
        assert code == 0, f"the server exited with {code}; log:\n{log}"
        assert "Traceback" not in log, f"the server logged an exception:\n{log}"


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
    """The official client over REST, on the same server as `remote_grpc`."""
    client = rest_client(grpc_servers)
    try:
        yield client
    finally:
        _cleanup(client)
        client.close()
