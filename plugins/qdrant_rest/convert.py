"""JSON builtins <-> domain objects, for the Qdrant REST wire format.

This is the one place where Qdrant's request shapes become core domain types and core
results become Qdrant's response shapes. Untagged unions of the spec (VectorStruct,
BatchVectorStruct, ExtendedPointId, WithPayloadInterface, WithVector, QueryInterface,
...) arrive as builtins and are told apart by their type and the keys present.

Errors name the offending field: `ValidationFailed` (422) for a shape the spec does not
allow, `Unsupported` (501) for a valid request using a feature not built yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import msgspec
import numpy as np

from vectorizer import query as engine_query
from vectorizer.collection.vectors.sparse import MAX_INDEX, sparse_problem
from vectorizer.errors import BadRequest, Unsupported, located
from vectorizer.filters.evaluate import parse_datetime
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
    Direction,
    Distance,
    DocumentInput,
    HnswConfig,
    OptimizersConfig,
    OrderBy,
    PointId,
    PointStruct,
    PointVectors,
    Record,
    RenameAlias,
    ScoredPoint,
    SearchParams,
    SparseVector,
    Vector,
    VectorParams,
    WalConfig,
    WithPayload,
    WithVectors,
    normalize_point_id,
    vector_size_problem,
)
from vectorizer.operations import (
    ClearPayload,
    DeletePayload,
    DeletePoints,
    DeleteVectors,
    OverwritePayload,
    PointsOperation,
    SetPayload,
    UpdateVectors,
    Upsert,
    ids_of,
)
from vectorizer.payload import parse_path
from vectorizer_qdrant_rest import numbers, structs
from vectorizer_qdrant_rest.errors import JsonError, ValidationFailed
from vectorizer_qdrant_rest.numbers import Float32Lists

if TYPE_CHECKING:
    pass

T = TypeVar("T")

# ----------------------------------------------------------------------------- decoding

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_FIELD = re.compile(r"^Object (?P<what>missing required|contains unknown) field `(?P<name>[^`]*)`$")
_BOUND = re.compile(r"^Expected `\w+` (?P<op>>=|<=|>|<) (?P<bound>[-\d.e+]+)$")
_LENGTH = re.compile(r"^Expected `\w+` of length (?P<op>>=|<=) (?P<bound>\d+)$")
_TOKEN = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def decode(body: bytes, type_: type[T]) -> T:
    """Decode a JSON request body into the msgspec Struct `type_`.

    Not JSON -> `JsonError` (400); JSON of the wrong shape -> `ValidationFailed` (422).
    """
    if not body.strip():
        raise JsonError("EOF while parsing a value at line 1 column 0 (the body is empty)")
    try:
        return msgspec.json.decode(body, type=type_)
    except msgspec.ValidationError as exc:
        raise _validation_failed(str(exc), lambda: msgspec.json.decode(body)) from None
    except msgspec.DecodeError as exc:
        raise JsonError(str(exc)) from None


def convert_struct(value: Any, type_: type[T], where: str) -> T:
    """Validate an already decoded part of a body against a Struct; errors say `where`."""
    try:
        return msgspec.convert(value, type_)
    except msgspec.ValidationError as exc:
        raise _validation_failed(str(exc), lambda: value, where) from None


def _validation_failed(message: str, data: Any, prefix: str = "") -> ValidationFailed:
    """Turn msgspec's message into one naming the field as a dotted path."""
    match = _AT.match(message)
    assert match is not None
    msg, raw_path = match["msg"], match["path"] or ""
    path = _join(prefix, raw_path.lstrip("."))
    field = _FIELD.match(msg)
    if field:
        detail = "missing field" if field["what"] == "missing required" else "unknown field"
        return ValidationFailed(_join(path, field["name"]), detail)
    bound = _BOUND.match(msg)
    if bound:
        words = {">=": "or larger", "<=": "or smaller", ">": "exclusive minimum"}
        shown = _value_at(data, raw_path)
        value = f"value {shown} invalid, " if shown is not None else ""
        bound_value = bound["bound"]
        return ValidationFailed(
            path, f"{value}must be {bound_value} {words.get(bound['op'], 'exclusive maximum')}"
        )
    length = _LENGTH.match(msg)
    if length:
        more = "at least" if length["op"] == ">=" else "at most"
        return ValidationFailed(path, f"must have {more} {length['bound']} item(s)")
    return ValidationFailed(path, msg)


