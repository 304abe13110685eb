"""Sparse vector columns: each point's (indices, values), searched through an inverted index.

A sparse space scores by dot product over the indices two vectors share (higher is
better); a nearest search returns only the points sharing at least one index with the
query, as Qdrant's plain search and local mode do, a sum of exactly 0 included (the
server's batched index search also drops such sums). The inverted index (index -> the
slots holding it, with their weights) is kept current on every write and rebuilt from the
stored vectors on load. The index is held in memory whatever `index.on_disk` says, and
keeps float32 weights whatever `index.datatype` says (the collection info says so).

With `modifier: idf` the query's weights are multiplied at search time by Qdrant's
inverse document frequency `ln((N - n + 0.5) / (n + 0.5) + 1)`, where `N` is the number
of points with a non-empty vector of the space and `n` the number holding the index
(the Qdrant server's statistics from 1.15; 1.14 and qdrant-client's local mode count
every point of the collection as `N`).
"""

from __future__ import annotations

import numpy as np

from vectorizer.collection.vectors.dense import RowColumn, wrong_kind
from vectorizer.errors import BadRequest
from vectorizer.models import Distance, Modifier, SparseVector, SparseVectorParams

MAX_INDEX = 2**32 - 1
DEFAULT_FULL_SCAN_THRESHOLD = 5000
"""Qdrant's default: a filter leaving fewer points than this scores them one by one."""

_ROWS_PER_POSTING = 32
"""Scoring a few slots reads their rows; many slots, the postings (see `score`)."""


# ----------------------------------------------------------------------------- vectors


def sparse_problem(indices: np.ndarray, values: np.ndarray) -> tuple[str, str] | None:
    """(field, Qdrant's message) for what makes (indices, values) no sparse vector."""
    if len(indices) != len(values):
        return "values", "must be the same length as indices"
    if len(np.unique(indices)) != len(indices):
        return "indices", "must be unique"
    return None


def as_sparse(value: object, where: str) -> SparseVector:
    """A validated sparse vector, sorted by index (uint32 indices, float32 values)."""
    problem = wrong_kind("sparse", value)
    if problem is not None:
        raise problem
    assert isinstance(value, SparseVector)
    try:
        indices = np.asarray(value.indices, dtype=np.int64).reshape(-1)
        values = np.asarray(value.values, dtype=np.float32).reshape(-1)
    except (TypeError, ValueError):
        raise BadRequest(f"Wrong input: {where}: indices and values must be numbers") from None
    if len(indices) and (indices.min() < 0 or indices.max() > MAX_INDEX):
        raise BadRequest(f"Wrong input: {where}.indices: must be unsigned 32-bit integers")
    found = sparse_problem(indices, values)
    if found is not None:
        raise BadRequest(f"Wrong input: {where}.{found[0]}: {found[1]}")
    if not np.isfinite(values).all():
        raise BadRequest(f"Wrong input: {where}.values: must be finite numbers")
    order = np.argsort(indices, kind="stable")
    return SparseVector(indices[order].astype(np.uint32), values[order])


def idf(points: int, holding: np.ndarray) -> np.ndarray:
    """Qdrant's inverse document frequency of indices held by `holding` of `points`."""
    n = np.float32(points)
    df = holding.astype(np.float32)
    return np.log((n - df + np.float32(0.5)) / (df + np.float32(0.5)) + np.float32(1.0))


# ----------------------------------------------------------------------------- the column


