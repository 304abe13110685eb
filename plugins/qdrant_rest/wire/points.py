"""Points in Qdrant's JSON <-> domain objects: payload and vector selectors, points in,
point writes as the core's operations (`vectorizer.operations`), records and scored
points out.

Untagged unions of the spec (ExtendedPointId, WithPayloadInterface, WithVector,
PointsSelector, ...) arrive as builtins and are told apart by their type and the keys
present. Errors name the offending field: `ValidationFailed` (422) for a shape the spec
does not allow, `Unsupported` (501) for a valid request using a feature not built yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from vectorizer import parse_datetime, parse_path
from vectorizer.errors import BadRequest, Unsupported, located
from vectorizer.models import (
    Direction,
    OrderBy,
    PointId,
    PointStruct,
    PointVectors,
    Record,
    ScoredPoint,
    WithPayload,
    WithVectors,
)
from vectorizer.operations import (
    ClearPayload,
    DeletePayload,
    DeletePoints,
    DeleteVectors,
    OverwritePayload,
    PointsOperation,
    SetPayload,
    UpdateMode,
    UpdateVectors,
    Upsert,
    ids_of,
)
from vectorizer_qdrant_rest.wire import numbers, structs
from vectorizer_qdrant_rest.wire.errors import ValidationFailed
from vectorizer_qdrant_rest.wire.numbers import Float32Lists
from vectorizer_qdrant_rest.wire.structs import convert_struct, join_path
from vectorizer_qdrant_rest.wire.values import point_id, point_ids
from vectorizer_qdrant_rest.wire.vectors import batch_vectors, vector_struct, vectors_out

if TYPE_CHECKING:
    pass


def with_payload(value: Any, default: bool, where: str = "with_payload") -> WithPayload:
    """WithPayloadInterface: bool | [keys] | {"include": [...]} | {"exclude": [...]}."""
    if value is None:
        return WithPayload(enabled=default)
    if isinstance(value, bool):
        return WithPayload(enabled=value)
    if isinstance(value, list):
        return WithPayload(enabled=True, include=_strings(value, where))
    if isinstance(value, dict) and len(value) == 1:
        if "include" in value:
            return WithPayload(enabled=True, include=_strings(value["include"], where + ".include"))
        if "exclude" in value:
            return WithPayload(enabled=True, exclude=_strings(value["exclude"], where + ".exclude"))
    raise ValidationFailed(
        where, 'expected true/false, a list of keys, {"include": [...]} or {"exclude": [...]}'
    )


def with_vectors(value: Any, default: bool = False, where: str = "with_vector") -> WithVectors:
    """WithVector: bool | [vector names]."""
    if value is None:
        return WithVectors(enabled=default)
    if isinstance(value, bool):
        return WithVectors(enabled=value)
    if isinstance(value, list):
        return WithVectors(enabled=True, names=_strings(value, where))
    raise ValidationFailed(where, "expected true/false or a list of vector names")


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(where, "expected a list of strings")
    return value


def no_shard_key(shard_key: Any) -> None:
    if shard_key is not None:
        raise Unsupported("shard keys (shard_key)")


def selected(
    points: list[Any] | None, filter: Any, where: str = ""
) -> tuple[list[PointId] | None, Any]:
    """The (ids, filter) a request (at `where` in the body) selects points by; one of
    them must be given."""
    if points is None and filter is None:
        raise ValidationFailed(where, "expected `points` (a list of point ids) or `filter`")
    ids = point_ids(points, join_path(where, "points")) if points is not None else None
    return ids, filter


Selector: TypeAlias = (
    structs.PointsSelector | structs.SetPayload | structs.DeletePayload | structs.DeleteVectors
)
"""The write requests that select points by `points` ids or `filter`."""


def selection(req: Selector, where: str = "") -> tuple[list[PointId] | None, Any]:
    """The (ids, filter) a write request selects points by, after refusing a shard key."""
    no_shard_key(req.shard_key)
    return selected(req.points, req.filter, where)


# ----------------------------------------------------------------------------- points in


def points_in(req: structs.UpsertPoints, where: str = "") -> list[PointStruct]:
    """PointInsertOperations (at `where` in the body): `{"points": [...]}` or
    `{"batch": {...}}`."""
    no_shard_key(req.shard_key)
    if (req.points is None) == (req.batch is None):
        raise ValidationFailed(where, "expected exactly one of `points` or `batch`")
    if req.points is not None:
        at = join_path(where, "points")
        return [
            PointStruct(
                id=point_id(p.id, f"{at}[{i}].id"),
                vectors=vector_struct(p.vector, f"{at}[{i}].vector"),
                payload=p.payload,
            )
            for i, p in enumerate(req.points)
        ]
    batch = req.batch
    assert batch is not None
    at = join_path(where, "batch")
    ids = point_ids(batch.ids, f"{at}.ids")
    vectors = batch_vectors(batch.vectors, len(ids), f"{at}.vectors")
    payloads: list[dict[str, Any] | None] = [None] * len(ids)
    if batch.payloads is not None:
        if len(batch.payloads) != len(ids):
            raise ValidationFailed(
                f"{at}.payloads",
                f"expected {len(ids)} payloads (one per id), got {len(batch.payloads)}",
            )
        payloads = batch.payloads
    return [
        PointStruct(id=i, vectors=v, payload=p)
        for i, v, p in zip(ids, vectors, payloads, strict=True)
    ]


def point_vectors_in(req: structs.UpdateVectors, where: str = "") -> list[PointVectors]:
    no_shard_key(req.shard_key)
    at = join_path(where, "points")
    points = []
    for i, p in enumerate(req.points):
        vectors = vector_struct(p.vector, f"{at}[{i}].vector")
        if not vectors:
            raise ValidationFailed(f"{at}[{i}].vector", "must specify vectors to update for point")
        points.append(PointVectors(id=point_id(p.id, f"{at}[{i}].id"), vectors=vectors))
    return points


# ----------------------------------------------------------------------------- point writes


def upsert_op(req: structs.UpsertPoints, where: str = "") -> Upsert:
    mode = UpdateMode(req.update_mode) if req.update_mode is not None else UpdateMode.UPSERT
    return Upsert(tuple(points_in(req, where)), req.update_filter, mode)


def delete_op(req: structs.PointsSelector, where: str = "") -> DeletePoints:
    ids, filter = selection(req, where)
    return DeletePoints(ids_of(ids), filter)


def set_payload_op(req: structs.SetPayload, where: str = "") -> SetPayload:
    ids, filter = selection(req, where)
    if req.key is not None:
        parse_path(req.key)
    return SetPayload(req.payload, ids_of(ids), filter, req.key)


def overwrite_payload_op(req: structs.SetPayload, where: str = "") -> OverwritePayload:
    if req.key is not None:
        raise BadRequest("Wrong input: `key` is not allowed when overwriting the payload")
    ids, filter = selection(req, where)
    return OverwritePayload(req.payload, ids_of(ids), filter)


def delete_payload_op(req: structs.DeletePayload, where: str = "") -> DeletePayload:
    ids, filter = selection(req, where)
    for key in req.keys:
        parse_path(key)
    return DeletePayload(tuple(req.keys), ids_of(ids), filter)


def clear_payload_op(req: structs.PointsSelector, where: str = "") -> ClearPayload:
    ids, filter = selection(req, where)
    return ClearPayload(ids_of(ids), filter)


def update_vectors_op(req: structs.UpdateVectors, where: str = "") -> UpdateVectors:
    return UpdateVectors(tuple(point_vectors_in(req, where)), req.update_filter)


def delete_vectors_op(req: structs.DeleteVectors, where: str = "") -> DeleteVectors:
    ids, filter = selection(req, where)
    return DeleteVectors(tuple(req.vector), ids_of(ids), filter)


_OPERATIONS: dict[str, Callable[[Any, str], PointsOperation]] = {
    "upsert": upsert_op,
    "delete": delete_op,
    "set_payload": set_payload_op,
    "overwrite_payload": overwrite_payload_op,
    "delete_payload": delete_payload_op,
    "clear_payload": clear_payload_op,
    "update_vectors": update_vectors_op,
    "delete_vectors": delete_vectors_op,
}
"""UpdateOperation's keys and the converter of the body each one holds."""


