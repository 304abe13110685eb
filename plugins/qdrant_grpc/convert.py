"""Protobuf messages <-> core domain types for the points side of Qdrant's gRPC API.

Each conversion is written once here: request messages become core models (`*_in`),
core results become response messages (`*_out`). Collection configs and payload index
params live in `config.py`, filters in `filters.py`, point ids and payload values in
`values.py`.

Vectors of every kind (dense, sparse, multi) are accepted in every form the protos allow
(the deprecated `data` with `indices` or `vectors_count`, the `dense`/`sparse`/
`multi_dense` oneof, named maps, `VectorInput` by id) and sent back in the deprecated
fields every client version reads; server-side inference answers UNIMPLEMENTED naming
the field. Errors name the field path: `points[3].vectors.vector`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from qdrant_client import grpc as pb

from vectorizer.collection.vectors.sparse import sparse_problem
from vectorizer.errors import BadRequest, Unsupported
from vectorizer.filters.evaluate import parse_datetime
from vectorizer.models import (
    DEFAULT_VECTOR,
    Direction,
    DocumentInput,
    OrderBy,
    PointId,
    PointStruct,
    PointVectors,
    Record,
    ScoredPoint,
    SearchParams,
    SparseVector,
    UpdateResult,
    Vector,
    WithPayload,
    WithVectors,
)
from vectorizer.query import VectorInput
from vectorizer_qdrant_grpc.filters import filter_in
from vectorizer_qdrant_grpc.values import (
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

# ----------------------------------------------------------------------------- vectors


def dense_in(values: Any) -> np.ndarray:
    """A `repeated float` as a float32 vector (its size is the core's to check)."""
    return np.array(values, dtype=np.float32)


def sparse_in(indices: Any, values: Any, where: str) -> SparseVector:
    """Indices and values as a sparse vector (as many of each, indices unique)."""
    given = SparseVector(np.array(indices, dtype=np.int64), dense_in(values))
    problem = sparse_problem(given.indices, given.values)
    if problem is not None:
        raise invalid(f"{where}.{problem[0]}", problem[1])
    return given


def multi_in(rows: list[np.ndarray], where: str) -> np.ndarray:
    """Rows of one size (none empty) as a multivector: a matrix, one row a vector."""
    sizes = {len(row) for row in rows}
    if not rows or 0 in sizes:
        raise invalid(where, "all vectors must be non-empty")
    if len(sizes) > 1:
        other = next(len(row) for row in rows if len(row) != len(rows[0]))
        raise invalid(
            where, f"all vectors must have the same dimension, found vector with dimension {other}"
        )
    return np.stack(rows)


def _vector_oneof(kind: str, value: Any, where: str) -> Vector | DocumentInput:
    """The `dense`, `sparse` or `multi_dense` variant, or a `document` the server embeds;
    images and inference objects are UNIMPLEMENTED."""
    if kind == "dense":
        return dense_in(value.data)
    if kind == "sparse":
        return sparse_in(value.indices, value.values, f"{where}.sparse")
    if kind == "multi_dense":
        rows = [dense_in(v.data) for v in value.vectors]
        return multi_in(rows, f"{where}.multi_dense.vectors")
    if kind == "document":
        return DocumentInput(value.text, value.model, payload_in(value.options) or None)
    raise Unsupported(f"server-side inference: Image/InferenceObject inputs ({where}.{kind})")


def vector_in(value: pb.Vector, where: str) -> Vector:
    """A Vector: its `vector` oneof, else the deprecated `data` (with `indices`: sparse,
    with `vectors_count`: a multivector of that many rows)."""
    kind = value.WhichOneof("vector")
    if kind is not None:
        return _vector_oneof(kind, getattr(value, kind), where)
    if value.HasField("indices"):
        return sparse_in(value.indices.data, value.data, where)
    if value.HasField("vectors_count"):
        count, data = int(value.vectors_count), dense_in(value.data)
        if count < 1 or len(data) % count:
            raise invalid(
                f"{where}.vectors_count",
                f"{len(data)} values do not split into {count} vectors of one size",
            )
        return multi_in(list(data.reshape(count, -1)), f"{where}.data")
    return dense_in(value.data)


def vectors_in(value: pb.Vectors | None, where: str) -> dict[str, Vector]:
    """Vectors: one unnamed Vector or a map of named ones (absent: no vectors)."""
    if value is None:
        return {}
    kind = value.WhichOneof("vectors_options")
    if kind == "vector":
        return {DEFAULT_VECTOR: vector_in(value.vector, f"{where}.vector")}
    if kind == "vectors":
        at = f"{where}.vectors.vectors"
        return {name: vector_in(v, f"{at}.{name}") for name, v in value.vectors.vectors.items()}
    return {}


def vector_input_in(value: pb.VectorInput, where: str) -> VectorInput:
    """A VectorInput: a vector of any kind, or the id of the point whose vector to use."""
    kind = value.WhichOneof("variant")
    if kind == "id":
        return point_id_in(value.id, f"{where}.id")
    if kind is None:
        raise invalid(where, "VectorInput is empty: expected a vector or a point id")
    return _vector_oneof(kind, getattr(value, kind), where)


def vector_out(vec: Vector) -> pb.VectorOutput:
    """One vector in the fields every client version reads (Qdrant 1.14's): the values in
    `data`, with `indices` when sparse, with `vectors_count` when multi."""
    if isinstance(vec, SparseVector):
        return pb.VectorOutput(
            data=vec.values.tolist(), indices=pb.SparseIndices(data=vec.indices.tolist())
        )
    if vec.ndim == 2:
        return pb.VectorOutput(data=vec.reshape(-1).tolist(), vectors_count=vec.shape[0])
    return pb.VectorOutput(data=vec.tolist())


def vectors_out(vectors: Mapping[str, Vector] | None, unnamed: bool) -> pb.VectorsOutput | None:
    """A point's vectors as Qdrant sends them: the unnamed vector bare when it is the
    point's only one, else the map of named vectors. Qdrant decides by the vectors present,
    whatever the collection's config (`unnamed`): a point asked for its vectors that has
    none gets an empty map (the client reads `{}`), as over REST; None (vectors not asked
    for) sends no `vectors` field."""
    if vectors is None:
        return None
    if list(vectors) == [DEFAULT_VECTOR]:
        return pb.VectorsOutput(vector=vector_out(vectors[DEFAULT_VECTOR]))
    named = {name: vector_out(vec) for name, vec in vectors.items()}
    return pb.VectorsOutput(vectors=pb.NamedVectorsOutput(vectors=named))


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


def search_params_in(value: pb.SearchParams | None) -> SearchParams:
    """SearchParams (`quantization` has no effect: Vectorizer keeps no quantized vectors)."""
    if value is None:
        return SearchParams()
    return SearchParams(
        hnsw_ef=opt(value, "hnsw_ef"),
        exact=bool(value.exact),
        indexed_only=bool(value.indexed_only),
    )


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


# ----------------------------------------------------------------------------- search and query


def search_vector_in(value: pb.SearchPoints | pb.SearchPointGroups, where: str) -> Vector:
    """The query vector of a legacy search: `vector`, sparse when `sparse_indices` is set."""
    if value.HasField("sparse_indices"):
        return sparse_in(value.sparse_indices.data, value.vector, where)
    return dense_in(value.vector)
