"""Multivector columns: each point holds a matrix (rows of one size), scored by MaxSim.

Qdrant's `max_sim` comparator: for each row of the query, the best similarity to any
row of the point, summed over the query's rows. Similarities are Qdrant's internal
ones (cosine and dot as they are, Euclid the negated squared distance, Manhattan the
negated distance), and the sum is reported the way the space reports a score (Euclid
`sqrt(|sum|)`, Manhattan `|sum|`), so the order and `score_threshold` of the space
apply unchanged. Rows are stored at the space's datatype (cosine rows normalised, but
uint8 rows, stored as given like Qdrant does, the cosine dividing by their lengths).
There is no HNSW graph for multivectors: search scores every matrix (exact).
"""

from __future__ import annotations

import numpy as np

from vectorizer.collection.vectors import distance as dist
from vectorizer.collection.vectors.dense import (
    DTYPES,
    RowColumn,
    as_floats,
    as_query,
    dimension_error,
    normalised,
    to_stored,
    wrong_kind,
)
from vectorizer.errors import BadRequest
from vectorizer.models import Datatype, Distance, VectorParams


def _similarities(
    distance: Distance, rows: np.ndarray, query: np.ndarray, raw_cosine: bool = False
) -> np.ndarray:
    """Qdrant's internal similarity of every stored row (R) to every query row (Q): R x Q.

    Rows of fewer than `distance.SEQUENTIAL_BELOW` numbers are summed left to right in
    float32, as Qdrant does (its very scores). `raw_cosine`: rows and query are uint8
    values, not normalised, and the cosine divides by both lengths (Qdrant's uint8 cosine).
    """
    if rows.shape[1] < dist.SEQUENTIAL_BELOW:
        return _similarities_sequential(distance, rows, query, raw_cosine)
    if distance in (Distance.COSINE, Distance.DOT):
        dots = rows @ query.T
        if raw_cosine:
            return _raw_cosine(dots, rows, query)
        return dots
    if distance is Distance.EUCLID:
        sq = (
            np.einsum("ij,ij->i", rows, rows)[:, None]
            - 2.0 * (rows @ query.T)
            + np.einsum("ij,ij->i", query, query)[None, :]
        )
        return -np.maximum(sq, 0.0)
    out = np.empty((len(rows), len(query)), dtype=np.float32)
    for j, q in enumerate(query):
        out[:, j] = -np.abs(rows - q).sum(axis=1)
    return out


def _similarities_sequential(
    distance: Distance, rows: np.ndarray, query: np.ndarray, raw_cosine: bool
) -> np.ndarray:
    """`_similarities` of short rows, number by number as Qdrant's plain loop."""
    out = np.zeros((len(rows), len(query)), dtype=np.float32)
    for j in range(rows.shape[1]):
        column, q = rows[:, j, None], query[None, :, j]
        if distance in (Distance.COSINE, Distance.DOT):
            out += column * q
        elif distance is Distance.EUCLID:
            diff = column - q
            out -= diff * diff
        else:
            out -= np.abs(column - q)
    return _raw_cosine(out, rows, query) if raw_cosine else out