def _join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    if not name:
        return prefix
    return f"{prefix}{name}" if name.startswith("[") else f"{prefix}.{name}"


def _value_at(data: Any, path: str) -> Any:
    """The value at msgspec's path (`.a[0].b`) in the decoded body, or None."""
    try:
        value = data()
        for key, index in _TOKEN.findall(path):
            value = value[int(index)] if index else value[key]
    except Exception:
        return None
    return msgspec.json.encode(value).decode() if value is not None else None


# ----------------------------------------------------------------------------- point ids


def point_id(value: Any, where: str) -> PointId:
    """An ExtendedPointId: an unsigned integer or a UUID string."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(where, "point id must be an unsigned integer or a UUID string")
    return normalize_point_id(value)


def point_ids(values: list[Any], where: str) -> list[PointId]:
    return [point_id(v, f"{where}[{i}]") for i, v in enumerate(values)]


# ----------------------------------------------------------------------------- vectors

_INFERENCE_KEYS = ("text", "image", "object")
_DENSE = "expected a vector (an array of numbers)"


def _is_inference(value: dict[str, Any]) -> bool:
    return "model" in value and any(k in value for k in _INFERENCE_KEYS)


def _document(value: dict[str, Any], where: str) -> DocumentInput | None:
    """A `Document` (`{"text", "model", "options"}`), embedded on the server; None for
    anything else. `Image` and `InferenceObject` inputs answer 501."""
    if not _is_inference(value):
        return None
    if "text" not in value:
        raise Unsupported(f"server-side inference: Image/InferenceObject inputs ({where})")
    extra = set(value) - {"text", "model", "options"}
    if extra:
        raise ValidationFailed(_join(where, sorted(extra)[0]), "unknown field")
    text, model, options = value["text"], value["model"], value.get("options")
    if not isinstance(text, str):
        raise ValidationFailed(_join(where, "text"), "expected a string")
    if not isinstance(model, str):
        raise ValidationFailed(_join(where, "model"), "expected a string")
    if options is not None and not isinstance(options, dict):
        raise ValidationFailed(_join(where, "options"), "expected an object")
    return DocumentInput(text, model, options)


def _numbers(value: list[Any], where: str, what: str = _DENSE) -> np.ndarray:
    """A JSON array of numbers as float32 (booleans are not numbers)."""
    try:
        arr = np.asarray(value) if value else np.zeros(0, dtype=np.float32)
    except (ValueError, TypeError):  # ragged: an array inside
        raise ValidationFailed(where, what) from None
    if arr.ndim != 1 or arr.dtype.kind not in "iuf":
        raise ValidationFailed(where, what)
    return arr.astype(np.float32, copy=False)


def dense(value: Any, where: str) -> np.ndarray:
    """A dense vector: a JSON array of numbers."""
    if isinstance(value, list) and not (value and isinstance(value[0], list)):
        return _numbers(value, where)
    raise ValidationFailed(where, _DENSE)


def multi(value: Any, where: str, checked_at: str | None = None) -> np.ndarray:
    """A multivector: a JSON array of vectors of one size (a matrix, one row a vector).
    `checked_at`: the path under which Qdrant's validation names a point's vector
    (`points[0].vector`, a named one `points[0].vector.?`); an empty or ragged one is
    reported at its `.data`."""
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise ValidationFailed(where, "expected a multivector (an array of arrays of numbers)")
    sizes = {len(row) for row in value}
    at = f"{checked_at}.data" if checked_at is not None else where
    if 0 in sizes:
        raise ValidationFailed(at, "all vectors must be non-empty")
    if len(sizes) > 1:
        first = len(value[0])
        other = next(len(row) for row in value if len(row) != first)
        raise ValidationFailed(
            at,
            f"all vectors must have the same dimension, found vector with dimension {other}",
        )
    rows = [_numbers(row, f"{where}[{i}]") for i, row in enumerate(value)]
    return np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)


def sparse(value: Any, where: str, checked_at: str | None = None) -> SparseVector:
    """A sparse vector: `{"indices": [unsigned 32-bit integers], "values": [numbers]}`,
    indices unique and as many as values (in any order: the core sorts them).
    `checked_at`: see `multi`; a point's sparse vector with repeated indices or a length
    mismatch is reported there in the words of Qdrant's validator."""
    if not isinstance(value, dict):
        raise ValidationFailed(where, 'expected {"indices": [...], "values": [...]}')
    for key in ("indices", "values"):
        if key not in value:
            raise ValidationFailed(_join(where, key), "missing field")
    extra = set(value) - {"indices", "values"}
    if extra:
        raise ValidationFailed(_join(where, sorted(extra)[0]), "unknown field")
    indices, values = value["indices"], value["values"]
    if not isinstance(indices, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= MAX_INDEX for i in indices
    ):
        raise ValidationFailed(_join(where, "indices"), "expected unsigned 32-bit integers")
    if not isinstance(values, list):
        raise ValidationFailed(_join(where, "values"), "expected an array of numbers")
    given = SparseVector(
        np.asarray(indices, dtype=np.int64), _numbers(values, _join(where, "values"))
    )
    problem = sparse_problem(given.indices, given.values)
    if problem is not None and checked_at is not None:
        raise ValidationFailed(
            f"{checked_at}.{problem[0]}", f"Validation error: {problem[1]} [{{}}]"
        )
    if problem is not None:
        raise ValidationFailed(_join(where, problem[0]), problem[1])
    return given


