"""Protobuf messages <-> core domain types for points: payload and vector selectors,
point selectors, points in, `order_by`, records and scored points out, update results.

Request messages become core models (`*_in`), core results become response messages
(`*_out`); vectors are in `vectors.py`, point ids and payload values in `values.py`.
Errors name the field path: `points[3].vectors.vector`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from qdrant_client import grpc as pb

from vectorizer import parse_datetime
from vectorizer.errors import BadRequest, Unsupported
from vectorizer.filters.ast import Filter
from vectorizer.models import (
    Direction,
    OrderBy,
    PointId,
    PointStruct,
    PointVectors,
    Record,
    ScoredPoint,
    UpdateResult,
    WithPayload,
    WithVectors,
)
from vectorizer.operations import UpdateMode
from vectorizer_qdrant_grpc.wire.filters import filter_in
from vectorizer_qdrant_grpc.wire.values import (
    INT64_MAX,
    INT64_MIN,
    invalid,
    opt,
    payload_in,
    payload_out,
    point_id_in,
    point_id_out,
    point_ids_in,
)
from vectorizer_qdrant_grpc.wire.vectors import vectors_in, vectors_out

# ----------------------------------------------------------------------------- selectors


def with_payload_in(value: pb.WithPayloadSelector | None, default: bool) -> WithPayload:
    """WithPayloadSelector: `enable`, `include` keys or `exclude` keys (absent: `default`)."""
    kind = value.WhichOneof("selector_options") if value is not None else None
    if value is None or kind is None:
        return WithPayload(enabled=default)
    if kind == "include":
        return WithPayload(enabled=True, include=list(value.include.fields))
    if kind == "exclude":
        return WithPayload(enabled=True, exclude=list(value.exclude.fields))
    return WithPayload(enabled=value.enable)


def with_vectors_in(value: pb.WithVectorsSelector | None) -> WithVectors:
    """WithVectorsSelector: `enable`, or `include` vector names (absent: no vectors)."""
    kind = value.WhichOneof("selector_options") if value is not None else None
    if value is None or kind is None:
        return WithVectors(enabled=False)
    if kind == "include":
        return WithVectors(enabled=True, names=list(value.include.names))
    return WithVectors(enabled=value.enable)


def no_shard_key(request: Any, field: str = "shard_key_selector") -> None:
    """UNIMPLEMENTED when the request selects shard keys."""
    if field in request.DESCRIPTOR.fields_by_name and request.HasField(field):
        raise Unsupported(f"shard keys ({field})")


def selector_in(value: pb.PointsSelector | None, where: str) -> tuple[list[PointId] | None, Any]:
    """A PointsSelector as (ids, filter): exactly one of them is given."""
    kind = value.WhichOneof("points_selector_one_of") if value is not None else None
    if value is None or kind is None:
        raise invalid(where, "PointsSelector is missing: expected `points` (ids) or `filter`")
    if kind == "points":
        return point_ids_in(value.points.ids, f"{where}.points.ids"), None
    return None, filter_in(value.filter, f"{where}.filter")


def filter_field(request: Any, field: str = "filter", where: str | None = None) -> Any:
    """The core AST of the request's `filter` (None when absent)."""
    if not request.HasField(field):
        return None
    return filter_in(getattr(request, field), where or field)


# ----------------------------------------------------------------------------- points in


def point_in(value: pb.PointStruct, where: str) -> PointStruct:
    if not value.HasField("id"):
        raise invalid(f"{where}.id", "Empty ID is not allowed")
    return PointStruct(
        id=point_id_in(value.id, f"{where}.id"),
        vectors=vectors_in(opt(value, "vectors"), f"{where}.vectors"),
        payload=payload_in(value.payload),
    )


def points_in(values: Iterable[pb.PointStruct], where: str = "points") -> list[PointStruct]:
    return [point_in(p, f"{where}[{i}]") for i, p in enumerate(values)]


