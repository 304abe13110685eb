"""The engines measured in process, behind one small interface.

Every engine gets the same points (id i = row i, payload ``{"bucket": int}``), the same
HNSW parameters (m=16, ef_construct=100), an integer index on ``bucket`` where it has
payload indexes, and one search thread (batched searches included), so QPS compares the
engines and not the thread counts; index builds use every core in each engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from benchmarks.data import Dataset, K

M, EF_CONSTRUCT = 16, 100
DEFAULT_EF = 100  # Vectorizer's and Qdrant's default hnsw_ef is ef_construct
BATCH = 1000  # points per insert call


class Engine(ABC):
    """One engine on a data directory: load, build, search, restart."""

    name: ClassVar[str]
    modules: ClassVar[tuple[str, ...]] = ()
    """Imported before memory is measured: code is not data."""
    has_ef: ClassVar[bool] = True
    persistent: ClassVar[bool] = True
    insert_is_build: ClassVar[bool] = False
    build_note: ClassVar[str] = ""

    def __init__(self, folder: Path, data: Dataset) -> None:
        self.folder, self.data = folder, data

    @abstractmethod
    def insert(self, lo: int, hi: int) -> None:
        """Insert points lo..hi-1 (vector and payload)."""

    def build(self) -> None:
        """Build the search index over everything inserted (no-op where insert builds it)."""
        return None

    @abstractmethod
    def search(self, query: np.ndarray, ef: int, flt: tuple[str, int] | None = None) -> list[Any]:
        """Ids of the K nearest points (matching `flt`), at beam width `ef`."""

    @abstractmethod
    def search_batch(self, queries: np.ndarray, ef: int) -> list[list[Any]]:
        """`search` for several queries in one call."""

    @abstractmethod
    def shut(self) -> None:
        """Persist and drop every in-memory structure (the first half of a restart)."""

    @abstractmethod
    def reopen(self) -> None:
        """Open again from the folder after `shut`."""

    def close(self) -> None:
        """Release the engine (its folder is removed by the caller)."""
        return None


class Vectorizer(Engine):
    """Vectorizer's core in process: Engine on SQLite (the server's default store)."""

    name = "vectorizer (core)"
    modules = ("vectorizer.engine", "vectorizer.filters.ast", "vectorizer.storage.sqlite")
    build_note = "indexing enabled after the insert; time to green"

    def __init__(self, folder: Path, data: Dataset) -> None:
        super().__init__(folder, data)
        from vectorizer import models as vm

        self.vm = vm
        self._open()
        config = vm.CollectionConfig(
            params=vm.CollectionParams(
                vectors={"": vm.VectorParams(data.vectors.shape[1], vm.Distance.COSINE)}
            ),
            hnsw_config=vm.HnswConfig(m=M, ef_construct=EF_CONSTRUCT),
            # no index while inserting: insert and build are measured apart, as for edge
            optimizer_config=vm.OptimizersConfig(indexing_threshold=0),
        )
        self.engine.create_collection("bench", config)
        self.col = self.engine.get_collection("bench")
        self.col.create_field_index("bucket", {"type": "integer", "lookup": True, "range": True})

    def _open(self) -> None:
        from vectorizer import Engine as CoreEngine

        self.engine = CoreEngine.open(self.folder)

    def insert(self, lo: int, hi: int) -> None:
        vm, vectors, bucket = self.vm, self.data.vectors, self.data.bucket
        self.col.upsert(
            [vm.PointStruct(i, {"": vectors[i]}, {"bucket": int(bucket[i])}) for i in range(lo, hi)]
        )

    def build(self) -> None:
        update = self.vm.CollectionUpdate(optimizers_config={"indexing_threshold": 1})
        self.engine.update_collection("bench", update)
        self.col.wait_indexed()

    def _filter(self, flt: tuple[str, int] | None) -> Any:
        if flt is None:
            return None
        from vectorizer.filters import ast

        op, value = flt
        cond = ast.MatchValue("bucket", value) if op == "eq" else ast.Range("bucket", lt=value)
        return ast.Filter(must=(cond,))

    def _request(self, query: np.ndarray, ef: int, flt: Any = None) -> Any:
        from vectorizer.query import search_request

        params = self.vm.SearchParams(hnsw_ef=ef)
        return search_request(query, limit=K, params=params, filter=flt)

    def search(self, query: np.ndarray, ef: int, flt: tuple[str, int] | None = None) -> list[Any]:
        return [
            p.id for p in self.search_batch_of([self._request(query, ef, self._filter(flt))])[0]
        ]

    def search_batch(self, queries: np.ndarray, ef: int) -> list[list[Any]]:
        found = self.search_batch_of([self._request(q, ef) for q in queries])
        return [[p.id for p in hits] for hits in found]

    def search_batch_of(self, requests: list[Any]) -> list[Any]:
        from vectorizer.query import query_batch

        return query_batch(self.col, requests, self.engine.get_collection)

    def shut(self) -> None:
        self.engine.close()
        del self.col, self.engine

    def reopen(self) -> None:
        self._open()
        self.col = self.engine.get_collection("bench")
        self.col.wait_indexed()

    def close(self) -> None:
        self.engine.close()


class Hnswlib(Engine):
    """Raw hnswlib: the index Vectorizer is built on, with nothing around it."""

    name = "hnswlib (raw)"
    modules = ("hnswlib",)
    insert_is_build = True
    build_note = "add_items is the insert and the build"

    def __init__(self, folder: Path, data: Dataset) -> None:
        super().__init__(folder, data)
        import hnswlib

        self.hnswlib = hnswlib
        self.index = hnswlib.Index(space="cosine", dim=data.vectors.shape[1])
        self.index.init_index(max_elements=data.n, M=M, ef_construction=EF_CONSTRUCT)
        self._ef = 0
        self.masks: dict[tuple[str, int], np.ndarray] = {}

    def insert(self, lo: int, hi: int) -> None:
        self.index.add_items(self.data.vectors[lo:hi], np.arange(lo, hi), num_threads=-1)

    def _set_ef(self, ef: int) -> None:
        if ef != self._ef:
            self.index.set_ef(ef)
            self._ef = ef

    def search(self, query: np.ndarray, ef: int, flt: tuple[str, int] | None = None) -> list[Any]:
        self._set_ef(ef)
        check = None
        if flt is not None:
            from benchmarks.data import filter_mask

            if flt not in self.masks:
                self.masks[flt] = filter_mask(self.data, flt)
            check = self.masks[flt].__getitem__
        labels, _ = self.index.knn_query(query, k=K, num_threads=1, filter=check)
        return labels[0].tolist()

    def search_batch(self, queries: np.ndarray, ef: int) -> list[list[Any]]:
        self._set_ef(ef)
        labels, _ = self.index.knn_query(queries, k=K, num_threads=1)
        return labels.tolist()

    def shut(self) -> None:
        self.index.save_index(str(self.folder / "index.hnsw"))
        del self.index

    def reopen(self) -> None:
        self.index = self.hnswlib.Index(space="cosine", dim=self.data.vectors.shape[1])
        self.index.load_index(str(self.folder / "index.hnsw"), max_elements=self.data.n)
        self._ef = 0


class QdrantEdge(Engine):
    """qdrant-edge-py: Qdrant's own segment code (Rust) in process."""

    name = "qdrant-edge"
    modules = ("qdrant_edge",)
    build_note = "optimize() after the insert"

    def __init__(self, folder: Path, data: Dataset) -> None:
        super().__init__(folder, data)
        import qdrant_edge as qe

        self.qe = qe
        config = qe.EdgeConfig(
            vectors=qe.EdgeVectorParams(size=data.vectors.shape[1], distance=qe.Distance.Cosine),
            hnsw_config=qe.HnswIndexConfig(
                m=M, ef_construct=EF_CONSTRUCT, full_scan_threshold=10_000
            ),
            # one segment, one graph (as the others), indexed whatever its size
            optimizers=qe.EdgeOptimizersConfig(indexing_threshold=1, default_segment_number=1),
            max_search_threads=1,
        )
        self.shard = qe.EdgeShard.create(str(folder / "shard"), config)
        self.shard.update(
            qe.UpdateOperation.create_field_index("bucket", qe.PayloadSchemaType.Integer)
        )

    def insert(self, lo: int, hi: int) -> None:
        qe, bucket = self.qe, self.data.bucket
        rows = self.data.vectors[lo:hi].tolist()
        points = [qe.Point(i, rows[i - lo], {"bucket": int(bucket[i])}) for i in range(lo, hi)]
        self.shard.update(qe.UpdateOperation.upsert_points(points))

    def build(self) -> None:
        self.shard.optimize()

    def _filter(self, flt: tuple[str, int] | None) -> Any:
        if flt is None:
            return None
        qe = self.qe
        op, value = flt
        cond = (
            qe.FieldCondition(key="bucket", match=qe.MatchValue(value))
            if op == "eq"
            else qe.FieldCondition(key="bucket", range=qe.RangeFloat(lt=value))
        )
        return qe.Filter(must=[cond])

    def _request(self, query: np.ndarray, ef: int, flt: Any = None) -> Any:
        qe = self.qe
        return qe.QueryRequest(
            limit=K,
            query=qe.Query.Nearest(query.tolist()),
            params=qe.SearchParams(hnsw_ef=ef),
            filter=flt,
        )

    def search(self, query: np.ndarray, ef: int, flt: tuple[str, int] | None = None) -> list[Any]:
        return [p.id for p in self.shard.query(self._request(query, ef, self._filter(flt)))]

    def search_batch(self, queries: np.ndarray, ef: int) -> list[list[Any]]:
        batch = self.qe.QueryBatchRequest([self._request(q, ef) for q in queries])
        return [[p.id for p in hits] for hits in self.shard.query_batch(batch)]

    def shut(self) -> None:
        self.shard.flush()
        self.shard.close()

    def reopen(self) -> None:
        self.shard = self.qe.EdgeShard.load(str(self.folder / "shard"))

    def close(self) -> None:
        self.shard.close()


