"""Multivectors in the core: MaxSim scoring per distance, datatypes, storage, validation,
the building blocks the query engine composes, and snapshots, init_from, strict mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from core_helpers import search as search_in

from vectorizer import BadRequest, Engine
from vectorizer.config_json import (
    strict_mode_from_builtins,
)
from vectorizer.filters.ast import Filter, MatchValue
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    CollectionUpdate,
    Datatype,
    Distance,
    MultiVectorConfig,
    PointStruct,
    PointVectors,
    VectorParams,
    WithVectors,
)

DIM = 3


def multi(distance: Distance = Distance.DOT, datatype: Datatype | None = None) -> VectorParams:
    return VectorParams(
        size=DIM, distance=distance, datatype=datatype, multivector_config=MultiVectorConfig()
    )


def make(engine: Engine, name: str = "c", **vectors: VectorParams) -> None:
    params = CollectionParams(vectors=vectors or {"m": multi()})
    engine.create_collection(name, CollectionConfig(params=params))


def matrices(seed: int = 3, n: int = 12) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {i: rng.normal(size=(int(rng.integers(1, 5)), DIM)) for i in range(n)}


def max_sim(distance: Distance, query: np.ndarray, doc: np.ndarray) -> float:
    """MaxSim by hand, one pair of rows at a time (Qdrant's definition)."""

    def sim(q: np.ndarray, d: np.ndarray) -> float:
        if distance is Distance.COSINE:
            return float(q @ d / np.linalg.norm(q) / np.linalg.norm(d))
        if distance is Distance.DOT:
            return float(q @ d)
        if distance is Distance.EUCLID:
            return -float(((q - d) ** 2).sum())
        return -float(np.abs(q - d).sum())

    total = sum(max(sim(q, d) for d in doc) for q in query)
    if distance is Distance.EUCLID:
        return abs(total) ** 0.5
    return abs(total) if distance is Distance.MANHATTAN else total


def search(engine: Engine, query: Any, using: str = "m", **kw: Any) -> list[tuple[int, float]]:
    col = engine.get_collection("c")
    found = search_in(col, np.asarray(query), using=using, limit=kw.pop("limit", 50), **kw)
    return [(p.id, p.score) for p in found]


def matrix_of(engine: Engine, point_id: int, name: str = "m") -> Any:
    records = engine.get_collection("c").retrieve([point_id], with_vectors=WithVectors(True))
    value = (records[0].vectors or {}).get(name)
    return None if value is None else value.tolist()


# ----------------------------------------------------------------------------- scoring


@pytest.mark.parametrize("distance", list(Distance))
def test_max_sim_arithmetic(engine: Engine, distance: Distance) -> None:
    make(engine, m=multi(distance))
    docs = matrices()
    engine.get_collection("c").upsert(
        [PointStruct(id=i, vectors={"m": doc}, payload={"i": i}) for i, doc in docs.items()]
    )
    query = np.random.default_rng(9).normal(size=(2, DIM))
    expected = {i: max_sim(distance, query, doc) for i, doc in docs.items()}
    hits = search(engine, query)
    assert dict(hits) == pytest.approx(expected, rel=1e-4, abs=1e-4)
    reverse = distance in (Distance.EUCLID, Distance.MANHATTAN)  # lower is better
    assert [i for i, _ in hits] == sorted(expected, key=expected.get, reverse=not reverse)
    # a dense query is a matrix of one row, as in Qdrant
    one = search(engine, query[0])
    assert dict(one) == pytest.approx(
        {i: max_sim(distance, query[:1], doc) for i, doc in docs.items()}, rel=1e-4, abs=1e-4
    )
    # score_threshold keeps the scores better than it, the space's way round
    cut = hits[3][1]
    kept = search(engine, query, score_threshold=cut)
    assert [i for i, _ in kept] == [i for i, _ in hits[:3]]


def test_filters_and_building_blocks(engine: Engine) -> None:
    make(engine, m=multi(Distance.COSINE), d=VectorParams(size=DIM, distance=Distance.DOT))
    col = engine.get_collection("c")
    docs = matrices()
    col.upsert(
        [
            PointStruct(id=i, vectors={"m": doc}, payload={"even": i % 2 == 0})
            for i, doc in docs.items()
        ]
    )
    query = np.random.default_rng(1).normal(size=(3, DIM))
    even = Filter(must=(MatchValue("even", True),))
    assert search(engine, query, filter=even) == [p for p in search(engine, query) if p[0] % 2 == 0]
    assert col.distance("m") is Distance.COSINE
    prepared = col.prepare_query("m", query)
    assert np.allclose(np.linalg.norm(prepared, axis=1), 1.0)  # cosine rows normalised
    with col.reading():
        slots = col.slots_with_vector("m", even)
        assert sorted(col.point_id_at(s) for s in slots) == [i for i in docs if i % 2 == 0]
        scores = col.score("m", prepared, slots)
        best, best_scores = col.nearest("m", prepared, 3, filter=even)
        by_slot = dict(zip(slots.tolist(), scores.tolist(), strict=True))
        assert [by_slot[s] for s in best.tolist()] == pytest.approx(best_scores.tolist())
        stored = col.vector_at(int(slots[0]), "m")
        assert stored.shape == docs[col.point_id_at(int(slots[0]))].shape
        assert np.allclose(col.prepare_query("m", stored), stored)
        assert col.vector_at(int(slots[0]), "d") is None
    with pytest.raises(BadRequest, match="Conversion between multi and regular"):
        col.prepare_query("d", query)
    with pytest.raises(BadRequest, match="expected dim: 3, got 2"):
        col.prepare_query("m", query[:, :2])


# ----------------------------------------------------------------------------- storage


def test_datatypes_are_honoured_and_survive_a_restart(tmp_path: Path) -> None:
    rows = [[0.1234567, 300.7, -2.4], [1.5, 2.5, 3.49]]
    with Engine.open(tmp_path / "data") as engine:
        make(
            engine,
            f32=multi(),
            f16=multi(datatype=Datatype.FLOAT16),
            u8=multi(datatype=Datatype.UINT8),
            e=multi(Distance.EUCLID),
        )
        col = engine.get_collection("c")
        col.upsert(
            [
                PointStruct(id=1, vectors={"f32": rows, "f16": rows, "u8": rows, "e": rows}),
                PointStruct(id=2, vectors={"e": [[0.0, 0.0, 1.0]]}),
            ]
        )
        assert matrix_of(engine, 1, "f32") == np.asarray(rows, np.float32).tolist()
        assert matrix_of(engine, 1, "f16") == np.asarray(rows, np.float16).astype(float).tolist()
        assert matrix_of(engine, 1, "u8") == [[0, 255, 0], [1, 2, 3]]  # truncated, saturated
        before = search(engine, [[1.0, 1.0, 1.0]], using="e")
        assert engine.get_collection("c").info().vectors_count == 5
    with Engine.open(tmp_path / "data") as engine:
        assert matrix_of(engine, 1, "u8") == [[0, 255, 0], [1, 2, 3]]
        assert matrix_of(engine, 1, "f16") == np.asarray(rows, np.float16).astype(float).tolist()
        assert matrix_of(engine, 2, "f32") is None
        assert search(engine, [[1.0, 1.0, 1.0]], using="e") == before
        assert search(engine, [[1.0, 0.0, 0.0]], using="u8") == [(1, 1.0)]


def test_snapshot_and_init_from_carry_multivectors(engine: Engine, tmp_path: Path) -> None:
    make(engine)
    docs = matrices()
    engine.get_collection("c").upsert(
        [PointStruct(id=i, vectors={"m": doc}) for i, doc in docs.items()]
    )
    query = [[1.0, 2.0, 3.0]]
    expected = search(engine, query)
    snapshots = engine.snapshots
    path = snapshots.path("c", snapshots.create("c").name)
    with Engine.open(tmp_path / "fresh") as fresh:
        fresh.snapshots.recover("c", path)
        assert search(fresh, query) == expected
    engine.create_collection(
        "copy", CollectionConfig(params=CollectionParams(vectors={"m": multi()})), init_from="c"
    )
    copied = engine.get_collection("copy").retrieve([5], with_vectors=WithVectors(True))[0]
    assert copied.vectors is not None
    assert np.allclose(copied.vectors["m"], docs[5])


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1.0, 2.0], "Vector dimension error: expected dim: 3, got 2"),  # one row, too short
        ([], "Vector dimension error: expected dim: 3, got 0"),  # Qdrant's words
        ([[1.0, 2.0]], "Vector dimension error: expected dim: 3, got 2"),
        ([[1.0, 2.0, 3.0], [1.0, 2.0]], "all vectors must have the same dimension"),
        ([[1.0, float("nan"), 3.0]], "NaN"),
    ],
)
def test_invalid_matrices_leave_the_data_intact(engine: Engine, value: Any, message: str) -> None:
    make(engine)
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={"m": [[1.0, 0.0, 0.0]]})])
    with pytest.raises(BadRequest, match=message):
        col.upsert(
            [
                PointStruct(id=1, vectors={"m": [[0.0, 1.0, 0.0]]}),
                PointStruct(id=2, vectors={"m": value}),
            ]
        )
    with pytest.raises(BadRequest, match=message):
        col.update_vectors([PointVectors(id=1, vectors={"m": value})])
    assert matrix_of(engine, 1) == [[1.0, 0.0, 0.0]]
    assert col.count() == 1


