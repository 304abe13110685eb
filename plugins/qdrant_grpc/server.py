"""The `grpc.aio` server's lifecycle: bind, start, stop gracefully."""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc

from vectorizer import QDRANT_VERSION
from vectorizer_qdrant_grpc.endpoints.service import add_services
from vectorizer_qdrant_grpc.request_stats import interceptors
from vectorizer_qdrant_grpc.wire.unknown import STUBS_VERSION

logger = logging.getLogger("vectorizer_qdrant_grpc")

DEFAULT_PORT = 6334
MAX_MESSAGE_LENGTH = -1
"""No gRPC message size limit, either direction (grpc's -1), as Qdrant: its tonic services
set `max_decoding_message_size(usize::MAX)` and keep tonic's unlimited encoding size
(`max_request_size_mb` bounds REST bodies only). qdrant-client's channels are unlimited
too, so a large upsert or scroll page must not meet grpc's 4 MiB default or any cap."""
GRACE_SECONDS = 2.0

SERVER_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_send_message_length", MAX_MESSAGE_LENGTH),
    ("grpc.max_receive_message_length", MAX_MESSAGE_LENGTH),
    # without this, a second server could silently share the port on Linux
    ("grpc.so_reuseport", 0),
]


class GrpcBindError(OSError):
    """The gRPC server cannot listen on the requested address."""


@dataclass
class RunningGrpcServer:
    """What entering `grpc_server` yields: the server and the port it is bound to."""

    server: grpc.aio.Server
    host: str
    port: int


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _bind_error(host: str, port: int) -> GrpcBindError:
    """Say why grpc could not bind (grpc itself only reports failure)."""
    code, reason = errno.EADDRINUSE, "address already in use or not available"
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((host, port))
    except OSError as e:
        code, reason = e.errno or code, e.strerror or str(e)
    return GrpcBindError(code, f"gRPC server cannot listen on {_address(host, port)}: {reason}")


@asynccontextmanager
async def grpc_server(
    engine: Any, host: str, port: int, *, qdrant_version: str | None = None
) -> AsyncIterator[RunningGrpcServer]:
    """Serve Qdrant's gRPC services on host:port (0 picks a free port) while entered;
    HealthCheck reports `qdrant_version` (by default `vectorizer.QDRANT_VERSION`).

    Raises `GrpcBindError` (an `OSError`) if the address cannot be bound. Leaving
    stops the server, giving running calls `GRACE_SECONDS` to finish.
    """
    server = grpc.aio.server(options=SERVER_OPTIONS, interceptors=interceptors(engine))
    add_services(server, engine, qdrant_version or QDRANT_VERSION)
    try:
        bound = server.add_insecure_port(_address(host, port))
    except RuntimeError:  # recent grpcio raises instead of returning 0
        bound = 0
    if not bound:
        await server.stop(None)
        raise _bind_error(host, port)
    await server.start()
    logger.info("protobuf messages of qdrant-client %s", STUBS_VERSION)
    try:
        yield RunningGrpcServer(server=server, host=host, port=bound)
    finally:
        await server.stop(GRACE_SECONDS)
