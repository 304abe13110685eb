"""gRPC parity for point operations and search inputs (issue 14): what qdrant-client's own
suite checks over REST must hold over gRPC too. Each test drives a `vectorizer serve`
process with the official client over gRPC and compares with the same server over REST
and with the client's local mode (the oracle).

Covered: points without vectors (none at all, or only a sparse one, next to an unnamed
dense vector) read back as `{}` as over REST; NaN and infinite query vectors and vectors
of the wrong kind are INVALID_ARGUMENT with REST's message; scroll by `order_by` over
many equal values pages through every point; sparse search with the IDF modifier; numpy
uploads; the unnamed vector given bare or named `""`; async `auth_token_provider`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import grpc
import numpy as np
import pytest
from grpc_fixtures import Servers, grpc_servers, remote_grpc, remote_rest
from qdrant_client import AsyncQdrantClient, QdrantClient, models
from qdrant_client import grpc as pb
from qdrant_client.http.exceptions import UnexpectedResponse

__all__ = ["grpc_servers", "remote_grpc", "remote_rest"]  # fixtures used by this module

pytestmark = [
    pytest.mark.grpc_server,
    # the legacy search calls are part of what is compared; the client flags them deprecated
    pytest.mark.filterwarnings("ignore:`search.*` method is deprecated:DeprecationWarning"),
]

RNG = np.random.default_rng(14)
NAN = float("nan")
INF = float("inf")


def vector_of(record: Any) -> Any:
    """A record's vectors as plain data: lists of floats, sparse as a tagged tuple."""
    vec = record.vector
    if isinstance(vec, dict):
        return {name: vector_of_value(v) for name, v in vec.items()}
    return vector_of_value(vec)


def vector_of_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, models.SparseVector):
        return ("sparse", list(value.indices), list(value.values))
    return np.asarray(value, dtype=np.float64).tolist()


def listing(client: QdrantClient, name: str) -> list[tuple[Any, Any]]:
    records, _ = client.scroll(name, limit=100, with_vectors=True)
    return [(r.id, vector_of(r)) for r in records]


def assert_same_vectors(ours: Any, theirs: Any) -> None:
    """Equal up to float32 (gRPC sends float32, REST prints its shortest decimal, local
    mode keeps float64); a dict (also an empty one) never equals a bare vector or None."""
    assert type(ours) is type(theirs), (ours, theirs)
    if isinstance(theirs, dict):
        assert set(ours) == set(theirs)
        for name in theirs:
            assert_same_vectors(ours[name], theirs[name])
    elif isinstance(theirs, tuple):
        assert ours[1] == theirs[1]
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)
    elif theirs is not None:
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def assert_same_listing(ours: list[tuple[Any, Any]], theirs: list[tuple[Any, Any]]) -> None:
    assert [i for i, _ in ours] == [i for i, _ in theirs]
    for (_, a), (_, b) in zip(ours, theirs, strict=True):
        assert_same_vectors(a, b)


# ----------------------------------------------------------------------------- optional vectors


@pytest.mark.local_mode_fixed_in("1.14.0", "points upserted with `vector={}` in local mode")
@pytest.mark.parametrize(
    "config",
    [
        models.VectorParams(size=2, distance=models.Distance.DOT),
        models.VectorParams(
            size=2,
            distance=models.Distance.DOT,
            multivector_config=models.MultiVectorConfig(
                comparator=models.MultiVectorComparator.MAX_SIM
            ),
        ),
        {"text": models.VectorParams(size=2, distance=models.Distance.DOT)},
    ],
    ids=["unnamed", "multi", "named"],
)
def test_a_point_without_vectors_reads_back_as_an_empty_map(
    remote_grpc: QdrantClient, remote_rest: QdrantClient, local: QdrantClient, config: Any
) -> None:
    """Asked for its vectors, a point that has none gets `{}` over gRPC as over REST and
    in local mode, whatever the collection's vectors (qdrant-client's test_update_vectors
    compares such a collection with `compare_vectors`, which checks the type)."""
    for client, name in ((remote_grpc, "g"), (remote_rest, "r"), (local, "g")):
        client.create_collection(name, vectors_config=config)
        client.upsert(name, points=[models.PointStruct(id=1, vector={})], wait=True)
    for client, name in ((remote_grpc, "g"), (remote_rest, "r"), (local, "g")):
        assert listing(client, name) == [(1, {})]
    (got,) = remote_grpc.retrieve("g", [1], with_vectors=True)
    assert got.vector == {}
    (got,) = remote_grpc.retrieve("g", [1])
    assert got.vector is None  # not asked for: no `vectors` field at all


