"""Vector datatypes and the numbers of vectors and scores, as Qdrant has them.

Every datatype (float32, float16, uint8) for every vector kind (unnamed dense, named
dense, multivector; sparse with each index datatype) keeps what Qdrant stores: upserted,
updated, and read back after a restart. uint8 is Qdrant's `x as u8` (the fraction
dropped, saturated to 0..255), and a uint8 cosine space stores its vectors as given
(Qdrant divides by both lengths when it scores). Scores of vectors shorter than 16 are
summed number by number in float32, as Qdrant's plain loop does: the very floats
Qdrant's own test suite expects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from core_helpers import search

from vectorizer import Engine
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    Datatype,
    Distance,
    MultiVectorConfig,
    PointStruct,
    PointVectors,
    SearchParams,
    SparseIndexParams,
    SparseVector,
    SparseVectorParams,
    VectorParams,
    WithVectors,
)

VALUES = [0.1, 1.61, 2.5, 255.7, -3.2, 300.0, 1e-3, 7.99]
OTHER = [4.2, 0.0, 17.5, 1.0, 2.25, 0.9, 128.5, 3.0]
DATATYPES = [Datatype.FLOAT32, Datatype.FLOAT16, Datatype.UINT8]
KINDS = ["unnamed", "named", "multi"]
SPACE = {"unnamed": "", "named": "v", "multi": "m"}


def params(kind: str, datatype: Datatype, distance: Distance) -> VectorParams:
    multi = MultiVectorConfig() if kind == "multi" else None
    return VectorParams(
        size=len(VALUES), distance=distance, datatype=datatype, multivector_config=multi
    )


def given(kind: str, values: list[float]) -> Any:
    """The value a point is given: a vector, or a matrix of it and its reverse."""
    return [values, values[::-1]] if kind == "multi" else values


def expected(kind: str, values: list[float], datatype: Datatype, distance: Distance) -> Any:
    """What Qdrant stores (and shows) for the value `given` makes, as float32 numbers."""
    rows = np.atleast_2d(np.asarray(given(kind, values), dtype=np.float32))
    if datatype is Datatype.UINT8:  # Rust's `as u8`: towards zero, saturated
        stored = np.clip(np.trunc(rows), 0, 255)
    else:
        if distance is Distance.COSINE:
            rows = rows / np.linalg.norm(rows.astype(np.float64), axis=1, keepdims=True)
        stored = rows.astype(np.float16) if datatype is Datatype.FLOAT16 else rows
    out = stored.astype(np.float32)
    return out if kind == "multi" else out[0]


def shown(engine: Engine, point_id: int, name: str) -> np.ndarray:
    (record,) = engine.get_collection("c").retrieve([point_id], with_vectors=WithVectors(True))
    return (record.vectors or {})[name]


def same(actual: np.ndarray, wanted: np.ndarray, datatype: Datatype, distance: Distance) -> None:
    """Equal numbers; a normalised cosine vector (float32 by the core, float64 here) up
    to a last bit of its datatype."""
    assert actual.dtype == np.float32 and actual.shape == wanted.shape
    if distance is Distance.COSINE and datatype is not Datatype.UINT8:
        rtol = 1e-3 if datatype is Datatype.FLOAT16 else 1e-6
        np.testing.assert_allclose(actual, wanted, rtol=rtol, atol=1e-7)
    else:
        assert actual.tolist() == wanted.tolist()


@pytest.mark.parametrize("distance", [Distance.DOT, Distance.COSINE])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("datatype", DATATYPES)
def test_values_round_trip_as_qdrant_stores_them(
    tmp_path: Path, datatype: Datatype, kind: str, distance: Distance
) -> None:
    name = SPACE[kind]
    space = {name: params(kind, datatype, distance)}
    config = CollectionConfig(params=CollectionParams(vectors=space))
    first = expected(kind, VALUES, datatype, distance)
    second = expected(kind, OTHER, datatype, distance)
    with Engine.open(tmp_path / "data") as engine:
        engine.create_collection("c", config)
        col = engine.get_collection("c")
        col.upsert(
            [
                PointStruct(id=1, vectors={name: given(kind, VALUES)}),
                PointStruct(id=2, vectors={name: np.asarray(given(kind, VALUES))}),
            ]
        )
        col.update_vectors([PointVectors(id=2, vectors={name: given(kind, OTHER)})])
        before = [shown(engine, i, name) for i in (1, 2)]
        same(before[0], first, datatype, distance)
        same(before[1], second, datatype, distance)
    with Engine.open(tmp_path / "data") as engine:  # read back from storage
        after = [shown(engine, i, name) for i in (1, 2)]
        assert [a.tolist() for a in after] == [b.tolist() for b in before]


@pytest.mark.parametrize("index_datatype", [None, "float32", "float16", "uint8"])
def test_sparse_values_round_trip_whatever_the_index_datatype(
    tmp_path: Path, index_datatype: str | None
) -> None:
    """Qdrant keeps sparse values as float32 (the index datatype is the index's)."""
    index = (
        SparseVectorParams()
        if index_datatype is None
        else SparseVectorParams(index=SparseIndexParams(datatype=Datatype(index_datatype)))
    )
    config = CollectionConfig(params=CollectionParams(sparse_vectors={"s": index}))
    vector = SparseVector(np.array([7, 3, 42]), np.array(VALUES[:3]))
    wanted = ([3, 7, 42], np.asarray([VALUES[1], VALUES[0], VALUES[2]], np.float32).tolist())
    with Engine.open(tmp_path / "data") as engine:
        engine.create_collection("c", config)
        engine.get_collection("c").upsert([PointStruct(id=1, vectors={"s": vector})])
        got = shown(engine, 1, "s")
        assert (got.indices.tolist(), got.values.tolist()) == wanted
    with Engine.open(tmp_path / "data") as engine:
        got = shown(engine, 1, "s")
        assert (got.indices.tolist(), got.values.tolist()) == wanted


# ----------------------------------------------------------------------------- uint8


def test_uint8_truncates_and_saturates_like_qdrant(engine: Engine) -> None:
    """Qdrant's own suite: [256.19, 1.81, 2.75, 3.11] is stored as [255, 1, 2, 3]."""
    config = CollectionConfig(
        params=CollectionParams(
            vectors={
                "d": VectorParams(size=4, distance=Distance.DOT, datatype=Datatype.UINT8),
                "m": VectorParams(
                    size=4,
                    distance=Distance.DOT,
                    datatype=Datatype.UINT8,
                    multivector_config=MultiVectorConfig(),
                ),
            }
        )
    )
    engine.create_collection("c", config)
    col = engine.get_collection("c")
    value = [256.19, 1.81, 2.75, -3.11]
    col.upsert([PointStruct(id=1, vectors={"d": value, "m": [value, [1.05, 1.61, 1.76, 1.74]]})])
    assert shown(engine, 1, "d").tolist() == [255, 1, 2, 0]
    assert shown(engine, 1, "m").tolist() == [[255, 1, 2, 0], [1, 1, 1, 1]]


@pytest.mark.parametrize("size", [4, 40])  # Qdrant's plain loop and the BLAS path
def test_uint8_cosine_is_qdrants_cosine_of_the_stored_bytes(engine: Engine, size: int) -> None:
    """Qdrant stores uint8 cosine vectors as given (normalised, every byte would be 0 or
    1), truncates the query to bytes as well, and scores dot / sqrt(|a|^2 |b|^2)."""
    rng = np.random.default_rng(5)
    rows = rng.uniform(0, 40, size=(6, size)).astype(np.float32)
    rows[5] = 0.0  # a zero vector scores 0
    u8 = VectorParams(size=size, distance=Distance.COSINE, datatype=Datatype.UINT8)
    multi = VectorParams(
        size=size,
        distance=Distance.COSINE,
        datatype=Datatype.UINT8,
        multivector_config=MultiVectorConfig(),
    )
    engine.create_collection(
        "c", CollectionConfig(params=CollectionParams(vectors={"u": u8, "m": multi}))
    )
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=i, vectors={"u": r, "m": [r]}) for i, r in enumerate(rows)])
    assert shown(engine, 0, "u").tolist() == np.trunc(rows[0]).tolist()
    query = rng.uniform(0, 40, size=size).astype(np.float32)
    stored, q = np.trunc(rows).astype(np.int64), np.trunc(query).astype(np.int64)
    norms = (stored * stored).sum(axis=1) * (q * q).sum()
    want = {
        i: (float(np.float32(d) / np.sqrt(np.float32(n))) if n else 0.0)
        for i, (d, n) in enumerate(zip(stored @ q, norms, strict=True))
    }
    for using in ("u", "m"):
        hits = search(col, query, using=using, limit=10)
        assert {h.id: h.score for h in hits} == pytest.approx(want, rel=1e-6, abs=1e-7)
        assert [h.id for h in hits][-1] == 5


