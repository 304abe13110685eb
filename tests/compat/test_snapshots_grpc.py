"""Snapshots over gRPC (`qdrant.Snapshots`) through the official client (`prefer_grpc=True`):
create, list and delete collection and full snapshots, compared with the REST answers for
the same files on the same server; a snapshot made over gRPC recovers over REST; errors.

The client's conversion of `SnapshotDescription` drops the checksum before qdrant-client
1.16, so checksums are compared on the raw messages (this client's generated stubs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from grpc_fixtures import Servers, grpc_servers, remote_grpc, remote_rest
from qdrant_client import QdrantClient, models
from qdrant_client import grpc as pb

__all__ = ["grpc_servers", "remote_grpc", "remote_rest"]  # fixtures used by this module

pytestmark = pytest.mark.grpc_server


def fill(client: QdrantClient, name: str, n: int = 20) -> None:
    client.create_collection(
        name, vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE)
    )
    points = [
        models.PointStruct(id=i, vector=[1.0, i, -i, 0.5], payload={"i": i, "tag": f"t{i % 3}"})
        for i in range(1, n + 1)
    ]
    client.upsert(name, points=points, wait=True)


def state(client: QdrantClient, name: str) -> list[dict[str, Any]]:
    records, _ = client.scroll(name, limit=1000, with_payload=True, with_vectors=True)
    return [r.model_dump() for r in records]


def shapes(snapshots: list[models.SnapshotDescription]) -> list[dict[str, Any]]:
    """What both APIs carry through every client version (checksums: see `checksums`)."""
    return [s.model_dump(exclude={"checksum"}) for s in sorted(snapshots, key=lambda s: s.name)]


@pytest.fixture
def stub(grpc_servers: Servers) -> Iterator[pb.SnapshotsStub]:
    """`qdrant.Snapshots` on a raw channel: the messages as they come off the wire."""
    with grpc.insecure_channel(grpc_servers.grpc_target) as channel:
        yield pb.SnapshotsStub(channel)


def checksums(reply: pb.ListSnapshotsResponse) -> dict[str, str]:
    for description in reply.snapshot_descriptions:
        assert description.HasField("creation_time") and description.HasField("checksum")
    return {d.name: d.checksum for d in reply.snapshot_descriptions}


def rpc_error(call: Callable[[], Any]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def test_collection_snapshots(
    remote_grpc: QdrantClient, remote_rest: QdrantClient, stub: pb.SnapshotsStub
) -> None:
    fill(remote_grpc, "snap_a")
    created = remote_grpc.create_snapshot("snap_a")
    assert created is not None
    assert created.name.startswith("snap_a-") and created.name.endswith(".snapshot")
    assert created.size > 0 and created.creation_time is not None
    over_rest = remote_rest.list_snapshots("snap_a")
    assert shapes([created]) == shapes(over_rest)
    second = remote_grpc.create_snapshot("snap_a")
    assert second is not None and second.name != created.name
    over_grpc = remote_grpc.list_snapshots("snap_a")
    over_rest = remote_rest.list_snapshots("snap_a")
    assert shapes(over_grpc) == shapes(over_rest) == shapes([created, second])
    raw = stub.List(pb.ListSnapshotsRequest(collection_name="snap_a"), timeout=30)
    assert checksums(raw) == {s.name: s.checksum for s in over_rest}
    assert all(len(s.checksum or "") == 64 for s in over_rest)
    assert raw.time > 0
    assert remote_grpc.delete_snapshot("snap_a", created.name) is True
    assert [s.name for s in remote_grpc.list_snapshots("snap_a")] == [second.name]
    assert [s.name for s in remote_rest.list_snapshots("snap_a")] == [second.name]


def test_snapshot_through_an_alias(remote_grpc: QdrantClient, remote_rest: QdrantClient) -> None:
    """A snapshot of an alias is a snapshot of its collection, as in Qdrant."""
    fill(remote_grpc, "snap_b", n=3)
    remote_grpc.update_collection_aliases(
        [
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name="snap_b", alias_name="b_alias")
            )
        ]
    )
    created = remote_grpc.create_snapshot("b_alias")
    assert created is not None and created.name.startswith("snap_b-")
    assert shapes(remote_grpc.list_snapshots("b_alias")) == shapes(
        remote_rest.list_snapshots("snap_b")
    )


def test_a_grpc_snapshot_recovers_over_rest(
    remote_grpc: QdrantClient, remote_rest: QdrantClient, grpc_servers: Servers
) -> None:
    fill(remote_grpc, "snap_c")
    created = remote_grpc.create_snapshot("snap_c")
    assert created is not None
    before = state(remote_grpc, "snap_c")
    remote_grpc.delete("snap_c", models.PointIdsList(points=[1, 2, 3]), wait=True)
    remote_grpc.set_payload("snap_c", {"changed": True}, points=[4], wait=True)
    assert state(remote_grpc, "snap_c") != before
    (listed,) = remote_rest.list_snapshots("snap_c")
    location = f"{grpc_servers.url}/collections/snap_c/snapshots/{created.name}"
    assert remote_rest.recover_snapshot("snap_c", location=location, checksum=listed.checksum)
    assert state(remote_grpc, "snap_c") == before


def test_full_snapshots(
    remote_grpc: QdrantClient, remote_rest: QdrantClient, stub: pb.SnapshotsStub
) -> None:
    fill(remote_grpc, "snap_d")
    fill(remote_grpc, "snap_e", n=5)
    created = remote_grpc.create_full_snapshot()
    assert created is not None
    assert created.name.startswith("full-snapshot-") and created.name.endswith(".snapshot")
    assert created.size > 0
    try:
        over_grpc = remote_grpc.list_full_snapshots()
        over_rest = remote_rest.list_full_snapshots()
        assert created.name in [s.name for s in over_grpc]
        assert shapes(over_grpc) == shapes(over_rest)
        raw = stub.ListFull(pb.ListFullSnapshotsRequest(), timeout=30)
        assert checksums(raw) == {s.name: s.checksum for s in over_rest}
    finally:
        assert remote_grpc.delete_full_snapshot(created.name) is True
    assert created.name not in [s.name for s in remote_rest.list_full_snapshots()]
    assert created.name not in [s.name for s in remote_grpc.list_full_snapshots()]
    error = rpc_error(lambda: remote_grpc.delete_full_snapshot(created.name))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == f"Not found: Snapshot {created.name} does not exist!"


def test_snapshot_errors(remote_grpc: QdrantClient) -> None:
    missing_collection = [
        lambda: remote_grpc.create_snapshot("nope"),
        lambda: remote_grpc.list_snapshots("nope"),
        lambda: remote_grpc.delete_snapshot("nope", "nope-2024-01-01-00-00-00.snapshot"),
    ]
    for call in missing_collection:
        error = rpc_error(call)
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert error.details() == "Not found: Collection `nope` doesn't exist!"
    fill(remote_grpc, "snap_f", n=2)
    name = "snap_f-2024-01-01-00-00-00.snapshot"
    error = rpc_error(lambda: remote_grpc.delete_snapshot("snap_f", name))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == f"Not found: Snapshot {name} does not exist!"
    error = rpc_error(lambda: remote_grpc.delete_snapshot("snap_f", "../snap_f.snapshot"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "must be a plain file name" in error.details()
