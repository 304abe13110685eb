"""A collection measured as Qdrant's one segment (telemetry level 4): counts, byte sizes,
graphs, payload index contents and search statistics by path taken."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest
from core_helpers import make_config, search, search_batch

from vectorizer import Engine
from vectorizer.filters.ast import Filter, MatchValue
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    CollectionUpdate,
    Distance,
    MultiVectorConfig,
    OptimizersConfig,
    PointStruct,
    SearchParams,
    SparseIndexParams,
    SparseVector,
    SparseVectorParams,
    VectorParams,
)
from vectorizer.query import search_request
from vectorizer.segment import SEARCH_CATEGORIES, hnsw_ram_bytes


def _counts(col, name: str = "") -> dict[str, int]:
    report = col.segment_info().searches[name]
    assert set(report) == set(SEARCH_CATEGORIES)
    return {category: stats["count"] for category, stats in report.items() if stats["count"]}


def _fill(col, data: np.ndarray) -> None:
    col.upsert(
        [
            PointStruct(id=i, vectors={"": row}, payload={"k": f"v{i % 10}", "n": [i, i + 1]})
            for i, row in enumerate(data)
        ]
    )


def test_plain_segment_counts_and_sizes(engine: Engine, rng) -> None:
    engine.create_collection("c", make_config(8, indexing_threshold=0))
    col = engine.get_collection("c")
    _fill(col, rng.standard_normal((50, 8)).astype(np.float32))
    col.create_field_index("k", "keyword")
    col.create_field_index("n", "integer")
    col.delete([0, 1])
    info = col.segment_info()
    assert info.segment_type == "plain" and info.is_appendable
    assert (info.num_points, info.num_vectors, info.num_indexed_vectors) == (48, 48, 0)
    assert info.num_deleted_vectors == 0
    assert info.vector_data[""].num_vectors == 48
    assert info.vectors_size_bytes == 48 * 8 * 4
    payloads = [p.payload for p in col.retrieve(list(range(2, 50)))]
    assert info.payloads_size_bytes == sum(len(msgspec.json.encode(p)) for p in payloads)
    column = col.columns[""]
    held = column.data.nbytes + column.version.nbytes + column.sqnorms.nbytes
    assert info.ram_usage_bytes == held + info.payloads_size_bytes
    assert info.disk_usage_bytes > info.vectors_size_bytes  # the SQLite pages of its rows
    assert info.graphs == {}
    by_field = {i.field_name: i for i in info.payload_indexes}
    assert (by_field["k"].data_type, by_field["k"].points, by_field["k"].values) == (
        "keyword",
        48,
        48,
    )
    assert (by_field["n"].points, by_field["n"].values) == (48, 96)
    assert info.payload_schema["k"]["points"] == 48


def test_searches_are_counted_by_the_path_taken(engine: Engine, rng) -> None:
    engine.create_collection("c", make_config(8, indexing_threshold=1))
    col = engine.get_collection("c")
    _fill(col, rng.standard_normal((600, 8)).astype(np.float32))
    q = rng.standard_normal(8).astype(np.float32)
    few = Filter(must=(MatchValue("k", "v1"),))
    assert col.wait_indexed(timeout=60)
    info = col.segment_info()
    assert info.segment_type == "indexed" and info.graphs[""].m == 16
    assert info.num_indexed_vectors == info.vector_data[""].num_indexed_vectors == 600
    assert info.ram_usage_bytes > info.vectors_size_bytes + info.payloads_size_bytes
    assert _counts(col) == {}
    search(col, q, limit=3)
    search(col, q, limit=3, params=SearchParams(exact=True))
    search(col, q, limit=3, filter=few, params=SearchParams(exact=True))
    search(col, q, limit=3, filter=few)  # 60 points x 32 B: a scan
    col.config.hnsw_config.full_scan_threshold = 0  # every filter goes through the graph now
    search(col, q, limit=3, filter=few)
    search_batch(col, [search_request(q, limit=3), search_request(-q, limit=3)])
    assert _counts(col) == {
        "unfiltered_hnsw": 3,
        "unfiltered_exact": 1,
        "filtered_exact": 1,
        "filtered_small_cardinality": 1,
        "filtered_large_cardinality": 1,
    }
    stats = col.segment_info().searches[""]["unfiltered_hnsw"]
    assert 0 < stats["min_duration_micros"] <= stats["max_duration_micros"]
    assert stats["last_responded"].endswith("Z")


def test_plain_sparse_and_multi_searches(engine: Engine) -> None:
    config = CollectionConfig(
        params=CollectionParams(
            vectors={
                "d": VectorParams(size=2, distance=Distance.DOT),
                "m": VectorParams(
                    size=2, distance=Distance.DOT, multivector_config=MultiVectorConfig()
                ),
            },
            sparse_vectors={"s": SparseVectorParams(SparseIndexParams(full_scan_threshold=2))},
        ),
        optimizer_config=OptimizersConfig(indexing_threshold=0),
    )
    engine.create_collection("c", config)
    col = engine.get_collection("c")
    sparse = SparseVector(np.array([1, 5]), np.array([0.5, 2.0]))
    col.upsert(
        [
            PointStruct(
                id=i, vectors={"d": [1, i], "m": [[1, i], [i, 1]], "s": sparse}, payload={"i": i}
            )
            for i in range(4)
        ]
    )
    info = col.segment_info()
    assert info.vector_data["s"].num_indexed_vectors == 4  # in the inverted index
    assert info.vector_data["m"].num_vectors == 4
    assert info.vectors_size_bytes == 4 * 2 * 4 + 4 * 2 * 2 * 4 + 4 * 2 * 8
    one = Filter(must=(MatchValue("i", 1),))
    search(col, [1, 0], using="d", limit=2)
    search(col, [1, 0], using="d", limit=2, filter=one)
    search(col, [[1, 0]], using="m", limit=2)
    search(col, sparse, using="s", limit=2)
    search(col, sparse, using="s", limit=2, filter=one)  # 1 < 2: rows
    engine.update_collection(
        "c",
        CollectionUpdate(
            sparse_vectors={"s": SparseVectorParams(SparseIndexParams(full_scan_threshold=0))}
        ),
    )
    search(col, sparse, using="s", limit=2, filter=one)
    assert _counts(col, "d") == {"unfiltered_plain": 1, "filtered_plain": 1}
    assert _counts(col, "m") == {"unfiltered_plain": 1}
    assert _counts(col, "s") == {
        "unfiltered_sparse": 1,
        "filtered_small_cardinality": 1,
        "filtered_sparse": 1,
    }


def test_hnsw_ram_formula() -> None:
    """hnswlib's allocation per slot: level 0 (2M links + count, vector, label), link list
    pointer, level, mutex; upper levels per expected level; 65536 label locks."""
    assert hnsw_ram_bytes(1000, 8, 16, 0) == 1000 * (132 + 32 + 8 + 52) + 65536 * 40
    assert hnsw_ram_bytes(1000, 8, 16, 10) - hnsw_ram_bytes(1000, 8, 16, 0) == 10 * 68


@pytest.mark.parametrize("store", ["memory"])
def test_memory_store_uses_no_disk(tmp_path, store: str) -> None:
    eng = Engine.open(tmp_path / "data", storage=store)
    try:
        eng.create_collection("c", make_config(4))
        col = eng.get_collection("c")
        col.upsert([PointStruct(id=1, vectors={"": [1, 2, 3, 4]})])
        assert col.segment_info().disk_usage_bytes == 0
    finally:
        eng.close()
