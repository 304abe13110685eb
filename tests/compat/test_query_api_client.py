"""The Query API and the legacy search family through qdrant-client, against local mode.

Every call runs against our server (over REST) and against qdrant-client's local mode on
the same random data (two dense named vectors, mixed int and UUID ids, payloads with
numbers, keywords, arrays, geo points and datetimes) with random filters; the answers
must agree: ids, order, payloads, and scores within float tolerance. Scores are
continuous, so ties do not decide an order, except where a test says otherwise.

Where local mode is known to differ from the Qdrant server, the calls avoid the
difference rather than test it: a root filter with prefetches (the server applies it to
every prefetch, local mode only to the final stage) and point ids inside prefetches (the
server leaves them out of the whole result, local mode only out of that prefetch).
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

DIM_A, DIM_B = 8, 6
N = 90
RNG = np.random.default_rng(20240611)
A = RNG.normal(size=(N, DIM_A)).astype(np.float32)
B = RNG.normal(size=(N, DIM_B)).astype(np.float32)
QA = RNG.normal(size=(12, DIM_A)).astype(np.float32)
QB = RNG.normal(size=(12, DIM_B)).astype(np.float32)
COLORS = ["red", "green", "blue", "black"]
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

STRATEGIES = [
    "average_vector",
    "best_score",
    # qdrant-client has `sum_scores` from 1.14, the release that brought FormulaQuery
    pytest.param("sum_scores", marks=pytest.mark.client_model("FormulaQuery")),
]

DISTANCES = [
    models.Distance.COSINE,
    models.Distance.DOT,
    models.Distance.EUCLID,
    models.Distance.MANHATTAN,
]


def point_id(i: int) -> int | str:
    """Every fifth point has a UUID, the others an int id."""
    return str(uuid.UUID(int=(i + 1) * 7919 * 2**64 + 17)) if i % 5 == 4 else i * 3 + 1


def payload(i: int) -> dict[str, Any]:
    rng = np.random.default_rng(i)
    out: dict[str, Any] = {
        "g": int(i % 6),
        "gs": sorted({int(v) for v in rng.integers(0, 8, size=int(rng.integers(1, 3)))}),
        "color": COLORS[int(rng.integers(0, 4))],
        "n": int(rng.integers(0, 1000)),
        "geo": {"lon": float(rng.uniform(-10, 10)), "lat": float(rng.uniform(40, 55))},
        "when": (EPOCH + dt.timedelta(hours=float(rng.uniform(0, 2000)))).isoformat(),
    }
    if i % 9 != 5:
        out["x"] = round(float(rng.uniform(0, 100)), 3)
    return out


def make_points() -> list[models.PointStruct]:
    points = []
    for i in range(N):
        vector: dict[str, list[float]] = {"a": A[i].tolist()}
        if i % 7 != 3:
            vector["b"] = B[i].tolist()
        points.append(models.PointStruct(id=point_id(i), vector=vector, payload=payload(i)))
    return points


def setup(
    remote: QdrantClient,
    local: QdrantClient,
    distance: models.Distance = models.Distance.COSINE,
    name: str = "q",
) -> None:
    vectors = {
        "a": models.VectorParams(size=DIM_A, distance=distance),
        "b": models.VectorParams(size=DIM_B, distance=models.Distance.EUCLID),
    }
    for client in (remote, local):
        client.create_collection(name, vectors_config=vectors)
        client.upsert(name, points=make_points(), wait=True)
        client.create_payload_index(name, "x", models.PayloadSchemaType.FLOAT)


def random_filter(rng: np.random.Generator) -> models.Filter | None:
    """One of a few filter shapes with random parameters (None: no filter)."""
    kind = int(rng.integers(0, 5))
    groups = sorted(int(g) for g in rng.choice(6, size=3, replace=False))
    low = float(rng.uniform(0, 60))
    by_group = models.FieldCondition(key="g", match=models.MatchAny(any=groups))
    by_x = models.FieldCondition(key="x", range=models.Range(gte=low, lt=low + 40))
    red = models.FieldCondition(key="color", match=models.MatchValue(value="red"))
    if kind == 0:
        return models.Filter(must=[by_group])
    if kind == 1:
        return models.Filter(must=[by_x])
    if kind == 2:
        return models.Filter(must_not=[red])
    if kind == 3:
        return models.Filter(should=[by_group, by_x], must_not=[red])
    return None


def both(remote: QdrantClient, local: QdrantClient, call: Callable[[QdrantClient], Any]) -> Any:
    """`call` against our server and against local mode."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return call(remote), call(local)


