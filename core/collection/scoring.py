"""Scoring: the building blocks the query engine (`vectorizer.query`) composes.

The best slots for a prepared query (`nearest`, `nearest_batch`: HNSW, exact, sparse
inverted index or MaxSim, with the search path recorded as Qdrant's categories) and exact
scores of given slots (`score`, `score_many`, `euclid_similarities`). Call them under
the collection's read lock (`Collection.reading`) so they see one state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorizer import segment as seg
from vectorizer.collection.reads import check_filter
from vectorizer.collection.vectors import distance as dist
from vectorizer.collection.vectors.columns import Column, column_of
from vectorizer.collection.vectors.dense import DenseColumn
from vectorizer.collection.vectors.multi import MultiColumn
from vectorizer.collection.vectors.sparse import SparseColumn
from vectorizer.models import Distance, HnswConfig, SearchParams

if TYPE_CHECKING:
    from vectorizer.collection.points import IdTracker
    from vectorizer.collection.reads import Reads
    from vectorizer.collection.vectors.graphs import Graphs
    from vectorizer.collection.vectors.hnsw import HnswIndex

OVERSAMPLE_FROM = 0.05
"""Filters keeping at least this share of the graph try an oversampled plain search first."""

_SIMILARITY_CHUNK = 4096
"""Rows per step of `euclid_similarities` (bounds the differences held at once)."""

_SEQUENTIAL_BELOW = 16
"""Qdrant's `MIN_DIM_SIZE_SIMD`: below it Qdrant sums a vector's terms one by one, left
to right in float32; `euclid_similarities` sums them so then."""


def best(
    column: Column,
    slots: np.ndarray,
    scores: np.ndarray,
    limit: int,
    score_threshold: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The best `limit` candidates, best first, that pass `score_threshold`."""
    if score_threshold is not None:
        keep = dist.passes_threshold(column.distance, scores, score_threshold)
        slots, scores = slots[keep], scores[keep]
    top = dist.top_k(column.distance, scores, limit)
    return slots[top], scores[top]


