"""The query features since Qdrant 1.15 in the core: MMR re-ranking of nearest queries
(dense, sparse, multivector), weighted RRF, relevance feedback, ACORN search params.

Expected values come from Qdrant's definitions, computed here directly with numpy: MMR
picks the candidate most similar to the query, then each time the one maximising
`(1 - diversity) * sim(query, c) - diversity * max sim(c, picked)`, and keeps each
point's nearest score; weighted RRF gives `1 / ((rank + 1) / w + k - 1)`; the naive
feedback strategy `a * sim(target) + sum d ** b * c * (sim(better) - sim(worse))`."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from core_helpers import make_config

from vectorizer import Engine
from vectorizer.collection import Collection
from vectorizer.errors import BadRequest, InvalidInput
from vectorizer.filters.ast import Filter, MatchValue
from vectorizer.models import (
    AcornParams,
    CollectionConfig,
    CollectionParams,
    Distance,
    PointStruct,
    SearchParams,
    SparseVector,
    SparseVectorParams,
    VectorParams,
)
from vectorizer.query import (
    FeedbackItem,
    Fusion,
    FusionMethod,
    Mmr,
    NaiveFeedback,
    Nearest,
    Prefetch,
    QueryRequest,
    RelevanceFeedback,
    fusion,
    query,
)
from vectorizer.query.model import Hit

N = 40


def dense(
    engine: Engine, rng: np.random.Generator, distance: Distance
) -> tuple[Collection, np.ndarray]:
    engine.create_collection("c", make_config(named={"a": VectorParams(4, distance)}))
    col = engine.get_collection("c")
    data = rng.normal(size=(N, 4)).astype(np.float32)
    col.upsert([PointStruct(i, {"a": data[i]}, {"g": i % 3}) for i in range(N)])
    return col, data


def raw(distance: Distance, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Qdrant's raw similarity of `vector` to each row, computed directly."""
    rows, vector = rows.astype(np.float64), vector.astype(np.float64)
    if distance is Distance.COSINE:
        rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return rows @ (vector / np.linalg.norm(vector))
    if distance is Distance.DOT:
        return rows @ vector
    if distance is Distance.EUCLID:
        return -((rows - vector) ** 2).sum(axis=1)
    return -np.abs(rows - vector).sum(axis=1)


def reference_mmr(
    relevance: np.ndarray, sims: np.ndarray, diversity: float, limit: int
) -> list[int]:
    """MMR from its definition over a full similarity matrix (no ties in random data)."""
    picked = [int(np.argmax(relevance))]
    while len(picked) < min(limit, len(relevance)):
        rest = [i for i in range(len(relevance)) if i not in picked]
        score = {
            i: (1 - diversity) * relevance[i] - diversity * max(sims[i][j] for j in picked)
            for i in rest
        }
        picked.append(max(rest, key=lambda i: score[i]))
    return picked


def run(col: Collection, engine: Engine, request: QueryRequest) -> list[tuple[int, float]]:
    return [(p.id, p.score) for p in query(col, request, engine.get_collection)]


# ----------------------------------------------------------------------------- MMR


@pytest.mark.parametrize("distance", list(Distance))
@pytest.mark.parametrize("diversity", [0.0, 0.3, 0.5, 0.9, 1.0])
def test_mmr_on_dense_vectors_follows_the_definition(
    engine: Engine, rng: np.random.Generator, distance: Distance, diversity: float
) -> None:
    col, data = dense(engine, rng, distance)
    q = rng.normal(size=4).astype(np.float32)
    nearest = run(col, engine, QueryRequest(Nearest(q), using="a", limit=20))
    got = run(col, engine, QueryRequest(Nearest(q, Mmr(diversity, 20)), using="a", limit=6))
    candidates = [i for i, _ in nearest]
    rows = data[candidates]
    relevance = raw(distance, rows, q)
    sims = np.array([raw(distance, rows, row) for row in rows])
    expected = [candidates[i] for i in reference_mmr(relevance, sims, diversity, 6)]
    assert [i for i, _ in got] == expected
    scores = dict(nearest)
    assert all(score == scores[i] for i, score in got)  # each keeps its nearest score
    if diversity == 0.0:
        assert got == nearest[:6]