def test_deleting_the_only_vector_leaves_an_empty_map(
    remote_grpc: QdrantClient, remote_rest: QdrantClient
) -> None:
    """qdrant-client's test_vector_update: after delete_vectors([""]) the point reads
    back `{}` with its vectors, None without (both transports)."""
    remote_grpc.create_collection(
        "c", vectors_config=models.VectorParams(size=3, distance=models.Distance.DOT)
    )
    remote_grpc.upsert(
        "c", points=[models.PointStruct(id=i, vector=[1.0, 2.0, float(i)]) for i in range(3)]
    )
    remote_grpc.delete_vectors("c", vectors=[""], points=[1])
    for client in (remote_grpc, remote_rest):
        (with_vectors,) = client.retrieve("c", [1], with_vectors=True)
        assert with_vectors.vector == {}
        (without,) = client.retrieve("c", [1])
        assert without.vector is None
        hits = client.query_points("c", query=[1.0, 1.0, 1.0], with_vectors=True).points
        assert [h.id for h in hits] == [2, 0]  # the point without a vector is skipped
        assert hits[1].vector == [1.0, 2.0, 0.0]


def test_sparse_only_points_next_to_an_unnamed_dense_vector(
    remote_grpc: QdrantClient, remote_rest: QdrantClient, local: QdrantClient
) -> None:
    """A collection with an unnamed dense vector and a sparse one: points with both, with
    only the sparse one, with none; every read and search agrees across APIs."""
    sparse = models.SparseVector(indices=[1, 4], values=[0.5, 1.5])
    points = [
        models.PointStruct(id=1, vector=[1.0, 2.0]),
        models.PointStruct(id=2, vector={"s": sparse}),
        models.PointStruct(id=3, vector={"": [0.5, -1.0], "s": sparse}),
        models.PointStruct(id=4, vector={}),
    ]
    clients = (remote_grpc, remote_rest, local)
    for client, name in zip(clients, ("g", "r", "g"), strict=True):
        client.create_collection(
            name,
            vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT),
            sparse_vectors_config={"s": models.SparseVectorParams()},
        )
        client.upsert(name, points=points, wait=True)
    ours = listing(remote_grpc, "g")
    assert_same_listing(ours, listing(remote_rest, "r"))
    assert_same_listing(ours, listing(local, "g"))
    assert dict(ours)[4] == {} and dict(ours)[1] == [1.0, 2.0]
    for query, using in (([1.0, 1.0], None), (sparse, "s")):
        got = [
            c.query_points(n, query=query, using=using, with_vectors=True).points
            for c, n in zip(clients, ("g", "r", "g"), strict=True)
        ]
        # only the points that have the vector searched are found
        assert [p.id for p in got[0]] == [p.id for p in got[1]]
        assert sorted(p.id for p in got[0]) == sorted(p.id for p in got[2])
        assert len(got[0]) == 2
        for ours_hit, rest_hit in zip(got[0], got[1], strict=True):
            assert_same_vectors(vector_of(ours_hit), vector_of(rest_hit))
    # update_vectors gives the vector-less point each kind in turn
    for client, name in zip(clients, ("g", "r", "g"), strict=True):
        client.update_vectors(name, points=[models.PointVectors(id=4, vector={"s": sparse})])
        client.update_vectors(name, points=[models.PointVectors(id=2, vector=[3.0, 4.0])])
    ours = listing(remote_grpc, "g")
    assert_same_listing(ours, listing(remote_rest, "r"))
    assert_same_listing(ours, listing(local, "g"))
    assert dict(ours)[4] == {"s": ("sparse", [1, 4], [0.5, 1.5])}