def vector(value: Any, where: str, checked_at: str | None = None) -> Vector | DocumentInput:
    """Qdrant's `Vector`: dense (an array of numbers), multi (an array of arrays), sparse
    (`{"indices", "values"}`), or a `Document` the server embeds. `checked_at`: see
    `multi`."""
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            return multi(value, where, checked_at)
        return dense(value, where)
    if isinstance(value, dict):
        document = _document(value, where)
        if document is not None:
            return document
        if "indices" in value or "values" in value:
            return sparse(value, where, checked_at)
    raise ValidationFailed(where, "expected a dense, sparse or multi vector")


def query_vector(value: Any, where: str) -> Vector | DocumentInput:
    """A query vector of any kind (a `VectorInput` other than a point id): the forms of
    `vector`, for the collection's `prepare_query` to check against the space."""
    return vector(value, where)


def vector_struct(value: Any, where: str) -> dict[str, Vector]:
    """A point's VectorStruct: one unnamed vector (dense or multi), or a map of named
    vectors of any kind."""
    if isinstance(value, list):
        return {DEFAULT_VECTOR: vector(value, where, where)}
    if isinstance(value, dict):
        document = _document(value, where)
        if document is not None:
            return {DEFAULT_VECTOR: document}
        checked_at = f"{where}.?"  # Qdrant's validator does not name the map's key
        return {name: vector(vec, f"{where}.{name}", checked_at) for name, vec in value.items()}
    raise ValidationFailed(
        where, "expected a vector (an array of numbers) or an object of named vectors"
    )


def dense_rows(values: list[Any]) -> np.ndarray | None:
    """Many dense vectors (JSON arrays of numbers of one length) as one float32 matrix in
    a single conversion, or None for anything else (then `vector`, one by one, decides
    and names what is wrong): the fast way in for a batch of dense vectors."""
    if not values or not all(
        type(row) is list and row and type(row[0]) is not bool for row in values
    ):
        return None  # an array of booleans is not a vector: `_numbers` refuses it
    try:
        matrix = np.asarray(values)
    except (ValueError, TypeError):  # ragged or nested deeper
        return None
    if matrix.ndim != 2 or matrix.dtype.kind not in "iuf":
        return None
    return matrix.astype(np.float32, copy=False)