def test_mmr_prefers_the_point_unlike_those_picked(engine: Engine) -> None:
    """A near-duplicate of the best point loses its second place to a different one."""
    engine.create_collection("c", make_config(2, Distance.COSINE))
    col = engine.get_collection("c")
    col.upsert(
        [
            PointStruct(1, {"": np.array([1.0, 0.01])}),
            PointStruct(2, {"": np.array([1.0, 0.02])}),
            PointStruct(3, {"": np.array([0.7, 0.7])}),
        ]
    )
    q = np.array([1.0, 0.0])
    assert [i for i, _ in run(col, engine, QueryRequest(Nearest(q), limit=3))] == [1, 2, 3]
    got = run(col, engine, QueryRequest(Nearest(q, Mmr(0.7)), limit=3))
    assert [i for i, _ in got] == [1, 3, 2]
    # cos(q, p3) = 0.7071..., the nearest score, not the MMR one
    assert got[1][1] == pytest.approx(np.sqrt(0.5), abs=1e-6)
    assert [i for i, _ in run(col, engine, QueryRequest(Nearest(q, Mmr(0.4)), limit=3))] == [
        1,
        2,
        3,
    ]


def test_mmr_candidates_offset_threshold_and_filter(
    engine: Engine, rng: np.random.Generator
) -> None:
    col, _ = dense(engine, rng, Distance.DOT)
    q = rng.normal(size=4).astype(np.float32)

    def mmr_ids(**kw: object) -> list[int]:
        mmr = kw.pop("mmr", Mmr(0.5))
        request = QueryRequest(Nearest(q, mmr), using="a", **kw)  # type: ignore[arg-type]
        return [i for i, _ in run(col, engine, request)]

    # no candidates_limit: the request's limit (not limit + offset), as Qdrant
    assert len(mmr_ids(limit=5)) == 5
    assert mmr_ids(limit=5, offset=2) == mmr_ids(limit=7, mmr=Mmr(0.5, 5))[2:]
    # fewer candidates than the limit: that many; none: nothing
    assert len(mmr_ids(limit=8, mmr=Mmr(0.5, 3))) == 3
    assert mmr_ids(limit=8, mmr=Mmr(0.5, 0)) == []
    # the offset applies to MMR's order: the top `offset` picks are dropped
    full = mmr_ids(limit=10, mmr=Mmr(0.5, 30))
    assert mmr_ids(limit=6, offset=4, mmr=Mmr(0.5, 30)) == full[4:]
    # score_threshold and filter choose the candidates
    flt = Filter(must=(MatchValue("g", 1),))
    got = mmr_ids(limit=10, mmr=Mmr(0.5, 30), filter=flt, score_threshold=0.0)
    scores = dict(run(col, engine, QueryRequest(Nearest(q), using="a", filter=flt, limit=N)))
    passing = {i for i, s in scores.items() if s > 0.0}
    assert got and set(got) <= passing and len(got) == min(10, len(passing))


def test_mmr_in_a_prefetch_and_over_prefetches(engine: Engine, rng: np.random.Generator) -> None:
    col, _ = dense(engine, rng, Distance.COSINE)
    q = rng.normal(size=4).astype(np.float32)
    alone = run(col, engine, QueryRequest(Nearest(q, Mmr(0.6, 15)), using="a", limit=5))
    inner = Prefetch(Nearest(q, Mmr(0.6, 15)), using="a", limit=5)
    fused = run(col, engine, QueryRequest(Fusion(FusionMethod.RRF), prefetch=[inner], limit=5))
    assert [i for i, _ in fused] == [i for i, _ in alone]
    # over prefetched points: the candidates are the best of those points
    wide = Prefetch(Nearest(q), using="a", limit=15)
    over = QueryRequest(Nearest(q, Mmr(0.6, 15)), prefetch=[wide], using="a", limit=5)
    assert run(col, engine, over) == alone
    # without candidates_limit, the stage's limit: the best 5 prefetched, re-ordered
    over = QueryRequest(Nearest(q, Mmr(0.6)), prefetch=[wide], using="a", limit=5)
    best = run(col, engine, QueryRequest(Nearest(q), using="a", limit=5))
    assert sorted(run(col, engine, over)) == sorted(best)


