"""HNSW upkeep: a collection's graphs (one per dense vector name that has one), what
each lacks of the current rows, the background indexer's steps, saving and dropping.

A graph labels its entries by slot and keeps the vector version each was built from, so
rows written since are found by comparing versions (cached per data change and graph
change in `Pending`); searches score those rows exactly beside the graph's hits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vectorizer import segment as seg
from vectorizer.collection.vectors import distance as dist
from vectorizer.collection.vectors.columns import Column, dense_columns
from vectorizer.collection.vectors.dense import DenseColumn
from vectorizer.collection.vectors.hnsw import BATCH, HnswIndex
from vectorizer.models import CollectionConfig

if TYPE_CHECKING:
    from vectorizer.collection.points import IdTracker
    from vectorizer.locks import RWLock
    from vectorizer.storage import Store


@dataclass
class Pending:
    """What a column's index lacks, cached per (collection write, index change)."""

    key: tuple[int, int]
    slots: np.ndarray  # rows whose current vector is not in the graph
    stale: int  # graph entries that no longer match their row
    exact: bool  # every graph entry is a current row: its hits need no check


def graph_bytes(index: HnswIndex) -> int:
    """RAM of an HNSW graph as hnswlib allocates it (`segment.hnsw_ram_bytes`), with the
    upper levels expected for its element count (1/(M-1) a node), plus its versions."""
    graph = index.index
    m = graph.M
    upper = graph.element_count / (m - 1) if m > 1 else 0.0
    return (
        seg.hnsw_ram_bytes(graph.get_max_elements(), index.dim, m, upper)
        + index.indexed_version.nbytes
    )


class Graphs:
    """The HNSW graphs of a collection's dense columns, and their upkeep.

    Reads of the data happen under the collection's read lock (`lock`), installing a
    graph under its write lock; one indexer step, save or drop runs at a time."""

    def __init__(
        self,
        name: str,
        columns: dict[str, Column],
        points: IdTracker,
        lock: RWLock,
        store: Store,
        config: Callable[[], CollectionConfig],
        dropped: Callable[[], bool],
    ) -> None:
        self._name = name
        self._columns = columns
        self._points = points
        self._lock = lock
        self._store = store
        self._config = config
        self._dropped = dropped
        self.indexes: dict[str, HnswIndex | None] = dict.fromkeys(dense_columns(columns))
        self._pending: dict[str, Pending] = {}
        self._saved: dict[str, int] = {}  # index.changes at the last save
        self._generation = 0  # data changes seen (the pending cache's key)
        self._mutex = threading.Lock()  # one indexer step at a time

    def data_changed(self) -> None:
        """The rows changed (a write): what the graphs lack is to be found again."""
        self._generation += 1

    def load(self) -> None:
        """Reattach the saved graphs that still fit their columns."""
        folder = self._store.index_dir(self._name)
        if folder is None:
            return
        config = self._config()
        for vname, column in dense_columns(self._columns).items():
            if dist.hnsw_space(column.distance) is None:
                continue
            index = HnswIndex.load(
                folder,
                vname,
                column.dim,
                column.distance,
                config.hnsw_for(vname),
                normalise=column.raw_cosine,
            )
            self.indexes[vname] = index
            if index is not None:
                self._saved[vname] = index.changes

    # ------------------------------------------------------------------ what a graph lacks

    def pending(self, column: DenseColumn, index: HnswIndex) -> Pending:
        """Rows whose vector the graph lacks, and how many graph entries are stale (call
        under the collection's lock and the graph's `reading`)."""
        key = (self._generation, index.changes)
        cached = self._pending.get(column.name)
        if cached is not None and cached.key == key:
            return cached
        current, indexed = self._versions_against(column, index)
        differs = current != indexed
        stale = int((differs & (indexed >= 0)).sum())
        beyond = bool((index.indexed_version[len(current) :] >= 0).any())
        pending = Pending(
            key=key,
            slots=np.flatnonzero(differs & (current >= 0)),
            stale=stale,
            exact=not stale and not beyond,
        )
        self._pending[column.name] = pending
        return pending

    def _versions_against(
        self, column: DenseColumn, index: HnswIndex
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each slot's current vector version beside the version the graph holds."""
        n = self._points.capacity
        indexed = np.full(n, -1, np.int64)
        held = min(n, len(index.indexed_version))
        indexed[:held] = index.indexed_version[:held]
        return column.version[:n], indexed

    def should_index(self, column: Column) -> bool:
        """Whether a column has, or is to have, a graph: a dense column of a distance
        hnswlib takes, with a graph already or past the indexing threshold."""
        if not isinstance(column, DenseColumn) or dist.hnsw_space(column.distance) is None:
            return False
        if self.indexes.get(column.name) is not None:
            return True
        threshold = self._config().optimizer_config.indexing_threshold
        threshold = 20000 if threshold is None else threshold
        return threshold > 0 and column.size_kb() >= threshold

    def complete(self) -> bool:
        """Whether every column to index has a graph holding all its rows as they are
        (the collection is green; call under the collection's lock)."""
        for vname, column in dense_columns(self._columns).items():
            if not self.should_index(column):
                continue
            index = self.indexes.get(vname)
            if index is None:
                return False
            with index.reading(None):
                pending = self.pending(column, index)
            if len(pending.slots) or pending.stale:
                return False
        return True

    # ------------------------------------------------------------------ upkeep

    def step(self) -> bool:
        """Bring the graphs one batch closer to the data; True while work remains."""
        more = False
        with self._mutex:
            for vname, column in dense_columns(self._columns).items():
                if self._dropped() or not self.should_index(column):
                    continue
                with self._lock.gen_rlock():
                    index = self.indexes.get(vname)
                    if index is None:
                        index = HnswIndex(
                            column.dim,
                            column.distance,
                            self._config().hnsw_for(vname),
                            capacity=self._points.capacity,
                            normalise=column.raw_cosine,
                        )
                    current, indexed = self._versions_against(column, index)
                    differs = np.flatnonzero(current != indexed)
                    changed = differs[current[differs] >= 0]
                    to_add = changed[:BATCH]
                    to_remove = differs[current[differs] < 0]
                    vectors = column.data[to_add].astype(np.float32)
                    versions = current[to_add].copy()
                    more = more or len(changed) > len(to_add)
                if len(to_remove):
                    index.remove(to_remove)
                if len(to_add):
                    index.add(to_add, vectors, versions)
                with self._lock.gen_wlock():
                    self.indexes[vname] = index
        return more

    def save(self) -> None:
        """Persist graphs that changed since they were last saved."""
        if self._dropped():  # its folder is gone (and its name may belong to a new collection)
            return
        folder = self._store.index_dir(self._name)
        if folder is None:
            return
        with self._mutex:
            for vname, index in self.indexes.items():
                if index is not None and self._saved.get(vname) != index.changes:
                    index.save(folder, vname)
                    self._saved[vname] = index.changes

    def drop(self, vname: str) -> None:
        """Forget a vector's graph (its config changed); the indexer builds a new one."""
        with self._mutex, self._lock.gen_wlock():
            self.indexes[vname] = None
            self._saved.pop(vname, None)