def batch_vectors(value: Any, count: int, where: str) -> list[dict[str, Vector]]:
    """A BatchVectorStruct for `count` points: a list of vectors (dense or multi), or
    name -> list of vectors of any kind."""
    if isinstance(value, list):
        if len(value) != count:
            raise ValidationFailed(
                where, f"expected {count} vectors (one per id), got {len(value)}"
            )
        matrix = dense_rows(value)
        if matrix is not None:
            return [{DEFAULT_VECTOR: row} for row in matrix]
        return [vector_struct(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out: list[dict[str, Vector]] = [{} for _ in range(count)]
        for name, vectors in value.items():
            here = f"{where}.{name}"
            if not isinstance(vectors, list):
                raise ValidationFailed(here, "expected an array of vectors")
            if len(vectors) != count:
                raise ValidationFailed(
                    here, f"expected {count} vectors (one per id), got {len(vectors)}"
                )
            matrix = dense_rows(vectors)
            for i, vec in enumerate(vectors):
                out[i][name] = matrix[i] if matrix is not None else vector(vec, f"{here}[{i}]")
        return out
    raise ValidationFailed(where, "expected an array of vectors or an object of named arrays")


def vector_out(value: Vector, floats: Float32Lists | None = None) -> Any:
    """One vector in Qdrant's JSON: a list (dense), a list of lists (multi) or
    `{"indices": [...], "values": [...]}` (sparse), its numbers printed as Qdrant prints
    its float32s (`numbers`). With `floats`, its lists are filled by `floats.fill()`
    (every vector of a response in one conversion), else here."""
    lists = Float32Lists() if floats is None else floats
    out: Any
    if isinstance(value, SparseVector):
        out = {"indices": value.indices.tolist(), "values": lists.add(value.values)}
    else:
        out = lists.add(value)
    if floats is None:
        lists.fill()
    return out


def vectors_out(
    vectors: dict[str, Vector] | None,
    unnamed: bool | None = None,
    floats: Float32Lists | None = None,
) -> Any:
    """Vectors of a point as Qdrant shows them: the unnamed vector bare when it is the
    point's only one, else a map by name (Qdrant decides by the vectors present, so
    `unnamed`, the collection's config, does not matter). `floats`: as for `vector_out`."""
    if vectors is None:
        return None
    lists = Float32Lists() if floats is None else floats
    out: Any
    if list(vectors) == [DEFAULT_VECTOR]:
        out = vector_out(vectors[DEFAULT_VECTOR], lists)
    else:
        out = {name: vector_out(vec, lists) for name, vec in vectors.items()}
    if floats is None:
        lists.fill()
    return out


# ----------------------------------------------------------------------------- selectors


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
    ids = point_ids(points, _join(where, "points")) if points is not None else None
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
        at = _join(where, "points")
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
    at = _join(where, "batch")
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
    at = _join(where, "points")
    points = []
    for i, p in enumerate(req.points):
        vectors = vector_struct(p.vector, f"{at}[{i}].vector")
        if not vectors:
            raise ValidationFailed(f"{at}[{i}].vector", "must specify vectors to update for point")
        points.append(PointVectors(id=point_id(p.id, f"{at}[{i}].id"), vectors=vectors))
    return points


# ----------------------------------------------------------------------------- point writes


def upsert_op(req: structs.UpsertPoints, where: str = "") -> Upsert:
    return Upsert(tuple(points_in(req, where)))


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
    return UpdateVectors(tuple(point_vectors_in(req, where)))


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


# ----------------------------------------------------------------------------- search


def search_params(params: structs.SearchParams | None) -> SearchParams:
    if params is None:
        return SearchParams()
    oversampling = (params.quantization or {}).get("oversampling")
    if oversampling is not None and (
        isinstance(oversampling, bool) or not isinstance(oversampling, int | float)
    ):
        raise ValidationFailed("params.quantization.oversampling", "expected a number")
    return SearchParams(
        hnsw_ef=params.hnsw_ef,
        exact=params.exact,
        indexed_only=params.indexed_only,
        oversampling=oversampling,
    )


def named_vector(value: Any, where: str = "vector") -> tuple[str, Vector]:
    """NamedVectorStruct: a plain dense vector, `{"name": ..., "vector": [...]}` (dense) or
    `{"name": ..., "vector": {"indices": [...], "values": [...]}}` (sparse)."""
    if isinstance(value, list):
        return DEFAULT_VECTOR, dense(value, where)
    if isinstance(value, dict) and "name" in value and "vector" in value:
        name = value["name"]
        if not isinstance(name, str):
            raise ValidationFailed(f"{where}.name", "expected a string")
        extra = set(value) - {"name", "vector"}
        if extra:
            raise ValidationFailed(f"{where}.{sorted(extra)[0]}", "unknown field")
        given = value["vector"]
        here = f"{where}.vector"
        return name, sparse(given, here) if isinstance(given, dict) else dense(given, here)
    raise ValidationFailed(
        where, 'expected a vector (an array of numbers) or {"name": ..., "vector": ...}'
    )


def search_request(req: structs.SearchRequest) -> engine_query.QueryRequest:
    """SearchRequest: the legacy search, a nearest query checked as a search."""
    no_shard_key(req.shard_key)
    using, vector = named_vector(req.vector)
    return engine_query.search_request(
        vector,
        using=using,
        limit=req.limit,
        offset=req.offset or 0,
        score_threshold=req.score_threshold,
        params=search_params(req.params),
        with_payload=with_payload(req.with_payload, default=False),
        with_vectors=with_vectors(
            req.with_vector if req.with_vector is not None else req.with_vectors, default=False
        ),
        filter=req.filter,
    )


# ----------------------------------------------------------------------------- collections


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
        raise ValidationFailed(_join(where, name), f"duplicate field `{name}`")
    return alias if value is None else value


def vector_params(value: Any, where: str) -> VectorParams:
    params = convert_struct(value, structs.VectorParams, where)
    problem = vector_size_problem(params.size)
    if problem is not None:
        raise ValidationFailed(_join(where, "size"), problem)
    return VectorParams(
        size=params.size,
        distance=Distance(params.distance),
        hnsw_config=_diff(params.hnsw_config) or None,
        quantization_config=_aliased(
            params.quantization_config, params.quantization, "quantization_config", where
        ),
        on_disk=params.on_disk,
        datatype=Datatype(params.datatype) if params.datatype is not None else None,
        multivector_config=_diff(params.multivector_config) or None,
    )


def _sparse_vectors(
    value: dict[str, structs.SparseVectorParams] | None,
) -> dict[str, dict[str, Any]] | None:
    """SparseVectorsConfig (or its diff) as the domain keeps it: each name's params with
    the fields given (`index` likewise)."""
    if value is None:
        return None
    out = {}
    for name, params in value.items():
        given = _diff(params)
        if params.index is not None:
            given["index"] = _diff(params.index)
        out[name] = given
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
        quantization_config=_aliased(
            req.quantization_config, req.quantization, "quantization_config"
        ),
        strict_mode_config=req.strict_mode_config,
    )


def collection_update(req: structs.UpdateCollection) -> CollectionUpdate:
    """UpdateCollection -> the domain's partial update."""
    vectors: dict[str, dict[str, Any]] | None = None
    if req.vectors is not None:
        vectors = {}
        for name, diff in req.vectors.items():
            change: dict[str, Any] = {}
            if diff.hnsw_config is not None:
                change["hnsw_config"] = _diff(diff.hnsw_config)
            if diff.on_disk is not None:
                change["on_disk"] = diff.on_disk
            if diff.quantization_config == "Disabled":
                change["disable_quantization"] = True
            elif diff.quantization_config is not None:
                if not isinstance(diff.quantization_config, dict):
                    raise ValidationFailed(
                        f"vectors.{name}.quantization_config",
                        'expected a quantization config object or "Disabled"',
                    )
                change["quantization_config"] = diff.quantization_config
            vectors[name] = change
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
        hnsw_config=_diff(req.hnsw_config) or None,
        optimizers_config=_optimizers_diff(req.optimizers_config) or None,
        quantization_config=quantization,
        disable_quantization=disable,
        strict_mode_config=req.strict_mode_config,
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


def _vector_params_out(params: VectorParams) -> dict[str, Any]:
    return _skip_none(
        {
            "size": params.size,
            "distance": str(params.distance),
            "hnsw_config": params.hnsw_config,
            "quantization_config": params.quantization_config,
            "on_disk": params.on_disk,
            "datatype": str(params.datatype) if params.datatype is not None else None,
            "multivector_config": params.multivector_config,
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
        "sparse_vectors": p.sparse_vectors,
    }
    out = {
        "params": _skip_none(params),
        "hnsw_config": _skip_none(dataclasses.asdict(config.hnsw_config)),
        "optimizer_config": dataclasses.asdict(config.optimizer_config),
        "wal_config": dataclasses.asdict(config.wal_config),
        "quantization_config": config.quantization_config,
        "strict_mode_config": config.strict_mode_config,
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
