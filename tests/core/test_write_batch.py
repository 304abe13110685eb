"""The batched write path: a batch of dense vectors prepared a column at a time, payloads
copied once, and the SQLite page size; each must store exactly what the point-by-point
path stores, and refuse exactly what it refuses."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from core_helpers import make_config, search

from vectorizer import BadRequest, Engine
from vectorizer import operations as ops
from vectorizer.collection.vectors.dense import DenseColumn
from vectorizer.models import (
    Datatype,
    Distance,
    PointStruct,
    VectorParams,
    WithVectors,
)
from vectorizer.payload import copy_value
from vectorizer.storage.sqlite import PAGE_SIZE


@pytest.mark.parametrize("distance", list(Distance))
@pytest.mark.parametrize("datatype", [None, Datatype.FLOAT16, Datatype.UINT8])
def test_prepare_rows_equals_prepare_one_by_one(
    rng: np.random.Generator, distance: Distance, datatype: Datatype | None
) -> None:
    column = DenseColumn("", VectorParams(size=8, distance=distance, datatype=datatype))
    values = [rng.normal(size=8).astype(np.float32) * 50 for _ in range(20)]
    values.append(np.zeros(8, dtype=np.float32))  # a zero vector stays zero under cosine
    values.append(np.arange(8))  # integers are numbers too
    rows = column.prepare_rows(values)
    assert rows is not None
    expected = np.stack([column.prepare(v, "x") for v in values])
    assert rows.dtype == expected.dtype
    assert np.array_equal(rows, expected)


@pytest.mark.filterwarnings("ignore:overflow encountered")
@pytest.mark.parametrize(
    "bad",
    [
        np.ones(7, dtype=np.float32),  # wrong size
        np.array([1.0] * 7 + [np.nan], dtype=np.float32),
        np.array([1e39] * 8),  # finite as float64, infinite as float32
        np.ones(8, dtype=bool),
        np.ones((2, 8), dtype=np.float32),  # a multivector
        [1.0] * 8,  # a list: the one-by-one path decides
    ],
)
def test_prepare_rows_leaves_anything_doubtful_to_prepare(bad: Any) -> None:
    column = DenseColumn("", VectorParams(size=8, distance=Distance.COSINE))
    assert column.prepare_rows([np.ones(8, dtype=np.float32), bad]) is None
    assert column.prepare_rows([]) is None


def _vectors(engine: Engine, name: str) -> dict[Any, list[float]]:
    records = engine.get_collection(name).scroll(limit=100, with_vectors=WithVectors(True))
    return {r.id: r.vectors[""].tolist() for r in records.points}  # type: ignore[index]


def test_a_batch_stores_what_point_by_point_stores(
    engine: Engine, rng: np.random.Generator
) -> None:
    vectors = rng.normal(size=(30, 4)).astype(np.float32)
    for name in ("batched", "single"):
        engine.create_collection(name, make_config())
    engine.get_collection("batched").upsert(
        [PointStruct(i, {"": vectors[i]}, {"i": i}) for i in range(30)]
    )
    single = engine.get_collection("single")
    for i in range(30):  # a batch of one, plus a list (not an array): never batched
        single.upsert([PointStruct(i, {"": vectors[i].tolist()}, {"i": i})])
    assert _vectors(engine, "batched") == _vectors(engine, "single")


def test_a_bad_vector_in_a_batch_is_named_and_nothing_is_written(engine: Engine) -> None:
    engine.create_collection("c", make_config())
    col = engine.get_collection("c")
    batch = [PointStruct(i, {"": np.ones(4, dtype=np.float32)}) for i in range(5)]
    batch[3] = PointStruct(3, {"": np.array([1, np.inf, 0, 0], dtype=np.float32)})
    with pytest.raises(BadRequest, match=r"points\[3\] \(id 3\).*NaN or infinity"):
        col.upsert(batch)
    with pytest.raises(BadRequest, match=r"points\[3\] \(id 3\).*NaN or infinity"):
        col.check(ops.Upsert(tuple(batch)))
    batch[3] = PointStruct(3, {"": np.ones(3, dtype=np.float32)})
    with pytest.raises(BadRequest, match=r"expected dim: 4, got 3 \(points\[3\] \(id 3\)\)"):
        col.upsert(batch)
    batch[3] = PointStruct(3, {"other": np.ones(4, dtype=np.float32)})
    with pytest.raises(BadRequest, match="Not existing vector name"):
        col.upsert(batch)
    assert col.count() == 0


def test_a_bad_id_after_good_vectors_still_fails_the_batch(engine: Engine) -> None:
    engine.create_collection("c", make_config())
    col = engine.get_collection("c")
    batch = [PointStruct(i, {"": np.ones(4, dtype=np.float32)}) for i in range(3)]
    batch.append(PointStruct(-1, {"": np.ones(4, dtype=np.float32)}))
    with pytest.raises(BadRequest, match="Bad point id -1"):
        col.upsert(batch)
    assert col.count() == 0


def test_the_stored_payload_is_a_copy(engine: Engine) -> None:
    engine.create_collection("c", make_config())
    col = engine.get_collection("c")
    payload: dict[str, Any] = {"tags": ["a"], "nested": {"n": 1}}
    col.upsert([PointStruct(1, {"": np.ones(4, dtype=np.float32)}, payload)])
    payload["tags"].append("b")
    payload["nested"]["n"] = 2
    assert col.retrieve([1])[0].payload == {"tags": ["a"], "nested": {"n": 1}}


def test_copy_value_is_deep_and_keeps_other_types() -> None:
    value = {"a": [1, {"b": "c"}], "t": (1, [2]), "f": 1.5, "none": None, "yes": True}
    copied = copy_value(value)
    assert copied == value
    assert copied["a"] is not value["a"] and copied["a"][1] is not value["a"][1]
    assert copied["t"] == (1, [2]) and copied["t"][1] is not value["t"][1]  # deepcopy


def test_a_new_database_uses_the_larger_page_size(tmp_path: Path) -> None:
    Engine.open(tmp_path / "new").close()
    with sqlite3.connect(tmp_path / "new" / "vectorizer.sqlite3") as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE


def test_an_existing_database_keeps_its_page_size_and_its_points(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    with sqlite3.connect(folder / "vectorizer.sqlite3") as db:  # made before the change
        db.execute("PRAGMA page_size=4096")
        db.execute("PRAGMA journal_mode=WAL")
    engine = Engine.open(folder)
    engine.create_collection("c", make_config())
    engine.get_collection("c").upsert(
        [PointStruct(i, {"": np.ones(4, dtype=np.float32)}, {"i": i}) for i in range(50)]
    )
    engine.close()
    engine = Engine.open(folder)
    try:
        assert engine.get_collection("c").count() == 50
    finally:
        engine.close()
    with sqlite3.connect(folder / "vectorizer.sqlite3") as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == 4096


def test_set_raw_equals_set_one_by_one(rng: np.random.Generator) -> None:
    params = VectorParams(size=8, distance=Distance.EUCLID, datatype=Datatype.FLOAT16)
    one, many = DenseColumn("", params, 4), DenseColumn("", params, 4)
    rows = rng.normal(size=(6, 8)).astype(np.float16)
    many.ensure_capacity(10)
    one.ensure_capacity(10)
    slots, versions = [7, 1, 3, 0, 9, 4], [5, 6, 7, 8, 9, 10]
    for slot, row, version in zip(slots, rows, versions, strict=True):
        one.set(slot, one.decode(row.tobytes()), version)
    many.set_raw(slots, [row.tobytes() for row in rows], versions)
    assert one.count == many.count == 6
    assert np.array_equal(one.data, many.data)
    assert np.array_equal(one.version, many.version)
    assert np.array_equal(one.sqnorms, many.sqnorms)


def test_replacing_points_in_a_batch_keeps_counts_and_survives_a_restart(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    named = {
        "a": VectorParams(size=4, distance=Distance.EUCLID),
        "b": VectorParams(size=3, distance=Distance.DOT),
    }
    engine = Engine.open(tmp_path / "data")
    engine.create_collection("c", make_config(named=named))
    col = engine.get_collection("c")
    a, b = rng.normal(size=(20, 4)), rng.normal(size=(20, 3))
    col.upsert([PointStruct(i, {"a": a[i], "b": b[i]}, {"i": i}) for i in range(10)])
    # replace 5 (some now without "b"), add 10 more
    col.upsert(
        [PointStruct(i, {"a": a[i + 10]}, {"i": -i}) for i in range(5)]
        + [PointStruct(i, {"a": a[i], "b": b[i]}, {"i": i}) for i in range(10, 20)]
    )

    def state(col: Any) -> tuple[Any, ...]:
        info = col.info()
        records = col.scroll(limit=100, with_vectors=WithVectors(True)).points
        shown = {r.id: ({k: v.tolist() for k, v in r.vectors.items()}, r.payload) for r in records}
        return info.points_count, info.vectors_count, shown

    before = state(col)
    assert before[:2] == (20, 35)
    assert before[2][3] == ({"a": np.float32(a[13]).tolist()}, {"i": -3})
    euclid = search(col, a[0], using="a", limit=20)
    expected = np.sqrt(((col.columns["a"].data[:20] - a[0].astype(np.float32)) ** 2).sum(1))
    assert sorted(p.score for p in euclid) == pytest.approx(np.sort(expected), abs=1e-5)
    engine.close()
    engine = Engine.open(tmp_path / "data")
    try:
        assert state(engine.get_collection("c")) == before
    finally:
        engine.close()
