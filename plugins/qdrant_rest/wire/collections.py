"""Collection configs in Qdrant's JSON <-> the core's domain types: create and update
requests, vector params, alias actions, and the collection info and config going out.

Errors name the offending field: `ValidationFailed` (422) for a shape the spec does not
allow, `Unsupported` (501) for a valid request using a feature not built yet.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from vectorizer.config_json import (
    quantization_from_builtins,
    quantization_problem,
    quantization_to_builtins,
    strict_mode_from_builtins,
    strict_mode_to_builtins,
)
from vectorizer.models import (
    DEFAULT_VECTOR,
    AliasAction,
    CollectionConfig,
    CollectionInfo,
    CollectionParams,
    CollectionUpdate,
    CreateAlias,
    Datatype,
    DeleteAlias,
    Distance,
    HnswConfig,
    HnswConfigDiff,
    Modifier,
    MultiVectorComparator,
    MultiVectorConfig,
    OptimizersConfig,
    QuantizationConfig,
    RenameAlias,
    SparseIndexParams,
    SparseVectorParams,
    StrictModeConfig,
    VectorParams,
    VectorParamsDiff,
    WalConfig,
    vector_size_problem,
)
from vectorizer_qdrant_rest.wire import structs
from vectorizer_qdrant_rest.wire.errors import ValidationFailed
from vectorizer_qdrant_rest.wire.structs import convert_struct, join_path

if TYPE_CHECKING:
    pass


T = TypeVar("T")


def _diff(struct: msgspec.Struct | None) -> dict[str, Any]:
    """The fields of a *Diff struct that were given (non-null)."""
    if struct is None:
        return {}
    return {k: v for k, v in msgspec.structs.asdict(struct).items() if v is not None}


def _optimizers_diff(struct: structs.OptimizersConfigDiff | None) -> dict[str, Any]:
    diff = _diff(struct)
    if diff.get("max_optimization_threads") == "auto":
        diff.pop("max_optimization_threads")  # the domain's None means "auto"
    return diff


def _aliased(value: T | None, alias: T | None, name: str, where: str = "") -> T | None:
    """A field Qdrant also accepts under an alias (serde `alias`): either one, not both."""
    if value is not None and alias is not None:
        raise ValidationFailed(join_path(where, name), f"duplicate field `{name}`")
    return alias if value is None else value


def vector_params(value: Any, where: str) -> VectorParams:
    params = convert_struct(value, structs.VectorParams, where)
    problem = vector_size_problem(params.size)
    if problem is not None:
        raise ValidationFailed(join_path(where, "size"), problem)
    return VectorParams(
        size=params.size,
        distance=Distance(params.distance),
        hnsw_config=_hnsw_diff(params.hnsw_config),
        quantization_config=_quantization(
            _aliased(params.quantization_config, params.quantization, "quantization_config", where),
            join_path(where, "quantization_config"),
        ),
        on_disk=params.on_disk,
        datatype=Datatype(params.datatype) if params.datatype is not None else None,
        multivector_config=(
            MultiVectorConfig(MultiVectorComparator(params.multivector_config.comparator))
            if params.multivector_config is not None
            else None
        ),
    )


def _hnsw_diff(struct: structs.HnswConfigDiff | None) -> HnswConfigDiff | None:
    """A per-vector HnswConfigDiff; None when absent or empty."""
    given = _diff(struct)
    return HnswConfigDiff(**given) if given else None


def _sparse_params(params: structs.SparseVectorParams) -> SparseVectorParams:
    index = None
    if params.index is not None:
        i = params.index
        index = SparseIndexParams(
            full_scan_threshold=i.full_scan_threshold,
            on_disk=i.on_disk,
            datatype=Datatype(i.datatype) if i.datatype is not None else None,
        )
    modifier = Modifier(params.modifier) if params.modifier is not None else None
    return SparseVectorParams(index=index, modifier=modifier)


def _sparse_vectors(
    value: dict[str, structs.SparseVectorParams] | None,
) -> dict[str, SparseVectorParams] | None:
    """SparseVectorsConfig (or its diff): each name's params, the fields given."""
    if value is None:
        return None
    return {name: _sparse_params(params) for name, params in value.items()}