def point_vectors_in(
    values: Iterable[pb.PointVectors], where: str = "points"
) -> list[PointVectors]:
    out = []
    for i, p in enumerate(values):
        at = f"{where}[{i}]"
        if not p.HasField("id"):
            raise invalid(f"{at}.id", "id is expected")
        if not p.HasField("vectors"):
            raise invalid(f"{at}.vectors", "vectors is expected")
        vectors = vectors_in(p.vectors, f"{at}.vectors")
        if not vectors:
            raise invalid(f"{at}.vectors", "must specify vectors to update for point")
        out.append(PointVectors(id=point_id_in(p.id, f"{at}.id"), vectors=vectors))
    return out


def order_by_in(value: pb.OrderBy, where: str = "order_by") -> OrderBy:
    """OrderBy: key, direction, and `start_from` (a number, a timestamp or an RFC 3339
    datetime string)."""
    direction = Direction.DESC if value.direction == pb.Direction.Desc else Direction.ASC
    start: int | float | dt.datetime | None = None
    if value.HasField("start_from"):
        sf = value.start_from
        kind = sf.WhichOneof("value")
        if kind == "float":
            start = float(sf.float)
        elif kind == "integer":
            start = int(sf.integer)
        elif kind == "timestamp":
            start = sf.timestamp.ToDatetime(tzinfo=dt.UTC)
        elif kind == "datetime":
            try:
                start = parse_datetime(sf.datetime)
            except (ValueError, BadRequest):
                raise invalid(
                    f"{where}.start_from.datetime",
                    f"expected an RFC 3339 datetime, got {sf.datetime!r}",
                ) from None
    return OrderBy(key=value.key, direction=direction, start_from=start)


# ----------------------------------------------------------------------------- results out


def _order_value_out(value: int | float) -> pb.OrderValue:
    if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        return pb.OrderValue(int=value)
    return pb.OrderValue(float=float(value))


def record_out(record: Record, unnamed: bool) -> pb.RetrievedPoint:
    out = pb.RetrievedPoint(id=point_id_out(record.id), payload=payload_out(record.payload))
    vectors = vectors_out(record.vectors, unnamed)
    if vectors is not None:
        out.vectors.CopyFrom(vectors)
    if record.order_value is not None:
        out.order_value.CopyFrom(_order_value_out(record.order_value))
    return out


def scored_out(point: ScoredPoint, unnamed: bool) -> pb.ScoredPoint:
    out = pb.ScoredPoint(
        id=point_id_out(point.id),
        payload=payload_out(point.payload),
        score=point.score,
        version=point.version,
    )
    vectors = vectors_out(point.vectors, unnamed)
    if vectors is not None:
        out.vectors.CopyFrom(vectors)
    if point.order_value is not None:
        out.order_value.CopyFrom(_order_value_out(point.order_value))
    return out


def scored_list_out(points: Iterable[ScoredPoint], unnamed: bool) -> list[pb.ScoredPoint]:
    return [scored_out(p, unnamed) for p in points]


def update_result_out(result: UpdateResult, wait: bool) -> pb.UpdateResult:
    """An operation's result: `Completed` when the request waited, else `Acknowledged`
    (the core applies writes synchronously either way)."""
    status = pb.UpdateStatus.Completed if wait else pb.UpdateStatus.Acknowledged
    return pb.UpdateResult(operation_id=result.operation_id, status=status)


def waits(request: Any) -> bool:
    """The request's `wait` (default false, as in Qdrant)."""
    return bool(request.HasField("wait") and request.wait)


# ----------------------------------------------------------------------------- conditional writes

_UPDATE_MODES = {
    "Upsert": UpdateMode.UPSERT,
    "InsertOnly": UpdateMode.INSERT_ONLY,
    "UpdateOnly": UpdateMode.UPDATE_ONLY,
}


def update_filter_in(msg: Any, where: str) -> Filter | None:
    """A write's `update_filter` (Qdrant 1.16+ messages; None when absent or unknown)."""
    if "update_filter" not in msg.DESCRIPTOR.fields_by_name:
        return None
    return filter_field(msg, "update_filter", f"{where}.update_filter" if where else None)


def update_mode_in(msg: Any) -> UpdateMode:
    """An upsert's `update_mode` (Qdrant 1.17+ messages; `Upsert` when absent)."""
    if "update_mode" not in msg.DESCRIPTOR.fields_by_name or not msg.HasField("update_mode"):
        return UpdateMode.UPSERT
    return _UPDATE_MODES[pb.UpdateMode.Name(msg.update_mode)]