def test_absent_and_empty_vectors_messages_over_raw_grpc(grpc_servers: Servers) -> None:
    """`vectors` absent, an empty `Vectors` and an empty `NamedVectors` all store a point
    without vectors; `Vectors(vector=...)` and `NamedVectors{"": ...}` are the same
    unnamed vector."""
    with grpc.insecure_channel(grpc_servers.grpc_target) as channel:
        points = pb.PointsStub(channel)
        collections = pb.CollectionsStub(channel)
        collections.Create(
            pb.CreateCollection(
                collection_name="raw",
                vectors_config=pb.VectorsConfig(
                    params=pb.VectorParams(size=3, distance=pb.Distance.Dot)
                ),
            )
        )
        try:
            given = [
                pb.PointStruct(id=pb.PointId(num=1)),
                pb.PointStruct(id=pb.PointId(num=2), vectors=pb.Vectors()),
                pb.PointStruct(id=pb.PointId(num=3), vectors=pb.Vectors(vectors=pb.NamedVectors())),
                pb.PointStruct(
                    id=pb.PointId(num=4),
                    vectors=pb.Vectors(vector=pb.Vector(data=[1.0, 2.0, 3.0])),
                ),
                pb.PointStruct(
                    id=pb.PointId(num=5),
                    vectors=pb.Vectors(
                        vectors=pb.NamedVectors(vectors={"": pb.Vector(data=[1.0, 2.0, 3.0])})
                    ),
                ),
            ]
            points.Upsert(pb.UpsertPoints(collection_name="raw", points=given, wait=True))
            got = points.Get(
                pb.GetPoints(
                    collection_name="raw",
                    ids=[pb.PointId(num=i) for i in range(1, 6)],
                    with_vectors=pb.WithVectorsSelector(enable=True),
                )
            ).result
            by_id = {p.id.num: p.vectors for p in got}
            kinds = {i: v.WhichOneof("vectors_options") for i, v in by_id.items()}
            assert kinds == {1: "vectors", 2: "vectors", 3: "vectors", 4: "vector", 5: "vector"}
            assert [len(by_id[i].vectors.vectors) for i in (1, 2, 3)] == [0, 0, 0]
            assert [list(by_id[i].vector.data) for i in (4, 5)] == [[1.0, 2.0, 3.0]] * 2
            # update_vectors with an empty `Vectors` is invalid, as `"vector": {}` is over REST
            with pytest.raises(grpc.RpcError) as empty:
                points.UpdateVectors(
                    pb.UpdatePointVectors(
                        collection_name="raw",
                        points=[pb.PointVectors(id=pb.PointId(num=4), vectors=pb.Vectors())],
                        wait=True,
                    )
                )
            assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "must specify vectors to update for point" in empty.value.details()
            with pytest.raises(grpc.RpcError) as absent:
                points.UpdateVectors(
                    pb.UpdatePointVectors(
                        collection_name="raw", points=[pb.PointVectors(id=pb.PointId(num=4))]
                    )
                )
            assert absent.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "points[0].vectors" in absent.value.details()
        finally:
            collections.Delete(pb.DeleteCollection(collection_name="raw"))


# ----------------------------------------------------------------------------- invalid inputs


def kinds_collection(*clients: QdrantClient) -> None:
    for client in clients:
        client.create_collection(
            "k",
            vectors_config={
                "text": models.VectorParams(size=4, distance=models.Distance.COSINE),
                "multi": models.VectorParams(
                    size=2,
                    distance=models.Distance.DOT,
                    multivector_config=models.MultiVectorConfig(
                        comparator=models.MultiVectorComparator.MAX_SIM
                    ),
                ),
            },
            sparse_vectors_config={"s": models.SparseVectorParams()},
        )
        client.upsert(
            "k",
            points=[
                models.PointStruct(
                    id=i,
                    vector={
                        "text": RNG.random(4).tolist(),
                        "multi": RNG.random((2, 2)).tolist(),
                        "s": models.SparseVector(indices=[i], values=[1.0]),
                    },
                )
                for i in range(5)
            ],
            wait=True,
        )


