"""Sparse vectors in the core: storage, the inverted index, IDF, validation, the building
blocks the query engine composes, and everything existing (snapshots, init_from, strict
mode, filters, collection info) for the new kind."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from core_helpers import search as search_in

from vectorizer import BadRequest, Engine
from vectorizer.collection.vectors.sparse import idf
from vectorizer.config_json import (
    strict_mode_from_builtins,
)
from vectorizer.filters.ast import Filter, HasVector, MatchValue
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    CollectionUpdate,
    Distance,
    PointStruct,
    PointVectors,
    SparseVector,
    SparseVectorParams,
    VectorParams,
    WithPayload,
    WithVectors,
)


def sv(pairs: dict[int, float]) -> SparseVector:
    return SparseVector(np.array(list(pairs), dtype=np.int64), np.array(list(pairs.values())))


def params(given: dict[str, Any]) -> SparseVectorParams:
    """SparseVectorParams from their JSON form, as the tests write them."""
    return msgspec.convert(given, SparseVectorParams)


def config(**sparse: dict[str, Any]) -> CollectionConfig:
    return CollectionConfig(
        params=CollectionParams(
            vectors={"dense": VectorParams(size=2, distance=Distance.DOT)},
            sparse_vectors={n: params(p) for n, p in (sparse or {"text": {}}).items()},
        )
    )


DOCS = {  # point id -> the sparse vector "text"
    1: {1: 1.0, 2: 2.0},
    2: {2: 1.0, 3: 1.0},
    3: {3: 4.0},
    4: {9: 1.0},
    5: {1: 0.5, 3: 0.5, 9: 2.0},
}


def fill(engine: Engine, name: str = "c", **sparse: dict[str, Any]) -> None:
    engine.create_collection(name, config(**sparse))
    engine.get_collection(name).upsert(
        [
            PointStruct(
                id=i,
                vectors={n: sv(doc) for n in (sparse or {"text": {}})},
                payload={"odd": i % 2 == 1},
            )
            for i, doc in DOCS.items()
        ]
    )


def search(engine: Engine, query: dict[int, float], using: str = "text", **kw: Any) -> list:
    col = engine.get_collection("c")
    found = search_in(col, sv(query), using=using, limit=kw.pop("limit", 10), **kw)
    return [(p.id, round(p.score, 5)) for p in found]


def dot(doc: dict[int, float], query: dict[int, float]) -> float:
    return sum(w * query[i] for i, w in doc.items() if i in query)


def sparse_of(engine: Engine, point_id: int, name: str = "text") -> Any:
    records = engine.get_collection("c").retrieve([point_id], with_vectors=WithVectors(True))
    vec = (records[0].vectors or {}).get(name)
    return (
        None if vec is None else dict(zip(vec.indices.tolist(), vec.values.tolist(), strict=True))
    )


# ----------------------------------------------------------------------------- search


def test_dot_product_over_shared_indices_only(engine: Engine) -> None:
    fill(engine)
    query = {3: 1.0, 2: 0.5, 100: 7.0}
    expected = sorted(
        ((i, dot(doc, query)) for i, doc in DOCS.items() if set(doc) & set(query)),
        key=lambda p: -p[1],
    )
    assert search(engine, query) == [(i, round(s, 5)) for i, s in expected]
    assert 4 not in [i for i, _ in search(engine, query)]  # shares no index: not a result
    assert search(engine, {}) == []  # an empty query finds nothing
    assert search(engine, {42: 1.0}) == []
    # a point sharing an index is a result even when the products cancel out
    engine.get_collection("c").upsert([PointStruct(id=9, vectors={"text": sv({7: 0.0})})])
    assert search(engine, {7: 3.0}) == [(9, 0.0)]


def test_filters_thresholds_and_offsets(engine: Engine) -> None:
    fill(engine)
    query = {1: 1.0, 3: 1.5, 9: 1.1}  # no two points score the same
    odd = Filter(must=(MatchValue("odd", True),))
    everything = search(engine, query)
    assert search(engine, query, filter=odd) == [p for p in everything if p[0] % 2 == 1]
    # the same through the postings (the filter leaves more than full_scan_threshold)
    engine.update_collection(
        "c",
        CollectionUpdate(sparse_vectors={"text": params({"index": {"full_scan_threshold": 0}})}),
    )
    assert search(engine, query, filter=odd) == [p for p in everything if p[0] % 2 == 1]
    cut = everything[1][1]
    assert search(engine, query, score_threshold=cut) == [p for p in everything if p[1] > cut]
    assert search(engine, query, limit=2, offset=1) == everything[1:3]


def test_idf_follows_qdrant_formula(engine: Engine) -> None:
    fill(engine, text={"modifier": "idf"})
    query = {1: 1.0, 3: 2.0, 9: 1.0}
    n = len(DOCS)  # every point holds a non-empty vector
    df = {i: sum(i in doc for doc in DOCS.values()) for i in query}
    weight = {i: w * math.log((n - df[i] + 0.5) / (df[i] + 0.5) + 1) for i, w in query.items()}
    expected = sorted(((i, dot(doc, weight)) for i, doc in DOCS.items()), key=lambda p: -p[1])
    assert search(engine, query) == [(i, round(s, 5)) for i, s in expected]
    assert idf(5, np.array([0, 5])).tolist() == pytest.approx(
        [math.log(5.5 / 0.5 + 1), math.log(0.5 / 5.5 + 1)]
    )
    # statistics follow the writes: a deleted point no longer counts
    engine.get_collection("c").delete([5])
    n, df = 4, {1: 1, 3: 2, 9: 1}
    weight = {i: w * math.log((n - df[i] + 0.5) / (df[i] + 0.5) + 1) for i, w in query.items()}
    assert dict(search(engine, query)) == {
        i: round(dot(doc, weight), 5) for i, doc in DOCS.items() if i != 5
    }


def test_modifier_can_be_switched_by_update_collection(engine: Engine) -> None:
    fill(engine)
    plain = search(engine, {3: 1.0})
    engine.update_collection(
        "c", CollectionUpdate(sparse_vectors={"text": params({"modifier": "idf"})})
    )
    assert engine.get_collection("c").config.sparse_vectors == {"text": params({"modifier": "idf"})}
    scaled = search(engine, {3: 1.0})
    factor = math.log((5 - 3 + 0.5) / (3 + 0.5) + 1)
    assert scaled == [(i, round(s * factor, 5)) for i, s in plain]
    with pytest.raises(BadRequest, match="Not existing vector name error: nope"):
        engine.update_collection(
            "c", CollectionUpdate(sparse_vectors={"nope": SparseVectorParams()})
        )


# ----------------------------------------------------------------------------- building blocks


def test_building_blocks(engine: Engine) -> None:
    fill(engine, text={"modifier": "idf"}, raw={})
    col = engine.get_collection("c")
    assert col.distance("text") is Distance.DOT
    query = col.prepare_query("raw", sv({3: 1.0, 1: 2.0}))
    assert query.indices.tolist() == [1, 3]  # sorted by index
    with col.reading():
        slots = col.slots_with_vector("raw")
        assert len(slots) == 5
        scores = col.score("raw", query, slots)
        by_id = {col.point_id_at(s): float(v) for s, v in zip(slots, scores, strict=True)}
        assert by_id == pytest.approx({i: dot(doc, {1: 2.0, 3: 1.0}) for i, doc in DOCS.items()})
        assert by_id[4] == 0.0  # no shared index scores 0 here
        stored = col.vector_at(int(slots[0]), "raw")
        again = col.prepare_query("raw", stored)
        assert again.indices.tolist() == stored.indices.tolist()
        best, _ = col.nearest("raw", query, 2)
        assert [col.point_id_at(s) for s in best] == [3, 1]
        # the IDF modifier applies to `score` as it does to `nearest`
        idf_scores = col.score("text", query, best)
        assert idf_scores.tolist() == pytest.approx(col.nearest("text", query, 2)[1].tolist())
    with pytest.raises(BadRequest, match="Conversion between sparse and regular"):
        col.prepare_query("raw", np.ones(2))
    with pytest.raises(BadRequest, match="Conversion between sparse and regular"):
        col.prepare_query("dense", query)
    with pytest.raises(BadRequest, match="Not existing vector name error: other"):
        col.prepare_query("other", query)


# ----------------------------------------------------------------------------- writes


def test_update_and_delete_vectors_keep_the_index_current(engine: Engine) -> None:
    fill(engine)
    col = engine.get_collection("c")
    col.update_vectors([PointVectors(id=1, vectors={"text": sv({50: 1.0})})])
    assert search(engine, {50: 2.0}) == [(1, 2.0)]
    assert 1 not in dict(search(engine, {1: 1.0, 2: 1.0}))
    col.delete_vectors(["text"], ids=[2])
    assert sparse_of(engine, 2) is None
    assert 2 not in dict(search(engine, {2: 1.0, 3: 1.0}))
    assert col.count(Filter(must=(HasVector("text"),))) == 4
    col.delete([3])
    assert search(engine, {3: 1.0}) == [(5, 0.5)]
    col.upsert([PointStruct(id=3, vectors={"dense": [1, 2]})])  # now without a sparse vector
    assert sparse_of(engine, 3) is None
    assert col.retrieve([3], with_vectors=WithVectors(True))[0].vectors.keys() == {"dense"}


@pytest.mark.parametrize(
    ("vector", "message"),
    [
        (SparseVector(np.array([1, 1]), np.array([1.0, 2.0])), "must be unique"),
        (SparseVector(np.array([1, 2]), np.array([1.0])), "same length as indices"),
        (SparseVector(np.array([-1]), np.array([1.0])), "unsigned 32-bit"),
        (SparseVector(np.array([2**32]), np.array([1.0])), "unsigned 32-bit"),
        (SparseVector(np.array([1]), np.array([np.nan])), "finite"),
        (np.array([1.0, 2.0]), "Conversion between sparse and regular vectors failed"),
    ],
)
def test_invalid_vectors_leave_the_data_intact(engine: Engine, vector: Any, message: str) -> None:
    fill(engine)
    col = engine.get_collection("c")
    before = search(engine, {1: 1.0, 3: 1.0})
    good = PointStruct(id=1, vectors={"text": sv({77: 1.0})})
    with pytest.raises(BadRequest, match=message):
        col.upsert([good, PointStruct(id=20, vectors={"text": vector})])
    with pytest.raises(BadRequest, match=message):
        col.update_vectors([PointVectors(id=2, vectors={"text": vector})])
    assert sparse_of(engine, 1) == DOCS[1]
    assert sparse_of(engine, 2) == DOCS[2]
    assert col.count() == len(DOCS)
    assert search(engine, {1: 1.0, 3: 1.0}) == before
    with pytest.raises(BadRequest, match="Conversion between sparse and regular"):
        col.upsert([PointStruct(id=21, vectors={"dense": sv({1: 1.0})})])


# ----------------------------------------------------------------------------- durability


def test_storage_round_trip_across_restart(tmp_path: Path) -> None:
    with Engine.open(tmp_path / "data") as engine:
        fill(engine, text={"modifier": "idf"}, raw={"index": {"on_disk": True}})
        engine.get_collection("c").delete_vectors(["raw"], ids=[4])
        before = {u: search(engine, {1: 1.0, 3: 2.0, 9: 1.0}, using=u) for u in ("text", "raw")}
        stored = {i: (sparse_of(engine, i), sparse_of(engine, i, "raw")) for i in DOCS}
    with Engine.open(tmp_path / "data") as engine:
        col = engine.get_collection("c")
        assert {i: (sparse_of(engine, i), sparse_of(engine, i, "raw")) for i in DOCS} == stored
        assert stored[4][1] is None
        # the inverted index and the IDF statistics are rebuilt from the stored vectors
        for using, hits in before.items():
            assert search(engine, {1: 1.0, 3: 2.0, 9: 1.0}, using=using) == hits
        assert col.config.sparse_vectors["raw"] == params({"index": {"on_disk": True}})


def test_snapshot_and_init_from_carry_sparse_vectors(engine: Engine, tmp_path: Path) -> None:
    fill(engine, text={"modifier": "idf"})
    query = {1: 1.0, 3: 2.0}
    expected = search(engine, query)
    snapshots = engine.snapshots
    path = snapshots.path("c", snapshots.create("c").name)
    with Engine.open(tmp_path / "fresh") as fresh:
        fresh.snapshots.recover("c", path)
        assert search(fresh, query) == expected
        assert sparse_of(fresh, 5) == DOCS[5]
    engine.create_collection("copy", config(text={"modifier": "idf"}), init_from="c")
    copied = engine.get_collection("copy").retrieve([5], with_vectors=WithVectors(True))[0]
    assert copied.vectors is not None
    assert copied.vectors["text"].indices.tolist() == sorted(DOCS[5])


# ----------------------------------------------------------------------------- the rest


def test_collection_without_dense_vectors(engine: Engine) -> None:
    engine.create_collection(
        "c",
        CollectionConfig(params=CollectionParams(sparse_vectors={"text": SparseVectorParams()})),
    )
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={"text": sv({1: 1.0})}), PointStruct(id=2, vectors={})])
    assert search(engine, {1: 2.0}) == [(1, 2.0)]
    info = col.info()
    assert (info.points_count, info.vectors_count, info.indexed_vectors_count) == (2, 1, 1)
    page = col.scroll(with_payload=WithPayload(False), with_vectors=WithVectors(True))
    assert [sorted(r.vectors or {}) for r in page.points] == [["text"], []]


def test_info_counts_and_warnings(engine: Engine) -> None:
    fill(engine, text={"index": {"on_disk": True, "datatype": "float16"}}, raw={})
    engine.get_collection("c").upsert([PointStruct(id=10, vectors={"text": sv({})})])
    info = engine.get_collection("c").info()
    assert info.vectors_count == 11
    assert info.indexed_vectors_count == 10  # an empty sparse vector is not indexed
    assert "sparse_vectors.text.index.on_disk is stored but has no effect" in " ".join(
        info.warnings
    )
    assert any(w.startswith("sparse_vectors.text.index.datatype") for w in info.warnings)


def test_strict_mode_limits_sparse_length(engine: Engine) -> None:
    fill(engine)
    engine.update_collection(
        "c",
        CollectionUpdate(
            strict_mode_config=strict_mode_from_builtins(
                {"enabled": True, "sparse_config": {"text": {"max_length": 2}}}
            )
        ),
    )
    col = engine.get_collection("c")
    with pytest.raises(BadRequest, match="Sparse vector 'text' has a limit of 2 indices, but 3"):
        col.upsert([PointStruct(id=1, vectors={"text": sv({1: 1, 2: 1, 3: 1})})])
    with pytest.raises(BadRequest, match="limit of 2 indices"):
        col.update_vectors([PointVectors(id=1, vectors={"text": sv({1: 1, 2: 1, 3: 1})})])
    col.upsert([PointStruct(id=1, vectors={"text": sv({1: 1, 2: 1})})])
    assert sparse_of(engine, 1) == {1: 1.0, 2: 1.0}
    assert not any("sparse_config" in w for w in col.info().warnings)


def test_vector_storage_size_counts_sparse_data(engine: Engine) -> None:
    fill(engine)
    nnz = sum(len(doc) for doc in DOCS.values())
    engine.update_collection(
        "c",
        CollectionUpdate(
            strict_mode_config=strict_mode_from_builtins(
                {"enabled": True, "max_collection_vector_size_bytes": nnz * 8}
            )
        ),
    )
    with pytest.raises(BadRequest, match="Max vector storage size limit"):
        engine.get_collection("c").upsert([PointStruct(id=99, vectors={"text": sv({1: 1.0})})])