def test_a_dense_vector_is_stored_as_a_matrix_of_one_row(engine: Engine) -> None:
    """Qdrant's legacy upsert form: a plain vector for a multivector space."""
    make(engine)
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={"m": [1.0, 2.0, 3.0]})])
    assert matrix_of(engine, 1) == [[1.0, 2.0, 3.0]]
    col.update_vectors([PointVectors(id=1, vectors={"m": np.array([3.0, 2.0, 1.0])})])
    assert matrix_of(engine, 1) == [[3.0, 2.0, 1.0]]


def test_update_and_delete_vectors(engine: Engine) -> None:
    make(engine, m=multi(), d=VectorParams(size=2, distance=Distance.DOT))
    col = engine.get_collection("c")
    col.upsert(
        [
            PointStruct(id=1, vectors={"m": [[1.0, 0.0, 0.0]], "d": [1.0, 1.0]}),
            PointStruct(id=2, vectors={"d": [0.5, 0.5]}),
        ]
    )
    assert search(engine, [[1.0, 1.0, 1.0]]) == [(1, 1.0)]  # a point without one is no result
    col.update_vectors([PointVectors(id=2, vectors={"m": [[0.0, 2.0, 0.0], [0.0, 0.0, 3.0]]})])
    assert search(engine, [[1.0, 1.0, 1.0]]) == [(2, 3.0), (1, 1.0)]
    col.delete_vectors(["m"], ids=[2])
    assert matrix_of(engine, 2) is None
    assert matrix_of(engine, 2, "d") == [0.5, 0.5]
    assert search(engine, [[1.0, 1.0, 1.0]]) == [(1, 1.0)]


def test_strict_mode_limits_rows_and_info_says_search_is_exact(engine: Engine) -> None:
    make(engine)
    engine.update_collection(
        "c",
        CollectionUpdate(
            strict_mode_config=strict_mode_from_builtins(
                {"enabled": True, "multivector_config": {"m": {"max_vectors": 2}}}
            )
        ),
    )
    col = engine.get_collection("c")
    three = [[1.0, 0.0, 0.0]] * 3
    with pytest.raises(BadRequest, match="Multivector 'm' has a limit of 2 vectors, but 3"):
        col.upsert([PointStruct(id=1, vectors={"m": three})])
    col.upsert([PointStruct(id=1, vectors={"m": three[:2]})])
    with pytest.raises(BadRequest, match="limit of 2 vectors"):
        col.update_vectors([PointVectors(id=1, vectors={"m": three})])
    assert matrix_of(engine, 1) == three[:2]
    warnings = col.info().warnings
    assert "vectors.m: no HNSW index for multivectors; search is exact (MaxSim)" in warnings
    assert not any("multivector_config" in w for w in warnings)