def invalid_over_both(
    remote_grpc: QdrantClient, remote_rest: QdrantClient, call: Callable[[QdrantClient], Any]
) -> tuple[str, str]:
    """The gRPC status details and the REST error of the same invalid call."""
    with pytest.raises(grpc.RpcError) as over_grpc:
        call(remote_grpc)
    assert over_grpc.value.code() == grpc.StatusCode.INVALID_ARGUMENT, over_grpc.value.details()
    with pytest.raises(UnexpectedResponse) as over_rest:
        call(remote_rest)
    assert over_rest.value.status_code in (400, 422)
    return over_grpc.value.details(), over_rest.value.content.decode()


NAN_CALLS: list[tuple[str, Callable[[QdrantClient], Any]]] = [
    ("query", lambda c: c.query_points("k", query=[0.1, NAN, 0.3, 0.4], using="text")),
    ("query inf", lambda c: c.query_points("k", query=[0.1, INF, 0.3, 0.4], using="text")),
    (
        "prefetch",
        lambda c: c.query_points(
            "k",
            prefetch=[models.Prefetch(query=[NAN, 0.2, 0.3, 0.4], using="text")],
            query=models.FusionQuery(fusion=models.Fusion.RRF),
        ),
    ),
    (
        "recommend",
        lambda c: c.query_points(
            "k",
            query=models.RecommendQuery(
                recommend=models.RecommendInput(positive=[[0.1, 0.2, NAN, 0.4]])
            ),
            using="text",
        ),
    ),
    ("multi", lambda c: c.query_points("k", query=[[0.1, NAN]], using="multi")),
    (
        "sparse",
        lambda c: c.query_points(
            "k", query=models.SparseVector(indices=[1], values=[NAN]), using="s"
        ),
    ),
    (
        "search_batch",
        lambda c: c.search_batch(
            "k",
            requests=[
                models.SearchRequest(
                    vector=models.NamedVector(name="text", vector=[NAN, 0.0, 0.0, 1.0]), limit=3
                )
            ],
        ),
    ),
    (
        "upsert",
        lambda c: c.upsert(
            "k", points=[models.PointStruct(id=9, vector={"text": [0.1, NAN, 0.3, 0.4]})]
        ),
    ),
]


@pytest.mark.parametrize("call", [c for _, c in NAN_CALLS], ids=[n for n, _ in NAN_CALLS])
@pytest.mark.client_method("search_batch")  # one of the calls (gone in 1.16+)
def test_nan_and_infinity_are_invalid_argument(
    remote_grpc: QdrantClient, remote_rest: QdrantClient, call: Callable[[QdrantClient], Any]
) -> None:
    """qdrant-client's test_query_with_nan expects an error from the server (REST cannot
    even carry NaN in JSON, and local mode asserts); over gRPC, where a float field can,
    it is INVALID_ARGUMENT naming the vector, and nothing is searched or written."""
    kinds_collection(remote_grpc)
    details, _ = invalid_over_both(remote_grpc, remote_rest, call)
    assert "NaN or infinity" in details or "must be finite numbers" in details
    assert remote_grpc.count("k").count == 5


WRONG_KIND_CALLS: list[tuple[str, str, Callable[[QdrantClient], Any]]] = [
    (
        "query dense as sparse",
        "sparse",
        lambda c: c.query_points("k", query=[1.0, 2.0], using="s"),
    ),
    (
        "query sparse as dense",
        "sparse",
        lambda c: c.query_points(
            "k", query=models.SparseVector(indices=[1], values=[1.0]), using="text"
        ),
    ),
    (
        "query multi as dense",
        "multi",
        lambda c: c.query_points("k", query=[[1.0, 2.0, 3.0, 4.0]], using="text"),
    ),
    (
        "search sparse as dense",
        "sparse",
        lambda c: c.search(
            "k",
            query_vector=models.NamedSparseVector(
                name="text", vector=models.SparseVector(indices=[1], values=[1.0])
            ),
        ),
    ),
    (
        "upsert dense as sparse",
        "sparse",
        lambda c: c.upsert("k", points=[models.PointStruct(id=9, vector={"s": [1.0, 2.0]})]),
    ),
    (
        "upsert multi as dense",
        "multi",
        lambda c: c.upsert(
            "k", points=[models.PointStruct(id=9, vector={"text": [[1.0, 2.0, 3.0, 4.0]]})]
        ),
    ),
    (
        "update sparse as dense",
        "sparse",
        lambda c: c.update_vectors(
            "k",
            points=[
                models.PointVectors(
                    id=1, vector={"text": models.SparseVector(indices=[1], values=[1.0])}
                )
            ],
        ),
    ),
]