def test_uint8_cosine_through_the_hnsw_graph(engine: Engine) -> None:
    rng = np.random.default_rng(9)
    rows = rng.uniform(0, 255, size=(400, 16)).astype(np.float32)
    config = CollectionConfig(
        params=CollectionParams(
            vectors={"": VectorParams(size=16, distance=Distance.COSINE, datatype=Datatype.UINT8)}
        )
    )
    config.optimizer_config.indexing_threshold = 1
    engine.create_collection("c", config)
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=i, vectors={"": r}) for i, r in enumerate(rows)])
    assert col.wait_indexed(timeout=60)
    query = rows[17]
    exact = search(col, query, limit=5, params=SearchParams(exact=True))
    graph = search(col, query, limit=5)
    assert [h.id for h in graph] == [h.id for h in exact]
    assert exact[0].id == 17 and exact[0].score == pytest.approx(1.0, abs=1e-6)
    assert [h.score for h in graph] == pytest.approx([h.score for h in exact], abs=1e-5)


# ----------------------------------------------------------------------------- scores


BASIC = {  # the dense vectors of Qdrant's suite's `basic_collection_setup` (Dot, size 4)
    1: [0.05, 0.61, 0.76, 0.74],
    2: [0.19, 0.81, 0.75, 0.11],
    3: [0.36, 0.55, 0.47, 0.94],
    4: [0.18, 0.01, 0.85, 0.80],
    5: [0.24, 0.18, 0.22, 0.44],
    6: [0.35, 0.08, 0.11, 0.44],
    7: [0.25, 0.98, 0.14, 0.43],
    8: [0.79, 0.53, 0.72, 0.15],
}
QDRANT_SCORES = {  # test_distance_matrix.py: the float32 scores a Qdrant server gives
    (1, 3): 1.4063001,
    (1, 4): 1.2531,
    (2, 1): 1.1550001,
    (2, 8): 1.1359,
    (3, 4): 1.2218001,
    (5, 3): 0.70239997,
    (5, 1): 0.6146,
    (6, 3): 0.6353,
    (6, 4): 0.5093,
    (7, 3): 1.0990001,
    (7, 1): 1.0349001,
    (8, 3): 1.0553,
}