def update_operations(req: structs.UpdateOperations) -> tuple[list[PointsOperation], list[str]]:
    """UpdateOperations: each operation converted, with where it sits in the body (errors
    name `operations[i]...`)."""
    operations, labels = [], []
    for i, op in enumerate(req.operations):
        given = [(name, body) for name in _OPERATIONS if (body := getattr(op, name)) is not None]
        if len(given) != 1:
            raise ValidationFailed(
                f"operations[{i}]", f"expected exactly one of {', '.join(_OPERATIONS)}"
            )
        ((name, body),) = given
        where = f"operations[{i}].{name}"
        with located(where):
            operations.append(_OPERATIONS[name](body, where))
        labels.append(where)
    return operations, labels


# ----------------------------------------------------------------------------- points out


def record_out(record: Record, unnamed: bool, floats: Float32Lists | None = None) -> dict[str, Any]:
    """A Record; `floats`: as for `vector_out`."""
    out = {
        "id": record.id,
        "payload": record.payload,
        "vector": vectors_out(record.vectors, unnamed, floats),
    }
    if record.order_value is not None:
        out["order_value"] = record.order_value
    return out


def records_out(records: list[Record], unnamed: bool) -> list[dict[str, Any]]:
    """Records, the numbers of all their vectors converted at once."""
    floats = Float32Lists()
    out = [record_out(r, unnamed, floats) for r in records]
    floats.fill()
    return out