@pytest.mark.client_method("search")  # some calls use it (gone in 1.16+)
@pytest.mark.parametrize(
    ("kind", "call"),
    [(k, c) for _, k, c in WRONG_KIND_CALLS],
    ids=[n for n, _, _ in WRONG_KIND_CALLS],
)
def test_a_vector_of_the_wrong_kind_is_invalid_argument(
    remote_grpc: QdrantClient,
    remote_rest: QdrantClient,
    kind: str,
    call: Callable[[QdrantClient], Any],
) -> None:
    """A dense vector for a sparse name, a sparse or multi one for a dense name, ...: over
    gRPC INVALID_ARGUMENT with the very message REST answers with its 400."""
    kinds_collection(remote_grpc)
    details, rest_error = invalid_over_both(remote_grpc, remote_rest, call)
    assert details == f"Wrong input: Conversion between {kind} and regular vectors failed"
    assert details in rest_error


def test_an_unnamed_vector_where_there_is_none(
    remote_grpc: QdrantClient, remote_rest: QdrantClient
) -> None:
    """qdrant-client's test_upsert_without_vector_name, over both transports."""
    remote_grpc.create_collection("e", vectors_config={})
    details, rest_error = invalid_over_both(
        remote_grpc,
        remote_rest,
        lambda c: c.upsert("e", points=[models.PointStruct(id=1, vector=[0.1, 0.2, 0.3])]),
    )
    assert "Not existing vector name error" in details
    assert "Not existing vector name error" in rest_error
    assert remote_grpc.count("e").count == 0


# ----------------------------------------------------------------------------- order_by


def datetime_value(i: int) -> str:
    """A few distinct datetimes in several RFC 3339 forms (many points share each)."""
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=7 * (i % 6))
    forms = [
        moment.isoformat(),
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat(),
    ]
    return forms[i % 3]


def scroll_all_by(client: QdrantClient, name: str, key: str) -> list[Any]:
    """Page through every point by `order_by` the way qdrant-client's congruence test does:
    restart from the last value seen, excluding the ids already returned with it."""
    seen: list[Any] = []
    last: Any = None
    last_ids: list[Any] = []
    while True:
        start = dt.datetime.fromisoformat(last) if isinstance(last, str) else last
        records, next_page = client.scroll(
            name,
            limit=7,
            order_by=models.OrderBy(key=key, start_from=start),
            scroll_filter=models.Filter(must_not=[models.HasIdCondition(has_id=last_ids)]),
            with_payload=True,
        )
        assert next_page is None  # order_by pages are not offset-addressed
        if not records:
            return seen
        value = records[-1].payload[key]
        if value != last:
            last, last_ids = value, []
        last_ids.extend(r.id for r in records if r.payload[key] == last)
        seen.extend(records)
        assert len(seen) <= 60, "scrolling does not end"


def by_value_then_id(records: list[Any], key: str, sortable: Callable[[Any], Any]) -> list[Any]:
    """(value, id) pairs with equal values sub-sorted by id (order_by does not promise an
    order among equal values)."""
    return sorted(((sortable(r.payload[key]), r.id) for r in records), key=lambda p: p)