def test_mmr_on_sparse_vectors(engine: Engine) -> None:
    engine.create_collection(
        "s", CollectionConfig(params=CollectionParams(sparse_vectors={"t": SparseVectorParams()}))
    )
    col = engine.get_collection("s")
    rng = np.random.default_rng(7)
    docs = {}
    for i in range(30):
        indices = np.sort(rng.choice(12, size=4, replace=False))
        docs[i] = (indices, rng.uniform(0.1, 1.0, size=4).astype(np.float32))
    col.upsert([PointStruct(i, {"t": SparseVector(*docs[i])}) for i in docs])
    q = SparseVector(np.array([0, 3, 5, 8]), np.array([1.0, 0.5, 0.8, 0.3], dtype=np.float32))

    def dot(x: tuple[np.ndarray, np.ndarray], y: tuple[np.ndarray, np.ndarray]) -> float:
        a = dict(zip(x[0].tolist(), x[1].tolist(), strict=True))
        b = dict(zip(y[0].tolist(), y[1].tolist(), strict=True))
        return sum(v * b[k] for k, v in a.items() if k in b)

    nearest = run(col, engine, QueryRequest(Nearest(q), using="t", limit=12))
    got = run(col, engine, QueryRequest(Nearest(q, Mmr(0.5, 12)), using="t", limit=5))
    candidates = [i for i, _ in nearest]
    relevance = np.array([dot((q.indices, q.values), docs[i]) for i in candidates])
    sims = np.array([[dot(docs[i], docs[j]) for j in candidates] for i in candidates])
    expected = [candidates[i] for i in reference_mmr(relevance, sims, 0.5, 5)]
    assert [i for i, _ in got] == expected
    assert got != nearest[:5]  # diversity changed the answer


@pytest.mark.parametrize("distance", [Distance.DOT, Distance.EUCLID])
def test_mmr_on_multivectors(engine: Engine, distance: Distance) -> None:
    params = VectorParams(3, distance, multivector_config={"comparator": "max_sim"})
    engine.create_collection("m", CollectionConfig(params=CollectionParams(vectors={"m": params})))
    col = engine.get_collection("m")
    rng = np.random.default_rng(11)
    mats = {i: rng.normal(size=(int(rng.integers(1, 4)), 3)).astype(np.float32) for i in range(25)}
    col.upsert([PointStruct(i, {"m": mats[i]}) for i in mats])
    q = rng.normal(size=(2, 3)).astype(np.float32)

    def max_sim(x: np.ndarray, y: np.ndarray) -> float:
        return float(sum(raw(distance, y, row).max() for row in x))

    nearest = run(col, engine, QueryRequest(Nearest(q), using="m", limit=10))
    got = run(col, engine, QueryRequest(Nearest(q, Mmr(0.5, 10)), using="m", limit=4))
    candidates = [i for i, _ in nearest]
    relevance = np.array([max_sim(q, mats[i]) for i in candidates])
    sims = np.array([[max_sim(mats[i], mats[j]) for j in candidates] for i in candidates])
    expected = [candidates[i] for i in reference_mmr(relevance, sims, 0.5, 4)]
    assert [i for i, _ in got] == expected


def test_mmr_parameters_are_checked(engine: Engine, rng: np.random.Generator) -> None:
    col, _ = dense(engine, rng, Distance.DOT)
    q = rng.normal(size=4).astype(np.float32)
    with pytest.raises(InvalidInput, match=r"query\.mmr\.diversity"):
        run(col, engine, QueryRequest(Nearest(q, Mmr(1.5)), using="a"))
    with pytest.raises(InvalidInput, match=r"query\.mmr\.candidates_limit"):
        run(col, engine, QueryRequest(Nearest(q, Mmr(0.5, 20000)), using="a"))


# ----------------------------------------------------------------------------- weighted RRF


def test_weighted_rrf_follows_qdrant() -> None:
    first = [Hit(1, 0.9), Hit(2, 0.8), Hit(3, 0.7)]
    second = [Hit(3, 5.0), Hit(4, 4.0)]
    got = dict(
        (h.id, h.score) for h in fusion.reciprocal_rank_fusion([first, second], 10, 2, (3.0, 1.0))
    )
    assert got[1] == pytest.approx(1 / (1 / 3 + 1))
    assert got[2] == pytest.approx(1 / (2 / 3 + 1))
    assert got[3] == pytest.approx(1 / (3 / 3 + 1) + 1 / (1 + 1))
    assert got[4] == pytest.approx(1 / (2 + 1))
    # weights of 1 are plain RRF; a weight of 0 (or less) contributes nothing
    plain = fusion.reciprocal_rank_fusion([first, second], 10, 5)
    assert fusion.reciprocal_rank_fusion([first, second], 10, 5, (1.0, 1.0)) == plain
    zero = fusion.reciprocal_rank_fusion([first, second], 10, 2, (1.0, 0.0))
    assert [h.id for h in zero] == [1, 2, 3, 4] and zero[-1].score == 0.0


