"""The servicers of Qdrant's gRPC services, on the stubs generated in `qdrant_client.grpc`.

`qdrant.Qdrant` (HealthCheck) is here, with `add_services` registering every service;
`qdrant.Collections` is in `collections.py`, `qdrant.Points` in `points.py` (its search
family in `search.py`) and `qdrant.Snapshots` in `snapshots.py`. Each service class
starts from `base.unimplemented`, where every RPC answers UNIMPLEMENTED naming itself (and
the feature it needs); implementing an RPC means overriding that method. An RPC the
stubs do not know (a client newer than them) answers UNIMPLEMENTED naming it too
(`UnknownRpcs`), not grpc's bare "Method not found!".
"""

from __future__ import annotations

from typing import Any

import grpc
from qdrant_client import grpc as pb

from vectorizer import QDRANT_TITLE, QDRANT_VERSION, Unsupported, build_commit
from vectorizer_qdrant_grpc.endpoints.base import Service, rpc_names, unimplemented
from vectorizer_qdrant_grpc.endpoints.collections import CollectionsService
from vectorizer_qdrant_grpc.endpoints.points import PointsService
from vectorizer_qdrant_grpc.endpoints.snapshots import SnapshotsService
from vectorizer_qdrant_grpc.wire.errors import domain_errors

__all__ = [
    "CollectionsService",
    "PointsService",
    "QdrantService",
    "SnapshotsService",
    "add_services",
    "rpc_names",
]


class QdrantService(Service, unimplemented(pb.QdrantServicer, "Qdrant")):  # type: ignore[misc]
    """`qdrant.Qdrant`: the health check."""

    def __init__(self, engine: Any, qdrant_version: str = QDRANT_VERSION) -> None:
        super().__init__(engine)
        self.qdrant_version = qdrant_version

    @domain_errors
    async def HealthCheck(
        self, request: pb.HealthCheckRequest, context: grpc.aio.ServicerContext
    ) -> pb.HealthCheckReply:
        """As REST's `GET /`: Qdrant's title, the Qdrant API version reported (the
        `qdrant_version` setting), this build's source commit."""
        reply = pb.HealthCheckReply(title=QDRANT_TITLE, version=self.qdrant_version)
        commit = build_commit()
        if commit is not None:
            reply.commit = commit
        return reply


class UnknownRpcs(grpc.GenericRpcHandler):
    """The last handler: an RPC no service defines answers UNIMPLEMENTED naming it."""

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        method = str(handler_call_details.method).lstrip("/").replace("/", ".")

        @domain_errors
        async def refuse(self: Any, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            raise Unsupported(f"gRPC {method} (an RPC this server's messages do not define)")

        async def rpc(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            return await refuse(None, request, context)

        return grpc.unary_unary_rpc_method_handler(rpc)


def add_services(
    server: grpc.aio.Server, engine: object, qdrant_version: str = QDRANT_VERSION
) -> None:
    """Register every Qdrant service on `server`; HealthCheck reports `qdrant_version`."""
    pb.add_QdrantServicer_to_server(QdrantService(engine, qdrant_version), server)
    pb.add_CollectionsServicer_to_server(CollectionsService(engine), server)
    pb.add_PointsServicer_to_server(PointsService(engine), server)
    pb.add_SnapshotsServicer_to_server(SnapshotsService(engine), server)
    server.add_generic_rpc_handlers((UnknownRpcs(),))