@pytest.mark.parametrize(
    ("key", "schema", "sortable"),
    [
        ("digit", models.PayloadSchemaType.INTEGER, lambda v: v),
        ("number", models.PayloadSchemaType.FLOAT, lambda v: v),
        ("when", models.PayloadSchemaType.DATETIME, dt.datetime.fromisoformat),
    ],
    ids=["integer", "float", "datetime"],
)
def test_scroll_order_by_over_equal_values(
    remote_grpc: QdrantClient,
    remote_rest: QdrantClient,
    local: QdrantClient,
    key: str,
    schema: models.PayloadSchemaType,
    sortable: Callable[[Any], Any],
) -> None:
    """Many points share each value: paging by `start_from` plus `must_not has_id` gets
    every point exactly once, in value order, over gRPC as over REST and in local mode."""
    points = [
        models.PointStruct(
            id=i,
            vector=[1.0, float(i)],
            payload={"digit": i % 4, "number": (i % 5) * 0.25, "when": datetime_value(i)},
        )
        for i in range(40)
    ]
    for client in (remote_grpc, local):
        client.create_collection(
            "o", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
        )
        client.upsert("o", points=points, wait=True)
    remote_grpc.create_payload_index("o", key, schema, wait=True)
    got = {
        "grpc": scroll_all_by(remote_grpc, "o", key),
        "rest": scroll_all_by(remote_rest, "o", key),
        "local": scroll_all_by(local, "o", key),
    }
    for records in got.values():
        assert sorted(r.id for r in records) == list(range(40))
        values = [sortable(r.payload[key]) for r in records]
        assert values == sorted(values)
    expected = by_value_then_id(got["local"], key, sortable)
    assert by_value_then_id(got["grpc"], key, sortable) == expected
    assert by_value_then_id(got["rest"], key, sortable) == expected
    # one big page: the same points, in the same order over both transports
    for direction in (models.Direction.ASC, models.Direction.DESC):
        order = models.OrderBy(key=key, direction=direction)
        over_grpc, _ = remote_grpc.scroll("o", limit=100, order_by=order)
        over_rest, _ = remote_rest.scroll("o", limit=100, order_by=order)
        assert [r.id for r in over_grpc] == [r.id for r in over_rest]
        assert len(over_grpc) == 40


# ----------------------------------------------------------------------------- sparse IDF


