"""The official qdrant-client over gRPC (`prefer_grpc=True`), compared call by call with its
local mode, and against the REST API on the same engine.

Over gRPC the client turns an empty payload map into `payload=None`, as it does against a
real Qdrant; comparisons treat None and {} alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import numpy as np
import pytest
from grpc_fixtures import Servers, grpc_client, grpc_servers, remote_grpc, remote_rest
from qdrant_client import QdrantClient, models
from qdrant_client import grpc as pb
from qdrant_client.conversions.conversion import RestToGrpc

import vectorizer

__all__ = ["grpc_servers", "remote_grpc", "remote_rest"]  # fixtures used by this module

DISTANCES = [
    models.Distance.COSINE,
    models.Distance.DOT,
    models.Distance.EUCLID,
    models.Distance.MANHATTAN,
]
DIM = 16
RNG = np.random.default_rng(7)
DATA = RNG.normal(size=(60, DIM)).astype(np.float32)
QUERIES = RNG.normal(size=(5, DIM)).astype(np.float32)
UUIDS = [str(uuid.UUID(int=int(RNG.integers(1, 2**62)) * 7919)) for _ in range(20)]
CITIES = [
    (13.40, 52.52),  # Berlin
    (2.35, 48.86),  # Paris
    (-0.13, 51.51),  # London
    (12.50, 41.90),  # Rome
]

pytestmark = pytest.mark.grpc_server


def point_id(i: int) -> int | str:
    """Even rows get int ids, odd rows UUIDs (both kinds in one collection)."""
    return i * 3 if i % 2 == 0 else UUIDS[i // 2 % len(UUIDS)] if i < 40 else i * 3 + 1


def payload(i: int) -> dict[str, Any]:
    lon, lat = CITIES[i % len(CITIES)]
    return {
        "i": i,
        "half": i * 0.5,
        "tag": ["a", "b", "c"][i % 3],
        "tags": ["x", "y"] if i % 4 == 0 else ["y"],
        "nested": {"x": i * 0.5, "deep": {"ok": i % 2 == 0}},
        "items": [{"kind": "k", "n": i}, {"kind": "q", "n": -i}],
        "maybe": None if i % 5 == 0 else i,
        "empty": [] if i % 6 == 0 else [i],
        "loc": {"lon": lon, "lat": lat},
        "when": (dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i)).isoformat(),
    }


def make_points(n: int = 40) -> list[models.PointStruct]:
    return [
        models.PointStruct(id=point_id(i), vector=DATA[i].tolist(), payload=payload(i))
        for i in range(n)
    ]


def both(
    remote: QdrantClient, local: QdrantClient, call: Callable[..., Any], *args: Any
) -> tuple[Any, Any]:
    """`call(client, *args)` against our server (over gRPC) and against local mode."""
    return call(remote, *args), call(local, *args)


def setup(
    remote: QdrantClient,
    local: QdrantClient,
    distance: models.Distance = models.Distance.COSINE,
    name: str = "c",
    n: int = 40,
) -> None:
    for client in (remote, local):
        assert client.create_collection(
            name, vectors_config=models.VectorParams(size=DIM, distance=distance)
        )
        result = client.upsert(name, points=make_points(n), wait=True)
        assert result.status == models.UpdateStatus.COMPLETED


def assert_vectors_equal(ours: Any, theirs: Any) -> None:
    if theirs is None:
        assert ours is None
    elif isinstance(theirs, dict):
        assert set(ours) == set(theirs)
        for name in theirs:
            np.testing.assert_allclose(ours[name], theirs[name], atol=1e-5)
    else:
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


def assert_records_equal(ours: list[Any], theirs: list[Any]) -> None:
    assert [r.id for r in ours] == [r.id for r in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert type(a.id) is type(b.id)
        assert (a.payload or {}) == (b.payload or {})
        assert_vectors_equal(a.vector, b.vector)


def assert_scored_equal(ours: list[Any], theirs: list[Any]) -> None:
    assert [p.id for p in ours] == [p.id for p in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a.score == pytest.approx(b.score, abs=1e-4)
        assert (a.payload or {}) == (b.payload or {})


def by_id(records: list[Any]) -> list[Any]:
    return sorted(records, key=lambda r: str(r.id))


# ----------------------------------------------------------------------------- service


def test_health_check_over_grpc(grpc_servers: Servers) -> None:
    with grpc.insecure_channel(grpc_servers.grpc_target) as channel:
        reply = pb.QdrantStub(channel).HealthCheck(pb.HealthCheckRequest(), timeout=10)
    assert reply.version == vectorizer.QDRANT_VERSION  # as REST's GET /
    assert reply.title == "qdrant - vector search engine"  # Qdrant's VersionInfo, as given


# ----------------------------------------------------------------------------- collections


@pytest.mark.parametrize("distance", DISTANCES)
def test_create_collection_and_get_collection(
    remote_grpc: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    setup(remote_grpc, local, distance)
    ours, theirs = both(remote_grpc, local, lambda c: c.get_collection("c"))
    assert ours.status == models.CollectionStatus.GREEN
    assert ours.points_count == theirs.points_count == 40
    assert ours.config.params.vectors == theirs.config.params.vectors
    assert ours.config.params.vectors == models.VectorParams(size=DIM, distance=distance)
    assert ours.config.params.shard_number == 1
    assert ours.config.hnsw_config.m == 16
    assert ours.config.hnsw_config.ef_construct == 100
    assert ours.config.optimizer_config.indexing_threshold == 20000
    assert ours.config.wal_config is not None
    assert ours.payload_schema == {}
    assert ours.optimizer_status == models.OptimizersStatusOneOf.OK


def test_collection_listing_exists_and_delete(
    remote_grpc: QdrantClient, local: QdrantClient
) -> None:
    for client in (remote_grpc, local):
        for name in ("one", "two"):
            client.create_collection(
                name, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
            )
    ours, theirs = both(
        remote_grpc, local, lambda c: sorted(x.name for x in c.get_collections().collections)
    )
    assert ours == theirs == ["one", "two"]
    assert both(remote_grpc, local, lambda c: c.collection_exists("one")) == (True, True)
    assert both(remote_grpc, local, lambda c: c.collection_exists("nope")) == (False, False)
    assert both(remote_grpc, local, lambda c: c.delete_collection("one")) == (True, True)
    assert both(remote_grpc, local, lambda c: c.collection_exists("one")) == (False, False)


def test_named_vectors_collection(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    config = {
        "img": models.VectorParams(size=DIM, distance=models.Distance.DOT),
        "txt": models.VectorParams(size=4, distance=models.Distance.EUCLID),
    }
    points = [
        models.PointStruct(
            id=i, vector={"img": DATA[i].tolist(), "txt": DATA[i, :4].tolist()}, payload={"i": i}
        )
        for i in range(30)
    ]
    for client in (remote_grpc, local):
        client.create_collection("n", vectors_config=config)
        client.upsert("n", points=points)
    ours, theirs = both(remote_grpc, local, lambda c: c.get_collection("n"))
    assert ours.config.params.vectors == theirs.config.params.vectors
    ours, theirs = both(
        remote_grpc,
        local,
        lambda c: c.retrieve("n", [0, 5], with_vectors=True, with_payload=True),
    )
    assert_records_equal(ours, theirs)
    ours, theirs = both(
        remote_grpc, local, lambda c: c.retrieve("n", [3], with_vectors=["txt"], with_payload=False)
    )
    assert_records_equal(ours, theirs)
    for using, query in (("img", QUERIES[0].tolist()), ("txt", QUERIES[0, :4].tolist())):
        ours, theirs = both(
            remote_grpc,
            local,
            lambda c, u, q: c.query_points("n", query=q, using=u, limit=7).points,
            using,
            query,
        )
        assert_scored_equal(ours, theirs)


def test_update_collection(remote_grpc: QdrantClient) -> None:
    remote_grpc.create_collection(
        "c", vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT)
    )
    assert remote_grpc.update_collection(
        "c",
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1234),
        hnsw_config=models.HnswConfigDiff(ef_construct=64),
    )
    config = remote_grpc.get_collection("c").config
    assert config.optimizer_config.indexing_threshold == 1234
    assert config.hnsw_config.ef_construct == 64


def test_collection_config_round_trip(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    """What a collection is created with reads back the same over gRPC."""
    kwargs: dict[str, Any] = {
        "vectors_config": {
            "a": models.VectorParams(
                size=4,
                distance=models.Distance.COSINE,
                hnsw_config=models.HnswConfigDiff(m=8),
                on_disk=True,
                datatype=models.Datatype.FLOAT16,
            ),
            "b": models.VectorParams(size=2, distance=models.Distance.EUCLID),
        },
        "hnsw_config": models.HnswConfigDiff(ef_construct=50),
        "optimizers_config": models.OptimizersConfigDiff(indexing_threshold=0),
        "wal_config": models.WalConfigDiff(wal_capacity_mb=8),
        "quantization_config": models.ScalarQuantization(
            scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, quantile=0.5)
        ),
        "on_disk_payload": False,
    }
    for client in (remote_grpc, local):
        client.create_collection("q", **kwargs)
    ours = remote_grpc.get_collection("q").config
    assert ours.params.vectors == kwargs["vectors_config"]
    assert ours.params.on_disk_payload is False
    assert ours.hnsw_config.ef_construct == 50
    assert ours.optimizer_config.indexing_threshold == 0
    assert ours.wal_config is not None and ours.wal_config.wal_capacity_mb == 8
    assert ours.quantization_config == kwargs["quantization_config"]


def test_aliases(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    setup(remote_grpc, local)
    actions = [
        models.CreateAliasOperation(
            create_alias=models.CreateAlias(collection_name="c", alias_name="al")
        )
    ]
    assert both(remote_grpc, local, lambda c: c.update_collection_aliases(actions)) == (
        True,
        True,
    )
    ours, theirs = both(remote_grpc, local, lambda c: c.get_aliases().aliases)
    assert ours == theirs
    ours, theirs = both(remote_grpc, local, lambda c: c.get_collection_aliases("c").aliases)
    assert ours == theirs
    assert both(remote_grpc, local, lambda c: c.count("al").count) == (40, 40)
    rename = [
        models.RenameAliasOperation(
            rename_alias=models.RenameAlias(old_alias_name="al", new_alias_name="be")
        )
    ]
    both(remote_grpc, local, lambda c: c.update_collection_aliases(rename))
    ours, theirs = both(remote_grpc, local, lambda c: c.get_aliases().aliases)
    assert ours == theirs
    assert [a.alias_name for a in ours] == ["be"]


def test_collection_cluster_info(remote_grpc: QdrantClient) -> None:
    remote_grpc.create_collection(
        "c", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
    )
    remote_grpc.upsert("c", points=[models.PointStruct(id=1, vector=[1.0, 0.0])])
    info = remote_grpc.grpc_collections.CollectionClusterInfo(
        pb.CollectionClusterInfoRequest(collection_name="c")
    )
    assert info.shard_count == 1
    assert [(s.shard_id, s.points_count) for s in info.local_shards] == [(0, 1)]


# ----------------------------------------------------------------------------- points


def test_upsert_and_retrieve_int_and_uuid_ids(
    remote_grpc: QdrantClient, local: QdrantClient
) -> None:
    setup(remote_grpc, local)
    ids = [point_id(i) for i in (0, 1, 2, 3, 17)] + [999_999]
    ours, theirs = both(
        remote_grpc, local, lambda c: c.retrieve("c", ids, with_payload=True, with_vectors=True)
    )
    assert_records_equal(by_id(ours), by_id(theirs))
    assert {type(r.id) for r in ours} == {int, str}
    ours, theirs = both(
        remote_grpc,
        local,
        lambda c: c.retrieve("c", ids[:3], with_payload=["tag", "nested.x"], with_vectors=False),
    )
    assert_records_equal(by_id(ours), by_id(theirs))
    ours, theirs = both(
        remote_grpc,
        local,
        lambda c: c.retrieve(
            "c", ids[:3], with_payload=models.PayloadSelectorExclude(exclude=["items", "loc"])
        ),
    )
    assert_records_equal(by_id(ours), by_id(theirs))


def test_upsert_batch_and_upload(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    for client in (remote_grpc, local):
        client.create_collection(
            "c", vectors_config=models.VectorParams(size=DIM, distance=models.Distance.DOT)
        )
        client.upsert(
            "c",
            points=models.Batch(
                ids=[1, 2, 3],
                vectors=DATA[:3].tolist(),
                payloads=[{"k": 1}, {"k": 2.5}, {"k": "3"}],
            ),
        )
        client.upload_collection(
            "c", vectors=DATA[3:50], ids=list(range(100, 147)), payload=None, batch_size=10
        )
    ours, theirs = both(
        remote_grpc, local, lambda c: c.scroll("c", limit=100, with_vectors=True)[0]
    )
    assert len(ours) == 50
    assert_records_equal(ours, theirs)


def test_scroll_pagination_and_filters(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    setup(remote_grpc, local)
    only_a = models.Filter(
        must=[models.FieldCondition(key="tag", match=models.MatchValue(value="a"))]
    )
    for flt in (None, only_a):
        pages: dict[int, list[Any]] = {0: [], 1: []}
        for k, client in enumerate((remote_grpc, local)):
            offset = None
            while True:
                records, offset = client.scroll(
                    "c", limit=7, offset=offset, with_payload=True, scroll_filter=flt
                )
                pages[k].append((records, offset))
                if offset is None:
                    break
        assert len(pages[0]) == len(pages[1])
        for (ours, off_ours), (theirs, off_theirs) in zip(pages[0], pages[1], strict=True):
            assert_records_equal(ours, theirs)
            assert off_ours == off_theirs


def test_scroll_order_by(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    setup(remote_grpc, local)
    for client in (remote_grpc, local):
        client.create_payload_index("c", "half", models.PayloadSchemaType.FLOAT, wait=True)
    for order_by in (
        models.OrderBy(key="half"),
        models.OrderBy(key="half", direction=models.Direction.DESC, start_from=10),
    ):
        ours, theirs = both(
            remote_grpc, local, lambda c, o: c.scroll("c", limit=8, order_by=o)[0], order_by
        )
        assert [r.id for r in ours] == [r.id for r in theirs]
        # the value each point was ordered by (local mode leaves it None before
        # qdrant-client 1.14, so it is checked against the point's own payload)
        assert [r.order_value for r in ours] == [r.payload["half"] for r in ours]


def test_count_and_delete(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    setup(remote_grpc, local)
    assert both(remote_grpc, local, lambda c: c.count("c").count) == (40, 40)
    held = [point_id(0), point_id(1), point_id(2)]
    # Qdrant ignores an id it does not hold (local mode before qdrant-client 1.14 raises
    # KeyError on one, so it gets the held ids only)
    ours = remote_grpc.delete("c", points_selector=models.PointIdsList(points=[*held, 123456]))
    theirs = local.delete("c", points_selector=models.PointIdsList(points=held))
    assert ours.status == theirs.status == models.UpdateStatus.COMPLETED
    assert both(remote_grpc, local, lambda c: c.count("c", exact=True).count) == (37, 37)
    by_filter = models.FilterSelector(
        filter=models.Filter(
            must=[models.FieldCondition(key="tag", match=models.MatchValue(value="b"))]
        )
    )
    both(remote_grpc, local, lambda c: c.delete("c", points_selector=by_filter))
    ours, theirs = both(remote_grpc, local, lambda c: c.scroll("c", limit=100)[0])
    assert_records_equal(ours, theirs)


def test_payload_operations(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    setup(remote_grpc, local)
    ids = [point_id(i) for i in range(4)]

    def state(c: QdrantClient) -> list[Any]:
        return by_id(c.retrieve("c", ids, with_payload=True))

    steps: list[Callable[[QdrantClient], Any]] = [
        lambda c: c.set_payload("c", payload={"new": 1, "tag": "z", "f": 2.0}, points=ids[:2]),
        lambda c: c.set_payload("c", payload={"deep": True}, points=ids[1:3], key="nested"),
        lambda c: c.overwrite_payload("c", payload={"only": "this"}, points=[ids[3]]),
        lambda c: c.delete_payload("c", keys=["tag", "new"], points=ids),
        lambda c: c.clear_payload("c", points_selector=models.PointIdsList(points=[ids[0]])),
        lambda c: c.set_payload(
            "c",
            payload={"by_filter": [1, 2.5, None]},
            points=models.Filter(must=[models.HasIdCondition(has_id=ids[1:3])]),
        ),
    ]
    for step in steps:
        ours, theirs = both(remote_grpc, local, step)
        assert ours.status == theirs.status == models.UpdateStatus.COMPLETED
        assert_records_equal(state(remote_grpc), state(local))


def test_update_and_delete_vectors(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    config = {
        "a": models.VectorParams(size=4, distance=models.Distance.DOT),
        "b": models.VectorParams(size=4, distance=models.Distance.EUCLID),
    }
    for client in (remote_grpc, local):
        client.create_collection("n", vectors_config=config)
        client.upsert(
            "n",
            points=[
                models.PointStruct(
                    id=i, vector={"a": DATA[i, :4].tolist(), "b": DATA[i, 4:8].tolist()}
                )
                for i in range(5)
            ],
        )
        client.update_vectors(
            "n", points=[models.PointVectors(id=1, vector={"b": [1.0, 2.0, 3.0, 4.0]})]
        )
        client.delete_vectors("n", vectors=["a"], points=[2, 3])
    ours, theirs = both(
        remote_grpc, local, lambda c: c.retrieve("n", list(range(5)), with_vectors=True)
    )
    assert_records_equal(ours, theirs)


def batch_operations(updated: list[float]) -> list[Any]:
    """One operation of each kind; point_id(4)'s vector becomes `updated`."""
    return [
        models.UpsertOperation(
            upsert=models.PointsList(
                points=[models.PointStruct(id=500, vector=DATA[50].tolist(), payload={"k": 1})]
            )
        ),
        models.SetPayloadOperation(
            set_payload=models.SetPayload(payload={"k": 2.5}, points=[point_id(0)])
        ),
        models.OverwritePayloadOperation(
            overwrite_payload=models.SetPayload(payload={"o": "x"}, points=[point_id(1)])
        ),
        models.DeletePayloadOperation(
            delete_payload=models.DeletePayload(keys=["i"], points=[point_id(2)])
        ),
        models.ClearPayloadOperation(clear_payload=models.PointIdsList(points=[point_id(3)])),
        models.UpdateVectorsOperation(
            update_vectors=models.UpdateVectors(
                points=[models.PointVectors(id=point_id(4), vector=updated)]
            )
        ),
        models.DeleteOperation(delete=models.PointIdsList(points=[point_id(5)])),
    ]


