"""Which collection settings are stored but have no effect yet, named for the collection info."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from vectorizer.collection.vectors import distance as dist
from vectorizer.collection.verify import unenforced_settings
from vectorizer.models import CollectionConfig, OptimizersConfig

# optimizer knobs of Qdrant's segment optimizer, which has no counterpart here
_OPTIMIZER_NOOPS = [f.name for f in fields(OptimizersConfig) if f.name != "indexing_threshold"]


def unimplemented_settings(config: CollectionConfig) -> list[str]:
    """One message per setting whose value Vectorizer stores but does not act on."""
    notes: list[str] = []

    def note(path: str, why: str) -> None:
        notes.append(f"{path} is stored but has no effect: {why}")

    params = config.params
    for name, vp in params.vectors.items():
        where = f"vectors.{name}" if name else "vectors"
        if vp.multivector_config is not None:
            notes.append(f"{where}: no HNSW index for multivectors; search is exact (MaxSim)")
        elif dist.hnsw_space(vp.distance) is None:
            notes.append(f"{where}: no HNSW index for {vp.distance} distance; search is exact")
        if vp.on_disk:
            note(f"{where}.on_disk", "vectors are held in memory")
        if vp.quantization_config is not None:
            note(f"{where}.quantization_config", "quantization is not implemented")
        hnsw = vp.hnsw_config.given() if vp.hnsw_config is not None else {}
        for key in ("on_disk", "payload_m"):
            if hnsw.get(key):
                note(f"{where}.hnsw_config.{key}", _HNSW_WHY[key])
    for name, sparse in config.sparse_vectors.items():
        index = sparse.index.given() if sparse.index is not None else {}
        if index.get("on_disk"):
            note(f"sparse_vectors.{name}.index.on_disk", "the inverted index is held in memory")
        if index.get("datatype") not in (None, "float32"):
            note(
                f"sparse_vectors.{name}.index.datatype",
                "the inverted index keeps float32 weights",
            )
    if config.hnsw_config.on_disk:
        note("hnsw_config.on_disk", _HNSW_WHY["on_disk"])
    if config.hnsw_config.payload_m is not None:
        note("hnsw_config.payload_m", _HNSW_WHY["payload_m"])
    if config.quantization_config is not None:
        note("quantization_config", "quantization is not implemented")
    for path, why in unenforced_settings(config.strict_mode_config):
        note(path, why)
    if params.shard_number != 1 or params.sharding_method not in (None, "auto"):
        note("shard_number/sharding_method", "a single node keeps one local shard")
    if params.replication_factor != 1 or params.write_consistency_factor != 1:
        note("replication_factor/write_consistency_factor", "a single node has no replicas")
    if params.read_fan_out_factor:
        note("read_fan_out_factor", "a single node has no replicas")
    if params.on_disk_payload:
        note("on_disk_payload", "payloads are held in memory (and durably on disk)")
    defaults = OptimizersConfig()
    for key in _OPTIMIZER_NOOPS:
        if getattr(config.optimizer_config, key) != getattr(defaults, key):
            note(f"optimizers_config.{key}", "there is no segment optimizer")
    defaults_wal: dict[str, Any] = {"wal_capacity_mb": 32, "wal_segments_ahead": 0}
    if config.wal_config.__dict__ != defaults_wal:
        note("wal_config", "writes go through SQLite's own write-ahead log")
    return notes


_HNSW_WHY = {
    "on_disk": "the HNSW graph is held in memory (and saved to disk)",
    "payload_m": "payload-aware HNSW links are not built",
}
