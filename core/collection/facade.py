"""The `Collection` facade: builds the parts, owns the lock and the store.

The parts, each with one job: the id tracker (`points`), payload storage (`payloads`),
the vector columns (`columns`) and their HNSW graphs (`graphs`), the read side (`reads`),
the scoring primitives (`scoring`) and the write path (`writes`). Strict mode (`strict`,
`verify`) is checked here, once, where a request enters; the parts do not check it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorizer import payload as payload_ops
from vectorizer import segment as seg
from vectorizer.collection import info as reports
from vectorizer.collection.payloads import PayloadStore
from vectorizer.collection.points import IdTracker, key_id
from vectorizer.collection.reads import ORDER_BY_WITH_OFFSET, Reads, check_filter
from vectorizer.collection.scoring import Scoring
from vectorizer.collection.vectors.columns import Column, column_of, make_columns
from vectorizer.collection.vectors.graphs import Graphs
from vectorizer.collection.vectors.hnsw import HnswIndex
from vectorizer.collection.vectors.sparse import SparseColumn
from vectorizer.collection.verify import StrictMode
from vectorizer.collection.writes import Writes, stored_point
from vectorizer.errors import CollectionNotFound, Unsupported, located
from vectorizer.filters.ast import Filter
from vectorizer.filters.field_index import PayloadIndex
from vectorizer.locks import RWLock
from vectorizer.models import (
    CollectionConfig,
    CollectionInfo,
    CollectionStatus,
    Distance,
    DocumentInput,
    OrderBy,
    Payload,
    PointId,
    PointStruct,
    PointVectors,
    Record,
    ScoredPoint,
    ScrollResult,
    SearchParams,
    UpdateResult,
    WithPayload,
    WithVectors,
    normalize_point_id,
)
from vectorizer.operations import (
    ClearPayload,
    CreateFieldIndex,
    DeleteFieldIndex,
    DeletePayload,
    DeletePoints,
    DeleteVectors,
    Operation,
    OverwritePayload,
    SetPayload,
    UpdateVectors,
    Upsert,
    ids_of,
)
from vectorizer.storage import Store, StoredPoint

if TYPE_CHECKING:
    import pluggy

    from vectorizer.query.executor import CollectionLookup
    from vectorizer.query.model import QueryRequest

__all__ = ["ORDER_BY_WITH_OFFSET", "Collection", "Inference"]

Inference = Callable[[str, str, list[DocumentInput], bool], list[Any]]
"""(collection, vector name, documents, as queries) -> their vectors: server-side inference."""


class Collection:
    """A named set of points with vectors and payloads, over a `Store`."""

    init_time_ms: int = 0
    """How long the engine took to create or load it (Qdrant's telemetry `init_time_ms`)."""

    def __init__(
        self,
        name: str,
        config: CollectionConfig,
        store: Store,
        next_operation_id: int = 0,
        pm: pluggy.PluginManager | None = None,
        notify_indexer: Callable[[Collection], None] | None = None,
        check_writable: Callable[[], None] | None = None,
        infer: Inference | None = None,
    ) -> None:
        self.name = name
        self._config = config
        self.strict = StrictMode(config.strict_mode_config)  # rebuilt when that config changes
        self.store = store
        self._pm = pm
        self._notify = notify_indexer or (lambda _c: None)
        self._check_writable = check_writable or (lambda: None)
        self._infer = infer
        self.lock = RWLock()
        """Readers share it, a write holds it alone (`reading` for several reads)."""
        self.dropped = False
        self.points = IdTracker()
        self.payloads = PayloadStore(config.payload_indexes)
        self.columns: dict[str, Column] = make_columns(config)
        self.graphs = Graphs(
            name,
            self.columns,
            self.points,
            self.lock,
            store,
            lambda: self._config,
            lambda: self.dropped,
        )
        self.searches = seg.SearchStats()
        """Durations of the searches per vector name and path taken (Qdrant's categories)."""
        self.reads = Reads(self.points, self.payloads, self.columns, self.lock)
        self.scoring = Scoring(
            self.points,
            self.columns,
            self.graphs,
            self.reads,
            lambda vname: self._config.hnsw_for(vname),
            self.searches,
        )
        self.writes = Writes(self, next_operation_id)

    @property
    def config(self) -> CollectionConfig:
        return self._config

    @config.setter
    def config(self, config: CollectionConfig) -> None:
        """A new config (an update): sparse columns take their new params (modifier, full
        scan threshold) at once; HNSW changes are the engine's to act on."""
        self._config = config
        for name, params in config.sparse_vectors.items():
            column = self.columns.get(name)
            if isinstance(column, SparseColumn):
                column.configure(params)

    @property
    def next_operation_id(self) -> int:
        """The id the next write gets (set by the engine when loading or restoring)."""
        return self.writes.next_op

    @next_operation_id.setter
    def next_operation_id(self, value: int) -> None:
        self.writes.next_op = value

    @property
    def indexes(self) -> dict[str, HnswIndex | None]:
        """The HNSW graph of each dense vector name (None: none yet)."""
        return self.graphs.indexes

    @property
    def payload_indexes(self) -> dict[str, PayloadIndex]:
        """The payload field indexes by field."""
        return self.payloads.indexes

    @property
    def plugins(self) -> pluggy.PluginManager | None:
        """The plugin manager whose hooks run for this collection (None: no plugins)."""
        return self._pm

    def check_writable(self) -> None:
        """Raise when the engine refuses writes (its write lock)."""
        self._check_writable()

    def changed(self) -> None:
        """The data changed: the indexer is told."""
        self._notify(self)

    def reading(self) -> AbstractContextManager[None]:
        """Hold the read lock: one consistent state for several calls (not reentrant)."""
        return self.lock.gen_rlock()

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Fill memory from the store, then reattach saved indexes that still fit."""
        points = list(self.store.load_points(self.name))
        high = max((p.slot for p in points), default=-1) + 1
        self.writes.grow(high)
        self.writes.place_many(points)
        self.points.reset_free()
        self.graphs.load()
        self.changed()

    # ------------------------------------------------------------------ writing

    def apply(self, operation: Operation) -> UpdateResult:
        """Check a write (strict mode, then its shape) and apply it: durable before any
        reader sees it; a write that fails leaves the collection as it was."""
        self._verify(operation)
        return self.writes.write(operation)

    def apply_batch(
        self, operations: Sequence[Operation], labels: Sequence[str] = ()
    ) -> list[UpdateResult]:
        """Qdrant's `points/batch`: check every operation against the collection's config
        first, so a misfitting one fails the batch before anything is written, then apply
        them in order; a failure that depends on the points (a missing id) stops the batch
        there. A domain error names its operation by `labels[i]` when given."""
        named = list(labels) or [""] * len(operations)
        for operation, label in zip(operations, named, strict=True):
            with located(label):
                self.check(operation)
        results = []
        for operation, label in zip(operations, named, strict=True):
            with located(label):
                results.append(self.apply(operation))
        return results

    def check(self, operation: Operation) -> None:
        """Raise what `apply` would refuse that does not depend on the points (vector
        names, sizes, values; payload key paths), writing nothing."""
        if isinstance(operation, Upsert | UpdateVectors):
            self.writes.prepare_points(operation.points)
        elif isinstance(operation, DeleteVectors):
            for vname in operation.names:
                column_of(self.columns, vname)
        elif isinstance(operation, SetPayload) and operation.key is not None:
            payload_ops.parse_path(operation.key)
        elif isinstance(operation, DeletePayload):
            for key in operation.keys:
                payload_ops.parse_path(key)

    def _verify(self, operation: Operation) -> None:
        """Strict mode's checks and write tokens for an operation, then its shape checks
        that come before any point is looked at."""
        self.strict.check_operation(self, operation)
        if not isinstance(operation, Upsert | UpdateVectors):
            self.check(operation)

    # ------------------------------------------------------------------ querying

    def query(
        self, request: QueryRequest, collections: CollectionLookup | None = None
    ) -> list[ScoredPoint]:
        """The points a query request answers (`vectorizer.query`, the one read path);
        `collections` resolves `lookup_from` / `with_lookup` names (the engine's
        `get_collection`; without it only this collection's own name resolves)."""
        from vectorizer.query import executor  # the query engine sits on top of the parts

        return executor.query(self, request, collections or self._only_self)

    def query_batch(
        self, requests: list[QueryRequest], collections: CollectionLookup | None = None
    ) -> list[list[ScoredPoint]]:
        """`query` of several requests, checked together, plain searches batched."""
        from vectorizer.query import executor

        return executor.query_batch(self, requests, collections or self._only_self)

    def _only_self(self, name: str) -> Collection:
        if name != self.name:
            raise CollectionNotFound(name)
        return self

    # shorthands for `apply` (the core's own callers and embedded use)

    def upsert(self, points: Sequence[PointStruct]) -> UpdateResult:
        """`apply(Upsert(points))`."""
        return self.apply(Upsert(tuple(points)))

    def delete(
        self, ids: Sequence[PointId] | None = None, filter: Filter | None = None
    ) -> UpdateResult:
        """`apply(DeletePoints(ids, filter))`."""
        return self.apply(DeletePoints(ids_of(ids), check_filter(filter)))

    def set_payload(
        self,
        payload: Payload,
        ids: Sequence[PointId] | None = None,
        filter: Filter | None = None,
        key: str | None = None,
    ) -> UpdateResult:
        """`apply(SetPayload(...))`."""
        return self.apply(SetPayload(payload, ids_of(ids), check_filter(filter), key))

    def overwrite_payload(
        self, payload: Payload, ids: Sequence[PointId] | None = None, filter: Filter | None = None
    ) -> UpdateResult:
        """`apply(OverwritePayload(...))`."""
        return self.apply(OverwritePayload(payload, ids_of(ids), check_filter(filter)))

    def delete_payload(
        self,
        keys: Sequence[str],
        ids: Sequence[PointId] | None = None,
        filter: Filter | None = None,
    ) -> UpdateResult:
        """`apply(DeletePayload(...))`."""
        return self.apply(DeletePayload(tuple(keys), ids_of(ids), check_filter(filter)))

    def clear_payload(
        self, ids: Sequence[PointId] | None = None, filter: Filter | None = None
    ) -> UpdateResult:
        """`apply(ClearPayload(...))`."""
        return self.apply(ClearPayload(ids_of(ids), check_filter(filter)))

    def update_vectors(self, points: Sequence[PointVectors]) -> UpdateResult:
        """`apply(UpdateVectors(points))`."""
        return self.apply(UpdateVectors(tuple(points)))

    def delete_vectors(
        self,
        names: Sequence[str],
        ids: Sequence[PointId] | None = None,
        filter: Filter | None = None,
    ) -> UpdateResult:
        """`apply(DeleteVectors(...))`."""
        return self.apply(DeleteVectors(tuple(names), ids_of(ids), check_filter(filter)))

    def create_field_index(self, field: str, schema: Any) -> UpdateResult:
        """`apply(CreateFieldIndex(field, schema))`."""
        return self.apply(CreateFieldIndex(field, schema))

    def delete_field_index(self, field: str) -> UpdateResult:
        """`apply(DeleteFieldIndex(field))`."""
        return self.apply(DeleteFieldIndex(field))

    def copy_points_from(self, source: Collection, batch: int = 1000) -> None:
        """Upsert every point of `source` (its vectors and payload) in id order, `batch` at a
        time, as Qdrant's `init_from` does; a point whose vectors were deleted stays so."""
        for points in source.points_in_order(batch):
            self.writes.write(Upsert(tuple(points)))

    # ------------------------------------------------------------------ reading

    def points_in_order(self, batch: int = 1000) -> Iterator[list[PointStruct]]:
        """Every point (vectors and payload) in id order, `batch` at a time, each batch
        read under the read lock (writes may land between batches)."""
        return self.reads.points_in_order(batch)

    def retrieve(
        self,
        ids: list[PointId],
        with_payload: WithPayload | None = None,
        with_vectors: WithVectors | None = None,
    ) -> list[Record]:
        """The points with these ids that exist, in the order asked."""
        self.strict.check_retrieve(len(ids))
        return self.reads.records(ids, with_payload, with_vectors)

    def records(
        self,
        ids: list[PointId],
        with_payload: WithPayload | None = None,
        with_vectors: WithVectors | None = None,
    ) -> list[Record]:
        """`retrieve` without strict mode: part of a request checked already."""
        return self.reads.records(ids, with_payload, with_vectors)

    def scroll(
        self,
        offset: PointId | None = None,
        limit: int = 10,
        with_payload: WithPayload | None = None,
        with_vectors: WithVectors | None = None,
        filter: Any = None,
        order_by: OrderBy | None = None,
    ) -> ScrollResult:
        """A page of points in id order from `offset` (inclusive), and the next offset;
        with `order_by`, in payload value order instead (`Reads.scan`)."""
        self.strict.check_scroll(self, limit, filter)
        return self.reads.scan(offset, limit, with_payload, with_vectors, filter, order_by)

    def scan(
        self,
        offset: PointId | None = None,
        limit: int = 10,
        with_payload: WithPayload | None = None,
        with_vectors: WithVectors | None = None,
        filter: Any = None,
        order_by: OrderBy | None = None,
    ) -> ScrollResult:
        """`scroll` without strict mode: part of a request checked already."""
        return self.reads.scan(offset, limit, with_payload, with_vectors, filter, order_by)

    def count(self, filter: Any = None, exact: bool = True) -> int:
        """How many points match the filter (all points without one); always exact."""
        self.strict.check_count(self, filter)
        return self.reads.count(filter)

    def slot_of(self, point_id: PointId) -> int | None:
        """The slot of a live point, None when there is no such point."""
        return self.points.slot_of(normalize_point_id(point_id))

    def point_id_at(self, slot: int) -> PointId:
        return self.points.id_at(slot)

    def payload_at(self, slot: int) -> Payload:
        return self.payloads.at(slot)

    def vector_at(self, slot: int, using: str) -> Any:
        """The stored vector `using` of a slot, as a query of that space takes it (None
        when the point has none): a 1-D array (dense), a 2-D array (multi), a
        `SparseVector` (sparse)."""
        column = column_of(self.columns, using)
        return column.get(slot) if column.has(slot) else None

    # ---------------------------------------------------- scoring (the query engine's calls)
    #
    # The building blocks the query engine (`vectorizer.query`) composes: call the ones
    # taking slots inside `with collection.reading():` so they see one state.

    def distance(self, using: str) -> Distance:
        """How scores of vector space `using` order: its distance (a sparse space scores by
        dot product); raises Qdrant's error for an unknown name."""
        return column_of(self.columns, using).distance

    def prepare_query(self, using: str, raw: Any, where: str = "query vector") -> Any:
        """Validate a query vector for space `using` and prepare it for scoring.

        Accepts, per kind of space (what `vector_at` returns is taken back as is):
        dense: a 1-D array (or list) of `size` numbers (cosine: normalised);
        multi: a 2-D array (or list of lists) of rows of `size` numbers, or a dense vector
        as a matrix of one row (cosine: rows normalised);
        sparse: a `SparseVector` (sorted by index here; the IDF modifier, when the space
        has it, is applied by `nearest` and `score`).
        A vector of another kind raises Qdrant's "Conversion between ..." error.
        A `DocumentInput` is embedded first (server-side inference).
        """
        column = column_of(self.columns, using)
        return column.query(self.embedded(using, raw, query=True), where)

    def embedded(self, using: str, value: Any, *, query: bool) -> Any:
        """`value`, or the vector of a `DocumentInput` embedded for space `using`."""
        if not isinstance(value, DocumentInput):
            return value
        if self._infer is None:
            raise Unsupported("server-side inference: Document inputs (no embedders here)")
        return self._infer(self.name, using, [value], query)[0]

    def slots_with_vector(self, using: str, filter: Any = None) -> np.ndarray:
        """Sorted slots of live points having a vector `using` (and matching `filter`)."""
        return self.reads.slots_with_vector(using, filter)

    def matching_slots(self, filter: Any = None, among: np.ndarray | None = None) -> np.ndarray:
        """Sorted slots of the live points matching `filter` (all of them without one);
        with `among`, only those slots are tested (a formula's few candidates)."""
        return self.reads.matching_slots(filter, among)

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
        """`Scoring.nearest`: the best `limit` (slots, scores), best first."""
        return self.scoring.nearest(
            using, query, limit, filter=filter, params=params, score_threshold=score_threshold
        )

    def nearest_batch(
        self,
        using: str,
        queries: Sequence[Any],
        limit: int,
        *,
        params: SearchParams | None = None,
        score_thresholds: Sequence[float | None] | None = None,
    ) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """`Scoring.nearest_batch`: plain dense queries in one hnswlib call, or None."""
        return self.scoring.nearest_batch(
            using, queries, limit, params=params, score_thresholds=score_thresholds
        )

    def score(self, using: str, query: Any, slots: np.ndarray) -> np.ndarray:
        """`Scoring.score`: exact scores of a prepared query against `slots`."""
        return self.scoring.score(using, query, slots)

    def score_many(self, using: str, queries: Sequence[Any], slots: np.ndarray) -> list[np.ndarray]:
        """`Scoring.score_many`: `score` of several queries against the same `slots`."""
        return self.scoring.score_many(using, queries, slots)

    def euclid_similarities(
        self, using: str, queries: Sequence[Any], slots: np.ndarray
    ) -> list[np.ndarray] | None:
        """`Scoring.euclid_similarities`: Qdrant's raw Euclid similarities, or None."""
        return self.scoring.euclid_similarities(using, queries, slots)

    def scored(
        self,
        slots: np.ndarray | Sequence[int],
        scores: np.ndarray | Sequence[float],
        with_payload: WithPayload,
        with_vectors: WithVectors,
        order_values: Sequence[Any] | None = None,
    ) -> list[ScoredPoint]:
        """`Reads.scored`: result points for slots with their scores (under the lock)."""
        return self.reads.scored(slots, scores, with_payload, with_vectors, order_values)

    # ------------------------------------------------------------------ indexing

    def index_step(self) -> bool:
        """Bring the indexes one batch closer to the data; True while work remains."""
        return self.graphs.step()

    def save_indexes(self) -> None:
        """Persist indexes that changed since they were last saved."""
        self.graphs.save()

    def drop_index(self, vname: str) -> None:
        """Forget a vector's index (its config changed); the indexer builds a new one."""
        self.graphs.drop(vname)
        self.changed()

    # ------------------------------------------------------------------ reports

    def status(self) -> CollectionStatus:
        return reports.status(self)

    def wait_indexed(self, timeout: float | None = None) -> bool:
        """Block until the collection is green; False when `timeout` passes first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.status() is not CollectionStatus.GREEN:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def info(self) -> CollectionInfo:
        return reports.info(self)

    def segment_info(self) -> seg.SegmentInfo:
        """The collection measured as Qdrant's one appendable segment (`info.segment_info`)."""
        return reports.segment_info(self)

    # ------------------------------------------------------------------ snapshots

    @contextmanager
    def snapshot_view(self) -> Iterator[tuple[CollectionConfig, int, Iterator[StoredPoint]]]:
        """One consistent state, under the read lock (writes wait until the block ends):
        the config, the next operation id, and every point as stored, in id order."""
        with self.lock.gen_rlock():
            if self.dropped:
                raise CollectionNotFound(self.name)
            tracker, columns, payloads = self.points, self.columns, self.payloads.payloads

            def points() -> Iterator[StoredPoint]:
                for key in tracker.ordered():
                    slot = tracker.slot_by_id[key_id(key)]
                    yield stored_point(
                        tracker, columns, slot, tracker.versions[slot], payloads[slot]
                    )

            yield self.config, self.writes.next_op, points()
