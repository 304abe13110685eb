"""The Collections and Points servicers over a real engine, driven with raw stubs: what
the official client cannot show (wire value kinds, defaults, `wait`, `time`, metadata,
status codes and messages, batch atomicity, the event loop staying free)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from qdrant_client import grpc as pb

import vectorizer
from vectorizer import Engine
from vectorizer.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Locked,
    NotFound,
    RateLimited,
    StorageError,
    Unsupported,
)
from vectorizer_qdrant_grpc.endpoints.collections import WARNING_METADATA
from vectorizer_qdrant_grpc.server import grpc_server
from vectorizer_qdrant_grpc.wire.errors import message, status_code

HOST = "127.0.0.1"
UUID = "6f2de94a-03c3-4641-809d-f374a0c13c0e"


class Stubs:
    """Sync stubs of the three services on one channel."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.qdrant = pb.QdrantStub(channel)
        self.collections = pb.CollectionsStub(channel)
        self.points = pb.PointsStub(channel)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, int]]:
    """A gRPC server over an engine, in its own thread and event loop."""
    engine = Engine.open(Path(tmp_path_factory.mktemp("grpc")) / "data")
    started, result = threading.Event(), {}
    stop: asyncio.Event | None = None

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with grpc_server(engine, HOST, 0) as running:
            result["port"] = running.port
            started.set()
            await stop.wait()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10), "gRPC server did not start"
    try:
        yield engine, result["port"]
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
        engine.close()


@pytest.fixture
def stubs(served: tuple[Engine, int]) -> Iterator[Stubs]:
    engine, port = served
    with grpc.insecure_channel(f"{HOST}:{port}") as channel:
        yield Stubs(channel)
    engine.set_write_lock(False)
    for name in engine.list_collections():
        engine.delete_collection(name)


def create(stubs: Stubs, name: str = "c", size: int = 4) -> None:
    params = pb.VectorParams(size=size, distance=pb.Distance.Dot)
    reply = stubs.collections.Create(
        pb.CreateCollection(collection_name=name, vectors_config=pb.VectorsConfig(params=params))
    )
    assert reply.result


def point(pid: int | str, vector: list[float], **payload: Any) -> pb.PointStruct:
    from vectorizer_qdrant_grpc.wire.values import payload_out

    key = {"num": pid} if isinstance(pid, int) else {"uuid": pid}
    return pb.PointStruct(
        id=pb.PointId(**key),
        vectors=pb.Vectors(vector=pb.Vector(data=vector)),
        payload=payload_out(payload),
    )


def upsert(stubs: Stubs, *points: pb.PointStruct, wait: bool = True) -> pb.PointsOperationResponse:
    return stubs.points.Upsert(pb.UpsertPoints(collection_name="c", wait=wait, points=points))