class LocalMode(Engine):
    """qdrant-client's local mode in memory (``QdrantClient(":memory:")``): exact search in
    numpy, no HNSW and no payload indexes; `ef` does not apply. Not on a folder: its
    persistence commits every point alone (about 125 points/s here), which would measure
    SQLite's fsync rather than the engine, so it has no restart to measure."""

    name = "qdrant-client local mode"
    modules = ("qdrant_client", "qdrant_client.local.qdrant_local")
    has_ef = False
    persistent = False
    build_note = "no index (exact scan); in memory, no restart"

    def __init__(self, folder: Path, data: Dataset) -> None:
        super().__init__(folder, data)
        from qdrant_client import QdrantClient, models

        self.models = models
        self.client = QdrantClient(":memory:")
        self.client.create_collection(
            "bench",
            vectors_config=models.VectorParams(
                size=data.vectors.shape[1], distance=models.Distance.COSINE
            ),
        )

    def insert(self, lo: int, hi: int) -> None:
        ids: list[int | str] = list(range(lo, hi))
        payloads = [{"bucket": int(b)} for b in self.data.bucket[lo:hi]]
        batch = self.models.Batch(
            ids=ids, vectors=self.data.vectors[lo:hi].tolist(), payloads=payloads
        )
        self.client.upsert("bench", batch)

    def _filter(self, flt: tuple[str, int] | None) -> Any:
        if flt is None:
            return None
        m = self.models
        op, value = flt
        cond = (
            m.FieldCondition(key="bucket", match=m.MatchValue(value=value))
            if op == "eq"
            else m.FieldCondition(key="bucket", range=m.Range(lt=value))
        )
        return m.Filter(must=[cond])

    def search(self, query: np.ndarray, ef: int, flt: tuple[str, int] | None = None) -> list[Any]:
        hits = self.client.query_points(
            "bench", query=query.tolist(), limit=K, query_filter=self._filter(flt)
        )
        return [p.id for p in hits.points]

    def search_batch(self, queries: np.ndarray, ef: int) -> list[list[Any]]:
        requests = [self.models.QueryRequest(query=q.tolist(), limit=K) for q in queries]
        found = self.client.query_batch_points("bench", requests)
        return [[p.id for p in r.points] for r in found]

    def shut(self) -> None:
        raise NotImplementedError("local mode runs in memory here: nothing to reopen")

    def reopen(self) -> None:
        raise NotImplementedError("local mode runs in memory here: nothing to reopen")

    def close(self) -> None:
        self.client.close()


ENGINES: dict[str, type[Engine]] = {e.name: e for e in (Hnswlib, Vectorizer, QdrantEdge, LocalMode)}
BASELINE = Hnswlib.name


def available(name: str) -> str | None:
    """None when engine `name` can run here, else why not (a missing package)."""
    module = {QdrantEdge.name: "qdrant_edge", Hnswlib.name: "hnswlib"}.get(name)
    if module is None:
        return None
    try:
        __import__(module)
    except ImportError as exc:
        return f"not installed ({exc})"
    return None
