"""What a collection is made of on the source, and how to create the same on the target."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qdrant_client import QdrantClient, models


class MigrationError(Exception):
    """A migration that cannot go on (one line for people)."""


@dataclass
class Plan:
    """One collection to move: its source info, point count and aliases."""

    name: str
    info: models.CollectionInfo
    points: int
    aliases: list[str] = field(default_factory=list)

    @property
    def vectors(self) -> Any:
        return self.info.config.params.vectors

    @property
    def sparse_vectors(self) -> dict[str, models.SparseVectorParams] | None:
        return self.info.config.params.sparse_vectors

    @property
    def payload_schema(self) -> dict[str, models.PayloadIndexInfo]:
        return self.info.payload_schema or {}

    def describe_vectors(self) -> str:
        """`name: size/distance` per dense vector (`sparse` for sparse ones)."""
        vectors = self.vectors
        if isinstance(vectors, models.VectorParams):
            vectors = {"": vectors}
        parts = [
            f"{name or '(unnamed)'}: {p.size}/{p.distance.value}"
            + (" multi" if getattr(p, "multivector_config", None) else "")
            for name, p in (vectors or {}).items()
        ]
        parts += [f"{name}: sparse" for name in self.sparse_vectors or {}]
        return ", ".join(parts) or "none"


def plan(client: QdrantClient, name: str) -> Plan:
    """Read what moves for collection `name` from the source."""
    if not client.collection_exists(name):
        raise MigrationError(f"collection {name!r} does not exist on the source")
    info = client.get_collection(name)
    count = client.count(name, exact=True).count
    return Plan(name, info, count, aliases_of(client, name))


def aliases_of(client: QdrantClient, name: str) -> list[str]:
    try:
        return sorted(a.alias_name for a in client.get_collection_aliases(name).aliases)
    except NotImplementedError:  # pragma: no cover - a client without aliases
        return []


def _dump(model: Any) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(exclude_none=True)


def create_arguments(source: Plan) -> dict[str, Any]:
    """`create_collection` keyword arguments reproducing the source's config."""
    config = source.info.config
    params = config.params
    args: dict[str, Any] = {
        "vectors_config": params.vectors if params.vectors is not None else {},
        "sparse_vectors_config": params.sparse_vectors,
        "on_disk_payload": params.on_disk_payload,
        "hnsw_config": models.HnswConfigDiff(**_dump(config.hnsw_config) or {}),
        "optimizers_config": models.OptimizersConfigDiff(**_dump(config.optimizer_config) or {}),
        "quantization_config": config.quantization_config,
    }
    wal = getattr(config, "wal_config", None)
    if wal is not None:
        args["wal_config"] = models.WalConfigDiff(**_dump(wal) or {})
    strict = getattr(config, "strict_mode_config", None)
    if strict is not None:
        # limits are applied after the copy: the copy itself must not be throttled
        args["strict_mode_config"] = models.StrictModeConfig(enabled=False)
    return args


def _vectors_of(info: models.CollectionInfo) -> tuple[Any, Any]:
    params = info.config.params
    sparse = {k: v.model_dump(exclude_none=True) for k, v in (params.sparse_vectors or {}).items()}
    vectors = params.vectors
    if isinstance(vectors, models.VectorParams):
        dense: Any = {"": _shape(vectors)}
    else:
        dense = {k: _shape(v) for k, v in (vectors or {}).items()}
    return dense, sorted(sparse)


def _shape(params: models.VectorParams) -> tuple[Any, ...]:
    multi = getattr(params, "multivector_config", None)
    datatype = getattr(params, "datatype", None)
    return (params.size, params.distance, multi, datatype)


def check_compatible(source: Plan, target: models.CollectionInfo) -> None:
    """An existing target collection must have the same vectors as the source."""
    ours, theirs = _vectors_of(source.info), _vectors_of(target)
    if ours != theirs:
        raise MigrationError(
            f"collection {source.name!r} exists on the target with other vectors "
            f"(target {theirs}, source {ours}); delete it or migrate into another name"
        )


def create_indexes(client: QdrantClient, source: Plan, target_name: str) -> int:
    """Create the source's payload indexes on the target; how many."""
    existing = (client.get_collection(target_name).payload_schema or {}).keys()
    made = 0
    for field_name, index in source.payload_schema.items():
        if field_name in existing:
            continue
        schema = index.params if index.params is not None else index.data_type
        client.create_payload_index(target_name, field_name, field_schema=schema, wait=True)
        made += 1
    return made


def finish(client: QdrantClient, source: Plan, target_name: str) -> None:
    """After the points: the source's strict mode (off during the copy) and aliases."""
    strict = getattr(source.info.config, "strict_mode_config", None)
    if strict is not None and strict.enabled:
        client.update_collection(target_name, strict_mode_config=strict)
    existing = set(aliases_of(client, target_name))
    actions = [
        models.CreateAliasOperation(
            create_alias=models.CreateAlias(collection_name=target_name, alias_name=alias)
        )
        for alias in source.aliases
        if alias not in existing
    ]
    if actions:
        client.update_collection_aliases(actions)