def _sparse_params_out(params: SparseVectorParams) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if params.index is not None:
        out["index"] = msgspec.to_builtins(params.index.given())
    if params.modifier is not None:
        out["modifier"] = str(params.modifier)
    return out


def vectors_config(value: Any, where: str = "vectors") -> dict[str, VectorParams]:
    """VectorsConfig: one VectorParams (the unnamed vector) or a map name -> VectorParams."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed(
            where, "expected vector params ({size, distance}) or a map of named vector params"
        )
    if "size" in value or "distance" in value:
        return {DEFAULT_VECTOR: vector_params(value, where)}
    return {name: vector_params(params, f"{where}.{name}") for name, params in value.items()}


def collection_config(req: structs.CreateCollection) -> CollectionConfig:
    """CreateCollection -> the domain config (defaults as Qdrant's; `init_from` is the
    engine's argument, not part of the config)."""
    given_map = isinstance(req.vectors, dict) and not (
        "size" in req.vectors or "distance" in req.vectors
    )
    params = CollectionParams(
        vectors=vectors_config(req.vectors),
        vectors_as_map=given_map,
        shard_number=req.shard_number or 1,
        sharding_method=req.sharding_method,
        replication_factor=req.replication_factor or 1,
        write_consistency_factor=req.write_consistency_factor or 1,
        on_disk_payload=True if req.on_disk_payload is None else req.on_disk_payload,
        sparse_vectors=_sparse_vectors(req.sparse_vectors),
    )
    return CollectionConfig(
        params=params,
        hnsw_config=HnswConfig(**_diff(req.hnsw_config)),
        optimizer_config=OptimizersConfig(
            **_optimizers_diff(
                _aliased(req.optimizers_config, req.optimizer_config, "optimizers_config")
            )
        ),
        wal_config=WalConfig(**_diff(req.wal_config)),
        quantization_config=_quantization(
            _aliased(req.quantization_config, req.quantization, "quantization_config"),
            "quantization_config",
        ),
        strict_mode_config=_strict_mode(req.strict_mode_config),
    )


def _quantization(value: Any, where: str) -> QuantizationConfig | None:
    """A quantization config (JSON) as the domain type; 422 naming the field if it is none."""
    if value is None:
        return None
    found = quantization_problem(value)
    if found is not None:
        raise ValidationFailed(join_path(where, found[0]), found[1])
    return quantization_from_builtins(value, where)


def _quantization_out(config: QuantizationConfig | None) -> dict[str, Any] | None:
    return quantization_to_builtins(config) if config is not None else None


def _strict_mode(value: dict[str, Any] | None) -> StrictModeConfig | None:
    return strict_mode_from_builtins(value) if value is not None else None


def collection_update(req: structs.UpdateCollection) -> CollectionUpdate:
    """UpdateCollection -> the domain's partial update."""
    vectors: dict[str, VectorParamsDiff] | None = None
    if req.vectors is not None:
        vectors = {}
        for name, diff in req.vectors.items():
            quantization: Any = None
            disable = False
            if diff.quantization_config == "Disabled":
                disable = True
            elif diff.quantization_config is not None:
                if not isinstance(diff.quantization_config, dict):
                    raise ValidationFailed(
                        f"vectors.{name}.quantization_config",
                        'expected a quantization config object or "Disabled"',
                    )
                quantization = _quantization(
                    diff.quantization_config, f"vectors.{name}.quantization_config"
                )
            vectors[name] = VectorParamsDiff(
                hnsw_config=(
                    HnswConfigDiff(**_diff(diff.hnsw_config))
                    if diff.hnsw_config is not None
                    else None
                ),
                quantization_config=quantization,
                on_disk=diff.on_disk,
                disable_quantization=disable,
            )
    quantization = req.quantization_config
    disable = False
    if quantization == "Disabled":
        quantization, disable = None, True
    elif quantization is not None and not isinstance(quantization, dict):
        raise ValidationFailed(
            "quantization_config", 'expected a quantization config object or "Disabled"'
        )
    return CollectionUpdate(
        vectors=vectors,
        sparse_vectors=_sparse_vectors(req.sparse_vectors),
        params=_diff(req.params) or None,
        hnsw_config=_hnsw_diff(req.hnsw_config),
        optimizers_config=_optimizers_diff(req.optimizers_config) or None,
        quantization_config=_quantization(quantization, "quantization_config"),
        disable_quantization=disable,
        strict_mode_config=_strict_mode(req.strict_mode_config),
    )


def alias_actions(req: structs.ChangeAliases) -> list[AliasAction]:
    actions: list[AliasAction] = []
    for i, op in enumerate(req.actions):
        given = [a for a in (op.create_alias, op.delete_alias, op.rename_alias) if a is not None]
        if len(given) != 1:
            raise ValidationFailed(
                f"actions[{i}]",
                "expected exactly one of create_alias, delete_alias, rename_alias",
            )
        action = given[0]
        if isinstance(action, structs.CreateAlias):
            actions.append(CreateAlias(action.collection_name, action.alias_name))
        elif isinstance(action, structs.DeleteAlias):
            actions.append(DeleteAlias(action.alias_name))
        else:
            actions.append(RenameAlias(action.old_alias_name, action.new_alias_name))
    return actions


def _skip_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def multivector_config_out(config: MultiVectorConfig | None) -> dict[str, Any] | None:
    return {"comparator": str(config.comparator)} if config is not None else None


def _vector_params_out(params: VectorParams) -> dict[str, Any]:
    return _skip_none(
        {
            "size": params.size,
            "distance": str(params.distance),
            "hnsw_config": params.hnsw_config.given() if params.hnsw_config is not None else None,
            "quantization_config": _quantization_out(params.quantization_config),
            "on_disk": params.on_disk,
            "datatype": str(params.datatype) if params.datatype is not None else None,
            "multivector_config": multivector_config_out(params.multivector_config),
        }
    )


def collection_config_out(config: CollectionConfig) -> dict[str, Any]:
    """The `config` of CollectionInfo, in Qdrant's shape."""
    p = config.params
    if config.single_vector_params:
        vectors: Any = _vector_params_out(p.vectors[DEFAULT_VECTOR])
    else:
        vectors = {name: _vector_params_out(vp) for name, vp in p.vectors.items()}
    params = {
        "vectors": vectors,
        "shard_number": p.shard_number,
        "sharding_method": p.sharding_method,
        "replication_factor": p.replication_factor,
        "write_consistency_factor": p.write_consistency_factor,
        "read_fan_out_factor": p.read_fan_out_factor,
        "on_disk_payload": p.on_disk_payload,
        "sparse_vectors": (
            {name: _sparse_params_out(sp) for name, sp in p.sparse_vectors.items()}
            if p.sparse_vectors is not None
            else None
        ),
    }
    out = {
        "params": _skip_none(params),
        "hnsw_config": _skip_none(dataclasses.asdict(config.hnsw_config)),
        "optimizer_config": dataclasses.asdict(config.optimizer_config),
        "wal_config": _skip_none(dataclasses.asdict(config.wal_config)),
        "quantization_config": _quantization_out(config.quantization_config),
        "strict_mode_config": (
            strict_mode_to_builtins(config.strict_mode_config)
            if config.strict_mode_config is not None
            else None
        ),
    }
    if config.metadata is not None:
        out["metadata"] = config.metadata
    return out


def collection_info_out(info: CollectionInfo) -> dict[str, Any]:
    """CollectionInfo in Qdrant's shape, plus `warnings` for settings without effect."""
    return {
        "status": str(info.status),
        "optimizer_status": info.optimizer_status,
        "vectors_count": info.vectors_count,
        "indexed_vectors_count": info.indexed_vectors_count,
        "points_count": info.points_count,
        "segments_count": info.segments_count,
        "config": collection_config_out(info.config),
        "payload_schema": info.payload_schema,
        "warnings": [{"message": w} for w in info.warnings],
    }
