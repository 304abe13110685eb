"""`qdrant.Snapshots` over a real engine, driven with raw stubs: the wire messages (creation
time, checksum, `time`), that the files are the core's, and the status codes."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from qdrant_client import grpc as pb

from vectorizer import Engine
from vectorizer.snapshots import SnapshotDescription
from vectorizer_qdrant_grpc.endpoints.snapshots import description_out
from vectorizer_qdrant_grpc.server import grpc_server

HOST = "127.0.0.1"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, int]]:
    """A gRPC server over an engine with its own snapshots folder, in its own event loop."""
    root = Path(tmp_path_factory.mktemp("grpc_snapshots"))
    engine = Engine.open(root / "data", snapshots_dir=root / "snapshots")
    started, port = threading.Event(), [0]
    stop: asyncio.Event | None = None

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with grpc_server(engine, HOST, 0) as running:
            port[0] = running.port
            started.set()
            await stop.wait()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10), "gRPC server did not start"
    try:
        yield engine, port[0]
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
        engine.close()


@pytest.fixture
def channel(served: tuple[Engine, int]) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"{HOST}:{served[1]}") as ch:
        yield ch


def make_collection(channel: grpc.Channel, name: str, points: int = 3) -> None:
    pb.CollectionsStub(channel).Create(
        pb.CreateCollection(
            collection_name=name,
            vectors_config=pb.VectorsConfig(
                params=pb.VectorParams(size=2, distance=pb.Distance.Dot)
            ),
        ),
        timeout=10,
    )
    pb.PointsStub(channel).Upsert(
        pb.UpsertPoints(
            collection_name=name,
            wait=True,
            points=[
                pb.PointStruct(
                    id=pb.PointId(num=i),
                    vectors=pb.Vectors(vector=pb.Vector(data=[1.0, float(i)])),
                )
                for i in range(points)
            ],
        ),
        timeout=10,
    )


def test_description_out() -> None:
    created = dt.datetime(2024, 5, 6, 7, 8, 9)  # naive UTC, as the core reports it
    message = description_out(SnapshotDescription("a.snapshot", created, 123, "ab" * 32))
    assert message.name == "a.snapshot" and message.size == 123
    assert message.creation_time.ToDatetime() == created
    assert message.creation_time.seconds == int(created.replace(tzinfo=dt.UTC).timestamp())
    assert message.checksum == "ab" * 32
    bare = description_out(SnapshotDescription("b.snapshot", None, 0, None))
    assert not bare.HasField("creation_time") and not bare.HasField("checksum")


def test_collection_snapshots(channel: grpc.Channel, served: tuple[Engine, int]) -> None:
    engine, _ = served
    make_collection(channel, "col")
    stub = pb.SnapshotsStub(channel)
    created = stub.Create(pb.CreateSnapshotRequest(collection_name="col"), timeout=30)
    assert created.time > 0
    description = created.snapshot_description
    (core,) = engine.snapshots.list_snapshots("col")
    assert description == description_out(core)
    assert engine.snapshots.path("col", description.name).stat().st_size == description.size
    listed = stub.List(pb.ListSnapshotsRequest(collection_name="col"), timeout=10)
    assert list(listed.snapshot_descriptions) == [description] and listed.time > 0
    deleted = stub.Delete(
        pb.DeleteSnapshotRequest(collection_name="col", snapshot_name=description.name),
        timeout=10,
    )
    assert deleted.time > 0
    assert engine.snapshots.list_snapshots("col") == []
    listed = stub.List(pb.ListSnapshotsRequest(collection_name="col"), timeout=10)
    assert list(listed.snapshot_descriptions) == []


def test_full_snapshots(channel: grpc.Channel, served: tuple[Engine, int]) -> None:
    engine, _ = served
    make_collection(channel, "full_a")
    make_collection(channel, "full_b", points=1)
    stub = pb.SnapshotsStub(channel)
    created = stub.CreateFull(pb.CreateFullSnapshotRequest(), timeout=30).snapshot_description
    assert created.name.startswith("full-snapshot-")
    in_core = [description_out(d) for d in engine.snapshots.list_full()]
    assert created in in_core
    listed = stub.ListFull(pb.ListFullSnapshotsRequest(), timeout=10).snapshot_descriptions
    assert list(listed) == in_core
    stub.DeleteFull(pb.DeleteFullSnapshotRequest(snapshot_name=created.name), timeout=10)
    assert created.name not in [d.name for d in engine.snapshots.list_full()]


@pytest.mark.parametrize(
    ("method", "request_", "code", "details"),
    [
        (
            "Create",
            pb.CreateSnapshotRequest(collection_name="nope"),
            grpc.StatusCode.NOT_FOUND,
            "Not found: Collection `nope` doesn't exist!",
        ),
        (
            "List",
            pb.ListSnapshotsRequest(collection_name="nope"),
            grpc.StatusCode.NOT_FOUND,
            "Not found: Collection `nope` doesn't exist!",
        ),
        (
            "Delete",
            pb.DeleteSnapshotRequest(collection_name="errs", snapshot_name="x.snapshot"),
            grpc.StatusCode.NOT_FOUND,
            "Not found: Snapshot x.snapshot does not exist!",
        ),
        (
            "Delete",
            pb.DeleteSnapshotRequest(collection_name="errs", snapshot_name="a/b.snapshot"),
            grpc.StatusCode.INVALID_ARGUMENT,
            "Wrong input: snapshot name 'a/b.snapshot' must be a plain file name",
        ),
        (
            "DeleteFull",
            pb.DeleteFullSnapshotRequest(snapshot_name="full-snapshot-x.snapshot"),
            grpc.StatusCode.NOT_FOUND,
            "Not found: Snapshot full-snapshot-x.snapshot does not exist!",
        ),
    ],
)
def test_errors(
    channel: grpc.Channel, method: str, request_: object, code: grpc.StatusCode, details: str
) -> None:
    if (
        not pb.CollectionsStub(channel)
        .CollectionExists(pb.CollectionExistsRequest(collection_name="errs"), timeout=10)
        .result.exists
    ):
        make_collection(channel, "errs", points=1)
    with pytest.raises(grpc.RpcError) as info:
        getattr(pb.SnapshotsStub(channel), method)(request_, timeout=10)
    assert info.value.code() == code
    assert info.value.details() == details
