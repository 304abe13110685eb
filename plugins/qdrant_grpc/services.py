"""Servicers for Qdrant's gRPC services, on the stubs generated in `qdrant_client.grpc`.

Each service class starts from `unimplemented(Base, "Service")`, where every RPC answers
UNIMPLEMENTED naming itself; implementing an RPC means overriding that method (wrapped
in `domain_errors`) in the class below.
"""

from __future__ import annotations

import inspect
from typing import Any

import grpc
from qdrant_client import grpc as pb

from vectorizer import QDRANT_VERSION, Unsupported
from vectorizer_qdrant_grpc.errors import domain_errors

TITLE = "vectorizer - vector search engine (Qdrant-compatible)"


def rpc_names(servicer: type) -> list[str]:
    """The RPC method names a generated servicer base class declares."""
    return [
        name
        for name, _ in inspect.getmembers(servicer, inspect.isfunction)
        if not name.startswith("_")
    ]


def _unimplemented_rpc(service: str, method: str) -> Any:
    feature = f"gRPC {service}.{method}"

    @domain_errors
    async def rpc(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        raise Unsupported(feature)

    rpc.__name__ = rpc.__qualname__ = method
    rpc.__doc__ = f"Not implemented yet: answers UNIMPLEMENTED ({feature})."
    return rpc


def unimplemented(base: type, service: str) -> type:
    """A subclass of `base` whose every RPC answers UNIMPLEMENTED naming `service.method`."""
    methods = {name: _unimplemented_rpc(service, name) for name in rpc_names(base)}
    return type(f"Unimplemented{base.__name__}", (base,), methods)


class _Service:
    def __init__(self, engine: Any) -> None:
        self.engine = engine


class QdrantService(_Service, unimplemented(pb.QdrantServicer, "Qdrant")):  # type: ignore[misc]
    """`qdrant.Qdrant`: the health check."""

    @domain_errors
    async def HealthCheck(
        self, request: pb.HealthCheckRequest, context: grpc.aio.ServicerContext
    ) -> pb.HealthCheckReply:
        return pb.HealthCheckReply(title=TITLE, version=QDRANT_VERSION)


class CollectionsService(_Service, unimplemented(pb.CollectionsServicer, "Collections")):  # type: ignore[misc]
    """`qdrant.Collections` (nothing implemented yet)."""


class PointsService(_Service, unimplemented(pb.PointsServicer, "Points")):  # type: ignore[misc]
    """`qdrant.Points` (nothing implemented yet)."""


class SnapshotsService(_Service, unimplemented(pb.SnapshotsServicer, "Snapshots")):  # type: ignore[misc]
    """`qdrant.Snapshots` (nothing implemented yet)."""


def add_services(server: grpc.aio.Server, engine: Any) -> None:
    """Register every Qdrant service on `server`."""
    pb.add_QdrantServicer_to_server(QdrantService(engine), server)
    pb.add_CollectionsServicer_to_server(CollectionsService(engine), server)
    pb.add_PointsServicer_to_server(PointsService(engine), server)
    pb.add_SnapshotsServicer_to_server(SnapshotsService(engine), server)
