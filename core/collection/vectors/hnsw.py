"""The HNSW index of one dense vector column (hnswlib), derived from stored data.

Labels are point slots. `indexed_version[slot]` records which version of a row the
graph holds, so the collection knows what is pending (changed since) and which hits
are stale. hnswlib allows parallel searches or parallel inserts, not both: searches
share a reader lock and inserts take the writer lock, in small batches.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import hnswlib
import numpy as np

from vectorizer.collection.vectors import distance as dist
from vectorizer.locks import RWLock
from vectorizer.models import Distance, HnswConfig

BATCH = 1024


def _space(distance: Distance, normalise: bool) -> str:
    """The hnswlib space; `normalise`: hnswlib normalises rows and queries itself (the
    "cosine" space), for cosine rows stored as given (uint8)."""
    space = dist.hnsw_space(distance)
    assert space is not None
    return "cosine" if normalise and distance is Distance.COSINE else space


class HnswIndex:
    def __init__(
        self,
        dim: int,
        distance: Distance,
        config: HnswConfig,
        capacity: int,
        *,
        normalise: bool = False,
    ) -> None:
        self.dim, self.distance, self.config = dim, distance, config
        self.index = hnswlib.Index(space=_space(distance, normalise), dim=dim)
        self.index.init_index(
            max_elements=max(capacity, 1024), ef_construction=config.ef_construct, M=config.m
        )
        self.indexed_version = np.full(max(capacity, 1024), -1, dtype=np.int64)
        self.live = 0
        self._ef = config.ef_construct
        self.index.set_ef(self._ef)
        self._lock = RWLock()
        self.changes = 0  # bumped on every add/remove, for callers caching derived state

    # ------------------------------------------------------------------ writes

    def _ensure_capacity(self, max_label: int) -> None:
        cap = self.index.get_max_elements()
        if max_label < cap:
            return
        new = max(max_label + 1, cap * 2)
        self.index.resize_index(new)
        grown = np.full(new, -1, dtype=np.int64)
        grown[: len(self.indexed_version)] = self.indexed_version
        self.indexed_version = grown

    def add(self, slots: np.ndarray, vectors: np.ndarray, versions: np.ndarray) -> None:
        """Insert or replace rows (a replaced label is updated in place by hnswlib)."""
        threads = self.config.max_indexing_threads or os.cpu_count() or 1
        with self._lock.gen_wlock():
            self._ensure_capacity(int(slots.max()))
            self.index.add_items(vectors.astype(np.float32, copy=False), slots, num_threads=threads)
            self.live += int((self.indexed_version[slots] < 0).sum())
            self.indexed_version[slots] = versions
            self.changes += 1

    def remove(self, slots: np.ndarray) -> None:
        """Mark rows deleted (they stop appearing in results; their labels can be reused)."""
        with self._lock.gen_wlock():
            for slot in slots.tolist():
                if slot < len(self.indexed_version) and self.indexed_version[slot] >= 0:
                    self.index.mark_deleted(slot)
                    self.indexed_version[slot] = -1
                    self.live -= 1
            self.changes += 1

    # ------------------------------------------------------------------ reads

    def reading(self, ef: int | None) -> _Reading:
        """Hold the graph still for searches (and `indexed_version` with it) at beam `ef`.

        hnswlib's `ef` is per index, so a search with another `ef` takes the index alone.
        """
        return _Reading(self, ef or self._ef)

    def knn(
        self, query: np.ndarray, k: int, accept: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(slots, Qdrant scores) of up to `k` nearest rows; call inside `reading`.

        `accept`, a bool per label, restricts results to accepted rows during the search.
        """
        k = min(k, self.live if accept is None else int(accept.sum()))
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        check = None if accept is None else accept.__getitem__
        try:
            labels, raw = self.index.knn_query(query, k=k, num_threads=1, filter=check)
        except RuntimeError:  # fewer reachable elements than k (deletions, a filter)
            labels, raw = self._knn_shrinking(query, k, check)
        slots, scores = self._hits(labels, raw)
        return slots[0], scores[0]

    def knn_batch(self, queries: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """`knn` of each row of `queries` (no filter) in one hnswlib call; None when the
        graph cannot give `k` to every row (deletions): search those one by one."""
        k = min(k, self.live)
        if k <= 0:
            return None
        try:
            labels, raw = self.index.knn_query(queries, k=k, num_threads=1)
        except RuntimeError:
            return None
        slots, scores = self._hits(labels, raw)
        return list(zip(slots, scores, strict=True))

    def _hits(self, labels: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """hnswlib's (labels, distances), a row per query, as (slots, Qdrant scores)."""
        return labels.astype(np.int64), dist.from_hnsw(self.distance, raw)

    def _knn_shrinking(
        self, query: np.ndarray, k: int, check: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        while k > 1:
            k //= 2
            try:
                return self.index.knn_query(query, k=k, num_threads=1, filter=check)
            except RuntimeError:
                continue
        return np.empty((1, 0), dtype=np.uint64), np.empty((1, 0), dtype=np.float32)

    # ------------------------------------------------------------------ persistence

    def save(self, folder: Path, name: str) -> None:
        """Write the graph and its versions, then switch the manifest atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        manifest = folder / f"{_safe(name)}.json"
        generation = 1
        if manifest.exists():
            generation = json.loads(manifest.read_text())["generation"] + 1
        stem = f"{_safe(name)}.{generation}"
        with self._lock.gen_rlock():
            self.index.save_index(str(folder / f"{stem}.hnsw"))
            np.save(folder / f"{stem}.versions.npy", self.indexed_version)
        tmp = manifest.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"generation": generation, "dim": self.dim}))
        os.replace(tmp, manifest)
        for old in folder.glob(f"{_safe(name)}.*"):
            if old.name.split(".")[1].isdigit() and not old.name.startswith(stem + "."):
                old.unlink(missing_ok=True)

    @classmethod
    def load(
        cls,
        folder: Path,
        name: str,
        dim: int,
        distance: Distance,
        config: HnswConfig,
        *,
        normalise: bool = False,
    ) -> HnswIndex | None:
        """The saved index of `name`, or None when there is none or it does not fit
        (`normalise`: as for a new index)."""
        manifest = folder / f"{_safe(name)}.json"
        try:
            meta = json.loads(manifest.read_text())
            stem = f"{_safe(name)}.{meta['generation']}"
            versions = np.load(folder / f"{stem}.versions.npy")
            if meta["dim"] != dim:
                return None
            self = cls.__new__(cls)
            self.dim, self.distance, self.config = dim, distance, config
            self.index = hnswlib.Index(space=_space(distance, normalise), dim=dim)
            self.index.load_index(str(folder / f"{stem}.hnsw"), max_elements=len(versions))
        except (OSError, ValueError, KeyError, RuntimeError):
            return None
        self.indexed_version = versions
        self.live = int((versions >= 0).sum())
        self._ef = config.ef_construct
        self.index.set_ef(self._ef)
        self._lock = RWLock()
        self.changes = 0
        return self


class _Reading:
    """`HnswIndex.reading`: the read lock when the index is at beam `ef` already (checked
    under the lock), else the write lock while `ef` is set; a class, not a generator, as
    every search enters one."""

    __slots__ = ("_ef", "_index", "_release")

    def __init__(self, index: HnswIndex, ef: int) -> None:
        self._index = index
        self._ef = ef

    def __enter__(self) -> HnswIndex:
        index, lock = self._index, self._index._lock
        lock.acquire_read()
        if index._ef == self._ef:
            self._release = lock.release_read
            return index
        lock.release_read()
        lock.acquire_write()
        self._release = lock.release_write
        if index._ef != self._ef:
            index.index.set_ef(self._ef)
            index._ef = self._ef
        return index

    def __exit__(self, *exc: object) -> None:
        self._release()


def _safe(name: str) -> str:
    """A file-name-safe, dot-free rendering of a vector name."""
    return "v_" + (name.encode().hex() if name else "default")
