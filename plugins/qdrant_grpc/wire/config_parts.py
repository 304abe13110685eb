"""Protobuf messages <-> core domain types for the parts of a collection config that
have messages of their own: the enum tables, the HNSW / WAL / optimizer diffs,
quantization and strict mode. `wire/collections.py` builds whole configs from them.
Requests are validated as Qdrant validates them; errors name the field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from google.protobuf.message import Message
from qdrant_client import grpc as pb

from vectorizer.config_json import (
    STRICT_MODE_SETTINGS,
)
from vectorizer.models import (
    BinaryEncoding,
    BinaryQuantization,
    BinaryQueryEncoding,
    CollectionStatus,
    CompressionRatio,
    Datatype,
    Distance,
    HnswConfigDiff,
    ProductQuantization,
    QuantizationConfig,
    ScalarQuantization,
    ScalarType,
    StrictModeConfig,
    StrictModeMultivector,
    StrictModeSparse,
)
from vectorizer_qdrant_grpc.wire.values import invalid

# ----------------------------------------------------------------------------- enums

DISTANCES = {
    pb.Distance.Cosine: Distance.COSINE,
    pb.Distance.Euclid: Distance.EUCLID,
    pb.Distance.Dot: Distance.DOT,
    pb.Distance.Manhattan: Distance.MANHATTAN,
}
DATATYPES = {
    pb.Datatype.Float32: Datatype.FLOAT32,
    pb.Datatype.Uint8: Datatype.UINT8,
    pb.Datatype.Float16: Datatype.FLOAT16,
}
STATUSES = {
    CollectionStatus.GREEN: pb.CollectionStatus.Green,
    CollectionStatus.YELLOW: pb.CollectionStatus.Yellow,
    CollectionStatus.RED: pb.CollectionStatus.Red,
    CollectionStatus.GREY: pb.CollectionStatus.Grey,
}
SHARDING = {pb.ShardingMethod.Auto: "auto", pb.ShardingMethod.Custom: "custom"}
COMPRESSIONS = {
    pb.CompressionRatio.x4: "x4",
    pb.CompressionRatio.x8: "x8",
    pb.CompressionRatio.x16: "x16",
    pb.CompressionRatio.x32: "x32",
    pb.CompressionRatio.x64: "x64",
}
# binary quantization encodings came with the stubs of qdrant-client 1.15; older stubs
# (which the compatibility matrix installs) have none, and then none are converted
_ENCODING = getattr(pb, "BinaryQuantizationEncoding", None)
_QUERY_ENCODING = getattr(pb, "BinaryQuantizationQueryEncoding", None)
BINARY_ENCODINGS = (
    {
        _ENCODING.OneBit: "one_bit",
        _ENCODING.TwoBits: "two_bits",
        _ENCODING.OneAndHalfBits: "one_and_half_bits",
    }
    if _ENCODING is not None
    else {}
)
QUERY_ENCODINGS = (
    {
        _QUERY_ENCODING.Setting.Default: "default",
        _QUERY_ENCODING.Setting.Binary: "binary",
        _QUERY_ENCODING.Setting.Scalar4Bits: "scalar4bits",
        _QUERY_ENCODING.Setting.Scalar8Bits: "scalar8bits",
    }
    if _QUERY_ENCODING is not None
    else {}
)
FIELD_TYPES = {
    pb.FieldType.FieldTypeKeyword: "keyword",
    pb.FieldType.FieldTypeInteger: "integer",
    pb.FieldType.FieldTypeFloat: "float",
    pb.FieldType.FieldTypeGeo: "geo",
    pb.FieldType.FieldTypeText: "text",
    pb.FieldType.FieldTypeBool: "bool",
    pb.FieldType.FieldTypeDatetime: "datetime",
    pb.FieldType.FieldTypeUuid: "uuid",
}
SCHEMA_TYPES = {
    "keyword": pb.PayloadSchemaType.Keyword,
    "integer": pb.PayloadSchemaType.Integer,
    "float": pb.PayloadSchemaType.Float,
    "geo": pb.PayloadSchemaType.Geo,
    "text": pb.PayloadSchemaType.Text,
    "bool": pb.PayloadSchemaType.Bool,
    "datetime": pb.PayloadSchemaType.Datetime,
    "uuid": pb.PayloadSchemaType.Uuid,
}
INDEX_PARAMS = {  # PayloadIndexParams' oneof field of each index type
    "keyword": "keyword_index_params",
    "integer": "integer_index_params",
    "float": "float_index_params",
    "geo": "geo_index_params",
    "text": "text_index_params",
    "bool": "bool_index_params",
    "datetime": "datetime_index_params",
    "uuid": "uuid_index_params",
}
TOKENIZERS = {
    pb.TokenizerType.Prefix: "prefix",
    pb.TokenizerType.Whitespace: "whitespace",
    pb.TokenizerType.Word: "word",
    pb.TokenizerType.Multilingual: "multilingual",
}


def reversed_map(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    return {v: k for k, v in mapping.items()}


# ----------------------------------------------------------------------------- helpers


def given(message: Message) -> dict[str, Any]:
    """The scalar fields a message sets, by name (nested messages and maps left out)."""
    return {
        field.name: value
        for field, value in message.ListFields()
        if field.type != field.TYPE_MESSAGE
    }


# Qdrant's validation bounds of the config diffs: field -> (minimum, maximum)
_BOUNDS: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "hnsw_config": {"ef_construct": (4, None), "full_scan_threshold": (10, None)},
    "optimizers_config": {"deleted_threshold": (0, 1), "max_segment_size": (1, None)},
    "wal_config": {"wal_capacity_mb": (1, None)},
    "params": {
        "shard_number": (1, None),
        "replication_factor": (1, None),
        "write_consistency_factor": (1, None),
    },
}


def checked(values: dict[str, Any], section: str, where: str) -> dict[str, Any]:
    for name, (low, high) in _BOUNDS[section].items():
        value = values.get(name)
        at = f"{where}.{name}" if where else name
        if value is None:
            continue
        if low is not None and value < low:
            raise invalid(at, f"value {value} invalid, must be {low} or larger")
        if high is not None and value > high:
            raise invalid(at, f"value {value} invalid, must be {high} or smaller")
    return values


def hnsw_diff_in(value: pb.HnswConfigDiff, where: str = "hnsw_config") -> dict[str, Any]:
    return checked(given(value), "hnsw_config", where)


def as_quantization(value: QuantizationConfig | str) -> QuantizationConfig:
    """A create request's quantization config ("Disabled" is only a diff's)."""
    if not isinstance(value, QuantizationConfig):
        raise invalid("quantization_config", "expected scalar, product or binary")
    return value


def hnsw_diff(given: dict[str, Any]) -> HnswConfigDiff | None:
    """A per-vector HNSW diff from the fields given; None when none is."""
    return HnswConfigDiff(**given) if given else None


def wal_diff_in(value: pb.WalConfigDiff, where: str = "wal_config") -> dict[str, Any]:
    return checked(given(value), "wal_config", where)


def optimizers_diff_in(
    value: pb.OptimizersConfigDiff, where: str = "optimizers_config"
) -> dict[str, Any]:
    """OptimizersConfigDiff; `max_optimization_threads` "auto" is the domain's None."""
    diff = given(value)
    deprecated = diff.pop("deprecated_max_optimization_threads", None)
    if value.HasField("max_optimization_threads"):
        threads = value.max_optimization_threads
        if threads.WhichOneof("variant") == "value":
            diff["max_optimization_threads"] = int(threads.value)
    elif deprecated is not None:
        diff["max_optimization_threads"] = int(deprecated)
    return checked(diff, "optimizers_config", where)


