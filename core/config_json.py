"""The collection config in Qdrant's JSON shape: how stores keep it (`config_to_dict`,
`config_from_dict`: the stored format of data directories and snapshots) and how a JSON
strict mode or quantization config becomes its domain type (`vectorizer.models`), with
Qdrant's bounds and errors naming the field."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import fields
from typing import Annotated, Any

import msgspec

from vectorizer.errors import BadRequest
from vectorizer.models import (
    BinaryQuantization,
    CollectionConfig,
    ProductQuantization,
    QuantizationConfig,
    ScalarQuantization,
    StrictModeConfig,
    given_fields,
)

log = logging.getLogger(__name__)

_QUANTIZATION_KINDS: dict[str, Any] = {
    "scalar": ScalarQuantization,
    "product": ProductQuantization,
    "binary": BinaryQuantization,
}


def quantization_problem(data: Any) -> tuple[str, str] | None:
    """(field under the config, Qdrant-style message) for what makes `data` no quantization
    config in Qdrant's JSON shape (`{"scalar": {...}}`, `{"product": {...}}` or
    `{"binary": {...}}`), or None."""
    if (
        not isinstance(data, Mapping)
        or len(data) != 1
        or next(iter(data)) not in _QUANTIZATION_KINDS
    ):
        return "", "expected one of `scalar`, `product` or `binary` quantization"
    ((kind, params),) = data.items()
    if not isinstance(params, Mapping):
        return kind, "expected an object"
    cls = _QUANTIZATION_KINDS[kind]
    unknown = sorted(set(params) - {f.name for f in fields(cls)})
    if unknown:
        return kind, f"unknown field `{unknown[0]}`"
    try:
        msgspec.convert(params, cls)
    except msgspec.ValidationError as exc:
        return kind, str(exc).replace("`$.", f"`{kind}.")
    return None


def quantization_from_builtins(data: Any, where: str = "quantization_config") -> QuantizationConfig:
    """A quantization config in Qdrant's JSON shape as the domain type; BadRequest naming
    the field for any other shape."""
    found = quantization_problem(data)
    if found is not None:
        path, message = found
        raise BadRequest(f"Wrong input: {where}{'.' + path if path else ''}: {message}")
    ((kind, params),) = data.items()
    return QuantizationConfig(**{kind: msgspec.convert(params, _QUANTIZATION_KINDS[kind])})


def quantization_to_builtins(config: QuantizationConfig) -> dict[str, Any]:
    """A quantization config in Qdrant's JSON shape, with the fields given."""
    kind = config.kind
    return {kind: msgspec.to_builtins(given_fields(getattr(config, kind)))}


_U = Annotated[int, msgspec.Meta(ge=0)]
_U1 = Annotated[int, msgspec.Meta(ge=1)]


class _StrictMultivector(msgspec.Struct):
    max_vectors: _U | None = None


class _StrictSparse(msgspec.Struct):
    max_length: _U | None = None


class _StrictModeSettings(msgspec.Struct, kw_only=True):
    """The bounds of each strict mode setting, as Qdrant validates them."""

    enabled: bool | None = None
    max_query_limit: _U1 | None = None
    max_timeout: _U1 | None = None
    unindexed_filtering_retrieve: bool | None = None
    unindexed_filtering_update: bool | None = None
    search_max_hnsw_ef: _U | None = None
    search_allow_exact: bool | None = None
    search_max_oversampling: float | None = None
    upsert_max_batchsize: _U | None = None
    max_collection_vector_size_bytes: _U | None = None
    read_rate_limit: _U1 | None = None
    write_rate_limit: _U1 | None = None
    max_collection_payload_size_bytes: _U | None = None
    max_points_count: _U1 | None = None
    filter_max_conditions: _U | None = None
    condition_max_size: _U | None = None
    multivector_config: dict[str, _StrictMultivector] | None = None
    sparse_config: dict[str, _StrictSparse] | None = None
    max_payload_index_count: _U | None = None


STRICT_MODE_SETTINGS = frozenset(_StrictModeSettings.__struct_fields__)
"""The names of the strict mode settings Vectorizer knows (Qdrant 1.14's, and
`max_payload_index_count`)."""