class SparseColumn(RowColumn):
    """Sparse vectors of one name, with a version per slot and an inverted index.

    `postings[index]` maps each slot whose vector holds `index` to its weight; a posting's
    (slots, weights) arrays are built when a search first needs them and dropped when a
    write changes it.
    """

    kind = "sparse"
    distance = Distance.DOT

    def __init__(self, name: str, params: SparseVectorParams, capacity: int = 1024) -> None:
        self.name = name
        self.configure(params)
        super().__init__(capacity)
        self.indexed = 0  # vectors holding at least one index (Qdrant's indexed vectors)
        self._nnz = 0
        self.postings: dict[int, dict[int, float]] = {}
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def configure(self, params: SparseVectorParams) -> None:
        """Take (new) `SparseVectorParams`: the modifier and the full scan threshold."""
        self.params = params
        self.idf = params.modifier is Modifier.IDF
        threshold = params.index.full_scan_threshold if params.index is not None else None
        self.full_scan_threshold = DEFAULT_FULL_SCAN_THRESHOLD if threshold is None else threshold

    # ---------------------------------------------------------------- values

    def prepare(self, values: object, where: str) -> SparseVector:
        """Validate one incoming sparse vector into its stored form (sorted by index)."""
        return as_sparse(values, where)

    def query(self, values: object, where: str = "query vector") -> SparseVector:
        """Validate a query vector (sorted by index); the IDF modifier is applied when it is
        scored, with the statistics of that moment."""
        return as_sparse(values, where)

    def pack(self, vec: SparseVector) -> bytes:
        """Stored bytes: the uint32 indices, then the float32 values."""
        return vec.indices.astype(np.uint32).tobytes() + vec.values.astype(np.float32).tobytes()

    def decode(self, raw: bytes) -> SparseVector:
        half = len(raw) // 2
        return SparseVector(
            np.frombuffer(raw[:half], dtype=np.uint32), np.frombuffer(raw[half:], dtype=np.float32)
        )

    def valid_raw(self, raw: bytes) -> bool:
        """Whether `raw` could be the stored bytes of one sparse vector."""
        if len(raw) % 8:
            return False
        indices = np.frombuffer(raw[: len(raw) // 2], dtype=np.uint32)
        return bool(np.all(np.diff(indices.astype(np.int64)) > 0))

    def encode(self, slot: int) -> bytes:
        vec = self.rows[slot]
        assert vec is not None
        return self.pack(vec)

    # ---------------------------------------------------------------- rows

    def set(self, slot: int, vec: SparseVector, version: int) -> None:
        if self.rows[slot] is None:
            self.count += 1
        else:
            self._unindex(slot)
        vec.indices.setflags(write=False)  # `get` hands the stored arrays out
        vec.values.setflags(write=False)
        self.rows[slot] = vec
        self.version[slot] = version
        self._nnz += len(vec.indices)
        if len(vec.indices):
            self.indexed += 1
        for index, weight in zip(vec.indices.tolist(), vec.values.tolist(), strict=True):
            self.postings.setdefault(index, {})[slot] = weight
            self._arrays.pop(index, None)

    def _unindex(self, slot: int) -> None:
        old = self.rows[slot]
        assert old is not None
        self._nnz -= len(old.indices)
        if len(old.indices):
            self.indexed -= 1
        for index in old.indices.tolist():
            posting = self.postings[index]
            del posting[slot]
            if not posting:
                del self.postings[index]
            self._arrays.pop(index, None)

    def clear(self, slot: int) -> None:
        if slot < self.capacity and self.rows[slot] is not None:
            self._unindex(slot)
            self.count -= 1
            self.rows[slot] = None
            self.version[slot] = -1

    def get(self, slot: int) -> SparseVector:
        """The stored vector (its arrays are read-only)."""
        vec = self.rows[slot]
        assert vec is not None
        return vec

    def stored_bytes(self) -> int:
        """Bytes of vector data held (4 for an index, 4 for its value)."""
        return self._nnz * 8

    # ---------------------------------------------------------------- scoring

    def weighted(self, query: SparseVector) -> SparseVector:
        """The query as it is scored: with the IDF modifier, its weights times each index's
        inverse document frequency."""
        if not self.idf or not len(query.indices):
            return query
        holding = np.array([len(self.postings.get(i, ())) for i in query.indices.tolist()])
        return SparseVector(query.indices, query.values * idf(self.indexed, holding))

    def _posting(self, index: int) -> tuple[np.ndarray, np.ndarray] | None:
        arrays = self._arrays.get(index)
        if arrays is None:
            posting = self.postings.get(index)
            if posting is None:
                return None
            arrays = (
                np.fromiter(posting.keys(), dtype=np.int64, count=len(posting)),
                np.fromiter(posting.values(), dtype=np.float32, count=len(posting)),
            )
            self._arrays[index] = arrays
        return arrays

    def _through_postings(self, query: SparseVector) -> tuple[np.ndarray, np.ndarray]:
        """(sorted slots sharing an index with the query, their dot products)."""
        slots, products = [], []
        for index, weight in zip(query.indices.tolist(), query.values.tolist(), strict=True):
            posting = self._posting(index)
            if posting is not None:
                slots.append(posting[0])
                products.append(posting[1] * np.float32(weight))
        if not slots:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        found, where = np.unique(np.concatenate(slots), return_inverse=True)
        sums = np.bincount(where, weights=np.concatenate(products), minlength=len(found))
        return found, sums.astype(np.float32)

    def _through_rows(
        self, query: SparseVector, slots: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(dot products with the vectors of `slots`, whether they share an index)."""
        scores = np.zeros(len(slots), dtype=np.float32)
        shared = np.zeros(len(slots), dtype=bool)
        for i, slot in enumerate(slots.tolist()):
            row = self.rows[slot]
            if row is None:
                continue
            _, at_query, at_row = np.intersect1d(
                query.indices, row.indices, assume_unique=True, return_indices=True
            )
            if len(at_query):
                shared[i] = True
                scores[i] = np.dot(query.values[at_query], row.values[at_row])
        return scores, shared

    def _postings_read(self, query: SparseVector) -> int:
        return sum(len(self.postings.get(i, ())) for i in query.indices.tolist())

    def score(self, query: SparseVector, slots: np.ndarray) -> np.ndarray:
        """Dot products of a prepared query (IDF applied here) with the vectors of `slots`;
        0 where they share no index."""
        query = self.weighted(query)
        slots = np.asarray(slots, dtype=np.int64)
        if len(slots) * _ROWS_PER_POSTING < self._postings_read(query):
            return self._through_rows(query, slots)[0]
        found, sums = self._through_postings(query)
        out = np.zeros(len(slots), dtype=np.float32)
        if len(found):
            at = np.minimum(np.searchsorted(found, slots), len(found) - 1)
            hit = found[at] == slots
            out[hit] = sums[at[hit]]
        return out

    def scans_rows(self, allowed: np.ndarray) -> bool:
        """Whether a filtered search scores the `allowed` points one by one (fewer than
        `full_scan_threshold`, Qdrant's plain search) rather than through the postings."""
        return len(allowed) < self.full_scan_threshold

    def candidates(
        self, query: SparseVector, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(slots, dot products) of the points sharing an index with a prepared query (IDF
        applied here), among the sorted `allowed` slots when given: those are scored one
        by one when fewer than `full_scan_threshold`, as Qdrant's plain search does."""
        query = self.weighted(query)
        if not len(query.indices):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if allowed is not None and self.scans_rows(allowed):
            scores, shared = self._through_rows(query, allowed)
            return allowed[shared], scores[shared]
        found, sums = self._through_postings(query)
        if allowed is not None and len(found):
            at = np.minimum(np.searchsorted(allowed, found), max(len(allowed) - 1, 0))
            keep = allowed[at] == found if len(allowed) else np.zeros(len(found), dtype=bool)
            found, sums = found[keep], sums[keep]
        return found, sums