# ----------------------------------------------------------------------------- quantization


def quantization_in(
    value: pb.QuantizationConfig | pb.QuantizationConfigDiff, where: str
) -> QuantizationConfig | str:
    """A quantization config, the fields given; "Disabled" for a diff's `disabled`."""
    kind = value.WhichOneof("quantization")
    if kind == "scalar":
        scalar = value.scalar
        if scalar.type != pb.QuantizationType.Int8:
            raise invalid(f"{where}.scalar.type", "unknown quantization type (expected Int8)")
        fields = given(scalar)
        return QuantizationConfig(
            scalar=ScalarQuantization(
                type=ScalarType.INT8,
                quantile=fields.get("quantile"),
                always_ram=fields.get("always_ram"),
            )
        )
    if kind == "product":
        product = value.product
        return QuantizationConfig(
            product=ProductQuantization(
                compression=CompressionRatio(COMPRESSIONS[product.compression]),
                always_ram=given(product).get("always_ram"),
            )
        )
    if kind == "binary":
        binary = value.binary
        encoding = query_encoding = None
        if binary.HasField("encoding"):
            encoding = BinaryEncoding(BINARY_ENCODINGS[binary.encoding])
        if binary.HasField("query_encoding"):
            setting = binary.query_encoding
            if setting.WhichOneof("variant") == "setting":
                query_encoding = BinaryQueryEncoding(QUERY_ENCODINGS[setting.setting])
        return QuantizationConfig(
            binary=BinaryQuantization(
                always_ram=given(binary).get("always_ram"),
                encoding=encoding,
                query_encoding=query_encoding,
            )
        )
    if kind == "disabled":
        return "Disabled"
    raise invalid(where, "empty quantization config: expected scalar, product or binary")


