"""Dense vector columns: a collection's vectors of one name, one row per point slot."""

from __future__ import annotations

import numpy as np

from vectorizer import distance as dist
from vectorizer.errors import BadRequest
from vectorizer.models import Datatype, VectorParams

_DTYPES = {Datatype.FLOAT32: np.float32, Datatype.FLOAT16: np.float16, Datatype.UINT8: np.uint8}


class DenseColumn:
    """Vectors of one name stored at their datatype, with a version per row.

    `version[slot]` is the operation id that last wrote the row, -1 when the point has
    no vector of this name; the index compares it with what it has indexed.
    """

    def __init__(self, name: str, params: VectorParams, capacity: int = 1024) -> None:
        self.name = name
        self.params = params
        self.dim = params.size
        self.distance = params.distance
        self.dtype = _DTYPES[params.datatype or Datatype.FLOAT32]
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
        vec = self.query(values, where)
        if self.dtype is np.uint8:
            return np.clip(np.rint(vec), 0, 255).astype(np.uint8)
        return vec.astype(self.dtype, copy=False)

    def query(self, values: object, where: str = "query vector") -> np.ndarray:
        """Validate a vector and prepare it for scoring (cosine: normalised), as float32."""
        try:
            vec = np.asarray(values, dtype=np.float32)
        except (TypeError, ValueError):
            raise BadRequest(f"Wrong input: {where}: vector must be a list of numbers") from None
        if vec.ndim != 1:
            raise BadRequest(f"Wrong input: {where}: expected a dense vector (a list of numbers)")
        if len(vec) != self.dim:
            raise BadRequest(
                f"Wrong input: Vector dimension error: expected dim: {self.dim}, got {len(vec)}"
                f" ({where})"
            )
        if not np.isfinite(vec).all():
            raise BadRequest(f"Wrong input: {where}: vector contains NaN or infinity")
        return dist.prepare(self.distance, vec).astype(np.float32, copy=False)

    def set(self, slot: int, vec: np.ndarray, version: int) -> None:
        if self.version[slot] < 0:
            self.count += 1
        self.data[slot] = vec
        self.version[slot] = version
        as32 = vec.astype(np.float32, copy=False)
        self.sqnorms[slot] = float(as32 @ as32)

    def clear(self, slot: int) -> None:
        if slot < self.capacity and self.version[slot] >= 0:
            self.count -= 1
            self.version[slot] = -1

    def has(self, slot: int) -> bool:
        return slot < self.capacity and self.version[slot] >= 0

    def get(self, slot: int) -> np.ndarray:
        return self.data[slot].astype(np.float32)

    def encode(self, slot: int) -> bytes:
        return self.data[slot].tobytes()

    def decode(self, raw: bytes) -> np.ndarray:
        return np.frombuffer(raw, dtype=self.dtype)

    def size_kb(self) -> float:
        """Vector data size in KB the way Qdrant's thresholds count it (4 bytes a dimension)."""
        return self.count * self.dim * 4 / 1024