def strict_mode_from_builtins(data: Mapping[str, Any]) -> StrictModeConfig:
    """A `strict_mode_config` in Qdrant's JSON shape (as REST takes it and stores keep it)
    as the domain type; a setting of the wrong type or out of bounds is a BadRequest
    naming it. Keys that are no setting are kept in `unknown`."""
    known = {k: v for k, v in data.items() if k in STRICT_MODE_SETTINGS}
    try:
        msgspec.convert(known, _StrictModeSettings)
    except msgspec.ValidationError as exc:
        where = str(exc).replace("`$.", "`strict_mode_config.")
        raise BadRequest(f"Wrong input: strict_mode_config: {where}") from None
    config = msgspec.convert(known, StrictModeConfig)
    unknown = {k: v for k, v in data.items() if k not in STRICT_MODE_SETTINGS}
    return dataclasses.replace(config, unknown=unknown) if unknown else config


def strict_mode_to_builtins(config: StrictModeConfig) -> dict[str, Any]:
    """The settings set (and the unknown ones), in Qdrant's JSON shape."""
    out: dict[str, Any] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if f.name == "unknown" or value is None:
            continue
        if f.name in ("multivector_config", "sparse_config"):
            value = {name: given_fields(limits) for name, limits in value.items()}
        out[f.name] = value
    out.update(config.unknown)
    return out


def check_strict_mode(config: StrictModeConfig | None) -> None:
    """BadRequest naming a strict mode setting out of its bounds."""
    if config is not None:
        strict_mode_from_builtins(strict_mode_to_builtins(config))


def _without_nulls(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def config_to_dict(config: CollectionConfig) -> dict[str, Any]:
    """A collection config as JSON-ready builtins (how stores keep it).

    The shape is the stored format of data directories and snapshots: the parts given as
    diffs or partial params (a vector's `hnsw_config`, sparse vector params) hold only the
    fields that are set, as they always have.
    """
    data: dict[str, Any] = msgspec.to_builtins(config)
    params = data.get("params", {})
    # (`.get`: msgspec leaves out the fields a loaded dataclass has at their plain default)
    for name, vector in params.get("vectors", {}).items():
        quantization = config.params.vectors[name].quantization_config
        if quantization is not None:
            vector["quantization_config"] = quantization_to_builtins(quantization)
        if vector.get("hnsw_config") is not None:
            vector["hnsw_config"] = _without_nulls(vector["hnsw_config"])
    sparse_vectors = params.get("sparse_vectors") or {}
    for name, sparse in sparse_vectors.items():
        if sparse.get("index") is not None:
            sparse["index"] = _without_nulls(sparse["index"])
        sparse_vectors[name] = _without_nulls(sparse)
    if config.strict_mode_config is not None:
        data["strict_mode_config"] = strict_mode_to_builtins(config.strict_mode_config)
    if config.quantization_config is not None:
        data["quantization_config"] = quantization_to_builtins(config.quantization_config)
    return data


def _stored_quantization(data: Any, where: str) -> QuantizationConfig | None:
    """A stored quantization config; one that is no quantization config (stored before
    they were checked) is dropped with a warning: quantization has no effect here."""
    if data is None:
        return None
    try:
        return quantization_from_builtins(data, where)
    except BadRequest as exc:
        log.warning("dropping a stored quantization config: %s", exc)
        return None


def config_from_dict(data: dict[str, Any]) -> CollectionConfig:
    """A collection config from its stored form (`config_to_dict`)."""
    strict = data.get("strict_mode_config")
    quantization = data.get("quantization_config")
    params = dict(data.get("params") or {})
    vectors = {name: dict(v) for name, v in (params.get("vectors") or {}).items()}
    own = {name: v.pop("quantization_config", None) for name, v in vectors.items()}
    params["vectors"] = vectors
    plain = {**data, "params": params, "strict_mode_config": None, "quantization_config": None}
    config = msgspec.convert(plain, CollectionConfig)
    if strict is not None:
        config.strict_mode_config = strict_mode_from_builtins(strict)
    config.quantization_config = _stored_quantization(quantization, "quantization_config")
    for name, given in own.items():
        where = f"vectors.{name}.quantization_config"
        config.params.vectors[name].quantization_config = _stored_quantization(given, where)
    return config