def assert_scored_equal(ours: list[Any], theirs: list[Any]) -> None:
    """Same points in the same order, same scores (float tolerance), payloads, vectors."""
    assert [p.id for p in ours] == [p.id for p in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert type(a.id) is type(b.id)
        assert a.score == pytest.approx(b.score, rel=1e-4, abs=1e-4)
        assert a.payload == b.payload
        assert (a.vector is None) == (b.vector is None)
        if isinstance(b.vector, dict):
            assert set(a.vector) == set(b.vector)
            for name in b.vector:
                np.testing.assert_allclose(a.vector[name], b.vector[name], atol=1e-5)


def assert_same_ranking(ours: list[Any], theirs: list[Any], tol: float = 1e-6) -> None:
    """Same points with the same scores, best first; points whose scores are within `tol`
    of each other (ties in float32) may come in either order. Meant for whole rankings
    (a limit that cuts a run of ties may keep different members of it)."""
    assert [a.score for a in ours] == pytest.approx([b.score for b in theirs], rel=1e-4, abs=1e-4)
    start = 0
    for end in range(1, len(theirs) + 1):
        if end == len(theirs) or theirs[end - 1].score - theirs[end].score > tol:
            assert {p.id for p in ours[start:end]} == {p.id for p in theirs[start:end]}
            start = end


def assert_groups_equal(ours: Any, theirs: Any) -> None:
    assert [g.id for g in ours.groups] == [g.id for g in theirs.groups]
    for a, b in zip(ours.groups, theirs.groups, strict=True):
        assert_scored_equal(a.hits, b.hits)
        if b.lookup is None:
            assert a.lookup is None
        else:
            assert a.lookup.id == b.lookup.id
            assert a.lookup.payload == b.lookup.payload


@pytest.fixture
def trials() -> Iterator[np.random.Generator]:
    yield np.random.default_rng(99)


def examples(rng: np.random.Generator, count: int) -> list[Any]:
    """Recommend examples: point ids of points with an `a` vector, and raw vectors."""
    out: list[Any] = []
    for _ in range(count):
        if rng.random() < 0.7:
            out.append(point_id(int(rng.integers(0, N))))
        else:
            out.append(rng.normal(size=DIM_A).round(4).tolist())
    return out


# ----------------------------------------------------------------------------- query_points


@pytest.mark.parametrize("distance", DISTANCES)
def test_nearest_by_vector_and_by_id_with_filters(
    remote: QdrantClient, local: QdrantClient, distance: models.Distance, trials: Any
) -> None:
    setup(remote, local, distance)
    for i in range(8):
        flt = random_filter(trials)
        query: Any = QA[i].tolist() if i % 2 else point_id(int(trials.integers(0, N)))
        ours, theirs = both(
            remote,
            local,
            lambda c, q=query, f=flt, i=i: (
                c.query_points(
                    "q",
                    query=q,
                    using="a",
                    query_filter=f,
                    limit=7,
                    offset=i % 3,
                    with_payload=True,
                ).points
            ),
        )
        assert_scored_equal(ours, theirs)
        assert len(theirs) > 0


@pytest.mark.parametrize("distance", DISTANCES)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_recommend_queries(
    remote: QdrantClient,
    local: QdrantClient,
    distance: models.Distance,
    strategy: str,
    trials: Any,
) -> None:
    setup(remote, local, distance)
    for _ in range(6):
        positive = examples(trials, int(trials.integers(1, 4)))
        negative = examples(trials, int(trials.integers(0, 3)))
        recommend = models.RecommendInput(
            positive=positive, negative=negative, strategy=models.RecommendStrategy(strategy)
        )
        flt = random_filter(trials)
        ours, theirs = both(
            remote,
            local,
            lambda c, r=recommend, f=flt: (
                c.query_points(
                    "q",
                    query=models.RecommendQuery(recommend=r),
                    using="a",
                    query_filter=f,
                    limit=8,
                    with_payload=["g", "color"],
                ).points
            ),
        )
        assert_scored_equal(ours, theirs)


@pytest.mark.parametrize("distance", DISTANCES)
def test_discover_queries(
    remote: QdrantClient, local: QdrantClient, distance: models.Distance, trials: Any
) -> None:
    """The whole ranking: in float32, 2 + a sigmoid of a far target's similarity can tie."""
    setup(remote, local, distance)
    for _ in range(6):
        target, *flat = examples(trials, 5)
        pairs = [
            models.ContextPair(positive=flat[j], negative=flat[j + 1])
            for j in range(0, len(flat), 2)
        ]
        flt = random_filter(trials)
        ours, theirs = both(
            remote,
            local,
            lambda c, t=target, p=pairs, f=flt: (
                c.query_points(
                    "q",
                    query=models.DiscoverQuery(discover=models.DiscoverInput(target=t, context=p)),
                    using="a",
                    query_filter=f,
                    limit=N,
                ).points
            ),
        )
        assert_same_ranking(ours, theirs)


@pytest.mark.parametrize("distance", DISTANCES)
def test_context_queries_rank_every_point_alike(
    remote: QdrantClient, local: QdrantClient, distance: models.Distance, trials: Any
) -> None:
    """Context scores tie (0 is the best score, which many points get): the whole ranking
    is compared, tied points in any order."""
    setup(remote, local, distance)
    for _ in range(4):
        flat = examples(trials, 4)
        pairs = [models.ContextPair(positive=flat[0], negative=flat[1])]
        pairs.append(models.ContextPair(positive=flat[2], negative=flat[3]))
        ours, theirs = both(
            remote,
            local,
            lambda c, p=pairs: (
                c.query_points("q", query=models.ContextQuery(context=p), using="a", limit=N).points
            ),
        )
        assert_same_ranking(ours, theirs)
        assert ours[0].score == 0.0


def assert_listed_equal(ours: list[Any], theirs: list[Any]) -> None:
    """Scroll-like results (no query, `order_by`): same points, payloads and order values.

    Their score is 0 on our server as in the local mode of the clients one minor away from
    Qdrant 1.14 (qdrant-client 1.20's local mode says 1, as later servers do). Local mode
    before 1.14 gives no `order_value`: ours are then checked against the payload."""
    assert [p.id for p in ours] == [p.id for p in theirs]
    assert [p.payload for p in ours] == [p.payload for p in theirs]
    assert all(p.score == 0.0 for p in ours)
    assert len({p.score for p in theirs}) <= 1
    if any(p.order_value is not None for p in theirs):
        assert [p.order_value for p in ours] == [p.order_value for p in theirs]
    else:
        assert [p.order_value for p in ours] == [
            p.payload["x"] if p.payload else None for p in ours
        ]


def test_order_by_and_plain_listing(remote: QdrantClient, local: QdrantClient, trials: Any) -> None:
    setup(remote, local)
    for i in range(6):
        flt = random_filter(trials)
        direction = models.Direction.DESC if i % 2 else models.Direction.ASC
        order = models.OrderBy(key="x", direction=direction)
        ours, theirs = both(
            remote,
            local,
            lambda c, f=flt, o=order: (
                c.query_points(
                    "q",
                    query=models.OrderByQuery(order_by=o),
                    query_filter=f,
                    limit=9,
                    with_payload=True,
                ).points
            ),
        )
        assert_listed_equal(ours, theirs)
        values = [p.order_value for p in ours]
        assert values == sorted(values, reverse=direction == models.Direction.DESC)
        ours, theirs = both(
            remote,
            local,
            lambda c, f=flt, i=i: (
                c.query_points("q", query_filter=f, limit=6, offset=i, with_vectors=["b"]).points
            ),
        )
        assert [p.id for p in ours] == [p.id for p in theirs]
        for a, b in zip(ours, theirs, strict=True):
            assert a.payload == b.payload and a.score == 0.0
            assert (a.vector or {}).keys() == (b.vector or {}).keys()


@pytest.mark.client_model("SampleQuery")
def test_sample_draws_distinct_matching_points(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    flt = models.Filter(must=[models.FieldCondition(key="g", match=models.MatchValue(value=2))])
    matching = {p.id for p in local.scroll("q", scroll_filter=flt, limit=N)[0]}
    seen: set[Any] = set()
    for _ in range(5):
        points = remote.query_points(
            "q", query=models.SampleQuery(sample=models.Sample.RANDOM), query_filter=flt, limit=6
        ).points
        ids = [p.id for p in points]
        assert len(ids) == len(set(ids)) == 6
        assert set(ids) <= matching
        seen |= set(ids)
    assert len(seen) > 6  # not the same six every time


@pytest.mark.parametrize("fusion", [models.Fusion.RRF, models.Fusion.DBSF])
def test_fusion_of_prefetches(
    remote: QdrantClient, local: QdrantClient, fusion: models.Fusion, trials: Any
) -> None:
    setup(remote, local)
    for i in range(5):
        prefetch = [
            models.Prefetch(
                query=QA[i].tolist(), using="a", limit=20, filter=random_filter(trials)
            ),
            models.Prefetch(query=QB[i].tolist(), using="b", limit=15),
        ]
        ours, theirs = both(
            remote,
            local,
            lambda c, p=prefetch, i=i: (
                c.query_points(
                    "q",
                    prefetch=p,
                    query=models.FusionQuery(fusion=fusion),
                    limit=10,
                    with_payload=True,
                ).points
            ),
        )
        assert_scored_equal(ours, theirs)


# local mode adds the offset to prefetch limits before qdrant-client 1.14 (Qdrant 1.14
# stopped doing so, qdrant/qdrant#6357); 1.14 is the release that brought FormulaQuery
@pytest.mark.client_model("FormulaQuery")
def test_offset_is_not_passed_on_to_prefetches(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    prefetch = [
        models.Prefetch(query=QA[0].tolist(), using="a", limit=6),
        models.Prefetch(query=QB[0].tolist(), using="b", limit=6),
    ]
    for offset in (0, 3, 7, 20):
        ours, theirs = both(
            remote,
            local,
            lambda c, o=offset: (
                c.query_points(
                    "q",
                    prefetch=prefetch,
                    query=models.FusionQuery(fusion=models.Fusion.RRF),
                    limit=5,
                    offset=o,
                ).points
            ),
        )
        assert_scored_equal(ours, theirs)
    assert ours == []  # 12 candidates at most: nothing is left at offset 20


def test_nested_prefetches_rescored_by_vectors(
    remote: QdrantClient, local: QdrantClient, trials: Any
) -> None:
    setup(remote, local, models.Distance.DOT)
    for i in range(5):
        # the filter on the leaf: local mode does not pass a stage's filter on to its prefetches
        inner = models.Prefetch(
            query=QA[i].tolist(), using="a", limit=40, filter=random_filter(trials)
        )
        middle = models.Prefetch(prefetch=[inner], query=QB[i].tolist(), using="b", limit=20)
        ours, theirs = both(
            remote,
            local,
            lambda c, m=middle, i=i: (
                c.query_points(
                    "q",
                    prefetch=[m],
                    query=QA[i + 1].tolist(),
                    using="a",
                    limit=8,
                    with_payload=True,
                ).points
            ),
        )
        assert_scored_equal(ours, theirs)
        recommend = models.RecommendQuery(
            recommend=models.RecommendInput(
                positive=[QA[i + 2].tolist()], strategy=models.RecommendStrategy.BEST_SCORE
            )
        )
        ours, theirs = both(
            remote,
            local,
            lambda c, m=middle, r=recommend: (
                c.query_points("q", prefetch=[m], query=r, using="a", limit=8).points
            ),
        )
        assert_scored_equal(ours, theirs)


@pytest.mark.client_model("FormulaQuery")
def test_formula_rescoring(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    red = models.FieldCondition(key="color", match=models.MatchValue(value="red"))
    formulas = [
        models.SumExpression(sum=["$score", models.MultExpression(mult=[0.01, "x"])]),
        models.SumExpression(
            sum=[
                "$score[0]",
                models.MultExpression(mult=[0.5, red]),
                models.NegExpression(neg="$score[1]"),
            ]
        ),
        models.ExpDecayExpression(
            exp_decay=models.DecayParamsExpression(
                x=models.GeoDistance(
                    geo_distance=models.GeoDistanceParams(
                        origin=models.GeoPoint(lon=0.0, lat=48.0), to="geo"
                    )
                ),
                scale=300_000,
            )
        ),
        models.GaussDecayExpression(
            gauss_decay=models.DecayParamsExpression(
                x=models.DatetimeKeyExpression(datetime_key="when"),
                target=models.DatetimeExpression(datetime="2024-02-01T00:00:00Z"),
                scale=86_400 * 20,
                midpoint=0.3,
            )
        ),
        models.LinDecayExpression(
            lin_decay=models.DecayParamsExpression(x="n", target=500, scale=600)
        ),
        models.DivExpression(
            div=models.DivParams(
                left=models.SqrtExpression(sqrt=models.AbsExpression(abs="n")),
                right=models.SumExpression(sum=["x", 1.0]),
                by_zero_default=0.0,
            )
        ),
        models.SumExpression(
            sum=[
                models.PowExpression(pow=models.PowParams(base="$score", exponent=2)),
                models.LnExpression(ln=models.SumExpression(sum=["n", 1])),
                models.Log10Expression(log10=models.SumExpression(sum=["n", 10])),
                models.ExpExpression(exp=models.MultExpression(mult=["$score", -1])),
            ]
        ),
    ]
    prefetch = [
        models.Prefetch(query=QA[0].tolist(), using="a", limit=30),
        models.Prefetch(query=QB[0].tolist(), using="b", limit=30),
    ]
    for formula in formulas:
        query = models.FormulaQuery(formula=formula, defaults={"x": 50.0})
        ours, theirs = both(
            remote,
            local,
            lambda c, q=query: (
                c.query_points("q", prefetch=prefetch, query=q, limit=12, with_payload=True).points
            ),
        )
        assert_scored_equal(ours, theirs)


@pytest.mark.client_model("FormulaQuery")
def test_formula_errors_reach_the_client(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    prefetch = models.Prefetch(query=QA[0].tolist(), using="a", limit=30)
    bad = [
        models.FormulaQuery(formula=models.SumExpression(sum=["$score", "x"])),  # x is missing
        models.FormulaQuery(formula=models.DivExpression(div=models.DivParams(left=1, right=0))),
        models.FormulaQuery(formula=models.LnExpression(ln=-1.0)),
    ]
    for query in bad:
        with pytest.raises(UnexpectedResponse) as caught:
            remote.query_points("q", prefetch=prefetch, query=query, limit=90)
        assert caught.value.status_code == 400


def test_query_batch_points(remote: QdrantClient, local: QdrantClient, trials: Any) -> None:
    setup(remote, local, models.Distance.EUCLID)
    requests = [
        models.QueryRequest(query=QA[0].tolist(), using="a", limit=5, filter=random_filter(trials)),
        models.QueryRequest(query=QB[2].tolist(), using="b", limit=4, with_payload=True),
        models.QueryRequest(
            query=models.RecommendQuery(recommend=models.RecommendInput(positive=[QA[7].tolist()])),
            using="a",
            limit=6,
        ),
        models.QueryRequest(
            prefetch=[models.Prefetch(query=QA[1].tolist(), using="a", limit=12)],
            query=models.FusionQuery(fusion=models.Fusion.RRF),
            limit=5,
        ),
    ]
    ours, theirs = both(remote, local, lambda c: c.query_batch_points("q", requests=requests))
    for a, b in zip(ours, theirs, strict=True):
        assert_scored_equal(a.points, b.points)


def test_lookup_from_another_collection(
    remote: QdrantClient, local: QdrantClient, trials: Any
) -> None:
    """Example ids are read from `lookup_from`'s collection and vector (and, being another
    collection's points, not left out of the results)."""
    setup(remote, local)
    for client in (remote, local):
        client.create_collection(
            "other", vectors_config={"v": models.VectorParams(size=DIM_A, distance="Cosine")}
        )
        client.upsert(
            "other",
            points=[
                models.PointStruct(id=point_id(i), vector={"v": QA[i % 12].tolist()})
                for i in range(20)
            ],
        )
    lookup = models.LookupLocation(collection="other", vector="v")
    recommend = models.RecommendQuery(
        recommend=models.RecommendInput(positive=[point_id(1), point_id(4)], negative=[point_id(2)])
    )
    for query in (point_id(9), recommend):
        ours, theirs = both(
            remote,
            local,
            lambda c, q=query: (
                c.query_points("q", query=q, using="a", lookup_from=lookup, limit=10).points
            ),
        )
        assert_scored_equal(ours, theirs)


# ----------------------------------------------------------------------------- groups


def test_query_points_groups(remote: QdrantClient, local: QdrantClient, trials: Any) -> None:
    """Groups in the order of their best point, at most `group_size` points each; a point
    whose key holds an array is in the group of each value."""
    setup(remote, local)
    for client in (remote, local):
        client.create_collection(
            "lookup", vectors_config=models.VectorParams(size=2, distance="Dot")
        )
        client.upsert(
            "lookup",
            points=[
                models.PointStruct(id=i, vector=[float(i), 1.0], payload={"name": f"group {i}"})
                for i in range(0, 9, 2)
            ],
        )
    for i, key in enumerate(["g", "gs", "color", "gs", "g", "color"]):
        flt = random_filter(trials)
        ours, theirs = both(
            remote,
            local,
            lambda c, k=key, f=flt, i=i: c.query_points_groups(
                "q",
                query=QA[i].tolist(),
                using="a",
                group_by=k,
                group_size=3,
                limit=4,
                query_filter=f,
                with_payload=["g", "gs", "color"],
                with_lookup=(
                    models.WithLookup(collection="lookup", with_payload=True)
                    if k != "color"
                    else None
                ),
            ),
        )
        assert_groups_equal(ours, theirs)


@pytest.mark.client_method("search_groups")  # removed in qdrant-client 1.16
def test_search_groups(remote: QdrantClient, local: QdrantClient, trials: Any) -> None:
    setup(remote, local, models.Distance.MANHATTAN)
    for i in range(4):
        flt = random_filter(trials)
        ours, theirs = both(
            remote,
            local,
            lambda c, f=flt, i=i: c.search_groups(
                "q",
                query_vector=("a", QA[i].tolist()),
                group_by="gs",
                limit=3,
                group_size=2,
                query_filter=f,
                with_payload=True,
            ),
        )
        assert_groups_equal(ours, theirs)


# ----------------------------------------------------------------------------- legacy endpoints


@pytest.mark.client_method("recommend", "recommend_batch", "recommend_groups")  # gone in 1.16
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_legacy_recommend(
    remote: QdrantClient, local: QdrantClient, strategy: str, trials: Any
) -> None:
    setup(remote, local, models.Distance.DOT)
    chosen = models.RecommendStrategy(strategy)
    for _ in range(4):
        positive = examples(trials, int(trials.integers(1, 3)))
        negative = examples(trials, int(trials.integers(0, 3)))
        flt = random_filter(trials)
        ours, theirs = both(
            remote,
            local,
            lambda c, p=positive, n=negative, f=flt: c.recommend(
                "q",
                positive=p,
                negative=n,
                strategy=chosen,
                using="a",
                query_filter=f,
                limit=6,
                offset=1,
                with_payload=True,
            ),
        )
        assert_scored_equal(ours, theirs)
    requests = [
        models.RecommendRequest(positive=[point_id(5)], using="a", limit=4, strategy=chosen),
        models.RecommendRequest(
            positive=[point_id(6), QA[0].tolist()],
            negative=[point_id(8)],
            using="a",
            limit=3,
            strategy=chosen,
        ),
    ]
    ours, theirs = both(remote, local, lambda c: c.recommend_batch("q", requests=requests))
    for a, b in zip(ours, theirs, strict=True):
        assert_scored_equal(a, b)
    ours, theirs = both(
        remote,
        local,
        lambda c: c.recommend_groups(
            "q",
            group_by="g",
            positive=[point_id(10)],
            negative=[point_id(11)],
            strategy=chosen,
            using="a",
            limit=3,
            group_size=2,
            with_payload=True,
        ),
    )
    assert_groups_equal(ours, theirs)


@pytest.mark.client_method("discover", "discover_batch")  # removed in qdrant-client 1.16
def test_legacy_discover(remote: QdrantClient, local: QdrantClient, trials: Any) -> None:
    setup(remote, local)
    for _ in range(4):
        target, *flat = examples(trials, 3)
        context = [models.ContextExamplePair(positive=flat[0], negative=flat[1])]
        flt = random_filter(trials)
        ours, theirs = both(
            remote,
            local,
            lambda c, t=target, ctx=context, f=flt: c.discover(
                "q", target=t, context=ctx, using="a", query_filter=f, limit=7, with_payload=True
            ),
        )
        assert_scored_equal(ours, theirs)
    context = [models.ContextExamplePair(positive=point_id(1), negative=point_id(2))]
    requests = [
        models.DiscoverRequest(target=point_id(3), context=context, using="a", limit=5),
        models.DiscoverRequest(context=context, using="a", limit=N),
    ]
    ours, theirs = both(remote, local, lambda c: c.discover_batch("q", requests=requests))
    assert_scored_equal(ours[0], theirs[0])
    assert_same_ranking(ours[1], theirs[1])


# ----------------------------------------------------------------------------- errors


def test_errors_of_the_query_api(remote: QdrantClient) -> None:
    remote.create_collection(
        "e", vectors_config={"a": models.VectorParams(size=2, distance="Cosine")}
    )
    remote.upsert("e", points=[models.PointStruct(id=1, vector={"a": [1.0, 0.0]})])
    cases: list[tuple[dict[str, Any], int]] = [
        ({"query": 999, "using": "a"}, 404),  # no such point
        ({"query": [1.0, 0.0], "using": "nope"}, 400),  # no such vector
        ({"query": models.FusionQuery(fusion=models.Fusion.RRF)}, 400),  # fusion, no prefetch
        ({"prefetch": models.Prefetch(query=[1.0, 0.0], using="a")}, 400),  # nothing to merge
        ({"query": 1, "using": "a", "lookup_from": models.LookupLocation(collection="gone")}, 404),
    ]
    for kwargs, status in cases:
        with pytest.raises(UnexpectedResponse) as caught:
            remote.query_points("e", **kwargs)
        assert caught.value.status_code == status, kwargs
