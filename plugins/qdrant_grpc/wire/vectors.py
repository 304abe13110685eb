"""Protobuf vectors <-> the core's vectors: dense, sparse and multi vectors, named maps,
`VectorInput`, and the vectors of results going out.

Vectors of every kind are accepted in every form the protos allow (the deprecated `data`
with `indices` or `vectors_count`, the `dense`/`sparse`/`multi_dense` oneof, named maps,
`VectorInput` by id) and sent back in the deprecated fields every client version reads;
server-side inference answers UNIMPLEMENTED naming the field. Errors name the field
path: `points[3].vectors.vector`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from qdrant_client import grpc as pb

from vectorizer import sparse_problem
from vectorizer.errors import Unsupported
from vectorizer.models import (
    DEFAULT_VECTOR,
    DocumentInput,
    SparseVector,
    Vector,
)
from vectorizer.query import VectorInput
from vectorizer_qdrant_grpc.wire.values import (
    invalid,
    payload_in,
    point_id_in,
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
