"""The distance matrix (`vectorizer.matrix`): random samples, nearest neighbours within them."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pytest
from core_helpers import make_config

from vectorizer import BadRequest, Collection, Engine, RateLimited, StrictModeViolation
from vectorizer.collection.verify import StrictMode
from vectorizer.config_json import (
    strict_mode_from_builtins,
)
from vectorizer.filters.ast import Filter, MatchValue, Range
from vectorizer.matrix import DistanceMatrix, search_matrix
from vectorizer.models import (
    Distance,
    PointStruct,
    VectorParams,
)


def _collection(
    engine: Engine, vectors: dict[Any, list[float]], distance: Distance = Distance.EUCLID
) -> Collection:
    engine.create_collection("c", make_config(len(next(iter(vectors.values()))), distance))
    col = engine.get_collection("c")
    col.upsert(
        [
            PointStruct(id=i, vectors={"": v}, payload={"n": j})
            for j, (i, v) in enumerate(vectors.items())
        ]
    )
    return col


def _true_score(distance: Distance, a: np.ndarray, b: np.ndarray) -> float:
    if distance is Distance.COSINE:
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    if distance is Distance.DOT:
        return float(a @ b)
    if distance is Distance.EUCLID:
        return float(np.linalg.norm(a - b))
    return float(np.abs(a - b).sum())


def _check(
    matrix: DistanceMatrix, vectors: dict[Any, np.ndarray], distance: Distance, limit: int
) -> None:
    """Every row: `limit` other sampled points (fewer if the sample is small), the true
    nearest within the sample, best first, each scored with the true distance."""
    higher = distance in (Distance.COSINE, Distance.DOT)
    ids = matrix.ids
    assert len(set(ids)) == len(ids) >= 2
    assert len(matrix.rows) == len(ids)
    for i, row in enumerate(matrix.rows):
        assert len(row) == min(limit, len(ids) - 1)
        assert i not in [j for j, _ in row]
        for j, score in row:
            true = _true_score(distance, vectors[ids[i]], vectors[ids[j]])
            assert score == pytest.approx(true, rel=1e-5, abs=1e-5)
        got = [s for _, s in row]
        everyone = [
            _true_score(distance, vectors[ids[i]], vectors[b]) for k, b in enumerate(ids) if k != i
        ]
        assert got == pytest.approx(sorted(everyone, reverse=higher)[: len(row)], abs=1e-5)


@pytest.mark.parametrize("distance", list(Distance))
def test_each_row_holds_the_true_nearest_within_the_sample(
    engine: Engine, rng: np.random.Generator, distance: Distance
) -> None:
    vectors = {i: rng.normal(size=4).astype(np.float32) for i in range(40)}
    col = _collection(engine, {i: v.tolist() for i, v in vectors.items()}, distance)
    matrix = search_matrix(col, sample=12, limit=4, rng=rng)
    assert len(matrix.ids) == 12
    assert matrix.ids == sorted(matrix.ids)
    _check(matrix, vectors, distance, 4)


def test_defaults_are_sample_10_limit_3(engine: Engine, rng: np.random.Generator) -> None:
    vectors = {i: rng.normal(size=3).astype(np.float32) for i in range(30)}
    col = _collection(engine, {i: v.tolist() for i, v in vectors.items()})
    matrix = search_matrix(col)
    assert len(matrix.ids) == 10
    _check(matrix, vectors, Distance.EUCLID, 3)


def test_the_sample_is_random_among_matching_points(engine: Engine) -> None:
    vectors = {i: [float(i), 0.0] for i in range(100)}
    col = _collection(engine, vectors)
    seen: set[Any] = set()
    for seed in range(20):
        matrix = search_matrix(
            col, sample=5, filter=Filter(must=(Range("n", lt=50),)), rng=np.random.default_rng(seed)
        )
        assert len(matrix.ids) == 5 and all(i < 50 for i in matrix.ids)
        seen.update(matrix.ids)
    assert len(seen) > 25  # not always the same points


def test_a_sample_larger_than_the_points_takes_them_all(engine: Engine) -> None:
    col = _collection(engine, {1: [0.0, 0.0], 2: [1.0, 0.0], 3: [3.0, 0.0]})
    matrix = search_matrix(col, sample=50, limit=5)
    assert matrix == DistanceMatrix(
        ids=[1, 2, 3], rows=[[(1, 1.0), (2, 3.0)], [(0, 1.0), (2, 2.0)], [(1, 2.0), (0, 3.0)]]
    )
    assert matrix.pairs() == [
        (1, 2, 1.0),
        (1, 3, 3.0),
        (2, 1, 1.0),
        (2, 3, 2.0),
        (3, 2, 2.0),
        (3, 1, 3.0),
    ]
    assert matrix.offsets() == ([0, 0, 1, 1, 2, 2], [1, 2, 0, 2, 1, 0], [1, 3, 1, 2, 2, 3])


def test_fewer_than_two_points_make_no_matrix(engine: Engine) -> None:
    col = _collection(engine, {1: [0.0, 0.0], 2: [1.0, 0.0]})
    assert search_matrix(col, filter=Filter(must=(MatchValue("n", 0),))) == DistanceMatrix([], [])
    col.delete(ids=[1, 2])
    assert search_matrix(col).pairs() == []
    assert search_matrix(col).offsets() == ([], [], [])


def test_ids_in_qdrant_order_and_points_without_the_vector_left_out(engine: Engine) -> None:
    named = {
        "a": VectorParams(size=2, distance=Distance.DOT),
        "b": VectorParams(size=2, distance=Distance.DOT),
    }
    engine.create_collection("c", make_config(named=named))
    col = engine.get_collection("c")
    u1, u2 = str(uuid.UUID(int=5)), str(uuid.UUID(int=2**120))
    col.upsert(
        [
            PointStruct(id=u2, vectors={"a": [1, 0]}),
            PointStruct(id=7, vectors={"a": [0.5, 1]}),
            PointStruct(id=u1, vectors={"a": [1, 1]}),
            PointStruct(id=3, vectors={"a": [2, 1], "b": [1, 1]}),
            PointStruct(id=4, vectors={"b": [1, 1]}),
        ]
    )
    matrix = search_matrix(col, using="a", sample=10, limit=1)
    assert matrix.ids == [3, 7, u1, u2]
    assert matrix.pairs() == [(3, u1, 3.0), (7, 3, 2.0), (u1, 3, 3.0), (u2, 3, 2.0)]
    assert search_matrix(col, using="b").ids == [3, 4]
    with pytest.raises(BadRequest, match="Not existing vector name error: c"):
        search_matrix(col, using="c")


def test_bad_sample_or_limit(engine: Engine) -> None:
    col = _collection(engine, {1: [0.0, 0.0], 2: [1.0, 0.0]})
    with pytest.raises(BadRequest, match="sample must be at least 2"):
        search_matrix(col, sample=1)
    with pytest.raises(BadRequest, match="limit must be at least 1"):
        search_matrix(col, limit=0)


def test_strict_mode_checks_limit_times_sample_and_filter(engine: Engine) -> None:
    col = _collection(engine, {i: [float(i), 1.0] for i in range(20)})
    col.strict = StrictMode(
        strict_mode_from_builtins(
            {"enabled": True, "max_query_limit": 12, "unindexed_filtering_retrieve": False}
        )
    )
    assert len(search_matrix(col, sample=4, limit=3).ids) == 4
    assert len(search_matrix(col).ids) == 10  # defaults are not checked, as in Qdrant
    with pytest.raises(StrictModeViolation) as exc:
        search_matrix(col, sample=5, limit=3)
    assert exc.value.message.startswith('Limit exceeded 15 > 12 for "limit"')
    with pytest.raises(StrictModeViolation, match="13 > 12"):
        search_matrix(col, sample=13)
    with pytest.raises(StrictModeViolation, match='Index required but not found for "n"'):
        search_matrix(col, sample=2, filter=Filter(must=(MatchValue("n", 1),)))


def test_read_cost_is_the_sampling_scroll_and_one_search_per_sampled_point(
    engine: Engine,
) -> None:
    col = _collection(engine, {i: [float(i), 1.0] for i in range(20)})
    col.strict = StrictMode(
        strict_mode_from_builtins({"enabled": True, "read_rate_limit": 14}), clock=lambda: 0.0
    )
    one = Filter(must=(Range("n", gte=0),))
    search_matrix(col, sample=4, filter=one)  # 1 + 1 + 1 (has_vector), then 4 * 2: 11
    search_matrix(col, sample=2, filter=Filter(must=(MatchValue("n", -1),)))  # 3, no search
    with pytest.raises(RateLimited):
        search_matrix(col, sample=2)
