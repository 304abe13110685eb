"""The query engine against a collection: each query kind, prefetch nesting, ids left out,
`lookup_from`, strict checks of the request, and the HNSW index while it builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from core_helpers import make_config, search

from vectorizer import Engine, hookimpl
from vectorizer.collection import Collection
from vectorizer.errors import BadRequest, NotFound, PointNotFound
from vectorizer.filters.ast import Filter, MatchAny, MatchValue, Range
from vectorizer.host.plugins import make_plugin_manager
from vectorizer.models import (
    Direction,
    Distance,
    OrderBy,
    PointStruct,
    SearchParams,
    VectorParams,
    WithPayload,
    WithVectors,
)
from vectorizer.query import (
    Context,
    ContextPair,
    Discover,
    Formula,
    Fusion,
    FusionMethod,
    GroupsRequest,
    LookupFrom,
    Nearest,
    OrderByQuery,
    Prefetch,
    QueryRequest,
    Recommend,
    RecommendStrategy,
    Sample,
    fusion,
    query,
    query_batch,
    query_groups,
    scoring,
)
from vectorizer.query import formula as fx
from vectorizer.query.model import Hit

N = 60


def make(
    engine: Engine, rng: np.random.Generator, distance: Distance = Distance.COSINE, name: str = "c"
) -> tuple[Collection, np.ndarray, np.ndarray]:
    named = {"a": VectorParams(4, distance), "b": VectorParams(3, Distance.EUCLID)}
    engine.create_collection(name, make_config(named=named))
    col = engine.get_collection(name)
    a = rng.normal(size=(N, 4)).astype(np.float32)
    b = rng.normal(size=(N, 3)).astype(np.float32)
    points = []
    for i in range(N):
        vectors = {"a": a[i]} if i % 10 == 9 else {"a": a[i], "b": b[i]}
        payload = {"g": i % 4, "x": float(i), "tag": "even" if i % 2 == 0 else "odd"}
        points.append(PointStruct(i, vectors, payload))
    col.upsert(points)
    return col, a, b


def run(col: Collection, engine: Engine, request: QueryRequest) -> list[tuple[int, float]]:
    return [(p.id, p.score) for p in query(col, request, engine.get_collection)]


def ids(col: Collection, engine: Engine, request: QueryRequest) -> list[int]:
    return [i for i, _ in run(col, engine, request)]


def raw_similarity(distance: Distance, data: np.ndarray, example: np.ndarray) -> np.ndarray:
    """Qdrant's raw similarity, computed directly (the reference for the engine's)."""
    if distance is Distance.COSINE:
        data = data / np.linalg.norm(data, axis=1, keepdims=True)
        return data @ (example / np.linalg.norm(example))
    if distance is Distance.DOT:
        return data @ example
    if distance is Distance.EUCLID:
        return -((data - example) ** 2).sum(axis=1)
    return -np.abs(data - example).sum(axis=1)


# ----------------------------------------------------------------------------- vector queries


def test_nearest_by_vector_is_the_search(engine: Engine, rng: np.random.Generator) -> None:
    col, _, _ = make(engine, rng, Distance.DOT)
    q = rng.normal(size=4).astype(np.float32)
    flt = Filter(must=(MatchAny("g", (1, 2)),))
    got = run(col, engine, QueryRequest(Nearest(q), using="a", filter=flt, limit=5, offset=2))
    expected = search(col, q, using="a", filter=flt, limit=5, offset=2)
    assert got == [(p.id, p.score) for p in expected]


def test_nearest_by_id_leaves_the_point_out(engine: Engine, rng: np.random.Generator) -> None:
    col, a, _ = make(engine, rng, Distance.EUCLID)
    got = ids(col, engine, QueryRequest(Nearest(3), using="a", limit=N))
    assert 3 not in got and len(got) == N - 1
    truth = np.argsort(np.linalg.norm(a - a[3], axis=1))[1:6].tolist()
    assert got[:5] == truth
    with pytest.raises(PointNotFound):
        run(col, engine, QueryRequest(Nearest(1000), using="a"))
    with pytest.raises(NotFound, match='Vector with name "b" for point 9'):
        run(col, engine, QueryRequest(Nearest(9), using="b"))


@pytest.mark.parametrize("distance", list(Distance))
@pytest.mark.parametrize("strategy", [RecommendStrategy.BEST_SCORE, RecommendStrategy.SUM_SCORES])
def test_recommend_scores_every_candidate_exactly(
    engine: Engine, rng: np.random.Generator, distance: Distance, strategy: RecommendStrategy
) -> None:
    col, a, _ = make(engine, rng, distance)
    raw = rng.normal(size=4).astype(np.float32)
    request = Recommend(positive=(1, raw), negative=(2,), strategy=strategy)
    got = run(col, engine, QueryRequest(request, using="a", limit=N))
    pos = [raw_similarity(distance, a, a[1]), raw_similarity(distance, a, raw)]
    neg = [raw_similarity(distance, a, a[2])]
    if strategy is RecommendStrategy.BEST_SCORE:
        expected = scoring.best_score(pos, neg)
    else:
        expected = scoring.sum_scores(pos, neg)
    keep = [i for i in range(N) if i not in (1, 2)]  # the example points are left out
    order = sorted(keep, key=lambda i: -expected[i])
    assert [i for i, _ in got] == order
    assert [s for _, s in got] == pytest.approx([float(expected[i]) for i in order], abs=1e-4)


def test_recommend_average_vector_is_a_nearest_search(
    engine: Engine, rng: np.random.Generator
) -> None:
    col, a, _ = make(engine, rng, Distance.DOT)
    got = run(col, engine, QueryRequest(Recommend(positive=(4, 5), negative=(6,)), using="a"))
    query_vector = a[4] / 2 + a[5] / 2
    query_vector = 2 * query_vector - a[6]
    scores = a @ query_vector
    order = [i for i in np.argsort(-scores).tolist() if i not in (4, 5, 6)][:10]
    assert [i for i, _ in got] == order


def test_recommend_skips_examples_without_the_vector(
    engine: Engine, rng: np.random.Generator
) -> None:
    col, _, _ = make(engine, rng)
    best = RecommendStrategy.BEST_SCORE
    with_9 = Recommend(positive=(9, 1), strategy=best)  # point 9 has no vector "b"
    assert run(col, engine, QueryRequest(with_9, using="b", limit=8)) == run(
        col, engine, QueryRequest(Recommend(positive=(1,), strategy=best), using="b", limit=8)
    )
    with pytest.raises(BadRequest, match="At least one positive or negative"):
        run(col, engine, QueryRequest(Recommend(positive=(9,), strategy=best), using="b"))
    with pytest.raises(BadRequest, match="At least one positive vector ID required"):
        run(col, engine, QueryRequest(Recommend(negative=(1,)), using="b"))


def test_discover_and_context(engine: Engine, rng: np.random.Generator) -> None:
    col, a, _ = make(engine, rng, Distance.COSINE)
    pairs = (ContextPair(10, 11), ContextPair(12, 13))
    sim = {i: raw_similarity(Distance.COSINE, a, a[i]) for i in (7, 10, 11, 12, 13)}
    context_pairs = [(sim[10], sim[11]), (sim[12], sim[13])]
    expected = scoring.discover(sim[7], context_pairs)
    got = run(col, engine, QueryRequest(Discover(7, pairs), using="a", limit=N))
    keep = [i for i in range(N) if i not in (7, 10, 11, 12, 13)]
    assert sorted(got) == sorted((i, pytest.approx(float(expected[i]), abs=1e-5)) for i in keep)
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
    loss = scoring.context(context_pairs)
    got = run(col, engine, QueryRequest(Context(pairs), using="a", limit=N))
    keep = [i for i in range(N) if i not in (10, 11, 12, 13)]
    assert {i: s for i, s in got} == {i: pytest.approx(float(loss[i]), abs=1e-5) for i in keep}
    with pytest.raises(BadRequest, match="at least one pair"):
        run(col, engine, QueryRequest(Context(()), using="a"))


@pytest.mark.parametrize("dim", [8, 64])
def test_euclid_context_compares_squared_distances_summed_from_differences(
    engine: Engine, rng: np.random.Generator, dim: int
) -> None:
    """Far from the origin, a squared distance taken from squared norms (or the square of
    a rounded distance) loses the digits a difference of two of them needs: the context
    loss must come out as Qdrant sums it, from the differences (qdrant-client local mode
    computes it so)."""
    engine.create_collection("e", make_config(dim, Distance.EUCLID))
    col = engine.get_collection("e")
    data = (1000.0 + rng.normal(scale=0.1, size=(N, dim))).astype(np.float32)
    col.upsert([PointStruct(i, {"": data[i]}) for i in range(N)])

    def similarity(example: np.ndarray) -> np.ndarray:
        diff = data - example
        return -np.square(diff, dtype=np.float32).sum(axis=1, dtype=np.float32)

    expected = scoring.context([(similarity(data[1]), similarity(data[2]))])
    got = dict(run(col, engine, QueryRequest(Context((ContextPair(1, 2),)), limit=N)))
    assert got == {
        i: pytest.approx(float(expected[i]), rel=1e-5, abs=1e-6)
        for i in range(N)
        if i not in (1, 2)
    }
    assert any(s < 0 for s in got.values())  # the pair tells points apart


def test_score_threshold_of_custom_queries_keeps_better_scores(
    engine: Engine, rng: np.random.Generator
) -> None:
    col, _, _ = make(engine, rng)
    recommend = Recommend(positive=(1,), strategy=RecommendStrategy.SUM_SCORES)
    all_scores = [s for _, s in run(col, engine, QueryRequest(recommend, using="a", limit=N))]
    threshold = (all_scores[9] + all_scores[10]) / 2
    got = run(col, engine, QueryRequest(recommend, using="a", limit=N, score_threshold=threshold))
    assert len(got) == 10


# ----------------------------------------------------------------------------- other kinds


def test_order_by_and_listing_by_id(engine: Engine, rng: np.random.Generator) -> None:
    col, _, _ = make(engine, rng)
    order = OrderByQuery(OrderBy("x", Direction.DESC))
    with pytest.raises(BadRequest, match="No range index for `order_by` key"):
        run(col, engine, QueryRequest(order))
    col.create_field_index("x", "float")
    flt = Filter(must=(MatchValue("tag", "even"),))
    points = query(col, QueryRequest(order, filter=flt, limit=3, offset=1), engine.get_collection)
    assert [(p.id, p.score, p.order_value) for p in points] == [
        (56, 0.0, 56.0),
        (54, 0.0, 54.0),
        (52, 0.0, 52.0),
    ]
    assert ids(col, engine, QueryRequest(None, filter=flt, limit=4, offset=2)) == [4, 6, 8, 10]
    with pytest.raises(BadRequest, match="Can't use score_threshold with an order_by query"):
        run(col, engine, QueryRequest(order, score_threshold=1.0))


def test_sample_draws_distinct_matching_points(engine: Engine, rng: np.random.Generator) -> None:
    col, _, _ = make(engine, rng)
    flt = Filter(must=(Range("x", lt=20),))
    seen: set[int] = set()
    for _ in range(10):
        got = ids(col, engine, QueryRequest(Sample(), filter=flt, limit=5, offset=7))
        assert len(got) == len(set(got)) == 5  # the offset is ignored: no stable order
        assert all(i < 20 for i in got)
        seen.update(got)
    assert len(seen) > 5
    assert sorted(ids(col, engine, QueryRequest(Sample(), filter=flt, limit=50))) == list(range(20))


# ----------------------------------------------------------------------------- prefetch


def test_fusion_of_prefetches(engine: Engine, rng: np.random.Generator) -> None:
    col, a, b = make(engine, rng)
    qa, qb = a[0] + 0.1, b[0] - 0.1
    first = Prefetch(Nearest(qa), using="a", limit=15)
    second = Prefetch(Nearest(qb), using="b", limit=12)
    sources = [
        [Hit(i, s) for i, s in run(col, engine, QueryRequest(Nearest(qa), using="a", limit=15))],
        [Hit(i, s) for i, s in run(col, engine, QueryRequest(Nearest(qb), using="b", limit=12))],
    ]
    for method, fused in (
        (FusionMethod.RRF, fusion.reciprocal_rank_fusion(sources, 8)),
        (FusionMethod.DBSF, fusion.distribution_based_score_fusion(sources, 8)),
    ):
        request = QueryRequest(Fusion(method), prefetch=[first, second], limit=5, offset=3)
        got = run(col, engine, request)
        assert got == [(h.id, pytest.approx(h.score)) for h in fused[3:8]]
    with pytest.raises(BadRequest, match="cannot apply Fusion without prefetches"):
        run(col, engine, QueryRequest(Fusion(FusionMethod.RRF)))
    with pytest.raises(BadRequest, match="cannot be combined with the 'using' field"):
        run(col, engine, QueryRequest(Fusion(FusionMethod.RRF), prefetch=[first], using="a"))


def test_nested_prefetches_rescore_only_what_they_found(
    engine: Engine, rng: np.random.Generator
) -> None:
    col, a, b = make(engine, rng, Distance.DOT)
    leaf = Prefetch(Nearest(a[5]), using="a", limit=20, filter=Filter(must=(Range("x", gte=10),)))
    middle = Prefetch(Nearest(b[6]), prefetch=[leaf], using="b", limit=8)
    request = QueryRequest(Nearest(a[7]), prefetch=[middle], using="a", limit=4)
    leaf_ids = ids(col, engine, QueryRequest(leaf.query, using="a", limit=20, filter=leaf.filter))
    bs = {i: float(b[i] @ b[6]) for i in leaf_ids if i % 10 != 9}
    middle_ids = sorted(bs, key=lambda i: np.linalg.norm(b[i] - b[6]))[:8]
    expected = sorted(middle_ids, key=lambda i: -float(a[i] @ a[7]))[:4]
    assert ids(col, engine, request) == expected


def test_root_filter_and_referenced_ids_apply_to_every_prefetch(
    engine: Engine, rng: np.random.Generator
) -> None:
    col, a, _ = make(engine, rng)
    only_even = Filter(must=(MatchValue("tag", "even"),))
    prefetch = [Prefetch(Nearest(4), using="a", limit=30), Prefetch(Nearest(a[8]), using="a")]
    got = ids(
        col, engine, QueryRequest(Fusion(FusionMethod.RRF), prefetch, filter=only_even, limit=40)
    )
    assert got and all(i % 2 == 0 for i in got)
    assert 4 not in got  # the point a prefetch queried by is left out of everything


def test_prefetch_checks(engine: Engine, rng: np.random.Generator) -> None:
    col, _, _ = make(engine, rng)
    with pytest.raises(BadRequest, match="A query is needed to merge the prefetches"):
        run(col, engine, QueryRequest(None, prefetch=[Prefetch(Nearest(1), using="a")]))
    with pytest.raises(BadRequest, match="A query is needed to use the score_threshold"):
        run(col, engine, QueryRequest(None, score_threshold=0.5))
    deep = Prefetch(Nearest(1), using="a")
    for _ in range(65):
        deep = Prefetch(Nearest(1), prefetch=[deep], using="a")
    with pytest.raises(BadRequest, match="prefetches depth 65 exceeds max depth 64"):
        run(col, engine, QueryRequest(Nearest(1), prefetch=[deep], using="a"))
    with pytest.raises(BadRequest, match="cannot apply Formula without prefetches"):
        run(col, engine, QueryRequest(Formula(fx.Constant(1.0))))


def test_formula_rescores_the_prefetched_points(engine: Engine, rng: np.random.Generator) -> None:
    col, _, _ = make(engine, rng)
    prefetch = [Prefetch(None, limit=20)]  # points 0..19, score 0
    boost = fx.Sum(
        (
            fx.Variable("x"),
            fx.Mult((fx.Constant(100.0), fx.ConditionExpr(MatchValue("g", 1)))),
        )
    )
    request = QueryRequest(
        Formula(boost), prefetch=prefetch, limit=5, with_payload=WithPayload(True)
    )
    points = query(col, request, engine.get_collection)
    assert [(p.id, p.score) for p in points] == [
        (17, 117.0),
        (13, 113.0),
        (9, 109.0),
        (5, 105.0),
        (1, 101.0),
    ]
    assert points[0].payload == {"g": 1, "x": 17.0, "tag": "odd"}


# ----------------------------------------------------------------------------- lookups


def test_lookup_from_reads_examples_of_another_collection(
    engine: Engine, rng: np.random.Generator
) -> None:
    col, a, _ = make(engine, rng, Distance.DOT)
    engine.create_collection("other", make_config(named={"v": VectorParams(4, Distance.DOT)}))
    other = engine.get_collection("other")
    other.upsert([PointStruct(3, {"v": np.ones(4, np.float32)})])
    got = ids(
        col, engine, QueryRequest(Nearest(3), using="a", lookup_from=LookupFrom("other", "v"))
    )
    assert got == np.argsort(-a.sum(axis=1))[:10].tolist()  # point 3 of "c" may be in it
    same = ids(col, engine, QueryRequest(Nearest(3), using="a", lookup_from=LookupFrom("c")))
    assert 3 not in same  # looked up in the searched collection itself: left out
    with pytest.raises(NotFound, match=r"^Not found: Collection gone not found$"):
        run(col, engine, QueryRequest(Nearest(3), using="a", lookup_from=LookupFrom("gone")))
    with pytest.raises(PointNotFound):
        run(col, engine, QueryRequest(Nearest(4), using="a", lookup_from=LookupFrom("other", "v")))


def test_batch_and_selection(engine: Engine, rng: np.random.Generator) -> None:
    col, _, _ = make(engine, rng)
    requests = [
        QueryRequest(Nearest(1), using="a", limit=2, with_vectors=WithVectors(True, ["b"])),
        QueryRequest(None, limit=1, with_payload=WithPayload(True, include=["g"])),
    ]
    first, second = query_batch(col, requests, engine.get_collection)
    assert len(first) == 2 and all(set(p.vectors or {}) <= {"b"} for p in first)
    assert [(p.id, p.payload) for p in second] == [(0, {"g": 0})]


def test_batch_runs_plain_searches_together(tmp_path, rng, monkeypatch) -> None:
    """Nearest queries without prefetches share one hnswlib call when they can; every
    answer is the one the request gets alone."""
    data = rng.standard_normal((500, 8)).astype(np.float32)
    with Engine.open(tmp_path / "d") as eng:
        eng.create_collection("c", make_config(8, indexing_threshold=1))
        col = eng.get_collection("c")
        col.upsert([PointStruct(i, {"": v}, {"g": i % 3}) for i, v in enumerate(data)])
        assert col.wait_indexed(timeout=60)
        requests = [QueryRequest(Nearest(q), limit=4, offset=1) for q in data[:5] * -1] + [
            QueryRequest(Nearest(7), limit=3),  # an id: the point itself is left out
            QueryRequest(Nearest(data[0]), filter=Filter(must=(MatchValue("g", 1),))),
            QueryRequest(Nearest(data[1]), score_threshold=0.5, with_payload=WithPayload(True)),
            QueryRequest(
                Fusion(FusionMethod.RRF), prefetch=[Prefetch(Nearest(data[2]), limit=5)], limit=3
            ),
        ]
        index = col.indexes[""]
        assert index is not None
        calls: list[int] = []
        knn_batch = index.knn_batch
        monkeypatch.setattr(
            index, "knn_batch", lambda q, k: calls.append(len(q)) or knn_batch(q, k)
        )
        together = query_batch(col, requests, eng.get_collection)
        assert calls == [5]
        for request, found in zip(requests, together, strict=True):
            alone = query(col, request, eng.get_collection)
            assert [(p.id, p.payload) for p in found] == [(p.id, p.payload) for p in alone]
            assert np.allclose([p.score for p in found], [p.score for p in alone], atol=1e-6)
        assert 7 not in [p.id for p in together[5]]
        assert all(p.score > 0.5 for p in together[7])


# ----------------------------------------------------------------------------- indexing


def test_custom_queries_are_exact_while_the_index_builds(tmp_path, rng) -> None:
    data = rng.standard_normal((3000, 16)).astype(np.float32)
    with Engine.open(tmp_path / "d") as eng:
        eng.create_collection("c", make_config(16, Distance.EUCLID, indexing_threshold=1))
        col = eng.get_collection("c")
        col.upsert([PointStruct(i, {"": v}) for i, v in enumerate(data)])
        recommend = Recommend(positive=(1, 2), negative=(3,), strategy=RecommendStrategy.BEST_SCORE)
        pos = [raw_similarity(Distance.EUCLID, data, data[i]) for i in (1, 2)]
        neg = [raw_similarity(Distance.EUCLID, data, data[3])]
        expected = scoring.best_score(pos, neg)
        truth = [i for i in np.argsort(-expected, kind="stable").tolist() if i not in (1, 2, 3)]
        for _ in range(2):  # while indexing, then indexed
            got = ids(col, eng, QueryRequest(recommend, limit=10))
            assert got == truth[:10]
            near = ids(col, eng, QueryRequest(Nearest(data[5] + 0.01), limit=10))
            exact = ids(
                col,
                eng,
                QueryRequest(Nearest(data[5] + 0.01), limit=10, params=SearchParams(exact=True)),
            )
            assert len(set(near) & set(exact)) >= 9
            assert col.wait_indexed(timeout=120)
        assert col.indexes[""] is not None


# ----------------------------------------------------------------------------- building blocks


@pytest.mark.parametrize("distance", list(Distance))
def test_score_many_equals_score_for_every_slot_order(
    engine: Engine, rng: np.random.Generator, distance: Distance
) -> None:
    col, _, _ = make(engine, rng, distance)
    queries = [col.prepare_query("a", rng.normal(size=4).astype(np.float32)) for _ in range(3)]
    every = np.arange(N)
    for slots in (every, every[::3], rng.permutation(N), np.array([], dtype=np.int64)):
        with col.reading():
            many = col.score_many("a", queries, slots)
            one = [col.score("a", q, slots) for q in queries]
        for got, want in zip(many, one, strict=True):
            np.testing.assert_array_equal(got, want)


def test_matching_slots_among_tests_only_the_candidates(
    engine: Engine, rng: np.random.Generator
) -> None:
    col, _, _ = make(engine, rng)
    among = rng.permutation(N)[:15]
    unindexed = Filter(must=(MatchValue("tag", "odd"),))
    with col.reading():
        everywhere = col.matching_slots(unindexed)
        assert col.matching_slots(unindexed, among=among).tolist() == sorted(
            set(everywhere.tolist()) & set(among.tolist())
        )
        assert col.matching_slots(None, among=among).tolist() == sorted(among.tolist())


def test_a_query_of_no_known_kind_is_a_clear_error(
    engine: Engine, rng: np.random.Generator
) -> None:
    col, a, _ = make(engine, rng)
    bare = Prefetch(a[0], limit=5)  # a vector where a Nearest belongs
    with pytest.raises(BadRequest, match="unknown query kind ndarray"):
        run(col, engine, QueryRequest(Formula(fx.Variable("$score")), prefetch=[bare]))


# ----------------------------------------------------------------------------- the read hook


class QueryHook:
    """A plugin recording the query requests it is shown, its change applied."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def prepare_query(self, collection: Collection, request: QueryRequest) -> None:
        self.seen.append(type(request.query).__name__)
        request.filter = Filter(must=(MatchValue("tag", "even"),))