def test_batch_update_points(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    setup(remote_grpc, local, n=10)
    vector = DATA[51]
    ours = remote_grpc.batch_update_points("c", batch_operations(vector.tolist()))
    # Qdrant stores an updated cosine vector normalised; local mode does too from
    # qdrant-client 1.14 on, and stores a unit vector the same before that
    unit = vector / np.linalg.norm(vector)
    theirs = local.batch_update_points("c", batch_operations(unit.tolist()))
    assert len(ours) == len(theirs) == 7
    assert {r.status for r in ours} == {models.UpdateStatus.COMPLETED}
    ours, theirs = both(
        remote_grpc, local, lambda c: c.scroll("c", limit=100, with_vectors=True)[0]
    )
    assert_records_equal(ours, theirs)


def test_payload_index_in_collection_info(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    setup(remote_grpc, local)
    schemas: list[tuple[str, Any]] = [
        ("tag", models.PayloadSchemaType.KEYWORD),
        ("i", models.PayloadSchemaType.INTEGER),
        ("half", models.PayloadSchemaType.FLOAT),
        ("loc", models.PayloadSchemaType.GEO),
        ("when", models.PayloadSchemaType.DATETIME),
        ("nested.deep.ok", models.PayloadSchemaType.BOOL),
        (
            "t",
            models.TextIndexParams(
                type=models.TextIndexType.TEXT, tokenizer=models.TokenizerType.WORD, lowercase=True
            ),
        ),
    ]
    for field, schema in schemas:
        result = remote_grpc.create_payload_index("c", field, schema, wait=True)
        assert result.status == models.UpdateStatus.COMPLETED
    info = remote_grpc.get_collection("c")
    assert {k: v.data_type for k, v in info.payload_schema.items()} == {
        "tag": models.PayloadSchemaType.KEYWORD,
        "i": models.PayloadSchemaType.INTEGER,
        "half": models.PayloadSchemaType.FLOAT,
        "loc": models.PayloadSchemaType.GEO,
        "when": models.PayloadSchemaType.DATETIME,
        "nested.deep.ok": models.PayloadSchemaType.BOOL,
        "t": models.PayloadSchemaType.TEXT,
    }
    assert info.payload_schema["tag"].points == 40
    remote_grpc.delete_payload_index("c", "tag", wait=True)
    assert "tag" not in remote_grpc.get_collection("c").payload_schema


# ----------------------------------------------------------------------------- filters

ROME_SQUARE = [(12.0, 41.0), (13.0, 41.0), (13.0, 42.0), (12.0, 42.0), (12.0, 41.0)]

FILTERS = {
    "must-should-must_not": models.Filter(
        must=[models.FieldCondition(key="tag", match=models.MatchAny(any=["a", "b"]))],
        should=[
            models.FieldCondition(key="i", range=models.Range(gte=10, lt=30)),
            models.FieldCondition(key="tags", match=models.MatchValue(value="x")),
        ],
        must_not=[
            models.FieldCondition(key="i", match=models.MatchExcept(**{"except": [12, 14, 16]}))
        ],
    ),
    "nested": models.Filter(
        must=[
            models.NestedCondition(
                nested=models.Nested(
                    key="items",
                    filter=models.Filter(
                        must=[
                            models.FieldCondition(key="kind", match=models.MatchValue(value="q")),
                            models.FieldCondition(key="n", range=models.Range(lte=-20)),
                        ]
                    ),
                )
            )
        ]
    ),
    "min_should": models.Filter(
        min_should=models.MinShould(
            conditions=[
                models.FieldCondition(key="tag", match=models.MatchValue(value="a")),
                models.FieldCondition(key="nested.deep.ok", match=models.MatchValue(value=True)),
                models.FieldCondition(key="half", range=models.Range(gt=5.0)),
            ],
            min_count=2,
        )
    ),
    "geo": models.Filter(
        should=[
            models.FieldCondition(
                key="loc",
                geo_radius=models.GeoRadius(
                    center=models.GeoPoint(lon=13.4, lat=52.5), radius=50_000
                ),
            ),
            models.FieldCondition(
                key="loc",
                geo_bounding_box=models.GeoBoundingBox(
                    top_left=models.GeoPoint(lon=2.0, lat=49.0),
                    bottom_right=models.GeoPoint(lon=3.0, lat=48.0),
                ),
            ),
        ]
    ),
    "geo_polygon": models.Filter(
        must=[
            models.FieldCondition(
                key="loc",
                geo_polygon=models.GeoPolygon(
                    exterior=models.GeoLineString(
                        points=[models.GeoPoint(lon=x, lat=y) for x, y in ROME_SQUARE]
                    )
                ),
            )
        ]
    ),
    "datetime": models.Filter(
        must=[
            models.FieldCondition(
                key="when",
                range=models.DatetimeRange(
                    gte=dt.datetime(2024, 1, 5, tzinfo=dt.UTC),
                    lt=dt.datetime(2024, 1, 20, tzinfo=dt.UTC),
                ),
            )
        ]
    ),
    "has_id-is_empty-is_null": models.Filter(
        should=[
            models.HasIdCondition(has_id=[point_id(1), point_id(2), point_id(7)]),
            models.IsEmptyCondition(is_empty=models.PayloadField(key="empty")),
            models.IsNullCondition(is_null=models.PayloadField(key="maybe")),
        ],
        must_not=[models.FieldCondition(key="i", values_count=models.ValuesCount(gt=1))],
    ),
    "text": models.Filter(
        must=[models.FieldCondition(key="tag", match=models.MatchText(text="a"))]
    ),
}


GRPC_FILTERS = {
    "geo_polygon": pb.Filter(
        must=[
            pb.Condition(
                field=pb.FieldCondition(
                    key="loc",
                    geo_polygon=pb.GeoPolygon(
                        exterior=pb.GeoLineString(
                            points=[pb.GeoPoint(lon=x, lat=y) for x, y in ROME_SQUARE]
                        )
                    ),
                )
            )
        ]
    )
}
"""The filters of `FILTERS` some clients cannot convert to gRPC, as this client's messages."""


def over_grpc(name: str) -> models.Filter | pb.Filter:
    """`FILTERS[name]` for the client over gRPC: as is, or built from the client's own
    generated messages where it cannot convert it (geo_polygon before qdrant-client 1.14)."""
    try:
        RestToGrpc.convert_filter(FILTERS[name])
    except ValueError:
        return GRPC_FILTERS[name]
    return FILTERS[name]


@pytest.mark.parametrize("name", list(FILTERS))
def test_filters_match_local_mode(
    remote_grpc: QdrantClient, local: QdrantClient, name: str
) -> None:
    setup(remote_grpc, local)
    flt, via_grpc = FILTERS[name], over_grpc(name)
    assert (
        remote_grpc.count("c", count_filter=via_grpc).count
        == local.count("c", count_filter=flt).count
    )
    assert_records_equal(
        remote_grpc.scroll("c", scroll_filter=via_grpc, limit=100)[0],
        local.scroll("c", scroll_filter=flt, limit=100)[0],
    )
    query = QUERIES[0].tolist()
    assert_scored_equal(
        remote_grpc.query_points("c", query=query, query_filter=via_grpc, limit=5).points,
        local.query_points("c", query=query, query_filter=flt, limit=5).points,
    )


# ----------------------------------------------------------------------------- search


@pytest.mark.parametrize("distance", DISTANCES)
def test_query_points_matches_local_mode(
    remote_grpc: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    setup(remote_grpc, local, distance)
    for query in (q.tolist() for q in QUERIES):
        ours, theirs = both(
            remote_grpc,
            local,
            lambda c, q: c.query_points("c", query=q, limit=10, with_payload=True).points,
            query,
        )
        assert_scored_equal(ours, theirs)
        ours, theirs = both(
            remote_grpc,
            local,
            lambda c, q: (
                c.query_points(
                    "c", query=q, limit=5, offset=3, with_payload=False, with_vectors=True
                ).points
            ),
            query,
        )
        assert_scored_equal(ours, theirs)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a.vector, b.vector, atol=1e-5)


@pytest.mark.client_method("search", "search_batch")  # removed in qdrant-client 1.16
@pytest.mark.parametrize("distance", DISTANCES)
def test_deprecated_search_matches_local_mode(
    remote_grpc: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    setup(remote_grpc, local, distance)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for query in (q.tolist() for q in QUERIES):
            ours, theirs = both(
                remote_grpc,
                local,
                lambda c, q: c.search("c", query_vector=q, limit=8, with_payload=True),
                query,
            )
            assert_scored_equal(ours, theirs)
        requests = [
            models.SearchRequest(vector=q.tolist(), limit=4, with_payload=["tag"]) for q in QUERIES
        ]
        ours, theirs = both(remote_grpc, local, lambda c: c.search_batch("c", requests=requests))
        for a, b in zip(ours, theirs, strict=True):
            assert_scored_equal(a, b)


@pytest.mark.parametrize("distance", [models.Distance.COSINE, models.Distance.EUCLID])
def test_score_threshold_matches_local_mode(
    remote_grpc: QdrantClient, local: QdrantClient, distance: models.Distance
) -> None:
    setup(remote_grpc, local, distance)
    probe = local.query_points("c", query=QUERIES[0].tolist(), limit=40).points
    # between two scores, clear of float32 rounding (the threshold travels as a float32)
    threshold = float(np.float32((probe[12].score + probe[13].score) / 2))
    ours, theirs = both(
        remote_grpc,
        local,
        lambda c: (
            c.query_points(
                "c", query=QUERIES[0].tolist(), limit=40, score_threshold=threshold
            ).points
        ),
    )
    assert len(theirs) >= 12
    assert_scored_equal(ours, theirs)


def test_query_by_point_id_and_batch(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    setup(remote_grpc, local, models.Distance.DOT)
    for pid in (point_id(0), point_id(1)):
        ours, theirs = both(
            remote_grpc, local, lambda c, p: c.query_points("c", query=p, limit=6).points, pid
        )
        assert pid not in [p.id for p in ours]
        assert_scored_equal(ours, theirs)
    requests = [
        models.QueryRequest(query=QUERIES[0].tolist(), limit=3, with_payload=True),
        models.QueryRequest(query=models.NearestQuery(nearest=QUERIES[1].tolist()), limit=5),
        models.QueryRequest(query=point_id(2), limit=4, offset=1),
    ]
    ours = remote_grpc.query_batch_points("c", requests=requests)
    # local mode answers a query by id in a batch from qdrant-client 1.14 on, alone before
    theirs = local.query_batch_points("c", requests=requests[:2])
    theirs.append(local.query_points("c", query=point_id(2), limit=4, offset=1, with_payload=False))
    assert len(ours) == 3
    for a, b in zip(ours, theirs, strict=True):
        assert_scored_equal(a.points, b.points)


@pytest.mark.client_model("Mmr")
def test_mmr_over_grpc_answers_as_over_rest(
    remote_grpc: QdrantClient, remote_rest: QdrantClient
) -> None:
    remote_grpc.create_collection(
        "c", vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE)
    )
    rng = np.random.default_rng(5)
    remote_grpc.upsert(
        "c",
        [models.PointStruct(id=i, vector=rng.normal(size=4).tolist()) for i in range(40)],
        wait=True,
    )
    mmr = models.NearestQuery(
        nearest=[1.0, 0.0, 0.5, 0.2], mmr=models.Mmr(diversity=0.7, candidates_limit=20)
    )
    ours = remote_grpc.query_points("c", query=mmr, limit=6).points
    rest = remote_rest.query_points("c", query=mmr, limit=6).points
    assert [p.id for p in ours] == [p.id for p in rest]
    assert [p.score for p in ours] == pytest.approx([p.score for p in rest], abs=1e-6)
    plain = remote_rest.query_points("c", query=mmr.nearest, limit=6).points
    assert [p.id for p in ours] != [p.id for p in plain]  # diversity changed the answer


@pytest.mark.client_model("Rrf.weights")
def test_weighted_rrf_over_grpc_answers_as_over_rest(
    remote_grpc: QdrantClient, remote_rest: QdrantClient
) -> None:
    remote_grpc.create_collection(
        "c", vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE)
    )
    rng = np.random.default_rng(7)
    remote_grpc.upsert(
        "c",
        [models.PointStruct(id=i, vector=rng.normal(size=4).tolist()) for i in range(40)],
        wait=True,
    )
    prefetch = [
        models.Prefetch(query=[1.0, 0.0, 0.5, 0.2], limit=15),
        models.Prefetch(query=[0.0, 1.0, -0.5, 0.3], limit=15),
    ]
    weighted = models.RrfQuery(rrf=models.Rrf(k=3, weights=[1.0, 3.0]))
    ours = remote_grpc.query_points("c", prefetch=prefetch, query=weighted, limit=8).points
    rest = remote_rest.query_points("c", prefetch=prefetch, query=weighted, limit=8).points
    assert [p.id for p in ours] == [p.id for p in rest]
    assert [p.score for p in ours] == pytest.approx([p.score for p in rest], abs=1e-6)
    plain = models.FusionQuery(fusion=models.Fusion.RRF)
    even = remote_grpc.query_points("c", prefetch=prefetch, query=plain, limit=8).points
    assert [p.id for p in ours] != [p.id for p in even]  # the weights changed the answer


# ----------------------------------------------------------------------------- one engine, two APIs


def test_grpc_writes_read_back_identically_over_rest(
    remote_grpc: QdrantClient, remote_rest: QdrantClient
) -> None:
    remote_grpc.create_collection(
        "x",
        vectors_config={
            "a": models.VectorParams(size=3, distance=models.Distance.EUCLID),
            "b": models.VectorParams(size=2, distance=models.Distance.DOT),
        },
    )
    points = [
        models.PointStruct(
            id=7,
            vector={"a": [1.0, 2.0, 3.5], "b": [0.25, -1.0]},
            payload={"int": 1, "float": 1.0, "nested": {"l": [1, 2.5, "s", None, {"t": True}]}},
        ),
        models.PointStruct(id=UUIDS[0], vector={"a": [0.0, 0.0, 1.0]}, payload={"big": 2**62}),
    ]
    remote_grpc.upsert("x", points=points)
    via_rest = by_id(remote_rest.retrieve("x", [7, UUIDS[0]], with_vectors=True))
    via_grpc = by_id(remote_grpc.retrieve("x", [7, UUIDS[0]], with_vectors=True))
    assert_records_equal(via_rest, via_grpc)
    assert {type(r.id) for r in via_rest} == {int, str}
    seven = next(r for r in via_rest if r.id == 7)
    assert seven.payload == points[0].payload
    assert type(seven.payload["int"]) is int and type(seven.payload["float"]) is float
    assert [type(v) for v in seven.payload["nested"]["l"]] == [int, float, str, type(None), dict]
    assert seven.vector == {"a": [1.0, 2.0, 3.5], "b": [0.25, -1.0]}


def test_rest_writes_read_back_identically_over_grpc(
    remote_grpc: QdrantClient, remote_rest: QdrantClient
) -> None:
    remote_rest.create_collection(
        "y", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
    )
    payload = {"int": -5, "float": 0.5, "whole": 2.0, "list": [1, 1.5], "obj": {"k": {"z": None}}}
    remote_rest.upsert(
        "y",
        points=[
            models.PointStruct(id=UUIDS[1], vector=[0.5, 0.25], payload=payload),
            models.PointStruct(id=3, vector=[1.0, 0.0], payload={}),
        ],
    )
    (got,) = remote_grpc.retrieve("y", [UUIDS[1]], with_vectors=True)
    assert got.id == UUIDS[1] and got.payload == payload
    assert type(got.payload["whole"]) is float and type(got.payload["int"]) is int
    assert got.vector == [0.5, 0.25]
    info_rest, info_grpc = remote_rest.get_collection("y"), remote_grpc.get_collection("y")
    assert info_grpc.config.params.vectors == info_rest.config.params.vectors
    assert info_grpc.points_count == info_rest.points_count == 2
    ours = remote_grpc.query_points("y", query=[1.0, 1.0], with_payload=True).points
    theirs = remote_rest.query_points("y", query=[1.0, 1.0], with_payload=True).points
    assert_scored_equal(ours, theirs)
    assert [type(p.id) for p in ours] == [int, str]


def test_filters_agree_across_apis(remote_grpc: QdrantClient, remote_rest: QdrantClient) -> None:
    """Both APIs read filters into the same core AST, so they select the same points."""
    remote_grpc.create_collection(
        "f", vectors_config=models.VectorParams(size=DIM, distance=models.Distance.DOT)
    )
    remote_grpc.upsert("f", points=make_points())
    for name, flt in FILTERS.items():
        ours = remote_grpc.count("f", count_filter=over_grpc(name)).count
        assert ours == remote_rest.count("f", count_filter=flt).count, name
        ours_ids = [
            r.id for r in remote_grpc.scroll("f", scroll_filter=over_grpc(name), limit=100)[0]
        ]
        assert ours_ids == [
            r.id for r in remote_rest.scroll("f", scroll_filter=flt, limit=100)[0]
        ], name


@pytest.mark.client_model("FieldCondition.is_empty", "FieldCondition.is_null")
def test_field_condition_flags_agree_across_apis(
    remote_grpc: QdrantClient, remote_rest: QdrantClient
) -> None:
    """The field condition flags (`is_empty`, `is_null`), which local mode does not
    evaluate; qdrant-client converts them to gRPC from 1.15 on, so 1.14 sends them as its
    own generated messages."""
    remote_grpc.create_collection(
        "f", vectors_config=models.VectorParams(size=DIM, distance=models.Distance.DOT)
    )
    remote_grpc.upsert("f", points=make_points())
    cases = [
        (
            models.FieldCondition(key="empty", is_empty=False),
            pb.FieldCondition(key="empty", is_empty=False),
            33,  # every sixth point has an empty list
        ),
        (
            models.FieldCondition(key="maybe", is_null=True),
            pb.FieldCondition(key="maybe", is_null=True),
            8,  # every fifth point has null
        ),
        (
            models.FieldCondition(key="tag", match=models.MatchValue(value="a"), is_empty=False),
            pb.FieldCondition(key="tag", match=pb.Match(keyword="a"), is_empty=False),
            14,
        ),
    ]
    for condition, message, expected in cases:
        flt = models.Filter(must=[condition])
        try:
            via_grpc: models.Filter | pb.Filter = flt
            RestToGrpc.convert_filter(flt)
        except ValueError:
            via_grpc = pb.Filter(must=[pb.Condition(field=message)])
        assert remote_grpc.count("f", count_filter=via_grpc).count == expected, condition
        assert remote_rest.count("f", count_filter=flt).count == expected, condition
        ours_ids = [r.id for r in remote_grpc.scroll("f", scroll_filter=via_grpc, limit=100)[0]]
        assert ours_ids == [r.id for r in remote_rest.scroll("f", scroll_filter=flt, limit=100)[0]]


# ----------------------------------------------------------------------------- big and parallel


def test_upload_points_in_parallel_over_grpc(grpc_servers: Servers) -> None:
    client = grpc_client(grpc_servers)
    try:
        client.create_collection(
            "up", vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE)
        )
        vectors = RNG.normal(size=(1000, DIM)).astype(np.float32)
        points = [
            models.PointStruct(id=i, vector=vectors[i].tolist(), payload={"i": i})
            for i in range(1000)
        ]
        client.upload_points("up", points=points, batch_size=64, parallel=2, wait=True)
        assert client.count("up").count == 1000
        (got,) = client.retrieve("up", [777], with_vectors=True)
        assert got.payload == {"i": 777}
        expected = vectors[777] / np.linalg.norm(vectors[777])
        assert isinstance(got.vector, list)
        np.testing.assert_allclose(got.vector, expected, atol=1e-5)
        client.create_collection(
            "up2", vectors_config=models.VectorParams(size=DIM, distance=models.Distance.DOT)
        )
        client.upload_collection(
            "up2",
            vectors=vectors,
            payload=[{"i": i} for i in range(1000)],
            ids=[str(uuid.UUID(int=i + 1)) for i in range(1000)],
            batch_size=100,
            parallel=2,
            wait=True,
        )
        assert client.count("up2").count == 1000
        (got,) = client.retrieve("up2", [str(uuid.UUID(int=5))])
        assert got.payload == {"i": 4}
    finally:
        for name in ("up", "up2"):
            client.delete_collection(name)
        client.close()


def test_many_concurrent_calls(remote_grpc: QdrantClient, local: QdrantClient) -> None:
    """Concurrent searches over one channel all get their own right answer."""
    setup(remote_grpc, local, models.Distance.DOT)
    queries = RNG.normal(size=(32, DIM)).astype(np.float32).tolist()

    def ask(c: QdrantClient, q: list[float]) -> list[Any]:
        return c.query_points("c", query=q, limit=5, with_payload=True).points

    with ThreadPoolExecutor(max_workers=16) as pool:
        ours = list(pool.map(lambda q: ask(remote_grpc, q), queries))
    for q, got in zip(queries, ours, strict=True):
        assert_scored_equal(got, ask(local, q))


def test_a_message_far_above_4_mib(remote_grpc: QdrantClient) -> None:
    """~20 MiB of vectors in one Upsert, and more than 4 MiB back in one Scroll."""
    dim = 1024
    remote_grpc.create_collection(
        "big", vectors_config=models.VectorParams(size=dim, distance=models.Distance.DOT)
    )
    vectors = RNG.normal(size=(5000, dim)).astype(np.float32)  # 5000 * 1024 * 4 B = 19.5 MiB
    result = remote_grpc.upsert(
        "big", points=models.Batch(ids=list(range(5000)), vectors=vectors.tolist()), wait=True
    )
    assert result.status == models.UpdateStatus.COMPLETED
    assert remote_grpc.count("big").count == 5000
    records, _ = remote_grpc.scroll("big", limit=2000, with_vectors=True)
    assert len(records) == 2000
    last = records[1999].vector
    assert isinstance(last, list)
    np.testing.assert_allclose(last, vectors[1999], rtol=1e-6)


# ----------------------------------------------------------------------------- errors


def test_errors_reach_the_client_with_their_status_codes(remote_grpc: QdrantClient) -> None:
    with pytest.raises(grpc.RpcError) as missing:
        remote_grpc.get_collection("nope")
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert missing.value.details() == "Not found: Collection `nope` doesn't exist!"
    remote_grpc.create_collection(
        "c", vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT)
    )
    with pytest.raises(grpc.RpcError) as dims:
        remote_grpc.upsert("c", points=[models.PointStruct(id=1, vector=[1.0, 2.0])])
    assert dims.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "expected dim: 4, got 2" in dims.value.details()
    with pytest.raises(grpc.RpcError) as exists:
        remote_grpc.create_collection(
            "c", vectors_config=models.VectorParams(size=4, distance=models.Distance.DOT)
        )
    assert exists.value.code() == grpc.StatusCode.ALREADY_EXISTS
    with pytest.raises(grpc.RpcError) as bad_filter:
        remote_grpc.count(
            "c",
            count_filter=models.Filter(
                must=[
                    models.FieldCondition(
                        key="place",
                        geo_radius=models.GeoRadius(
                            center=models.GeoPoint(lon=0.0, lat=91.0), radius=10.0
                        ),
                    )
                ]
            ),
        )
    assert bad_filter.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "filter.must[0].field.geo_radius.center.lat" in bad_filter.value.details()
    with pytest.raises(grpc.RpcError) as missing_point:
        remote_grpc.query_points("c", query=12345)
    assert missing_point.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as sparse:
        remote_grpc.upsert(
            "c",
            points=[
                models.PointStruct(
                    id=1, vector={"s": models.SparseVector(indices=[1], values=[0.5])}
                )
            ],
        )
    assert sparse.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Not existing vector name error: s" in sparse.value.details()