def rpc_error(call: Any, *args: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call(*args)
    return info.value


# ----------------------------------------------------------------------------- envelopes


def test_writes_answer_by_wait_with_operation_ids_and_time(stubs: Stubs) -> None:
    create(stubs)
    first = upsert(stubs, point(1, [1, 0, 0, 0]), wait=False)
    assert first.result.status == pb.UpdateStatus.Acknowledged
    second = upsert(stubs, point(2, [0, 1, 0, 0]), wait=True)
    assert second.result.status == pb.UpdateStatus.Completed
    assert second.result.operation_id == first.result.operation_id + 1
    assert first.time > 0
    listed = stubs.collections.List(pb.ListCollectionsRequest())
    assert [c.name for c in listed.collections] == ["c"]
    assert listed.time > 0
    batch = stubs.points.UpdateBatch(
        pb.UpdateBatchPoints(
            collection_name="c",
            operations=[
                pb.PointsUpdateOperation(
                    clear_payload=pb.PointsUpdateOperation.ClearPayload(
                        points=pb.PointsSelector(points=pb.PointsIdsList(ids=[pb.PointId(num=1)]))
                    )
                )
            ],
        )
    )
    assert [r.status for r in batch.result] == [pb.UpdateStatus.Acknowledged]


def test_payload_value_kinds_survive_on_the_wire(stubs: Stubs) -> None:
    create(stubs)
    upsert(stubs, point(UUID, [1, 2, 3, 4], i=1, f=1.0, s="x", b=True, n=None, o={"l": [1, 2.5]}))
    (got,) = stubs.points.Get(
        pb.GetPoints(collection_name="c", ids=[pb.PointId(uuid=UUID.upper())])
    ).result
    assert got.id.uuid == UUID
    kinds = {k: v.WhichOneof("kind") for k, v in got.payload.items()}
    assert kinds == {
        "i": "integer_value",
        "f": "double_value",
        "s": "string_value",
        "b": "bool_value",
        "n": "null_value",
        "o": "struct_value",
    }
    inner = got.payload["o"].struct_value.fields["l"].list_value.values
    assert [v.WhichOneof("kind") for v in inner] == ["integer_value", "double_value"]


def test_read_defaults_follow_qdrant(stubs: Stubs) -> None:
    create(stubs)
    upsert(stubs, *(point(i, [i, 1, 0, 0], i=i) for i in range(15)))
    got = stubs.points.Get(pb.GetPoints(collection_name="c", ids=[pb.PointId(num=3)])).result
    assert got[0].payload["i"].integer_value == 3  # payload by default
    assert not got[0].HasField("vectors")  # no vectors by default
    page = stubs.points.Scroll(pb.ScrollPoints(collection_name="c"))
    assert len(page.result) == 10 and page.next_page_offset.num == 10
    assert page.result[0].payload["i"].integer_value == 0
    found = stubs.points.Search(pb.SearchPoints(collection_name="c", vector=[1, 0, 0, 0], limit=3))
    assert [p.id.num for p in found.result] == [14, 13, 12]
    assert len(found.result[0].payload) == 0  # no payload by default
    assert stubs.points.Count(pb.CountPoints(collection_name="c")).result.count == 15
    query = pb.Query(nearest=pb.VectorInput(dense=pb.DenseVector(data=[1, 0, 0, 0])))
    queried = stubs.points.Query(pb.QueryPoints(collection_name="c", query=query))
    assert len(queried.result) == 10


def test_query_by_id_leaves_the_point_out(stubs: Stubs) -> None:
    create(stubs)
    upsert(stubs, *(point(i, [i, 1, 0, 0]) for i in range(6)))
    query = pb.Query(nearest=pb.VectorInput(id=pb.PointId(num=5)))
    got = stubs.points.Query(pb.QueryPoints(collection_name="c", query=query, limit=3)).result
    assert [p.id.num for p in got] == [4, 3, 2]
    batch = stubs.points.QueryBatch(
        pb.QueryBatchPoints(
            collection_name="c",
            query_points=[
                pb.QueryPoints(query=query, limit=1),
                pb.QueryPoints(query=query, limit=2, offset=1),
            ],
        )
    ).result
    assert [[p.id.num for p in r.result] for r in batch] == [[4], [3, 2]]
    missing = pb.Query(nearest=pb.VectorInput(id=pb.PointId(num=99)))
    error = rpc_error(stubs.points.Query, pb.QueryPoints(collection_name="c", query=missing))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "Not found: No point with id 99 found"


def create_from(name: str, source: str) -> pb.CreateCollection:
    """CreateCollection with a 1.14 client's `init_from_collection` (field 13; an unknown
    field of the protos from 1.16 on, which dropped it)."""
    params = pb.VectorParams(size=4, distance=pb.Distance.Dot)
    request = pb.CreateCollection(
        collection_name=name, vectors_config=pb.VectorsConfig(params=params)
    )
    encoded = source.encode()
    request.MergeFromString(bytes([13 << 3 | 2, len(encoded)]) + encoded)
    return request


def test_create_from_another_collection(stubs: Stubs) -> None:
    create(stubs)
    upsert(stubs, point(1, [1, 0, 0, 0], a=1), point(UUID, [0, 1, 0, 0]))
    stubs.collections.Create(create_from("copy", "c"))
    assert stubs.points.Count(pb.CountPoints(collection_name="copy")).result.count == 2
    error = rpc_error(stubs.collections.Create, create_from("other", "nope"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_collection_info_warnings_and_cluster_info(stubs: Stubs) -> None:
    create(stubs)
    upsert(stubs, point(1, [1, 0, 0, 0]))
    response, call = stubs.collections.Get.with_call(
        pb.GetCollectionInfoRequest(collection_name="c")
    )
    assert response.result.points_count == 1
    assert response.result.status == pb.CollectionStatus.Green
    warnings = [v for k, v in call.trailing_metadata() if k == WARNING_METADATA]
    assert any("on_disk_payload" in w for w in warnings)
    cluster = stubs.collections.CollectionClusterInfo(
        pb.CollectionClusterInfoRequest(collection_name="c")
    )
    assert cluster.peer_id > 0 and cluster.shard_count == 1
    assert [(s.shard_id, s.points_count, s.state) for s in cluster.local_shards] == [
        (0, 1, pb.ReplicaState.Active)
    ]
    assert not cluster.remote_shards


def test_aliases_and_exists(stubs: Stubs) -> None:
    create(stubs)
    stubs.collections.UpdateAliases(
        pb.ChangeAliases(
            actions=[
                pb.AliasOperations(
                    create_alias=pb.CreateAlias(collection_name="c", alias_name="al")
                )
            ]
        )
    )
    by_alias = stubs.collections.ListCollectionAliases(
        pb.ListCollectionAliasesRequest(collection_name="al")
    )
    assert [(a.alias_name, a.collection_name) for a in by_alias.aliases] == [("al", "c")]
    assert stubs.collections.CollectionExists(
        pb.CollectionExistsRequest(collection_name="al")
    ).result.exists
    error = rpc_error(
        stubs.collections.ListCollectionAliases,
        pb.ListCollectionAliasesRequest(collection_name="nope"),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = rpc_error(
        stubs.collections.UpdateAliases,
        pb.ChangeAliases(
            actions=[pb.AliasOperations(delete_alias=pb.DeleteAlias(alias_name="zz"))]
        ),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert stubs.collections.Delete(pb.DeleteCollection(collection_name="c")).result
    assert not stubs.collections.Delete(pb.DeleteCollection(collection_name="c")).result
    assert not stubs.collections.ListAliases(pb.ListAliasesRequest()).aliases


def test_field_indexes_show_in_the_payload_schema(stubs: Stubs) -> None:
    create(stubs)
    upsert(stubs, point(1, [1, 0, 0, 0], tag="a"))
    created = stubs.points.CreateFieldIndex(
        pb.CreateFieldIndexCollection(
            collection_name="c",
            field_name="tag",
            field_type=pb.FieldType.FieldTypeKeyword,
            wait=True,
        )
    )
    assert created.result.status == pb.UpdateStatus.Completed
    info = stubs.collections.Get(pb.GetCollectionInfoRequest(collection_name="c")).result
    assert info.payload_schema["tag"].data_type == pb.PayloadSchemaType.Keyword
    assert info.payload_schema["tag"].points == 1
    stubs.points.DeleteFieldIndex(
        pb.DeleteFieldIndexCollection(collection_name="c", field_name="tag")
    )
    info = stubs.collections.Get(pb.GetCollectionInfoRequest(collection_name="c")).result
    assert "tag" not in info.payload_schema


# ----------------------------------------------------------------------------- errors


def test_status_codes_and_messages(stubs: Stubs) -> None:
    error = rpc_error(stubs.collections.Get, pb.GetCollectionInfoRequest(collection_name="nope"))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "Not found: Collection `nope` doesn't exist!"
    create(stubs)
    error = rpc_error(create, stubs)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error.details() == "Wrong input: Collection `c` already exists!"
    error = rpc_error(upsert, stubs, point(1, [1.0, 2.0]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "expected dim: 4, got 2" in error.details()
    error = rpc_error(upsert, stubs, pb.PointStruct(vectors=pb.Vectors(vector=pb.Vector(data=[1]))))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "points[0].id: Empty ID is not allowed"
    sparse = pb.PointStruct(
        id=pb.PointId(num=1),
        vectors=pb.Vectors(vector=pb.Vector(sparse=pb.SparseVector(values=[1], indices=[1]))),
    )
    error = rpc_error(upsert, stubs, sparse)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Conversion between sparse and regular vectors failed" in error.details()
    bad_filter = pb.Filter(must=[pb.Condition(field=pb.FieldCondition(key="a"))])
    error = rpc_error(stubs.points.Count, pb.CountPoints(collection_name="c", filter=bad_filter))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "filter.must[0].field: At least one field condition must be specified" in error.details()
    mmr = pb.Query(
        nearest_with_mmr=pb.NearestInputWithMmr(
            nearest=pb.VectorInput(dense=pb.DenseVector(data=[1.0, 0.0])),
            mmr=pb.Mmr(diversity=1.5),
        )
    )
    error = rpc_error(stubs.points.Query, pb.QueryPoints(collection_name="c", query=mmr))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "query.nearest_with_mmr.mmr.diversity" in error.details()
    keyed = pb.SetPayloadPoints(
        collection_name="c",
        key="a",
        points_selector=pb.PointsSelector(points=pb.PointsIdsList(ids=[pb.PointId(num=1)])),
    )
    error = rpc_error(stubs.points.OverwritePayload, keyed)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = rpc_error(stubs.points.Delete, pb.DeletePoints(collection_name="c"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "PointsSelector is missing" in error.details()


def test_locked_writes_fail_their_precondition(stubs: Stubs, served: tuple[Engine, int]) -> None:
    engine, _ = served
    create(stubs)
    engine.set_write_lock(True, "maintenance")
    error = rpc_error(upsert, stubs, point(1, [1, 0, 0, 0]))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "Storage locked: maintenance"


def test_every_domain_error_has_its_status_code() -> None:
    assert status_code(BadRequest("x")) == grpc.StatusCode.INVALID_ARGUMENT
    assert status_code(vectorizer.CollectionNotFound("c")) == grpc.StatusCode.NOT_FOUND
    assert status_code(NotFound("x")) == grpc.StatusCode.NOT_FOUND
    assert status_code(AlreadyExists("x")) == grpc.StatusCode.ALREADY_EXISTS
    assert status_code(Conflict("x")) == grpc.StatusCode.FAILED_PRECONDITION
    assert status_code(Locked("x")) == grpc.StatusCode.FAILED_PRECONDITION
    assert status_code(RateLimited("x")) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert status_code(Unsupported("x")) == grpc.StatusCode.UNIMPLEMENTED
    assert status_code(StorageError("x")) == grpc.StatusCode.INTERNAL
    assert message(Locked("why")) == "Storage locked: why"
    assert message(BadRequest("as is")) == "as is"


def test_a_failing_batch_operation_writes_nothing(stubs: Stubs) -> None:
    create(stubs)
    ops = [
        pb.PointsUpdateOperation(
            upsert=pb.PointsUpdateOperation.PointStructList(points=[point(1, [1, 0, 0, 0])])
        ),
        pb.PointsUpdateOperation(
            upsert=pb.PointsUpdateOperation.PointStructList(points=[point(2, [1, 0])])
        ),
    ]
    error = rpc_error(
        stubs.points.UpdateBatch, pb.UpdateBatchPoints(collection_name="c", operations=ops)
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "(in operations[1].upsert)" in error.details()
    assert stubs.points.Count(pb.CountPoints(collection_name="c")).result.count == 0
    empty = rpc_error(
        stubs.points.UpdateBatch,
        pb.UpdateBatchPoints(collection_name="c", operations=[pb.PointsUpdateOperation()]),
    )
    assert empty.details() == "operations[0]: Operation is missing"


def test_every_batch_operation_kind(stubs: Stubs) -> None:
    create(stubs)
    ids = pb.PointsSelector(points=pb.PointsIdsList(ids=[pb.PointId(num=1)]))
    op = pb.PointsUpdateOperation
    from vectorizer_qdrant_grpc.wire.values import payload_out

    ops = [
        op(upsert=op.PointStructList(points=[point(1, [1, 0, 0, 0], a=1), point(2, [0, 1, 0, 0])])),
        op(set_payload=op.SetPayload(payload=payload_out({"b": 2}), points_selector=ids)),
        op(set_payload=op.SetPayload(payload=payload_out({"c": 3}), points_selector=ids, key="d")),
        op(delete_payload=op.DeletePayload(keys=["a"], points_selector=ids)),
        op(
            overwrite_payload=op.OverwritePayload(
                payload=payload_out({"x": 1}), points_selector=ids
            )
        ),
        op(
            update_vectors=op.UpdateVectors(
                points=[
                    pb.PointVectors(
                        id=pb.PointId(num=1),
                        vectors=pb.Vectors(vector=pb.Vector(data=[0, 0, 1, 0])),
                    )
                ]
            )
        ),
        op(
            clear_payload_deprecated=pb.PointsSelector(
                points=pb.PointsIdsList(ids=[pb.PointId(num=2)])
            )
        ),
        op(delete_deprecated=pb.PointsSelector(points=pb.PointsIdsList(ids=[pb.PointId(num=2)]))),
    ]
    result = stubs.points.UpdateBatch(
        pb.UpdateBatchPoints(collection_name="c", operations=ops, wait=True)
    )
    assert len(result.result) == len(ops)
    assert {r.status for r in result.result} == {pb.UpdateStatus.Completed}
    got = stubs.points.Get(
        pb.GetPoints(
            collection_name="c",
            ids=[pb.PointId(num=1), pb.PointId(num=2)],
            with_vectors=pb.WithVectorsSelector(enable=True),
        )
    ).result
    assert [p.id.num for p in got] == [1]
    assert {k: v.integer_value for k, v in got[0].payload.items()} == {"x": 1}
    assert list(got[0].vectors.vector.data) == [0, 0, 1, 0]


# ----------------------------------------------------------------------------- the event loop


def test_engine_work_runs_off_the_event_loop(stubs: Stubs, monkeypatch: pytest.MonkeyPatch) -> None:
    """While searches hold worker threads, the server still answers other calls."""
    create(stubs)
    upsert(stubs, point(1, [1, 0, 0, 0]))
    release, entered = threading.Event(), threading.Semaphore(0)
    nearest = vectorizer.Collection.nearest

    def blocking_nearest(self: Any, *args: Any, **kw: Any) -> Any:
        entered.release()
        release.wait(30)
        return nearest(self, *args, **kw)

    monkeypatch.setattr(vectorizer.Collection, "nearest", blocking_nearest)
    request = pb.SearchPoints(collection_name="c", vector=[1, 0, 0, 0], limit=1)
    pending = [stubs.points.Search.future(request) for _ in range(4)]
    try:
        for _ in pending:
            assert entered.acquire(timeout=10), "the searches did not start"
        started = time.perf_counter()
        stubs.qdrant.HealthCheck(pb.HealthCheckRequest(), timeout=5)
        assert stubs.points.Count(pb.CountPoints(collection_name="c"), timeout=5).result.count == 1
        assert time.perf_counter() - started < 5
        assert not any(f.done() for f in pending)
    finally:
        release.set()
    assert [f.result(timeout=10).result[0].id.num for f in pending] == [1, 1, 1, 1]


# ----------------------------------------------------------------------------- request statistics


def test_grpc_calls_show_up_in_rest_telemetry(served: tuple[Engine, int], stubs: Stubs) -> None:
    from litestar import Litestar
    from litestar.testing import TestClient

    from vectorizer.host.settings import Settings
    from vectorizer_qdrant_rest import register_http_apis

    engine, _ = served
    (api,) = register_http_apis(engine=engine, settings=Settings())
    empty = {"count": 0, "fail_count": 0}

    def counts(client: TestClient) -> dict[str, dict[str, Any]]:
        body = client.get("/telemetry").json()
        return body["result"]["requests"]["grpc"]["responses"]  # type: ignore[no-any-return]

    with TestClient(Litestar(route_handlers=api.route_handlers, **api.app_options)) as client:
        before = counts(client)
        create(stubs)
        for _ in range(2):
            stubs.collections.Get(pb.GetCollectionInfoRequest(collection_name="c"))
        rpc_error(stubs.collections.Get, pb.GetCollectionInfoRequest(collection_name="missing"))
        after = counts(client)
    get, got = before.get("/qdrant.Collections/Get", empty), after["/qdrant.Collections/Get"]
    assert (got["count"] - get["count"], got["fail_count"] - get["fail_count"]) == (3, 1)
    assert 0 < got["min_duration_micros"] <= got["max_duration_micros"]
    made = before.get("/qdrant.Collections/Create", empty)
    now = after["/qdrant.Collections/Create"]
    assert (now["count"] - made["count"], now["fail_count"] - made["fail_count"]) == (1, 0)


# ----------------------------------------------------------------------------- collection config


def vectors_config(stubs: Stubs, name: str = "c") -> pb.VectorsConfig:
    info = stubs.collections.Get(pb.GetCollectionInfoRequest(collection_name=name))
    return info.result.config.params.vectors_config


def test_a_vector_named_empty_is_reported_as_the_map_it_was_given_as(stubs: Stubs) -> None:
    """As REST: `params_map {"": ...}` stays a map; `params` stays bare params."""
    params = pb.VectorParams(size=2, distance=pb.Distance.Dot)
    as_map = pb.VectorsConfig(params_map=pb.VectorParamsMap(map={"": params}))
    stubs.collections.Create(pb.CreateCollection(collection_name="c", vectors_config=as_map))
    got = vectors_config(stubs)
    assert got.WhichOneof("config") == "params_map"
    assert dict(got.params_map.map) == {"": params}
    create(stubs, "bare", size=2)
    assert vectors_config(stubs, "bare").WhichOneof("config") == "params"


def test_vector_dimension_limit(stubs: Stubs) -> None:
    create(stubs, "max", size=65_536)
    error = rpc_error(create, stubs, "c", 65_537)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == (
        "vectors_config.params.size: value 65537 invalid, must be from 1 to 65536"
    )


def test_one_vectors_quantization_can_be_disabled(stubs: Stubs) -> None:
    scalar = pb.QuantizationConfig(scalar=pb.ScalarQuantization(type=pb.QuantizationType.Int8))
    vectors = {
        name: pb.VectorParams(size=2, distance=pb.Distance.Dot, quantization_config=scalar)
        for name in ("text", "img")
    }
    stubs.collections.Create(
        pb.CreateCollection(
            collection_name="c",
            vectors_config=pb.VectorsConfig(params_map=pb.VectorParamsMap(map=vectors)),
        )
    )
    disable = pb.VectorParamsDiff(
        quantization_config=pb.QuantizationConfigDiff(disabled=pb.Disabled())
    )
    stubs.collections.Update(
        pb.UpdateCollection(
            collection_name="c",
            vectors_config=pb.VectorsConfigDiff(
                params_map=pb.VectorParamsDiffMap(map={"text": disable})
            ),
        )
    )
    got = vectors_config(stubs).params_map.map
    assert not got["text"].HasField("quantization_config")
    assert got["img"].HasField("quantization_config")


def test_creating_a_collection_named_as_an_alias_is_invalid(stubs: Stubs) -> None:
    create(stubs)
    stubs.collections.UpdateAliases(
        pb.ChangeAliases(
            actions=[
                pb.AliasOperations(
                    create_alias=pb.CreateAlias(collection_name="c", alias_name="al")
                )
            ]
        )
    )
    error = rpc_error(create, stubs, "al")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == (
        "Wrong input: Can't create collection with name al. Alias with the same name already exists"
    )
