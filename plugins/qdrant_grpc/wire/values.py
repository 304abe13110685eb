"""Protobuf scalars <-> core values: point ids and payload values (json_with_int).

Point ids keep their kind (`num` <-> int, `uuid` <-> str); payload values keep theirs
(`integer_value` <-> int, `double_value` <-> float, string, bool, list, struct, null).
Used by the other `wire/` modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qdrant_client import grpc as pb

from vectorizer.errors import BadRequest
from vectorizer.models import PointId, normalize_point_id

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def invalid(where: str, detail: str) -> BadRequest:
    """An INVALID_ARGUMENT naming the field at `where`."""
    return BadRequest(f"{where}: {detail}" if where else detail)


def opt(message: Any, field: str) -> Any:
    """The value of an optional field, or None when it was not given."""
    return getattr(message, field) if message.HasField(field) else None


# ----------------------------------------------------------------------------- point ids


def point_id_in(value: pb.PointId, where: str) -> PointId:
    """A PointId: `num` (unsigned 64-bit) or `uuid` (any form uuid.UUID reads)."""
    kind = value.WhichOneof("point_id_options")
    if kind == "num":
        return int(value.num)
    if kind == "uuid":
        try:
            return normalize_point_id(value.uuid)
        except BadRequest:
            raise invalid(where, f"Unable to parse UUID: {value.uuid}") from None
    raise invalid(where, "No ID options provided")


def point_ids_in(values: Iterable[pb.PointId], where: str) -> list[PointId]:
    return [point_id_in(v, f"{where}[{i}]") for i, v in enumerate(values)]


def point_id_out(value: PointId) -> pb.PointId:
    if isinstance(value, int):
        return pb.PointId(num=value)
    return pb.PointId(uuid=value)


# ----------------------------------------------------------------------------- payload values


def value_in(value: pb.Value) -> Any:
    """A json_with_int Value as a JSON builtin (an unset kind reads as null)."""
    kind = value.WhichOneof("kind")
    if kind == "integer_value":
        return int(value.integer_value)
    if kind == "double_value":
        return float(value.double_value)
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return bool(value.bool_value)
    if kind == "struct_value":
        return payload_in(value.struct_value.fields)
    if kind == "list_value":
        return [value_in(v) for v in value.list_value.values]
    return None


def payload_in(fields: Mapping[str, pb.Value]) -> dict[str, Any]:
    """A `map<string, Value>` as a JSON object."""
    return {key: value_in(v) for key, v in fields.items()}


def value_out(value: Any) -> pb.Value:
    """A JSON builtin as a Value: bool, int (int64; larger ones as doubles), float, str,
    None, list, dict."""
    if value is None:
        return pb.Value(null_value=pb.NullValue.NULL_VALUE)
    if isinstance(value, bool):
        return pb.Value(bool_value=value)
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return pb.Value(integer_value=value)
        return pb.Value(double_value=float(value))
    if isinstance(value, float):
        return pb.Value(double_value=value)
    if isinstance(value, str):
        return pb.Value(string_value=value)
    if isinstance(value, dict):
        return pb.Value(struct_value=pb.Struct(fields=payload_out(value)))
    if isinstance(value, list | tuple):
        return pb.Value(list_value=pb.ListValue(values=[value_out(v) for v in value]))
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def payload_out(payload: Mapping[str, Any] | None) -> dict[str, pb.Value]:
    """A JSON object as a `map<string, Value>` (None: an empty map)."""
    return {key: value_out(v) for key, v in (payload or {}).items()}