def quantization_out(value: QuantizationConfig) -> pb.QuantizationConfig:
    """A quantization config as its protobuf message."""
    if value.scalar is not None:
        scalar = value.scalar
        return pb.QuantizationConfig(
            scalar=pb.ScalarQuantization(
                type=pb.QuantizationType.Int8,
                **_set(quantile=scalar.quantile, always_ram=scalar.always_ram),
            )
        )
    if value.product is not None:
        product = value.product
        compression = reversed_map(COMPRESSIONS)[str(product.compression or CompressionRatio.X4)]
        return pb.QuantizationConfig(
            product=pb.ProductQuantization(
                compression=compression, **_set(always_ram=product.always_ram)
            )
        )
    binary = value.binary or BinaryQuantization()
    fields: dict[str, Any] = _set(always_ram=binary.always_ram)
    if binary.encoding is not None:
        fields["encoding"] = reversed_map(BINARY_ENCODINGS)[str(binary.encoding)]
    if binary.query_encoding is not None:
        setting = reversed_map(QUERY_ENCODINGS)[str(binary.query_encoding)]
        fields["query_encoding"] = pb.BinaryQuantizationQueryEncoding(setting=setting)  # type: ignore[attr-defined]
    return pb.QuantizationConfig(binary=pb.BinaryQuantization(**fields))


def _set(**values: Any) -> dict[str, Any]:
    """The keyword arguments that are not None."""
    return {k: v for k, v in values.items() if v is not None}


# ----------------------------------------------------------------------------- strict mode


def strict_mode_in(value: pb.StrictModeConfig) -> StrictModeConfig:
    """StrictModeConfig, the fields given (fields no setting of Qdrant 1.14 in `unknown`)."""
    scalars = given(value)
    known = {k: v for k, v in scalars.items() if k in STRICT_MODE_SETTINGS}
    unknown = {k: v for k, v in scalars.items() if k not in STRICT_MODE_SETTINGS}
    multivector = None
    if value.HasField("multivector_config"):
        multivector = {
            name: StrictModeMultivector(**given(v))
            for name, v in value.multivector_config.multivector_config.items()
        }
    sparse = None
    if value.HasField("sparse_config"):
        sparse = {
            name: StrictModeSparse(**given(v))
            for name, v in value.sparse_config.sparse_config.items()
        }
    return StrictModeConfig(
        **known, multivector_config=multivector, sparse_config=sparse, unknown=unknown
    )


def strict_mode_out(value: StrictModeConfig) -> pb.StrictModeConfig:
    fields = pb.StrictModeConfig.DESCRIPTOR.fields_by_name
    settings = {
        f.name: v
        for f in dataclasses.fields(value)
        if f.name not in ("unknown", "multivector_config", "sparse_config")
        and (v := getattr(value, f.name)) is not None
    }
    scalars = {
        k: v for k, v in {**settings, **value.unknown}.items() if v is not None and k in fields
    }
    out = pb.StrictModeConfig(**scalars)
    for name, multi in (value.multivector_config or {}).items():
        out.multivector_config.multivector_config[name].CopyFrom(
            pb.StrictModeMultivector(
                **({"max_vectors": multi.max_vectors} if multi.max_vectors is not None else {})
            )
        )
    for name, sparse in (value.sparse_config or {}).items():
        out.sparse_config.sparse_config[name].CopyFrom(
            pb.StrictModeSparse(
                **({"max_length": sparse.max_length} if sparse.max_length is not None else {})
            )
        )
    return out