def test_weighted_rrf_query(engine: Engine, rng: np.random.Generator) -> None:
    col, _ = dense(engine, rng, Distance.DOT)
    q1, q2 = rng.normal(size=(2, 4)).astype(np.float32)
    pre = [Prefetch(Nearest(q1), using="a", limit=6), Prefetch(Nearest(q2), using="a", limit=6)]
    lists = [
        [Hit(i, s) for i, s in run(col, engine, QueryRequest(p.query, using="a", limit=6))]
        for p in pre
    ]
    got = run(
        col, engine, QueryRequest(Fusion(FusionMethod.RRF, 3, (2.0, 0.5)), prefetch=pre, limit=8)
    )
    expected = fusion.reciprocal_rank_fusion(lists, 8, 3, (2.0, 0.5))
    assert got == [(h.id, h.score) for h in expected]
    with pytest.raises(
        BadRequest,
        match="Number of weights in RRF should match number of pre-fetches: got 1, expected 2",
    ):
        run(col, engine, QueryRequest(Fusion(FusionMethod.RRF, 2, (1.0,)), prefetch=pre))


# ----------------------------------------------------------------------------- relevance feedback


@pytest.mark.parametrize("distance", list(Distance))
def test_relevance_feedback_scores(
    engine: Engine, rng: np.random.Generator, distance: Distance
) -> None:
    col, data = dense(engine, rng, distance)
    target = rng.normal(size=4).astype(np.float32)
    raw_example = rng.normal(size=4).astype(np.float32)
    items = (FeedbackItem(3, 0.9), FeedbackItem(raw_example, 0.2), FeedbackItem(7, 0.5))
    a, b, c = 0.8, 1.5, 0.6
    request = QueryRequest(
        RelevanceFeedback(target, items, NaiveFeedback(a, b, c)), using="a", limit=N
    )
    got = run(col, engine, request)
    examples = [(data[3], 0.9), (raw_example, 0.2), (data[7], 0.5)]
    expected = a * raw(distance, data, target)
    for (better, high), (worse, low) in itertools.permutations(examples, 2):
        if high - low > 0:
            expected += (
                (high - low) ** b * c * (raw(distance, data, better) - raw(distance, data, worse))
            )
    kept = [i for i in range(N) if i not in (3, 7)]  # example ids are left out
    order = sorted(kept, key=lambda i: -expected[i])
    assert [i for i, _ in got] == order
    for i, score in got:
        assert score == pytest.approx(expected[i], rel=1e-4, abs=1e-4)


def test_relevance_feedback_strategy_is_checked(engine: Engine, rng: np.random.Generator) -> None:
    col, _ = dense(engine, rng, Distance.DOT)
    request = QueryRequest(
        RelevanceFeedback(1, (FeedbackItem(2, 1.0),), NaiveFeedback(1.0, -1.0, 1.0)), using="a"
    )
    with pytest.raises(InvalidInput, match=r"strategy\.naive\.b"):
        run(col, engine, request)


# ----------------------------------------------------------------------------- ACORN


def test_acorn_applies_by_selectivity() -> None:
    assert not AcornParams().applies(1, 100)
    assert AcornParams(enable=True).applies(40, 100)
    assert not AcornParams(enable=True).applies(41, 100)
    assert AcornParams(enable=True, max_selectivity=1.0).applies(100, 100)
    assert not AcornParams(enable=True, max_selectivity=0.0).applies(1, 100)


def test_acorn_search_is_exact_under_a_selective_filter(tmp_path, rng) -> None:
    data = rng.standard_normal((600, 8)).astype(np.float32)
    with Engine.open(tmp_path / "d") as eng:
        eng.create_collection("c", make_config(8, Distance.EUCLID, indexing_threshold=1))
        col = eng.get_collection("c")
        col.upsert([PointStruct(i, {"": v}, {"g": i % 10}) for i, v in enumerate(data)])
        assert col.wait_indexed(timeout=120)
        flt = Filter(must=(MatchValue("g", 4),))
        q = rng.standard_normal(8).astype(np.float32)
        truth = [i for i in np.argsort(np.linalg.norm(data - q, axis=1)).tolist() if i % 10 == 4][
            :10
        ]
        params = SearchParams(hnsw_ef=1, acorn=AcornParams(enable=True))
        request = QueryRequest(Nearest(q), filter=flt, params=params, limit=10)
        assert [i for i, _ in run(col, eng, request)] == truth
