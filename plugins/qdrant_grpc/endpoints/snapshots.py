"""`qdrant.Snapshots`: collection and full-storage snapshots over the core's
`vectorizer.snapshots` (the files the REST API lists, downloads and recovers from).

Every RPC works in a worker thread (`base.threaded`) and waits for the snapshot, as
Qdrant's gRPC API does. An unknown collection or snapshot answers NOT_FOUND, a snapshot
name with a folder part INVALID_ARGUMENT (the core's domain errors). Recovering from a
snapshot is REST only, in Qdrant as here.
"""

from __future__ import annotations

from typing import Any

from qdrant_client import grpc as pb

from vectorizer import Engine
from vectorizer.snapshots import SnapshotDescription
from vectorizer_qdrant_grpc.endpoints.base import Service, threaded, unimplemented


def description_out(snapshot: SnapshotDescription) -> pb.SnapshotDescription:
    """Qdrant's `SnapshotDescription` message (creation time: the file's, UTC)."""
    message = pb.SnapshotDescription(name=snapshot.name, size=snapshot.size)
    if snapshot.creation_time is not None:
        message.creation_time.FromDatetime(snapshot.creation_time)  # naive means UTC
    if snapshot.checksum is not None:
        message.checksum = snapshot.checksum
    return message


def _listed(snapshots: list[SnapshotDescription]) -> pb.ListSnapshotsResponse:
    return pb.ListSnapshotsResponse(snapshot_descriptions=[description_out(s) for s in snapshots])


def create(engine: Engine, request: pb.CreateSnapshotRequest) -> Any:
    """Snapshot a collection (or the collection an alias names)."""
    snapshot = engine.snapshots.create(request.collection_name)
    return pb.CreateSnapshotResponse(snapshot_description=description_out(snapshot))


def list_snapshots(engine: Engine, request: pb.ListSnapshotsRequest) -> Any:
    """The snapshots of an existing collection."""
    return _listed(engine.snapshots.list_snapshots(request.collection_name))


def delete(engine: Engine, request: pb.DeleteSnapshotRequest) -> Any:
    """Delete one snapshot of an existing collection (and its checksum file)."""
    engine.snapshots.delete(request.collection_name, request.snapshot_name)
    return pb.DeleteSnapshotResponse()


def create_full(engine: Engine, request: pb.CreateFullSnapshotRequest) -> Any:
    """Snapshot every collection and alias into one file."""
    snapshot = engine.snapshots.create_full()
    return pb.CreateSnapshotResponse(snapshot_description=description_out(snapshot))


def list_full(engine: Engine, request: pb.ListFullSnapshotsRequest) -> Any:
    """The full-storage snapshots."""
    return _listed(engine.snapshots.list_full())


def delete_full(engine: Engine, request: pb.DeleteFullSnapshotRequest) -> Any:
    """Delete one full-storage snapshot (and its checksum file)."""
    engine.snapshots.delete_full(request.snapshot_name)
    return pb.DeleteSnapshotResponse()


class SnapshotsService(
    Service,
    unimplemented(pb.SnapshotsServicer, "Snapshots"),  # type: ignore[misc]
):
    """`qdrant.Snapshots`: create, list and delete collection and full snapshots."""

    Create = threaded(create)
    List = threaded(list_snapshots)
    Delete = threaded(delete)
    CreateFull = threaded(create_full)
    ListFull = threaded(list_full)
    DeleteFull = threaded(delete_full)