def order_by(value: Any, where: str = "order_by") -> OrderBy:
    """OrderByInterface: a payload key, or `{"key", "direction", "start_from"}` where
    `start_from` is a number or an RFC 3339 datetime."""
    if isinstance(value, str):
        return OrderBy(key=value)
    if not isinstance(value, dict):
        raise ValidationFailed(
            where, 'expected a payload key or {"key": ..., "direction": ..., "start_from": ...}'
        )
    req = convert_struct(value, structs.OrderBy, where)
    start: int | float | str | dt.datetime | None = req.start_from
    if isinstance(start, str):
        try:
            start = parse_datetime(start)
        except ValueError:
            raise ValidationFailed(
                f"{where}.start_from", f"expected a number or an RFC 3339 datetime, got {start!r}"
            ) from None
    return OrderBy(req.key, Direction(req.direction or "asc"), start)


def scored_out(
    point: ScoredPoint,
    unnamed: bool,
    floats: Float32Lists | None = None,
    score: float | None = None,
) -> dict[str, Any]:
    """A ScoredPoint (with `order_value` when an `order_by` placed it); its score printed
    as Qdrant prints a float32 (`score`: already so), `floats` as for `vector_out`."""
    out = {
        "id": point.id,
        "version": point.version,
        "score": numbers.score(point.score) if score is None else score,
        "payload": point.payload,
        "vector": vectors_out(point.vectors, unnamed, floats),
    }
    if point.order_value is not None:
        out["order_value"] = point.order_value
    return out


def scored_list_out(points: list[ScoredPoint], unnamed: bool) -> list[dict[str, Any]]:
    """Scored points, the numbers of all their scores and vectors converted at once."""
    floats = Float32Lists()
    scores = numbers.shortest([p.score for p in points])
    out = [scored_out(p, unnamed, floats, s) for p, s in zip(points, scores, strict=True)]
    floats.fill()
    return out