class Scoring:
    """Searches and exact scores over a collection's columns and graphs."""

    def __init__(
        self,
        points: IdTracker,
        columns: dict[str, Column],
        graphs: Graphs,
        reads: Reads,
        hnsw_for: Callable[[str], HnswConfig],
        searches: seg.SearchStats,
    ) -> None:
        self._points = points
        self._columns = columns
        self._graphs = graphs
        self._reads = reads
        self._hnsw_for = hnsw_for
        self._searches = searches

    def nearest(
        self,
        using: str,
        query: Any,
        limit: int,
        *,
        filter: Any = None,
        params: SearchParams | None = None,
        score_threshold: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The best `limit` (slots, scores), best first, for a prepared query of space
        `using`. Dense: HNSW when the space has a graph and no exact search is asked, else
        exact. Multi: exact MaxSim. Sparse: the points sharing an index with the query,
        through the inverted index."""
        started = time.perf_counter()
        flt = check_filter(filter)
        params = params or SearchParams()
        column = column_of(self._columns, using)
        allowed = None if flt is None else self._reads.matching_with_vector(flt, column)
        if isinstance(column, SparseColumn):
            slots, scores = column.candidates(query, allowed)
            if allowed is None:
                category = seg.UNFILTERED_SPARSE
            elif column.scans_rows(allowed):
                category = seg.FILTERED_SMALL_CARDINALITY
            else:
                category = seg.FILTERED_SPARSE
        elif isinstance(column, MultiColumn):
            slots, scores = self._exact_multi(column, query, allowed)
            category = seg.UNFILTERED_PLAIN if allowed is None else seg.FILTERED_PLAIN
        else:
            assert isinstance(column, DenseColumn)
            graph = self._graph(using, params)
            if graph is None or self._small(allowed, column) or self._acorn(params, allowed):
                slots, scores = self._exact(column, query, limit, allowed)
                if self._graphs.indexes.get(using) is None:
                    category = seg.UNFILTERED_PLAIN if allowed is None else seg.FILTERED_PLAIN
                elif graph is None:  # asked to be exact
                    category = seg.UNFILTERED_EXACT if allowed is None else seg.FILTERED_EXACT
                else:
                    category = seg.FILTERED_SMALL_CARDINALITY
            else:
                index, ef = graph
                slots, scores = self._approximate(column, index, query, limit, ef, allowed)
                category = (
                    seg.UNFILTERED_HNSW if allowed is None else seg.FILTERED_LARGE_CARDINALITY
                )
        found = best(column, slots, scores, limit, score_threshold)
        self._searches.record(using, category, time.perf_counter() - started)
        return found

    def nearest_batch(
        self,
        using: str,
        queries: Sequence[Any],
        limit: int,
        *,
        params: SearchParams | None = None,
        score_thresholds: Sequence[float | None] | None = None,
    ) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """`nearest` of several prepared dense queries without a filter in one hnswlib
        call, or None when they cannot go together: no graph (or an exact search asked),
        or a graph that does not hold every row as it is."""
        graph = self._graph(using, params)
        if graph is None or not queries:
            return None
        index, ef = graph
        column = self._columns[using]
        assert isinstance(column, DenseColumn)
        started = time.perf_counter()
        with index.reading(ef):
            pending = self._graphs.pending(column, index)
            if not pending.exact or len(pending.slots):
                return None
            found = index.knn_batch(np.stack(queries), limit)
        if found is None:
            return None
        thresholds = score_thresholds or [None] * len(queries)
        out = []
        for (slots, scores), threshold in zip(found, thresholds, strict=True):
            if threshold is not None:  # hnswlib answers best first already
                slots, scores = best(column, slots, scores, limit, threshold)
            out.append((slots, scores))
        # one hnswlib call answered them all: each is counted with its share of it
        share = (time.perf_counter() - started) / len(queries)
        for _ in queries:
            self._searches.record(using, seg.UNFILTERED_HNSW, share)
        return out

    def _graph(self, using: str, params: SearchParams | None) -> tuple[HnswIndex, int] | None:
        """The HNSW index of dense space `using` and the beam to search it with (default:
        the graph's `ef_construct`, the config's, as the index is rebuilt when that
        changes), or None when there is no index or the search is asked to be exact."""
        params = params or SearchParams()
        index = self._graphs.indexes.get(using)
        if index is None or params.exact:
            return None
        return index, params.hnsw_ef or index.config.ef_construct

    def _small(self, allowed: np.ndarray | None, column: DenseColumn) -> bool:
        """Whether a filter leaves few enough points to score them all (Qdrant's planner:
        at most `full_scan_threshold` KB of vectors)."""
        if allowed is None:
            return False
        threshold_kb = self._hnsw_for(column.name).full_scan_threshold
        return len(allowed) * column.dim * 4 <= threshold_kb * 1024

    def _acorn(self, params: SearchParams, allowed: np.ndarray | None) -> bool:
        """Whether ACORN is asked for and the filter is selective enough for it (its share
        of the points at most `max_selectivity`): then the search is exact."""
        if allowed is None or params.acorn is None:
            return False
        return params.acorn.applies(len(allowed), self._points.count)

    @staticmethod
    def _exact_multi(
        column: MultiColumn, query: np.ndarray, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """MaxSim of every matrix (only the `allowed` slots when a filter is given)."""
        if allowed is not None and len(allowed) * 2 < column.count:
            return allowed, column.score(query, allowed)
        slots, scores = column.score_all(query)
        if allowed is not None:
            keep = np.isin(slots, allowed, assume_unique=True)
            slots, scores = slots[keep], scores[keep]
        return slots, scores

    def _exact(
        self, column: DenseColumn, query: np.ndarray, want: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Score every row with a vector (only the `allowed` slots when a filter is given)."""
        n = self._points.capacity
        if allowed is not None and len(allowed) < n // 4:
            slots = allowed
            rows = column.data[slots]
            scores = dist.scores(column.distance, query, rows, column.sqnorms[slots])
        else:
            scores = dist.scores(column.distance, query, column.data[:n], column.sqnorms[:n])
            slots = allowed if allowed is not None else np.flatnonzero(column.version[:n] >= 0)
            scores = scores[slots]
        top = dist.top_k(column.distance, scores, want)
        return slots[top], scores[top]

    def _approximate(
        self,
        column: DenseColumn,
        index: HnswIndex,
        query: np.ndarray,
        want: int,
        ef: int,
        allowed: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """HNSW over what the graph holds, exact scoring over rows it does not hold yet.

        With a filter, only allowed rows whose graph entry is current are accepted: a
        broad filter first takes the best of an oversampled unfiltered search, and falls
        back to checking the allow-mask during graph traversal when that is not enough.
        """
        with index.reading(ef):
            pending = self._graphs.pending(column, index)
            if allowed is None and pending.exact:
                labels, hnsw_scores = index.knn(query, want)
            elif allowed is None:
                labels, hnsw_scores = index.knn(query, want + pending.stale)
                labels_ok = labels < self._points.capacity
                labels, hnsw_scores = labels[labels_ok], hnsw_scores[labels_ok]
                fresh = column.version[labels] == index.indexed_version[labels]
                labels, hnsw_scores = labels[fresh], hnsw_scores[fresh]
            else:
                current = not pending.stale and not len(pending.slots)
                labels, hnsw_scores = _knn_allowed(column, index, query, want, allowed, current)
        rows = pending.slots
        if allowed is not None and len(rows):
            rows = np.intersect1d(rows, allowed, assume_unique=True)
        if len(rows) == 0:
            return labels, hnsw_scores
        extra = dist.scores(column.distance, query, column.data[rows], column.sqnorms[rows])
        return np.concatenate([labels, rows]), np.concatenate([hnsw_scores, extra])

    # ------------------------------------------------------------------ exact scores

    def score(self, using: str, query: Any, slots: np.ndarray) -> np.ndarray:
        """Exact scores of a prepared query against the vectors `using` of `slots` (each
        must have one: see `slots_with_vector`); a sparse vector sharing no index with the
        query scores 0."""
        column = column_of(self._columns, using)
        if isinstance(column, SparseColumn | MultiColumn):
            return column.score(query, slots)
        assert isinstance(column, DenseColumn)
        return dist.scores(column.distance, query, column.data[slots], column.sqnorms[slots])

    def score_many(self, using: str, queries: Sequence[Any], slots: np.ndarray) -> list[np.ndarray]:
        """`score` of several prepared queries against the same `slots`. A dense space
        copies the candidates' rows once; when they are most of the rows, it copies none:
        it scores the rows in place up to the last candidate and picks the candidates'."""
        column = column_of(self._columns, using)
        if not isinstance(column, DenseColumn):
            return [self.score(using, query, slots) for query in queries]
        top = int(slots.max()) + 1 if len(slots) else 0
        if len(slots) and 2 * len(slots) >= top:
            data, sqnorms = column.data[:top], column.sqnorms[:top]
            return [dist.scores(column.distance, q, data, sqnorms)[slots] for q in queries]
        data, sqnorms = column.data[slots], column.sqnorms[slots]
        return [dist.scores(column.distance, query, data, sqnorms) for query in queries]

    def euclid_similarities(
        self, using: str, queries: Sequence[Any], slots: np.ndarray
    ) -> list[np.ndarray] | None:
        """Qdrant's raw similarity of a dense Euclid space (minus the squared distance,
        summed from the differences as Qdrant sums them) of several prepared queries
        against `slots`, for the scores that compare similarities (recommend, discover,
        context); None for any other space. Not derived from the reported distances: the
        square of a rounded square root, or a difference of squared norms, loses the
        precision a difference of two similarities needs."""
        column = column_of(self._columns, using)
        if not isinstance(column, DenseColumn) or column.distance is not Distance.EUCLID:
            return None
        out = [np.empty(len(slots), dtype=np.float32) for _ in queries]
        for start in range(0, len(slots), _SIMILARITY_CHUNK):
            rows = column.data[slots[start : start + _SIMILARITY_CHUNK]].astype(
                np.float32, copy=False
            )
            for query, scores in zip(queries, out, strict=True):
                diff = rows - np.asarray(query, dtype=np.float32)
                squares = diff * diff
                if rows.shape[1] < _SEQUENTIAL_BELOW:
                    total = np.zeros(len(rows), dtype=np.float32)
                    for j in range(rows.shape[1]):
                        total += squares[:, j]
                else:
                    total = squares.sum(axis=1, dtype=np.float32)
                scores[start : start + len(rows)] = -total
        return out


def _knn_allowed(
    column: DenseColumn,
    index: HnswIndex,
    query: np.ndarray,
    want: int,
    allowed: np.ndarray,
    graph_current: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """HNSW restricted to the allowed slots whose graph entry is current
    (`graph_current`: the graph holds every row as it is, nothing to check)."""
    ok = allowed
    if not graph_current:
        held = allowed[allowed < len(index.indexed_version)]
        ok = held[column.version[held] == index.indexed_version[held]]
    accept = np.zeros(len(index.indexed_version), dtype=bool)
    accept[ok] = True
    share = len(ok) / max(1, index.live)
    if share >= OVERSAMPLE_FROM:
        labels, scores = index.knn(query, int(want / share * 2) + 16)
        keep = accept[labels]
        if int(keep.sum()) >= want:
            return labels[keep], scores[keep]
    return index.knn(query, want, accept)