def test_prepare_query_runs_once_per_request_before_the_checks(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    pm = make_plugin_manager(load_entry_points=False)
    hook = QueryHook()
    pm.register(hook, name="query_hook")
    try:
        with Engine.open(tmp_path / "data", pm=pm) as engine:
            col, a, _ = make(engine, rng)
            requests = [
                QueryRequest(Nearest(a[0]), using="a", limit=5),
                QueryRequest(Recommend((1,)), using="a", limit=5),
                QueryRequest(prefetch=[Prefetch(Nearest(a[1]), using="a")], query=Sample()),
            ]
            found = query_batch(col, requests, engine.get_collection)
            assert hook.seen == ["Nearest", "Recommend", "Sample"]
            assert all(p.id % 2 == 0 for points in found for p in points)
            groups = GroupsRequest(QueryRequest(Nearest(a[0]), using="a"), "g", limit=4)
            assert [g.id for g in query_groups(col, groups, engine.get_collection)] in (
                [0, 2],
                [2, 0],
            )
            assert hook.seen[3:] == ["Nearest"]
            with pytest.raises(BadRequest, match="limit must be at least 1"):
                query(col, QueryRequest(Nearest(a[0]), using="a", limit=0), engine.get_collection)
            assert hook.seen[4:] == ["Nearest"]
    finally:
        pm.unregister(name="query_hook")