@pytest.mark.client_model("MatchTextAny", "PointsList.update_filter")
def test_newer_client_fields_answer_unimplemented(remote_grpc: QdrantClient) -> None:
    """Fields Qdrant added after 1.14 whose feature is not built (`wire/newer.py`) are not
    dropped: the request is refused, naming the feature and the field's path, and nothing
    is written. (Building one of them makes this test fail on purpose: change it then.)
    Conditional updates are built: a non-matching point keeps its state."""
    remote_grpc.create_collection(
        "c", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
    )
    remote_grpc.upsert("c", points=[models.PointStruct(id=1, vector=[1.0, 0.0], payload={"v": 1})])
    text_any = models.Filter(
        must=[models.FieldCondition(key="t", match=models.MatchTextAny(text_any="a b"))]
    )
    with pytest.raises(grpc.RpcError) as match:
        remote_grpc.count("c", count_filter=text_any)
    assert match.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert match.value.details() == (
        "Not implemented in Vectorizer yet: full-text match `text_any` "
        "(filter.must[0].field.match.text_any)"
    )
    conditional = models.Filter(
        must=[models.FieldCondition(key="v", match=models.MatchValue(value=2))]
    )
    # conditional updates are built: the point does not match, so it keeps its state
    remote_grpc.upsert(
        "c",
        points=[models.PointStruct(id=1, vector=[0.0, 1.0], payload={"v": 3})],
        update_filter=conditional,
        wait=True,
    )
    (kept,) = remote_grpc.retrieve("c", [1], with_vectors=True)
    assert kept.payload == {"v": 1} and kept.vector == [1.0, 0.0]
