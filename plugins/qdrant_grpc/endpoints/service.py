"""The servicers of Qdrant's gRPC services, on the stubs generated in `qdrant_client.grpc`.

`qdrant.Qdrant` (HealthCheck) is here, with `add_services` registering every service;
`qdrant.Collections` is in `collections.py`, `qdrant.Points` in `points.py` (its search
family in `search.py`) and `qdrant.Snapshots` in `snapshots.py`. Each service class
starts from `base.unimplemented`, where every RPC answers UNIMPLEMENTED naming itself (and
the feature it needs); implementing an RPC means overriding that method.
"""

from __future__ import annotations

import grpc
from qdrant_client import grpc as pb

from vectorizer import QDRANT_TITLE, QDRANT_VERSION, build_commit
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

    @domain_errors
    async def HealthCheck(
        self, request: pb.HealthCheckRequest, context: grpc.aio.ServicerContext
    ) -> pb.HealthCheckReply:
        """As REST's `GET /`: Qdrant's title and version, this build's source commit."""
        reply = pb.HealthCheckReply(title=QDRANT_TITLE, version=QDRANT_VERSION)
        commit = build_commit()
        if commit is not None:
            reply.commit = commit
        return reply


def add_services(server: grpc.aio.Server, engine: object) -> None:
    """Register every Qdrant service on `server`."""
    pb.add_QdrantServicer_to_server(QdrantService(engine), server)
    pb.add_CollectionsServicer_to_server(CollectionsService(engine), server)
    pb.add_PointsServicer_to_server(PointsService(engine), server)
    pb.add_SnapshotsServicer_to_server(SnapshotsService(engine), server)