def test_short_vectors_score_exactly_as_qdrant(engine: Engine) -> None:
    engine.create_collection(
        "c",
        CollectionConfig(
            params=CollectionParams(vectors={"": VectorParams(size=4, distance=Distance.DOT)})
        ),
    )
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=i, vectors={"": v}) for i, v in BASIC.items()])
    for (a, b), score in QDRANT_SCORES.items():
        hits = search(col, BASIC[a], limit=8)
        assert np.float32({h.id: h.score for h in hits}[b]) == np.float32(score), (a, b)


def test_multivector_euclid_score_as_qdrant(engine: Engine) -> None:
    """test_multi_vector.py::test_multi_with_euclidean: 4.358899 (float32)."""
    multi = VectorParams(size=3, distance=Distance.EUCLID, multivector_config=MultiVectorConfig())
    engine.create_collection("c", CollectionConfig(params=CollectionParams(vectors={"m": multi})))
    col = engine.get_collection("c")
    first = [[1.0, 2.0, 3.0], [3.0, 3.0, 3.0], [4.0, 5.0, 6.0]]
    col.upsert(
        [
            PointStruct(id=1, vectors={"m": first}),
            PointStruct(id=2, vectors={"m": [[3.0, 3.0, 3.0], [4.0, 2.0, 1.0]]}),
        ]
    )
    hits = search(col, np.asarray(first), using="m", limit=2)
    assert [(h.id, np.float32(h.score)) for h in hits] == [(1, 0.0), (2, np.float32(4.358899))]


def test_cosine_keeps_zero_and_already_normalised_vectors(engine: Engine) -> None:
    """Qdrant's `is_length_zero_or_normalized`: a squared length under f32::EPSILON or
    within 1e-6 of 1 is stored as given."""
    engine.create_collection(
        "c",
        CollectionConfig(
            params=CollectionParams(vectors={"": VectorParams(size=3, distance=Distance.COSINE)})
        ),
    )
    col = engine.get_collection("c")
    unit = [0.6, 0.8, 0.0000001]
    col.upsert(
        [
            PointStruct(id=1, vectors={"": [0.0, 0.0, 0.0]}),
            PointStruct(id=2, vectors={"": unit}),
            PointStruct(id=3, vectors={"": [3.0, 4.0, 0.0]}),
        ]
    )
    assert shown(engine, 1, "").tolist() == [0.0, 0.0, 0.0]
    assert shown(engine, 2, "").tolist() == np.asarray(unit, np.float32).tolist()
    assert shown(engine, 3, "").tolist() == np.asarray([0.6, 0.8, 0.0], np.float32).tolist()
