"""Vectors in Qdrant's JSON <-> the core's vectors: dense, sparse and multi vectors,
VectorStruct and BatchVectorStruct, inference objects (a `DocumentInput`), and the
float32 numbers of vectors going out (`numbers.py`).

Untagged unions of the spec arrive as builtins and are told apart by their type and the
keys present; errors name the offending field: `ValidationFailed` (422) for a shape the
spec does not allow, `Unsupported` (501) for a valid request using a feature not built
yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vectorizer import MAX_SPARSE_INDEX, sparse_problem
from vectorizer.errors import Unsupported
from vectorizer.models import (
    DEFAULT_VECTOR,
    DocumentInput,
    SparseVector,
    Vector,
)
from vectorizer_qdrant_rest.wire.errors import ValidationFailed
from vectorizer_qdrant_rest.wire.numbers import Float32Lists
from vectorizer_qdrant_rest.wire.structs import join_path

if TYPE_CHECKING:
    pass


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
        raise ValidationFailed(join_path(where, sorted(extra)[0]), "unknown field")
    text, model, options = value["text"], value["model"], value.get("options")
    if not isinstance(text, str):
        raise ValidationFailed(join_path(where, "text"), "expected a string")
    if not isinstance(model, str):
        raise ValidationFailed(join_path(where, "model"), "expected a string")
    if options is not None and not isinstance(options, dict):
        raise ValidationFailed(join_path(where, "options"), "expected an object")
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
            raise ValidationFailed(join_path(where, key), "missing field")
    extra = set(value) - {"indices", "values"}
    if extra:
        raise ValidationFailed(join_path(where, sorted(extra)[0]), "unknown field")
    indices, values = value["indices"], value["values"]
    if not isinstance(indices, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= MAX_SPARSE_INDEX
        for i in indices
    ):
        raise ValidationFailed(join_path(where, "indices"), "expected unsigned 32-bit integers")
    if not isinstance(values, list):
        raise ValidationFailed(join_path(where, "values"), "expected an array of numbers")
    given = SparseVector(
        np.asarray(indices, dtype=np.int64), _numbers(values, join_path(where, "values"))
    )
    problem = sparse_problem(given.indices, given.values)
    if problem is not None and checked_at is not None:
        raise ValidationFailed(
            f"{checked_at}.{problem[0]}", f"Validation error: {problem[1]} [{{}}]"
        )
    if problem is not None:
        raise ValidationFailed(join_path(where, problem[0]), problem[1])
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