@pytest.mark.client_method("search")  # NamedSparseVector searches (gone in 1.16+)
def test_sparse_idf_search_over_every_grpc_form(
    remote_grpc: QdrantClient, remote_rest: QdrantClient, local: QdrantClient
) -> None:
    """A sparse vector with the IDF modifier scores the same through Query, Search,
    SearchBatch and a prefetch over gRPC, over REST and in local mode."""
    rng = np.random.default_rng(5)

    def sparse() -> models.SparseVector:
        indices = rng.choice(40, size=5, replace=False)
        return models.SparseVector(indices=indices.tolist(), values=rng.random(5).round(3).tolist())

    points = [models.PointStruct(id=i, vector={"w": sparse()}) for i in range(60)]
    for client in (remote_grpc, local):
        client.create_collection(
            "idf",
            vectors_config={},
            sparse_vectors_config={"w": models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        client.upsert("idf", points=points, wait=True)
    query = sparse()
    named = models.NamedSparseVector(name="w", vector=query)

    def scores(c: QdrantClient) -> dict[str, list[tuple[Any, float]]]:
        def pairs(hits: list[Any]) -> list[tuple[Any, float]]:
            return [(h.id, round(h.score, 4)) for h in hits]

        return {
            "query": pairs(c.query_points("idf", query=query, using="w", limit=10).points),
            "search": pairs(c.search("idf", query_vector=named, limit=10)),
            "batch": pairs(
                c.search_batch("idf", requests=[models.SearchRequest(vector=named, limit=10)])[0]
            ),
            "prefetch": pairs(
                c.query_points(
                    "idf",
                    prefetch=[models.Prefetch(query=query, using="w", limit=10)],
                    query=models.FusionQuery(fusion=models.Fusion.RRF),
                    limit=10,
                ).points
            ),
        }

    ours = scores(remote_grpc)
    assert ours == scores(remote_rest)
    theirs = scores(local)
    for form in ("query", "search", "batch"):
        assert [s for _, s in ours[form]] == pytest.approx([s for _, s in theirs[form]])
        assert ours[form] == ours["query"]
    # the IDF weights count: the scores are not the plain dot products
    weights = dict(zip(query.indices, query.values, strict=True))
    stored = {p.id: p.vector["w"] for p in points}  # type: ignore[index]
    first_id, first_score = ours["query"][0]
    top = stored[first_id]
    dot = sum(weights.get(i, 0.0) * v for i, v in zip(top.indices, top.values, strict=True))
    assert first_score != pytest.approx(dot)


# ----------------------------------------------------------------------------- uploads


def test_numpy_uploads(
    remote_grpc: QdrantClient, remote_rest: QdrantClient, local: QdrantClient
) -> None:
    """upload_collection with a 2-D numpy array and with a dict of them, upload_points
    and a Batch from numpy rows: the same points over gRPC, REST and local mode."""
    single = RNG.normal(size=(30, 6))
    named = {"a": RNG.normal(size=(30, 3)), "b": RNG.normal(size=(30, 5))}
    for client, prefix in ((remote_grpc, "g"), (remote_rest, "r"), (local, "g")):
        client.create_collection(
            prefix + "1", vectors_config=models.VectorParams(size=6, distance=models.Distance.DOT)
        )
        client.create_collection(
            prefix + "2",
            vectors_config={
                "a": models.VectorParams(size=3, distance=models.Distance.DOT),
                "b": models.VectorParams(size=5, distance=models.Distance.EUCLID),
            },
        )
        client.upload_collection(
            prefix + "1", vectors=single, ids=list(range(30)), batch_size=8, wait=True
        )
        client.upload_collection(prefix + "2", vectors=named, ids=list(range(30)), wait=True)
        client.upload_points(
            prefix + "1",
            points=[models.PointStruct(id=100 + i, vector=single[i].tolist()) for i in range(3)],
            wait=True,
        )
        client.upsert(
            prefix + "2",
            points=models.Batch(
                ids=[200, 201],
                vectors={"a": named["a"][:2].tolist(), "b": named["b"][:2].tolist()},
            ),
            wait=True,
        )
    for name in ("1", "2"):
        ours = listing(remote_grpc, "g" + name)
        assert_same_listing(ours, listing(remote_rest, "r" + name))
        assert_same_listing(ours, listing(local, "g" + name))
    ours = dict(listing(remote_grpc, "g1"))
    assert len(ours) == 33
    assert_same_vectors(ours[7], single[7].tolist())
    assert_same_vectors(
        dict(listing(remote_grpc, "g2"))[201],
        {"a": named["a"][1].tolist(), "b": named["b"][1].tolist()},
    )


# ----------------------------------------------------------------------------- auth tokens


@pytest.mark.client_method("init.auth_token_provider", "init.check_compatibility", "unlock_storage")
def test_async_auth_token_provider_over_grpc(grpc_servers: Servers) -> None:
    """AsyncQdrantClient(prefer_grpc=True) with an async and with a sync token provider:
    every call sends `authorization: Bearer <token>` metadata, asking the provider each
    time; a server without API keys (as Qdrant without one) accepts and ignores it."""

    async def scenario() -> None:
        calls = 0

        async def async_provider() -> str:
            nonlocal calls
            await asyncio.sleep(0)
            calls += 1
            return f"token_{calls}"

        def sync_provider() -> str:
            nonlocal calls
            calls += 1
            return f"token_{calls}"

        for provider in (async_provider, sync_provider):
            calls = 0
            with pytest.warns(UserWarning, match="insecure connection"):
                client = AsyncQdrantClient(
                    url=grpc_servers.url,
                    grpc_port=grpc_servers.grpc_port,
                    prefer_grpc=True,
                    check_compatibility=False,
                    timeout=10,
                    auth_token_provider=provider,
                )
            try:
                assert (await client.get_collections()).collections == []
                await client.create_collection(
                    "t", vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT)
                )
                await client.upsert("t", points=[models.PointStruct(id=1, vector=[1.0, 0.0])])
                hits = (await client.query_points("t", query=[1.0, 0.0])).points
                assert [h.id for h in hits] == [1]
                await client.unlock_storage()
                assert calls == 5  # one token per call
                await client.delete_collection("t")
            finally:
                await client.close()

    asyncio.run(scenario())