def _raw_cosine(dots: np.ndarray, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosines from the dot products (R x Q) of unnormalised rows and query rows, as
    Qdrant's uint8 cosine: dot / sqrt(|a|^2 |b|^2), 0 against a zero vector."""
    product = dist.squared_lengths(rows)[:, None] * dist.squared_lengths(query)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (dots / np.sqrt(product)).astype(np.float32, copy=False)
    out[product == 0] = 0.0
    return out


def max_sim(
    distance: Distance,
    rows: np.ndarray,
    starts: np.ndarray,
    query: np.ndarray,
    raw_cosine: bool = False,
) -> np.ndarray:
    """MaxSim scores of a prepared query matrix against matrices stacked in `rows` (float32),
    matrix `i` starting at row `starts[i]`, as the space reports scores: for each query
    row in order, its best similarity, summed left to right in float32 (Qdrant's
    `score_max_similarity`). `raw_cosine`: see `_similarities`."""
    if len(starts) == 0:
        return np.empty(0, dtype=np.float32)
    best = np.maximum.reduceat(_similarities(distance, rows, query, raw_cosine), starts, axis=0)
    total = best[:, 0].astype(np.float32, copy=True)
    for j in range(1, best.shape[1]):
        total += best[:, j]
    if distance is Distance.EUCLID:
        return np.sqrt(np.abs(total))
    if distance is Distance.MANHATTAN:
        return np.abs(total)
    return total


class MultiColumn(RowColumn):
    """Matrices of one name, each stored at the datatype, with a version per slot.

    `version[slot]` is the operation id that last wrote the matrix, -1 when the point has
    none. A stacked float32 copy of every matrix is kept for whole-column scoring and
    dropped on each write.
    """

    kind = "multi"

    def __init__(self, name: str, params: VectorParams, capacity: int = 1024) -> None:
        self.name = name
        self.params = params
        self.dim = params.size
        self.distance = params.distance
        self.dtype = DTYPES[params.datatype or Datatype.FLOAT32]
        super().__init__(capacity)
        self._row_count = 0
        self._stacked: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        # Qdrant stores uint8 cosine rows as given and divides by the lengths when scoring
        self._raw_cosine = self.dtype is np.uint8 and self.distance is Distance.COSINE

    # ---------------------------------------------------------------- values

    def prepare(self, values: object, where: str) -> np.ndarray:
        """Validate one incoming matrix and turn it into its stored form (cosine rows
        normalised, but for uint8: see `dense.normalised`). A dense vector is
        a matrix of one row, as Qdrant takes it (its "legacy" upsert form)."""
        if wrong_kind("dense", values) is None:
            values = [values]
        rows = normalised(self.distance, self.dtype, self._matrix(values, where))
        return to_stored(rows, self.dtype)

    def query(self, values: object, where: str = "query vector") -> np.ndarray:
        """Validate a query matrix and prepare it for scoring (float32, what its rows would
        be stored as); a dense vector is a matrix of one row, as in Qdrant."""
        if wrong_kind("dense", values) is None:
            values = [values]
        return as_query(self.distance, self.dtype, self._matrix(values, where))

    def _matrix(self, values: object, where: str) -> np.ndarray:
        """An incoming matrix as float32 rows of this column's size, or BadRequest."""
        problem = wrong_kind("multi", values)
        if problem is not None:
            raise problem
        if isinstance(values, list | tuple) and len({np.size(r) for r in values}) > 1:
            raise BadRequest(f"Wrong input: {where}: all vectors must have the same dimension")
        rows = as_floats(values, where)
        if rows.ndim != 2:
            raise BadRequest(f"Wrong input: {where}: expected a multivector (a list of vectors)")
        if rows.shape[0] == 0 or rows.shape[1] != self.dim:  # no rows: Qdrant's "got 0" too
            raise dimension_error(self.dim, rows.shape[1] if rows.shape[0] else 0, where)
        return rows

    def pack(self, matrix: np.ndarray) -> bytes:
        """The stored bytes of a prepared matrix (its rows, at the datatype)."""
        return matrix.tobytes()

    def decode(self, raw: bytes) -> np.ndarray:
        return np.frombuffer(raw, dtype=self.dtype).reshape(-1, self.dim)

    def valid_raw(self, raw: bytes) -> bool:
        """Whether `raw` could be the stored bytes of one matrix of this column."""
        row = self.dim * np.dtype(self.dtype).itemsize
        return len(raw) > 0 and len(raw) % row == 0

    def encode(self, slot: int) -> bytes:
        matrix = self.rows[slot]
        assert matrix is not None
        return matrix.tobytes()

    # ---------------------------------------------------------------- rows

    def set(self, slot: int, matrix: np.ndarray, version: int) -> None:
        old = self.rows[slot]
        if old is None:
            self.count += 1
        else:
            self._row_count -= len(old)
        self.rows[slot] = matrix
        self._row_count += len(matrix)
        self.version[slot] = version
        self._stacked = None

    def clear(self, slot: int) -> None:
        if slot < self.capacity and (old := self.rows[slot]) is not None:
            self.count -= 1
            self._row_count -= len(old)
            self.rows[slot] = None
            self.version[slot] = -1
            self._stacked = None

    def get(self, slot: int) -> np.ndarray:
        matrix = self.rows[slot]
        assert matrix is not None
        return matrix.astype(np.float32)

    def stored_bytes(self) -> int:
        """Bytes of vector data held (at the stored datatype)."""
        return self._row_count * self.dim * np.dtype(self.dtype).itemsize

    # ---------------------------------------------------------------- scoring

    def _stack(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows as float32, start of each slot's matrix) of `slots`, each with a matrix."""
        matrices = [m for s in slots.tolist() if (m := self.rows[s]) is not None]
        assert len(matrices) == len(slots), "every slot scored must have a matrix"
        if not matrices:
            return np.empty((0, self.dim), dtype=np.float32), np.empty(0, dtype=np.int64)
        counts = np.array([len(m) for m in matrices], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return np.concatenate(matrices).astype(np.float32, copy=False), starts

    def score(self, query: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """MaxSim scores of a prepared query matrix against the matrices of `slots`."""
        rows, starts = self._stack(np.asarray(slots, dtype=np.int64))
        return max_sim(self.distance, rows, starts, query, self._raw_cosine)

    def score_all(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(slots, scores) of every point with a matrix, in slot order."""
        stacked = self._stacked
        if stacked is None:
            slots = np.flatnonzero(self.version >= 0)
            stacked = self._stacked = (slots, *self._stack(slots))
        slots, rows, starts = stacked
        return slots, max_sim(self.distance, rows, starts, query, self._raw_cosine)
