"""Dense vector columns: a collection's vectors of one name, one row per point slot.

Also what every column kind shares (`multi`, `sparse` beside it): the
stored datatypes and how a value of the wrong kind is refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vectorizer.collection.vectors import distance as dist
from vectorizer.errors import BadRequest
from vectorizer.models import Datatype, Distance, SparseVector, VectorParams

DTYPES = {Datatype.FLOAT32: np.float32, Datatype.FLOAT16: np.float16, Datatype.UINT8: np.uint8}
"""The numpy type each vector datatype is stored at."""


def kind_of(value: object) -> str:
    """The vector kind a raw value has: "sparse", "multi" (nested rows) or "dense"."""
    if isinstance(value, SparseVector):
        return "sparse"
    if isinstance(value, np.ndarray):
        return "multi" if value.ndim == 2 else "dense"
    nested = (
        isinstance(value, list | tuple)
        and len(value) > 0
        and isinstance(value[0], list | tuple | np.ndarray)
    )
    return "multi" if nested else "dense"


def wrong_kind(space: str, value: object) -> BadRequest | None:
    """Qdrant's error for a value of another kind than the space's, else None."""
    given = kind_of(value)
    if given == space:
        return None
    if "sparse" in (given, space):
        return BadRequest("Wrong input: Conversion between sparse and regular vectors failed")
    return BadRequest("Wrong input: Conversion between multi and regular vectors failed")


def dimension_error(dim: int, got: int, where: str) -> BadRequest:
    return BadRequest(
        f"Wrong input: Vector dimension error: expected dim: {dim}, got {got} ({where})"
    )


def to_stored(values: np.ndarray, dtype: type) -> np.ndarray:
    """Prepared float32 values at a stored datatype. uint8 as Qdrant's `x as u8`: the
    fraction dropped (towards zero), then saturated to 0..255."""
    if dtype is np.uint8:
        return np.clip(np.trunc(values), 0, 255).astype(np.uint8)
    return values.astype(dtype, copy=False)


def normalised(distance: Distance, dtype: type, values: np.ndarray) -> np.ndarray:
    """Incoming float32 values (a vector or rows) as they are stored but for the datatype:
    cosine vectors normalised, except uint8 ones, which Qdrant stores as given (a cosine
    over uint8 divides by both lengths when it scores: `distance.scores`)."""
    if dtype is np.uint8:
        return values
    return dist.prepare(distance, values).astype(np.float32, copy=False)


def as_query(distance: Distance, dtype: type, values: np.ndarray) -> np.ndarray:
    """Validated float32 query values prepared for scoring against rows of `dtype`: made
    what they would be stored as (Qdrant converts a query to the storage's element type:
    uint8 truncated, float16 rounded), back in float32."""
    stored = normalised(distance, dtype, values)
    if dtype is np.float32:
        return stored
    return to_stored(stored, dtype).astype(np.float32)


def as_floats(values: object, where: str) -> np.ndarray:
    """Numbers as a float32 array, refusing anything else (and NaN or infinity)."""
    try:
        arr = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError):
        raise BadRequest(f"Wrong input: {where}: vector must be a list of numbers") from None
    if not np.isfinite(arr).all():
        raise BadRequest(f"Wrong input: {where}: vector contains NaN or infinity")
    return arr


def squared_norms(rows: np.ndarray) -> np.ndarray:
    """The squared L2 norm of each row, in float32 (one formula for one row or many)."""
    as32 = rows.astype(np.float32, copy=False)
    return np.einsum("ij,ij->i", as32, as32, dtype=np.float32)


class DenseColumn:
    """Vectors of one name stored at their datatype, with a version per row.

    `version[slot]` is the operation id that last wrote the row, -1 when the point has
    no vector of this name; the index compares it with what it has indexed.
    """

    kind = "dense"

    def __init__(self, name: str, params: VectorParams, capacity: int = 1024) -> None:
        self.name = name
        self.params = params
        self.dim = params.size
        self.distance = params.distance
        self.dtype = DTYPES[params.datatype or Datatype.FLOAT32]
        # Qdrant stores uint8 cosine vectors as given and divides by the lengths to score
        self.raw_cosine = self.dtype is np.uint8 and self.distance is Distance.COSINE
        self.data = np.zeros((capacity, self.dim), dtype=self.dtype)
        self.version = np.full(capacity, -1, dtype=np.int64)
        self.sqnorms = np.zeros(capacity, dtype=np.float32)
        self.count = 0

    @property
    def capacity(self) -> int:
        return len(self.version)

    def ensure_capacity(self, slots: int) -> None:
        if slots <= self.capacity:
            return
        new = max(slots, self.capacity * 2)
        data = np.zeros((new, self.dim), dtype=self.dtype)
        data[: self.capacity] = self.data
        version = np.full(new, -1, dtype=np.int64)
        version[: self.capacity] = self.version
        sqnorms = np.zeros(new, dtype=np.float32)
        sqnorms[: self.capacity] = self.sqnorms
        self.data, self.version, self.sqnorms = data, version, sqnorms

    def prepare(self, values: object, where: str) -> np.ndarray:
        """Validate one incoming vector and turn it into its stored form."""
        vec = normalised(self.distance, self.dtype, self._validated(values, where))
        return to_stored(vec, self.dtype)

    def query(self, values: object, where: str = "query vector") -> np.ndarray:
        """Validate a vector and prepare it for scoring, as float32: what it would be
        stored as (cosine: normalised but over uint8; uint8 truncated, float16 rounded)."""
        return as_query(self.distance, self.dtype, self._validated(values, where))

    def _validated(self, values: object, where: str) -> np.ndarray:
        """An incoming vector as float32 numbers of this column's size, or BadRequest."""
        problem = wrong_kind("dense", values)
        if problem is not None:
            raise problem
        vec = as_floats(values, where)
        if vec.ndim != 1:
            raise BadRequest(f"Wrong input: {where}: expected a dense vector (a list of numbers)")
        if len(vec) != self.dim:
            raise dimension_error(self.dim, len(vec), where)
        return vec

    def prepare_rows(self, values: list[object]) -> np.ndarray | None:
        """Many incoming vectors at once, in their stored form (a matrix, one row each),
        as `prepare` would make them one by one; None unless every value is a numeric
        array of this column's size with finite values (`prepare` then says what is wrong
        with which)."""
        arrays = [v for v in values if isinstance(v, np.ndarray)]
        if not values or len(arrays) != len(values):
            return None
        if not all(v.shape == (self.dim,) and v.dtype.kind in "fiu" for v in arrays):
            return None
        rows = np.stack(arrays).astype(np.float32, copy=False)
        if not np.isfinite(rows).all():
            return None
        return to_stored(normalised(self.distance, self.dtype, rows), self.dtype)

    def set(self, slot: int, vec: np.ndarray, version: int) -> None:
        if self.version[slot] < 0:
            self.count += 1
        self.data[slot] = vec
        self.version[slot] = version
        self.sqnorms[slot] = squared_norms(vec[None])[0]

    def set_raw(self, slots: list[int], raws: list[bytes], versions: list[int]) -> None:
        """`set` for many distinct slots at once, from their stored bytes (`encode`)."""
        rows = np.frombuffer(b"".join(raws), dtype=self.dtype).reshape(len(raws), self.dim)
        self.set_rows(slots, rows, versions)

    def set_rows(self, slots: list[int], rows: np.ndarray, versions: list[int]) -> None:
        """`set` for many distinct slots at once, from their prepared rows (a matrix)."""
        at = np.asarray(slots, dtype=np.int64)
        self.count += int((self.version[at] < 0).sum())
        self.data[at] = rows
        self.version[at] = versions
        self.sqnorms[at] = squared_norms(rows)

    def clear(self, slot: int) -> None:
        if slot < self.capacity and self.version[slot] >= 0:
            self.count -= 1
            self.version[slot] = -1

    def has(self, slot: int) -> bool:
        return slot < self.capacity and self.version[slot] >= 0

    def get(self, slot: int) -> np.ndarray:
        return self.data[slot].astype(np.float32)

    def pack(self, vec: np.ndarray) -> bytes:
        """The stored bytes of a prepared vector."""
        return vec.tobytes()

    def encode(self, slot: int) -> bytes:
        return self.data[slot].tobytes()

    def decode(self, raw: bytes) -> np.ndarray:
        return np.frombuffer(raw, dtype=self.dtype)

    def valid_raw(self, raw: bytes) -> bool:
        """Whether `raw` could be the stored bytes of one vector of this column."""
        return len(raw) == self.dim * np.dtype(self.dtype).itemsize

    def stored_bytes(self) -> int:
        """Bytes of vector data held (at the stored datatype)."""
        return self.count * self.dim * np.dtype(self.dtype).itemsize

    def size_kb(self) -> float:
        """Vector data size in KB the way Qdrant's thresholds count it (4 bytes a dimension)."""
        return self.count * self.dim * 4 / 1024


class RowColumn:
    """Base of the columns keeping one object per slot in `rows` (sparse vectors,
    multivector matrices), with a version per slot (-1: no vector) and a count."""

    def __init__(self, capacity: int) -> None:
        self.version = np.full(capacity, -1, dtype=np.int64)
        self.rows: list[Any] = [None] * capacity
        self.count = 0

    @property
    def capacity(self) -> int:
        return len(self.version)

    def ensure_capacity(self, slots: int) -> None:
        if slots <= self.capacity:
            return
        new = max(slots, self.capacity * 2)
        version = np.full(new, -1, dtype=np.int64)
        version[: self.capacity] = self.version
        self.rows.extend([None] * (new - self.capacity))
        self.version = version

    def has(self, slot: int) -> bool:
        return slot < self.capacity and self.version[slot] >= 0
