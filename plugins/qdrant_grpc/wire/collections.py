"""Protobuf messages <-> core domain types for collections: configs, updates, info,
aliases and payload index params.

The collection config is the core's domain types (`vectorizer.models`: sparse vector
params, multivector config, HNSW diffs, strict mode, quantization); here they are
converted to and from their protobuf messages, each direction once. Requests are
validated as Qdrant validates them (bounds of the config diffs, enum values); errors name
the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qdrant_client import grpc as pb

from vectorizer.errors import Unsupported
from vectorizer.models import (
    DEFAULT_VECTOR,
    AliasAction,
    CollectionConfig,
    CollectionInfo,
    CollectionParams,
    CollectionUpdate,
    CreateAlias,
    DeleteAlias,
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
    VectorParams,
    VectorParamsDiff,
    WalConfig,
    vector_size_problem,
)
from vectorizer_qdrant_grpc.wire.config_parts import (
    DATATYPES,
    DISTANCES,
    FIELD_TYPES,
    INDEX_PARAMS,
    SCHEMA_TYPES,
    SHARDING,
    STATUSES,
    TOKENIZERS,
    as_quantization,
    checked,
    given,
    hnsw_diff,
    hnsw_diff_in,
    optimizers_diff_in,
    quantization_in,
    quantization_out,
    reversed_map,
    strict_mode_in,
    strict_mode_out,
    wal_diff_in,
)
from vectorizer_qdrant_grpc.wire.values import invalid

# ----------------------------------------------------------------------------- vectors config


def vector_params_in(value: pb.VectorParams, where: str) -> VectorParams:
    problem = vector_size_problem(value.size)
    if problem is not None:
        raise invalid(f"{where}.size", problem)
    if value.distance not in DISTANCES:
        raise invalid(
            f"{where}.distance", "unknown distance (expected Cosine, Euclid, Dot or Manhattan)"
        )
    datatype = DATATYPES.get(value.datatype) if value.HasField("datatype") else None
    multivector = None
    if value.HasField("multivector_config"):
        multivector = MultiVectorConfig(MultiVectorComparator.MAX_SIM)
    return VectorParams(
        size=int(value.size),
        distance=DISTANCES[value.distance],
        hnsw_config=(
            hnsw_diff(hnsw_diff_in(value.hnsw_config, f"{where}.hnsw_config"))
            if value.HasField("hnsw_config")
            else None
        ),
        quantization_config=(
            as_quantization(
                quantization_in(value.quantization_config, f"{where}.quantization_config")
            )
            if value.HasField("quantization_config")
            else None
        ),
        on_disk=value.on_disk if value.HasField("on_disk") else None,
        datatype=datatype,
        multivector_config=multivector,
    )


def vectors_config_in(value: pb.VectorsConfig, where: str) -> dict[str, VectorParams]:
    """VectorsConfig: one VectorParams (the unnamed vector) or a map of named ones."""
    kind = value.WhichOneof("config")
    if kind == "params":
        return {DEFAULT_VECTOR: vector_params_in(value.params, f"{where}.params")}
    if kind == "params_map":
        at = f"{where}.params_map.map"
        return {
            name: vector_params_in(params, f"{at}.{name}")
            for name, params in value.params_map.map.items()
        }
    return {}


def _vector_params_out(params: VectorParams) -> pb.VectorParams:
    out = pb.VectorParams(size=params.size, distance=reversed_map(DISTANCES)[params.distance])
    if params.hnsw_config is not None and params.hnsw_config.given():
        out.hnsw_config.CopyFrom(pb.HnswConfigDiff(**params.hnsw_config.given()))
    if params.quantization_config is not None:
        out.quantization_config.CopyFrom(quantization_out(params.quantization_config))
    if params.on_disk is not None:
        out.on_disk = params.on_disk
    if params.datatype is not None:
        out.datatype = reversed_map(DATATYPES)[params.datatype]
    if params.multivector_config is not None:
        out.multivector_config.CopyFrom(
            pb.MultiVectorConfig(comparator=pb.MultiVectorComparator.MaxSim)
        )
    return out


def vectors_config_out(config: CollectionConfig) -> pb.VectorsConfig:
    vectors = config.params.vectors
    if config.single_vector_params:
        return pb.VectorsConfig(params=_vector_params_out(vectors[DEFAULT_VECTOR]))
    named = {name: _vector_params_out(vp) for name, vp in vectors.items()}
    return pb.VectorsConfig(params_map=pb.VectorParamsMap(map=named))


def sparse_params_in(value: pb.SparseVectorParams, where: str) -> SparseVectorParams:
    """SparseVectorParams (or their diff), the fields given."""
    index = None
    if value.HasField("index"):
        i = value.index
        datatype = None
        if i.HasField("datatype"):
            if i.datatype not in DATATYPES:
                raise invalid(f"{where}.index.datatype", "unknown datatype")
            datatype = DATATYPES[i.datatype]
        index = SparseIndexParams(
            full_scan_threshold=(
                int(i.full_scan_threshold) if i.HasField("full_scan_threshold") else None
            ),
            on_disk=bool(i.on_disk) if i.HasField("on_disk") else None,
            datatype=datatype,
        )
    modifier = None
    if value.HasField("modifier"):
        if value.modifier not in (0, pb.Modifier.Idf):  # 0: `None`
            raise invalid(f"{where}.modifier", "unknown modifier (expected None or Idf)")
        modifier = Modifier.IDF if value.modifier == pb.Modifier.Idf else Modifier.NONE
    return SparseVectorParams(index=index, modifier=modifier)


def sparse_vectors_in(value: pb.SparseVectorConfig, where: str) -> dict[str, SparseVectorParams]:
    """SparseVectorConfig: sparse vector name -> its params (or their diff)."""
    return {
        name: sparse_params_in(params, f"{where}.map.{name}") for name, params in value.map.items()
    }


def sparse_vectors_out(value: Mapping[str, SparseVectorParams]) -> pb.SparseVectorConfig:
    out = pb.SparseVectorConfig()
    for name, params in value.items():
        entry = out.map[name]
        entry.SetInParent()
        index = params.index
        if index is not None:
            entry.index.SetInParent()
            if index.full_scan_threshold is not None:
                entry.index.full_scan_threshold = index.full_scan_threshold
            if index.on_disk is not None:
                entry.index.on_disk = index.on_disk
            if index.datatype is not None:
                entry.index.datatype = reversed_map(DATATYPES)[index.datatype]
        if params.modifier is not None:
            entry.modifier = pb.Modifier.Idf if params.modifier is Modifier.IDF else 0
    return out


# ----------------------------------------------------------------------------- collections in


def collection_config_in(value: pb.CreateCollection) -> CollectionConfig:
    """CreateCollection -> the domain config (defaults as Qdrant's; `init_from_collection`
    is the engine's argument, not part of the config)."""
    params = checked(
        {
            k: getattr(value, k)
            for k in ("shard_number", "replication_factor", "write_consistency_factor")
            if value.HasField(k)
        },
        "params",
        "",
    )
    collection = CollectionParams(
        vectors=(
            vectors_config_in(value.vectors_config, "vectors_config")
            if value.HasField("vectors_config")
            else {}
        ),
        vectors_as_map=value.vectors_config.WhichOneof("config") == "params_map",
        shard_number=params.get("shard_number", 1),
        sharding_method=SHARDING.get(value.sharding_method)
        if value.HasField("sharding_method")
        else None,
        replication_factor=params.get("replication_factor", 1),
        write_consistency_factor=params.get("write_consistency_factor", 1),
        on_disk_payload=value.on_disk_payload if value.HasField("on_disk_payload") else True,
        sparse_vectors=(
            sparse_vectors_in(value.sparse_vectors_config, "sparse_vectors_config") or None
            if value.HasField("sparse_vectors_config")
            else None
        ),
    )
    return CollectionConfig(
        params=collection,
        hnsw_config=HnswConfig(**hnsw_diff_in(value.hnsw_config)),
        optimizer_config=OptimizersConfig(**optimizers_diff_in(value.optimizers_config)),
        wal_config=WalConfig(**wal_diff_in(value.wal_config)),
        quantization_config=(
            as_quantization(quantization_in(value.quantization_config, "quantization_config"))
            if value.HasField("quantization_config")
            else None
        ),
        strict_mode_config=(
            strict_mode_in(value.strict_mode_config)
            if value.HasField("strict_mode_config")
            else None
        ),
    )


def _vector_diff_in(value: pb.VectorParamsDiff, where: str) -> VectorParamsDiff:
    hnsw = None
    if value.HasField("hnsw_config"):
        hnsw = HnswConfigDiff(**hnsw_diff_in(value.hnsw_config, f"{where}.hnsw_config"))
    quantization: QuantizationConfig | None = None
    disable = False
    if value.HasField("quantization_config"):
        given_ = quantization_in(value.quantization_config, f"{where}.quantization_config")
        if isinstance(given_, QuantizationConfig):
            quantization = given_
        else:
            disable = True
    return VectorParamsDiff(
        hnsw_config=hnsw,
        quantization_config=quantization,
        on_disk=value.on_disk if value.HasField("on_disk") else None,
        disable_quantization=disable,
    )


def collection_update_in(value: pb.UpdateCollection) -> CollectionUpdate:
    """UpdateCollection -> the domain's partial update."""
    sparse = (
        sparse_vectors_in(value.sparse_vectors_config, "sparse_vectors_config")
        if value.HasField("sparse_vectors_config")
        else None
    )
    vectors: dict[str, VectorParamsDiff] | None = None
    if value.HasField("vectors_config"):
        diff = value.vectors_config
        kind = diff.WhichOneof("config")
        if kind == "params":
            vectors = {DEFAULT_VECTOR: _vector_diff_in(diff.params, "vectors_config.params")}
        elif kind == "params_map":
            at = "vectors_config.params_map.map"
            vectors = {
                name: _vector_diff_in(d, f"{at}.{name}") for name, d in diff.params_map.map.items()
            }
    quantization: QuantizationConfig | str | None = None
    if value.HasField("quantization_config"):
        quantization = quantization_in(value.quantization_config, "quantization_config")
    disable = quantization == "Disabled"
    return CollectionUpdate(
        vectors=vectors,
        sparse_vectors=sparse,
        params=checked(given(value.params), "params", "params") or None,
        hnsw_config=hnsw_diff(hnsw_diff_in(value.hnsw_config)),
        optimizers_config=optimizers_diff_in(value.optimizers_config) or None,
        quantization_config=quantization if isinstance(quantization, QuantizationConfig) else None,
        disable_quantization=disable,
        strict_mode_config=(
            strict_mode_in(value.strict_mode_config)
            if value.HasField("strict_mode_config")
            else None
        ),
    )


def alias_actions_in(value: pb.ChangeAliases) -> list[AliasAction]:
    actions: list[AliasAction] = []
    for i, op in enumerate(value.actions):
        kind = op.WhichOneof("action")
        if kind == "create_alias":
            actions.append(CreateAlias(op.create_alias.collection_name, op.create_alias.alias_name))
        elif kind == "delete_alias":
            actions.append(DeleteAlias(op.delete_alias.alias_name))
        elif kind == "rename_alias":
            rename = op.rename_alias
            actions.append(RenameAlias(rename.old_alias_name, rename.new_alias_name))
        else:
            raise invalid(
                f"actions[{i}]", "expected exactly one of create_alias, rename_alias, delete_alias"
            )
    return actions


# ----------------------------------------------------------------------------- collections out


def _optimizers_out(config: OptimizersConfig) -> pb.OptimizersConfigDiff:
    out = pb.OptimizersConfigDiff(
        deleted_threshold=config.deleted_threshold,
        vacuum_min_vector_number=config.vacuum_min_vector_number,
        default_segment_number=config.default_segment_number,
        flush_interval_sec=config.flush_interval_sec,
    )
    for name in ("max_segment_size", "memmap_threshold", "indexing_threshold"):
        value = getattr(config, name)
        if value is not None:
            setattr(out, name, value)
    threads = config.max_optimization_threads
    if threads is None:
        auto = pb.MaxOptimizationThreads.Setting.Auto
        out.max_optimization_threads.CopyFrom(pb.MaxOptimizationThreads(setting=auto))
    else:
        out.max_optimization_threads.CopyFrom(pb.MaxOptimizationThreads(value=threads))
    return out


def _hnsw_out(config: HnswConfig) -> pb.HnswConfigDiff:
    values = {k: v for k, v in vars(config).items() if v is not None}
    return pb.HnswConfigDiff(**values)


def collection_config_out(config: CollectionConfig) -> pb.CollectionConfig:
    """The `config` of CollectionInfo."""
    p = config.params
    params = pb.CollectionParams(
        shard_number=p.shard_number,
        on_disk_payload=p.on_disk_payload,
        vectors_config=vectors_config_out(config),
        replication_factor=p.replication_factor,
        write_consistency_factor=p.write_consistency_factor,
    )
    if p.read_fan_out_factor is not None:
        params.read_fan_out_factor = p.read_fan_out_factor
    if p.sharding_method is not None:
        params.sharding_method = reversed_map(SHARDING)[p.sharding_method]
    if p.sparse_vectors:
        params.sparse_vectors_config.CopyFrom(sparse_vectors_out(p.sparse_vectors))
    out = pb.CollectionConfig(
        params=params,
        hnsw_config=_hnsw_out(config.hnsw_config),
        optimizer_config=_optimizers_out(config.optimizer_config),
        wal_config=pb.WalConfigDiff(**_given_fields(vars(config.wal_config), pb.WalConfigDiff)),
    )
    if config.quantization_config is not None:
        out.quantization_config.CopyFrom(quantization_out(config.quantization_config))
    if config.strict_mode_config is not None:
        out.strict_mode_config.CopyFrom(strict_mode_out(config.strict_mode_config))
    return out


def _vectors_count(info: CollectionInfo) -> dict[str, int]:
    """`vectors_count`, where the stubs still have it (Qdrant 1.14 does; later protos not)."""
    if "vectors_count" in pb.CollectionInfo.DESCRIPTOR.fields_by_name:
        return {"vectors_count": info.vectors_count}
    return {}


def collection_info_out(info: CollectionInfo) -> pb.CollectionInfo:
    """CollectionInfo (its `warnings` have no field here: the servicer sends them as
    trailing metadata)."""
    ok = info.optimizer_status == "ok"
    return pb.CollectionInfo(
        status=STATUSES[info.status],
        optimizer_status=pb.OptimizerStatus(ok=ok, error="" if ok else str(info.optimizer_status)),
        **_vectors_count(info),
        segments_count=info.segments_count,
        config=collection_config_out(info.config),
        payload_schema={
            field: payload_schema_out(schema) for field, schema in info.payload_schema.items()
        },
        points_count=info.points_count,
        indexed_vectors_count=info.indexed_vectors_count,
    )


# ----------------------------------------------------------------------------- payload indexes


def field_schema_in(value: pb.CreateFieldIndexCollection) -> str | dict[str, Any] | None:
    """`field_type` and `field_index_params` as the REST `field_schema` the core reads: a
    type name, or a params object with its `type`."""
    if not value.HasField("field_type"):
        if value.HasField("field_index_params"):
            raise invalid("field_type", "field type is missing")
        return None
    kind = FIELD_TYPES.get(value.field_type)
    if kind is None:
        raise invalid("field_type", "cannot convert field_type")
    params = value.field_index_params if value.HasField("field_index_params") else None
    which = params.WhichOneof("index_params") if params is not None else None
    if which is None:
        return kind
    if which != INDEX_PARAMS[kind]:
        raise invalid(
            "field_index_params", f"field_type ({kind}) and field_index_params do not match"
        )
    message = getattr(params, which)
    schema: dict[str, Any] = {"type": kind, **given(message)}
    if kind == "text":
        tokenizer = TOKENIZERS.get(message.tokenizer)
        if tokenizer is None:
            raise invalid(
                "field_index_params.text_index_params.tokenizer", "unknown tokenizer type"
            )
        schema["tokenizer"] = tokenizer
        for later in ("stopwords", "stemmer"):
            if later in message.DESCRIPTOR.fields_by_name and message.HasField(later):
                raise Unsupported(f"text index option {later!r} (added after Qdrant 1.14)")
    return schema


def payload_schema_out(schema: Mapping[str, Any]) -> pb.PayloadSchemaInfo:
    """One entry of a collection's payload schema: type, params (when reported), points."""
    kind = schema["data_type"]
    out = pb.PayloadSchemaInfo(data_type=SCHEMA_TYPES[kind])
    params = schema.get("params")
    if params:
        out.params.CopyFrom(index_params_out(kind, params))
    if schema.get("points") is not None:
        out.points = schema["points"]
    return out


def index_params_out(kind: str, params: Mapping[str, Any]) -> pb.PayloadIndexParams:
    field = INDEX_PARAMS[kind]
    message_type = getattr(
        pb, pb.PayloadIndexParams.DESCRIPTOR.fields_by_name[field].message_type.name
    )
    known = message_type.DESCRIPTOR.fields_by_name
    values = {k: v for k, v in params.items() if v is not None and k in known}
    if kind == "text":
        values["tokenizer"] = reversed_map(TOKENIZERS)[params.get("tokenizer", "word")]
        values = {k: v for k, v in values.items() if k not in ("stopwords", "stemmer")}
    return pb.PayloadIndexParams(**{field: message_type(**values)})


def _given_fields(values: dict[str, Any], message: Any) -> dict[str, Any]:
    """The values set, of the fields the installed `message` type has."""
    known = message.DESCRIPTOR.fields_by_name
    return {k: v for k, v in values.items() if v is not None and k in known}
