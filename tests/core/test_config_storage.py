"""Stored collection configs: what data directories and snapshots written before the
config became typed hold still loads, and is written back the same (`config_to_dict` /
`config_from_dict`)."""

from __future__ import annotations

import copy
from pathlib import Path

from vectorizer import Engine
from vectorizer.config_json import (
    config_from_dict,
    config_to_dict,
)
from vectorizer.models import (
    CompressionRatio,
    Datatype,
    HnswConfigDiff,
    Modifier,
    MultiVectorComparator,
    MultiVectorConfig,
    ProductQuantization,
    QuantizationConfig,
    ScalarQuantization,
    ScalarType,
    SparseIndexParams,
    SparseVectorParams,
    StrictModeMultivector,
    StrictModeSparse,
)

# A config with every field set, as the code before the typed config stored it (the
# output of its `config_to_dict`): diffs and sparse params hold only the fields given.
STORED = {
    "params": {
        "vectors": {
            "dense": {
                "size": 4,
                "distance": "Cosine",
                "hnsw_config": {"m": 0, "payload_m": 16, "on_disk": False},
                "quantization_config": {
                    "scalar": {"type": "int8", "quantile": 0.99, "always_ram": True}
                },
                "on_disk": True,
                "datatype": "float16",
                "multivector_config": None,
            },
            "multi": {
                "size": 2,
                "distance": "Dot",
                "hnsw_config": {},
                "quantization_config": None,
                "on_disk": None,
                "datatype": None,
                "multivector_config": {"comparator": "max_sim"},
            },
        },
        "shard_number": 2,
        "sharding_method": "custom",
        "replication_factor": 3,
        "write_consistency_factor": 2,
        "read_fan_out_factor": 1,
        "on_disk_payload": False,
        "sparse_vectors": {
            "text": {
                "index": {"full_scan_threshold": 100, "on_disk": True, "datatype": "uint8"},
                "modifier": "idf",
            },
            "plain": {},
            "empty_index": {"index": {}},
            "none": {"modifier": "none"},
        },
        "vectors_as_map": True,
    },
    "hnsw_config": {
        "m": 32,
        "ef_construct": 200,
        "full_scan_threshold": 5000,
        "max_indexing_threads": 2,
        "on_disk": True,
        "payload_m": 8,
    },
    "optimizer_config": {
        "deleted_threshold": 0.5,
        "vacuum_min_vector_number": 1000,
        "default_segment_number": 0,
        "max_segment_size": 1000,
        "memmap_threshold": 10,
        "indexing_threshold": 0,
        "flush_interval_sec": 5,
        "max_optimization_threads": 4,
    },
    "wal_config": {"wal_capacity_mb": 64, "wal_segments_ahead": 1},
    "quantization_config": {"product": {"compression": "x16", "always_ram": False}},
    "strict_mode_config": {
        "enabled": True,
        "max_query_limit": 10,
        "max_timeout": 2,
        "unindexed_filtering_retrieve": False,
        "unindexed_filtering_update": True,
        "search_max_hnsw_ef": 3,
        "search_allow_exact": False,
        "search_max_oversampling": 1.5,
        "upsert_max_batchsize": 100,
        "max_collection_vector_size_bytes": 1_000_000,
        "read_rate_limit": 60,
        "write_rate_limit": 30,
        "max_collection_payload_size_bytes": 2_000_000,
        "max_points_count": 1000,
        "filter_max_conditions": 5,
        "condition_max_size": 7,
        "multivector_config": {"multi": {"max_vectors": 3}, "other": {}},
        "sparse_config": {"text": {"max_length": 5}},
        "max_payload_index_count": 4,
        "unheard_of": {"kept": "as given"},  # no setting of Qdrant 1.14: stored, reported
    },
    "metadata": {"owner": "me", "nested": {"a": [1, 2]}},
    "payload_indexes": {
        "city": "keyword",
        "text": {"type": "text", "tokenizer": "word", "lowercase": True},
    },
}


def test_stored_config_round_trips_unchanged() -> None:
    config = config_from_dict(copy.deepcopy(STORED))
    assert config_to_dict(config) == STORED
    assert config_to_dict(config_from_dict(config_to_dict(config))) == STORED


def test_stored_config_loads_as_domain_types() -> None:
    config = config_from_dict(copy.deepcopy(STORED))
    dense, multi = config.params.vectors["dense"], config.params.vectors["multi"]
    assert dense.hnsw_config == HnswConfigDiff(m=0, payload_m=16, on_disk=False)
    assert dense.multivector_config is None
    assert multi.hnsw_config == HnswConfigDiff()  # given empty, kept empty
    assert multi.multivector_config == MultiVectorConfig(MultiVectorComparator.MAX_SIM)
    assert config.sparse_vectors == {
        "text": SparseVectorParams(
            SparseIndexParams(full_scan_threshold=100, on_disk=True, datatype=Datatype.UINT8),
            Modifier.IDF,
        ),
        "plain": SparseVectorParams(),
        "empty_index": SparseVectorParams(index=SparseIndexParams()),
        "none": SparseVectorParams(modifier=Modifier.NONE),
    }
    strict = config.strict_mode_config
    assert strict is not None
    assert (strict.enabled, strict.search_max_oversampling, strict.max_payload_index_count) == (
        True,
        1.5,
        4,
    )
    assert strict.multivector_config == {
        "multi": StrictModeMultivector(max_vectors=3),
        "other": StrictModeMultivector(),
    }
    assert strict.sparse_config == {"text": StrictModeSparse(max_length=5)}
    assert strict.unknown == {"unheard_of": {"kept": "as given"}}
    assert dense.quantization_config == QuantizationConfig(
        scalar=ScalarQuantization(ScalarType.INT8, quantile=0.99, always_ram=True)
    )
    assert config.quantization_config == QuantizationConfig(
        product=ProductQuantization(CompressionRatio.X16, always_ram=False)
    )
    assert config.hnsw_for("dense").m == 0
    assert config.hnsw_for("dense").ef_construct == 200  # the collection's


def test_engine_reopens_a_stored_config(tmp_path: Path) -> None:
    stored = copy.deepcopy(STORED)
    stored["params"]["sharding_method"] = None
    with Engine.open(tmp_path / "data") as engine:
        engine.create_collection("c", config_from_dict(copy.deepcopy(stored)))
    with Engine.open(tmp_path / "data") as engine:
        assert config_to_dict(engine.get_collection("c").config) == stored


def test_a_stored_quantization_config_of_no_known_shape_is_dropped() -> None:
    """Before quantization configs were typed, any JSON object was taken (and has no
    effect): such a config still loads, without it."""
    stored = copy.deepcopy(STORED)
    stored["quantization_config"] = {"turbo": {}}
    stored["params"]["vectors"]["dense"]["quantization_config"] = {"scalar": {"colour": 1}}
    config = config_from_dict(stored)
    assert config.quantization_config is None
    assert config.params.vectors["dense"].quantization_config is None
