"""The `Collection` facade: builds the parts, owns the lock and the store."""

from __future__ import annotations

import bisect
import copy
import dataclasses
import datetime as dt
import heapq
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
from sortedcontainers import SortedList

from vectorizer import payload as payload_ops
from vectorizer import segment as seg
from vectorizer.collection.config_report import unimplemented_settings
from vectorizer.collection.vectors import distance as dist
from vectorizer.collection.vectors.columns import Column, make_columns
from vectorizer.collection.vectors.dense import DenseColumn
from vectorizer.collection.vectors.hnsw import BATCH, HnswIndex
from vectorizer.collection.vectors.multi import MultiColumn
from vectorizer.collection.vectors.sparse import SparseColumn
from vectorizer.collection.verify import StrictMode
from vectorizer.errors import BadRequest, CollectionNotFound, PointNotFound, Unsupported, located
from vectorizer.filters.ast import Filter, Range
from vectorizer.filters.evaluate import EvalContext, values_at
from vectorizer.filters.field_index import (
    PayloadIndex,
    TextIndex,
    datetime_micros,
    make_index,
    parse_index_spec,
)
from vectorizer.filters.planner import (
    FilterScope,
    expected_cardinality,
    filter_mask,
    indexed_slots,
)
from vectorizer.locks import RWLock
from vectorizer.models import (
    CollectionConfig,
    CollectionInfo,
    CollectionStatus,
    Direction,
    Distance,
    DocumentInput,
    HnswConfig,
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
    config_to_dict,
    missing_vector,
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

Inference = Callable[[str, str, list[DocumentInput], bool], list[Any]]
"""(collection, vector name, documents, as queries) -> their vectors: server-side inference."""


def _order_key(point_id: PointId) -> tuple[int, int]:
    """Qdrant's id order: integers first, then UUIDs, each ascending."""
    return (0, point_id) if isinstance(point_id, int) else (1, uuid.UUID(point_id).int)


def _key_id(key: tuple[int, int]) -> PointId:
    """The point id of an `_order_key`."""
    return key[1] if key[0] == 0 else str(uuid.UUID(int=key[1]))


def _check_filter(filter: Any) -> Filter | None:
    if filter is None or isinstance(filter, Filter):
        return filter
    raise BadRequest(f"Wrong input: filter must be a Filter, got {type(filter).__name__}")


ORDER_BY_WITH_OFFSET = (
    "Wrong input: Cannot use an `offset` when using `order_by`. The alternative for paging is "
    "to use `order_by.start_from` and a filter to exclude the IDs that you've already seen for "
    "the `order_by.start_from` value"
)
"""Qdrant's answer to a scroll with both `offset` and `order_by`."""

OVERSAMPLE_FROM = 0.05
"""Filters keeping at least this share of the graph try an oversampled plain search first."""

_SIMILARITY_CHUNK = 4096
"""Rows per step of `euclid_similarities` (bounds the differences held at once)."""

_SEQUENTIAL_BELOW = 16
"""Qdrant's `MIN_DIM_SIZE_SIMD`: below it Qdrant sums a vector's terms one by one, left
to right in float32; `euclid_similarities` sums them so then."""


@dataclass
class _Pending:
    """What a column's index lacks, cached per (collection write, index change)."""

    key: tuple[int, int]
    slots: np.ndarray  # rows whose current vector is not in the graph
    stale: int  # graph entries that no longer match their row
    exact: bool  # every graph entry is a current row: its hits need no check


def _graph_bytes(index: HnswIndex) -> int:
    """RAM of an HNSW graph as hnswlib allocates it (`segment.hnsw_ram_bytes`), with the
    upper levels expected for its element count (1/(M-1) a node), plus its versions."""
    graph = index.index
    m = graph.M
    upper = graph.element_count / (m - 1) if m > 1 else 0.0
    return (
        seg.hnsw_ram_bytes(graph.get_max_elements(), index.dim, m, upper)
        + index.indexed_version.nbytes
    )


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
        self._store = store
        self._pm = pm
        self._notify = notify_indexer or (lambda _c: None)
        self._check_writable = check_writable or (lambda: None)
        self._infer = infer
        self._lock = RWLock()
        self._next_op = next_operation_id
        self._write_gen = 0
        self.dropped = False
        self.columns: dict[str, Column] = make_columns(config)
        self.indexes: dict[str, HnswIndex | None] = dict.fromkeys(self._dense_columns())
        self._pending: dict[str, _Pending] = {}
        self._index_saved: dict[str, int] = {}  # index.changes at the last save
        self._slot_of: dict[PointId, int] = {}
        self._ids: list[PointId | None] = []
        self._payloads: list[Payload | None] = []
        self._versions: list[int] = []
        self._free: list[int] = []
        self._live = np.zeros(0, dtype=bool)
        self._order: SortedList = SortedList()
        self.payload_indexes: dict[str, PayloadIndex] = {
            name: make_index(parse_index_spec(name, spec))
            for name, spec in config.payload_indexes.items()
        }
        self._index_mutex = threading.Lock()  # one indexer step at a time
        self.searches = seg.SearchStats()
        """Durations of the searches per vector name and path taken (Qdrant's categories)."""

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

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Fill memory from the store, then reattach saved indexes that still fit."""
        points = list(self._store.load_points(self.name))
        high = max((p.slot for p in points), default=-1) + 1
        self._grow(high)
        self._place_many(points)
        used = set(self._slot_of.values())
        self._free = [s for s in range(high) if s not in used]
        heapq.heapify(self._free)
        folder = self._store.index_dir(self.name)
        if folder is not None:
            for vname, column in self._dense_columns().items():
                if dist.hnsw_space(column.distance) is None:
                    continue
                index = HnswIndex.load(
                    folder,
                    vname,
                    column.dim,
                    column.distance,
                    self.config.hnsw_for(vname),
                    normalise=column.raw_cosine,
                )
                self.indexes[vname] = index
                if index is not None:
                    self._index_saved[vname] = index.changes
        self._notify(self)

    def _grow(self, slots: int) -> None:
        missing = slots - len(self._ids)
        if missing > 0:
            self._ids.extend([None] * missing)
            self._payloads.extend([None] * missing)
            self._versions.extend([-1] * missing)
            self._live = np.concatenate([self._live, np.zeros(missing, dtype=bool)])
        for column in self.columns.values():
            column.ensure_capacity(slots)

    def _place(self, point: StoredPoint) -> None:
        """Put a stored point into memory at its slot."""
        self._place_record(point)
        for vname, column in self.columns.items():
            if vname in point.vectors:
                version, raw = point.vectors[vname]
                column.set(point.slot, column.decode(raw), version)
            else:
                column.clear(point.slot)

    def _place_many(
        self, points: list[StoredPoint], values: list[dict[str, Any]] | None = None
    ) -> None:
        """`_place` for many points, the dense vectors a column at a time (one by one when
        two points share a slot: the later one takes it). `values`: each point's vectors
        as prepared for their columns, placed as they are (no decoding of the bytes)."""
        if len({p.slot for p in points}) != len(points):
            for point in points:
                self._place(point)
            return
        for point in points:
            self._place_record(point)
        for vname, column in self.columns.items():
            given = [i for i, p in enumerate(points) if vname in p.vectors]
            slots = [points[i].slot for i in given]
            versions = [points[i].vectors[vname][0] for i in given]
            if values is not None:
                prepared = [values[i][vname] for i in given]
            if isinstance(column, DenseColumn) and given:
                if values is None:
                    column.set_raw(slots, [points[i].vectors[vname][1] for i in given], versions)
                else:
                    column.set_rows(slots, np.stack(prepared), versions)
            else:
                for j, i in enumerate(given):
                    raw = points[i].vectors[vname][1]
                    value = column.decode(raw) if values is None else prepared[j]
                    column.set(slots[j], value, versions[j])
            for point in points:
                if vname not in point.vectors:
                    column.clear(point.slot)

    def _place_record(self, point: StoredPoint) -> None:
        """`_place` but for the vectors: id, payload, version, payload indexes."""
        slot = point.slot
        old = self._ids[slot]
        if old is not None and old != point.id:
            self._slot_of.pop(old, None)
            self._order.discard(_order_key(old))
        if point.id not in self._slot_of:
            self._order.add(_order_key(point.id))
        self._slot_of[point.id] = slot
        self._ids[slot] = point.id
        self._payloads[slot] = point.payload
        self._versions[slot] = point.version
        self._live[slot] = True
        for field, index in self.payload_indexes.items():
            index.remove(slot)
            index.add(slot, values_at(point.payload or {}, field))

    def _unplace(self, point_id: PointId) -> None:
        slot = self._slot_of.pop(point_id)
        self._order.discard(_order_key(point_id))
        self._ids[slot] = None
        self._payloads[slot] = None
        self._versions[slot] = -1
        self._live[slot] = False
        for index in self.payload_indexes.values():
            index.remove(slot)
        for column in self.columns.values():
            column.clear(slot)
        heapq.heappush(self._free, slot)

    # ------------------------------------------------------------------ writing

    def _stored(self, slot: int, version: int, payload: Payload | None) -> StoredPoint:
        """The stored form of the point in `slot` with a new version and payload."""
        point_id = self._ids[slot]
        assert point_id is not None
        vectors = {
            vname: (int(column.version[slot]), column.encode(slot))
            for vname, column in self.columns.items()
            if column.has(slot)
        }
        return StoredPoint(point_id, slot, version, vectors, payload)

    def _commit(
        self,
        operation: Operation,
        upserts: list[StoredPoint],
        deletes: list[PointId],
        values: list[dict[str, Any]] | None = None,
    ) -> UpdateResult:
        """Make a validated change durable, then apply it in memory (caller holds the lock).
        `values`: the upserts' vectors as prepared for their columns (else decoded from the
        stored bytes)."""
        if self.dropped:
            raise CollectionNotFound(self.name)
        op = self._next_op
        self._store.write_points(self.name, op + 1, upserts, deletes)
        self._next_op = op + 1
        for point_id in deletes:
            if point_id in self._slot_of:
                self._unplace(point_id)
        if upserts:
            self._grow(max(p.slot for p in upserts) + 1)
        self._place_many(upserts, values)
        self._write_gen += 1
        self._notify(self)
        if self._pm is not None:
            ids = [p.id for p in upserts] + deletes
            self._pm.hook.points_changed(collection=self, operation=operation, ids=ids)
        return UpdateResult(operation_id=op)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        self._check_writable()
        with self._lock.gen_wlock():
            yield

    def _allocate(self, count: int) -> list[int]:
        """Slots for `count` new points (reused lowest-first), not yet claimed."""
        reuse = heapq.nsmallest(count, self._free)
        top = len(self._ids)
        return reuse + list(range(top, top + count - len(reuse)))

    def _claim(self, slots: Iterable[int]) -> None:
        taken = set(slots)
        if taken:
            self._free = [s for s in self._free if s not in taken]
            heapq.heapify(self._free)

    def _prepare_vectors(self, vectors: dict[str, Any], where: str) -> dict[str, Any]:
        """A point's vectors (each optional: a point may carry none) in their columns'
        prepared form."""
        out = {}
        for vname, values in vectors.items():
            column = self._column(vname)
            values = self._embedded(vname, values, query=False)
            out[vname] = column.prepare(values, where)
        return out

    def _prepare_batch(
        self, points: Sequence[PointStruct | PointVectors]
    ) -> list[dict[str, Any]] | None:
        """`_prepare_vectors` of every point, a column at a time, when every point gives
        the same dense vectors as arrays that all fit; None otherwise (then point by point,
        whose errors name the point)."""
        if not points:
            return None
        names = points[0].vectors.keys()
        if not names:
            return None
        if any(p.vectors.keys() != names for p in points):
            return None
        rows: dict[str, np.ndarray] = {}
        for vname in names:
            column = self.columns.get(vname)
            if not isinstance(column, DenseColumn):
                return None
            prepared = column.prepare_rows([p.vectors[vname] for p in points])
            if prepared is None:
                return None
            rows[vname] = prepared
        return [{vname: matrix[i] for vname, matrix in rows.items()} for i in range(len(points))]

    def _prepare_points(self, points: Sequence[PointStruct | PointVectors]) -> list[dict[str, Any]]:
        """Every point's vectors prepared (errors name the point that fails)."""
        batch = self._prepare_batch(points)
        if batch is not None:
            return batch
        return [
            self._prepare_vectors(p.vectors, f"points[{i}] (id {normalize_point_id(p.id)})")
            for i, p in enumerate(points)
        ]

    def _packed(self, prepared: dict[str, Any], op: int) -> dict[str, tuple[int, bytes]]:
        """The stored form of prepared vectors written by operation `op`."""
        return {vname: (op, self.columns[vname].pack(v)) for vname, v in prepared.items()}

    # ------------------------------------------------------------ writing: operations

    def apply(self, operation: Operation) -> UpdateResult:
        """Check a write (strict mode, then its shape) and apply it: durable before any
        reader sees it; a write that fails leaves the collection as it was."""
        self._verify(operation)
        return self._write(operation)

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
            self._prepare_points(operation.points)
        elif isinstance(operation, DeleteVectors):
            for vname in operation.names:
                self._column(vname)
        elif isinstance(operation, SetPayload) and operation.key is not None:
            payload_ops.parse_path(operation.key)
        elif isinstance(operation, DeletePayload):
            for key in operation.keys:
                payload_ops.parse_path(key)

    def _verify(self, operation: Operation) -> None:
        """Strict mode's checks and write tokens for an operation, then its shape checks
        that come before any point is looked at."""
        strict = self.strict
        match operation:
            case Upsert(points=points):
                strict.check_upsert(self, len(points))
                strict.check_vector_limits([p.vectors for p in points])
            case UpdateVectors(points=points):
                strict.check_update_vectors(self, len(points))
                strict.check_vector_limits([p.vectors for p in points])
            case SetPayload() | OverwritePayload():
                strict.check_set_payload(self, operation.filter)
            case DeletePoints() | DeletePayload() | ClearPayload() | DeleteVectors():
                strict.check_filtered_write(self, operation.filter)
            case CreateFieldIndex(field=field):
                strict.check_create_index(self, field)
            case DeleteFieldIndex():
                strict.charge_write(1)
        if not isinstance(operation, Upsert | UpdateVectors):
            self.check(operation)

    def _write(self, operation: Operation) -> UpdateResult:
        """Apply a verified operation."""
        match operation:
            case Upsert():
                return self._upsert(operation)
            case DeletePoints():
                return self._delete(operation)
            case SetPayload(payload=payload, key=key):

                def merge(current: Payload) -> Payload:
                    payload_ops.set_at(current, key, payload)
                    return current

                return self._rewrite_payloads(operation, merge)
            case OverwritePayload(payload=payload):
                return self._rewrite_payloads(operation, lambda _old: copy.deepcopy(payload))
            case DeletePayload(keys=keys):

                def remove(current: Payload) -> Payload:
                    payload_ops.delete_keys(current, list(keys))
                    return current

                return self._rewrite_payloads(operation, remove)
            case ClearPayload():
                return self._rewrite_payloads(operation, lambda _old: {})
            case UpdateVectors():
                return self._update_vectors(operation)
            case DeleteVectors():
                return self._delete_vectors(operation)
            case CreateFieldIndex():
                return self._create_field_index(operation)
            case DeleteFieldIndex():
                return self._delete_field_index(operation)
        raise TypeError(f"not a write operation: {operation!r}")

    # shorthands for `apply` (the core's own callers and embedded use)

    def upsert(self, points: Sequence[PointStruct]) -> UpdateResult:
        """`apply(Upsert(points))`."""
        return self.apply(Upsert(tuple(points)))

    def delete(
        self, ids: Sequence[PointId] | None = None, filter: Filter | None = None
    ) -> UpdateResult:
        """`apply(DeletePoints(ids, filter))`."""
        return self.apply(DeletePoints(ids_of(ids), _check_filter(filter)))

    def set_payload(
        self,
        payload: Payload,
        ids: Sequence[PointId] | None = None,
        filter: Filter | None = None,
        key: str | None = None,
    ) -> UpdateResult:
        """`apply(SetPayload(...))`."""
        return self.apply(SetPayload(payload, ids_of(ids), _check_filter(filter), key))

    def overwrite_payload(
        self, payload: Payload, ids: Sequence[PointId] | None = None, filter: Filter | None = None
    ) -> UpdateResult:
        """`apply(OverwritePayload(...))`."""
        return self.apply(OverwritePayload(payload, ids_of(ids), _check_filter(filter)))

    def delete_payload(
        self,
        keys: Sequence[str],
        ids: Sequence[PointId] | None = None,
        filter: Filter | None = None,
    ) -> UpdateResult:
        """`apply(DeletePayload(...))`."""
        return self.apply(DeletePayload(tuple(keys), ids_of(ids), _check_filter(filter)))

    def clear_payload(
        self, ids: Sequence[PointId] | None = None, filter: Filter | None = None
    ) -> UpdateResult:
        """`apply(ClearPayload(...))`."""
        return self.apply(ClearPayload(ids_of(ids), _check_filter(filter)))

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
        return self.apply(DeleteVectors(tuple(names), ids_of(ids), _check_filter(filter)))

    def create_field_index(self, field: str, schema: Any) -> UpdateResult:
        """`apply(CreateFieldIndex(field, schema))`."""
        return self.apply(CreateFieldIndex(field, schema))

    def delete_field_index(self, field: str) -> UpdateResult:
        """`apply(DeleteFieldIndex(field))`."""
        return self.apply(DeleteFieldIndex(field))

    # ------------------------------------------------------------ writing: each operation

    def _upsert(self, operation: Upsert) -> UpdateResult:
        points = operation.points
        with self._writing():
            op = self._next_op
            prepared = self._prepare_points(points)
            by_id: dict[PointId, tuple[dict[str, Any], Payload | None]] = {}
            for i, point in enumerate(points):
                point_id = normalize_point_id(point.id)
                if point.payload is not None and not isinstance(point.payload, dict):
                    where = f"points[{i}] (id {point_id})"
                    raise BadRequest(f"Wrong input: {where}: payload must be a JSON object")
                by_id[point_id] = (prepared[i], payload_ops.copy_value(point.payload))
            new_ids = [pid for pid in by_id if pid not in self._slot_of]
            new_slots = dict(zip(new_ids, self._allocate(len(new_ids)), strict=True))
            upserts = [
                StoredPoint(
                    pid,
                    self._slot_of.get(pid, new_slots.get(pid, -1)),
                    op,
                    self._packed(vecs, op),
                    pay,
                )
                for pid, (vecs, pay) in by_id.items()
            ]
            values = [vecs for vecs, _ in by_id.values()]
            result = self._commit(operation, upserts, [], values)
            self._claim(new_slots.values())
            return result

    def copy_points_from(self, source: Collection, batch: int = 1000) -> None:
        """Upsert every point of `source` (its vectors and payload) in id order, `batch` at a
        time, as Qdrant's `init_from` does; a point whose vectors were deleted stays so."""
        for points in source.points_in_order(batch):
            self._write(Upsert(tuple(points)))

    def points_in_order(self, batch: int = 1000) -> Iterator[list[PointStruct]]:
        """Every point (vectors and payload) in id order, `batch` at a time, each batch
        read under the read lock (writes may land between batches)."""
        after: tuple[int, int] | None = None
        while True:
            with self._lock.gen_rlock():
                keys = self._order.irange(minimum=after, inclusive=(False, True))
                points = []
                for key in itertools.islice(keys, batch):
                    slot = self._slot_of[_key_id(key)]
                    vectors = {n: c.get(slot) for n, c in self.columns.items() if c.has(slot)}
                    points.append(PointStruct(_key_id(key), vectors, self._payloads[slot]))
                    after = key
            if not points:
                return
            yield points

    def _existing_slots(self, ids: Iterable[PointId]) -> list[int]:
        slots = []
        for raw in ids:
            point_id = normalize_point_id(raw)
            if point_id not in self._slot_of:
                raise PointNotFound(point_id)
            slots.append(self._slot_of[point_id])
        return list(dict.fromkeys(slots))

    def _selected_slots(self, ids: Iterable[PointId] | None, filter: Filter | None) -> list[int]:
        """Slots chosen by ids (each must exist) or by a filter (call under the lock)."""
        flt = _check_filter(filter)
        if flt is not None:
            return self._matching(flt).tolist()
        return self._existing_slots(ids or [])

    def _charge_write(self, touched: int, filter: Filter | None) -> None:
        """Strict mode's write tokens for a write of `touched` points chosen by id, or by a
        filter: then, as Qdrant, the filter's expected cardinality (call under the lock)."""
        if not self.strict.charges_writes:
            return
        flt = _check_filter(filter)
        self.strict.charge_write(
            touched if flt is None else expected_cardinality(flt, self._scope())
        )

    def _rewrite_payloads(
        self,
        operation: SetPayload | OverwritePayload | DeletePayload | ClearPayload,
        change: Callable[[Payload], Payload],
    ) -> UpdateResult:
        with self._writing():
            op = self._next_op
            upserts = []
            slots = self._selected_slots(operation.ids, operation.filter)
            self._charge_write(len(slots), operation.filter)
            for slot in slots:
                new = change(copy.deepcopy(self._payloads[slot] or {}))
                upserts.append(self._stored(slot, op, new))
            return self._commit(operation, upserts, [])

    def _update_vectors(self, operation: UpdateVectors) -> UpdateResult:
        with self._writing():
            op = self._next_op
            upserts: dict[int, StoredPoint] = {}  # by slot: a point listed twice gets both
            for i, point in enumerate(operation.points):
                (slot,) = self._existing_slots([point.id])
                stored = upserts.get(slot)
                if stored is None:
                    stored = upserts[slot] = self._stored(slot, op, self._payloads[slot])
                where = f"points[{i}] (id {stored.id})"
                stored.vectors.update(self._packed(self._prepare_vectors(point.vectors, where), op))
            return self._commit(operation, list(upserts.values()), [])

    def _delete_vectors(self, operation: DeleteVectors) -> UpdateResult:
        with self._writing():
            op = self._next_op
            upserts = []
            slots = self._selected_slots(operation.ids, operation.filter)
            self._charge_write(len(slots), operation.filter)
            for slot in slots:
                stored = self._stored(slot, op, self._payloads[slot])
                for vname in operation.names:
                    stored.vectors.pop(vname, None)
                upserts.append(stored)
            return self._commit(operation, upserts, [])

    def _delete(self, operation: DeletePoints) -> UpdateResult:
        flt = _check_filter(operation.filter)
        wanted = list(dict.fromkeys(normalize_point_id(i) for i in operation.ids or ()))
        with self._writing():
            if flt is not None:
                slots = self._matching(flt).tolist()
                wanted = [self._ids[s] for s in slots]
            gone = [i for i in wanted if i in self._slot_of]
            self._charge_write(len(gone), flt)
            return self._commit(operation, [], gone)

    # ------------------------------------------------------------------ reading

    def _record(self, slot: int, with_payload: WithPayload, with_vectors: WithVectors) -> Record:
        point_id = self._ids[slot]
        assert point_id is not None
        return Record(
            id=point_id,
            payload=payload_ops.select(self._payloads[slot], with_payload),
            vectors=self._vectors_of(slot, with_vectors),
        )

    def _vectors_of(self, slot: int, spec: WithVectors) -> dict[str, np.ndarray] | None:
        if not spec.enabled:
            return None
        names = spec.names if spec.names is not None else list(self.columns)
        columns = [self._column(vname) for vname in names]
        return {c.name: c.get(slot) for c in columns if c.has(slot)}

    def retrieve(
        self,
        ids: list[PointId],
        with_payload: WithPayload | None = None,
        with_vectors: WithVectors | None = None,
    ) -> list[Record]:
        """The points with these ids that exist, in the order asked."""
        self.strict.check_retrieve(len(ids))
        return self.records(ids, with_payload, with_vectors)

    def records(
        self,
        ids: list[PointId],
        with_payload: WithPayload | None = None,
        with_vectors: WithVectors | None = None,
    ) -> list[Record]:
        """`retrieve` without strict mode: part of a request checked already."""
        wanted = list(dict.fromkeys(normalize_point_id(i) for i in ids))
        with_payload = with_payload or WithPayload(enabled=True)
        with_vectors = with_vectors or WithVectors()
        with self._lock.gen_rlock():
            return [
                self._record(self._slot_of[i], with_payload, with_vectors)
                for i in wanted
                if i in self._slot_of
            ]

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
        with `order_by`, in payload value order instead (see `_scroll_ordered`)."""
        self.strict.check_scroll(self, limit, filter)
        return self.scan(offset, limit, with_payload, with_vectors, filter, order_by)

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
        flt = _check_filter(filter)
        if limit < 1:
            raise BadRequest("Wrong input: limit must be at least 1")
        with_payload = with_payload or WithPayload(enabled=True)
        with_vectors = with_vectors or WithVectors()
        if order_by is not None:
            return self._scroll_ordered(order_by, offset, limit, with_payload, with_vectors, flt)
        with self._lock.gen_rlock():
            start_key = None if offset is None else _order_key(normalize_point_id(offset))
            if flt is None:
                start = 0 if start_key is None else self._order.bisect_left(start_key)
                keys = list(self._order.islice(start, start + limit + 1))
            else:
                keys = self._filtered_keys(flt, start_key, limit + 1)
            ids = [_key_id(k) for k in keys]
            page = [self._record(self._slot_of[i], with_payload, with_vectors) for i in ids[:limit]]
            return ScrollResult(
                points=page, next_page_offset=ids[limit] if len(ids) > limit else None
            )

    def _filtered_keys(
        self, flt: Filter, start_key: tuple[int, int] | None, limit: int
    ) -> list[tuple[int, int]]:
        """Order keys of the first `limit` matching points from `start_key` on."""
        slots = self._matching(flt).tolist()
        keys = sorted(_order_key(self._ids[s]) for s in slots)
        if start_key is not None:
            keys = keys[bisect.bisect_left(keys, start_key) :]
        return keys[:limit]

    def _scroll_ordered(
        self,
        order_by: OrderBy,
        offset: PointId | None,
        limit: int,
        with_payload: WithPayload,
        with_vectors: WithVectors,
        flt: Filter | None,
    ) -> ScrollResult:
        """Qdrant's scroll `order_by`: one record per (value, point) of the key's range
        index, ordered by (value, id), descending both for `DESC`, from `start_from`
        (inclusive); `order_value` holds the value. No next page offset: a client pages
        with `start_from` and a filter, as Qdrant has it."""
        if offset is not None:
            raise BadRequest(ORDER_BY_WITH_OFFSET)
        payload_ops.parse_path(order_by.key)
        start = order_by.start_from
        if isinstance(start, dt.datetime):
            start = datetime_micros(start)
        desc = order_by.direction is Direction.DESC
        bounds = Range(order_by.key, lte=start) if desc else Range(order_by.key, gte=start)
        with self._lock.gen_rlock():
            index = self.payload_indexes.get(order_by.key)
            entries = index.order_entries(bounds) if index is not None else None
            if entries is None:
                raise BadRequest(
                    f"Wrong input: No range index for `order_by` key: `{order_by.key}`. "
                    "Please create one to use `order_by`. Check https://qdrant.tech/"
                    "documentation/concepts/indexing/#payload-index to see which payload "
                    "schemas support Range conditions"
                )
            values, slots = entries.values, entries.slots
            if flt is not None:
                allowed = np.zeros(len(self._ids), dtype=bool)
                allowed[self._matching(flt)] = True
                keep = allowed[slots]
                values, slots = values[keep], slots[keep]
            page = []
            for value, slot in self._first_ordered(values, slots, limit, desc):
                record = self._record(slot, with_payload, with_vectors)
                record.order_value = value
                page.append(record)
            return ScrollResult(points=page, next_page_offset=None)

    def _first_ordered(
        self, values: np.ndarray, slots: np.ndarray, limit: int, desc: bool
    ) -> list[tuple[int | float, int]]:
        """The first `limit` (value, slot) pairs by (value, point id order), reversed for
        `desc`: a partition keeps the values up to the limit-th, ties included, and only
        those are sorted with their ids."""
        if len(values) > limit:
            kth = len(values) - limit if desc else limit - 1
            cut = np.partition(values, kth)[kth]
            keep = values >= cut if desc else values <= cut
            values, slots = values[keep], slots[keep]
        pairs = list(zip(values.tolist(), slots.tolist(), strict=True))
        ids = self._ids
        pairs.sort(key=lambda p: (p[0], _order_key(ids[p[1]])), reverse=desc)
        return pairs[:limit]

    def count(self, filter: Any = None, exact: bool = True) -> int:
        """How many points match the filter (all points without one); always exact."""
        self.strict.check_count(self, filter)
        flt = _check_filter(filter)
        with self._lock.gen_rlock():
            if flt is None:
                return len(self._slot_of)
            return len(self._matching(flt))

    # ------------------------------------------------------------------ filtering

    def _matching(self, flt: Filter) -> np.ndarray:
        """Sorted slots of the points matching the filter (call under the lock): straight
        from the indexes when they answer every condition, else through a mask."""
        scope = self._scope()
        slots = indexed_slots(flt, scope)
        return np.flatnonzero(filter_mask(flt, scope)) if slots is None else slots

    def _scope(self) -> FilterScope:
        """The view filters evaluate against (call under the lock)."""
        n = len(self._ids)

        def vector_present(name: str) -> np.ndarray:
            return self._column(name).version[:n] >= 0

        def tokenizer(key: str) -> Callable[[str], list[str]] | None:
            index = self.payload_indexes.get(key)
            return index.tokenize_doc if isinstance(index, TextIndex) else None

        return FilterScope(
            live=self._live[:n],
            ids=self._ids,
            payloads=self._payloads,
            slot_of=self._slot_of,
            vector_present=vector_present,
            indexes=self.payload_indexes,
            ctx=EvalContext(tokenizer=tokenizer),
        )

    # ---------------------------------------------------- scoring (the query engine's calls)
    #
    # The building blocks the query engine (`vectorizer.query`) composes: call the ones
    # taking slots inside `with collection.reading():` so they see one state.

    def reading(self) -> AbstractContextManager[None]:
        """Hold the read lock: one consistent state for several calls (not reentrant)."""
        return self._lock.gen_rlock()

    @property
    def plugins(self) -> pluggy.PluginManager | None:
        """The plugin manager whose hooks run for this collection (None: no plugins)."""
        return self._pm

    def distance(self, using: str) -> Distance:
        """How scores of vector space `using` order: its distance (a sparse space scores by
        dot product); raises Qdrant's error for an unknown name."""
        return self._column(using).distance

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
        column = self._column(using)
        return column.query(self._embedded(using, raw, query=True), where)

    def _embedded(self, using: str, value: Any, *, query: bool) -> Any:
        """`value`, or the vector of a `DocumentInput` embedded for space `using`."""
        if not isinstance(value, DocumentInput):
            return value
        if self._infer is None:
            raise Unsupported("server-side inference: Document inputs (no embedders here)")
        return self._infer(self.name, using, [value], query)[0]

    def slots_with_vector(self, using: str, filter: Any = None) -> np.ndarray:
        """Sorted slots of live points having a vector `using` (and matching `filter`)."""
        flt = _check_filter(filter)
        column = self._column(using)
        if flt is not None:
            return self._matching_slots(flt, column)
        return np.flatnonzero(column.version[: len(self._ids)] >= 0)

    def matching_slots(self, filter: Any = None, among: np.ndarray | None = None) -> np.ndarray:
        """Sorted slots of the live points matching `filter` (all of them without one);
        with `among`, only those slots are tested (a formula's few candidates)."""
        flt = _check_filter(filter)
        if among is not None:
            if flt is None:
                return np.unique(among[self._live[among]])
            return np.flatnonzero(filter_mask(flt, self._scope(), among))
        if flt is None:
            return np.flatnonzero(self._live[: len(self._ids)])
        return self._matching(flt)

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
        flt = _check_filter(filter)
        params = params or SearchParams()
        column = self._column(using)
        allowed = None if flt is None else self._matching_slots(flt, column)
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
            if graph is None or self._small(allowed, column):
                slots, scores = self._exact(column, query, limit, allowed)
                if self.indexes.get(using) is None:
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
        best = self._best(column, slots, scores, limit, score_threshold)
        self.searches.record(using, category, time.perf_counter() - started)
        return best

    def _graph(self, using: str, params: SearchParams | None) -> tuple[HnswIndex, int] | None:
        """The HNSW index of dense space `using` and the beam to search it with (default:
        the graph's `ef_construct`, the config's, as the index is rebuilt when that
        changes), or None when there is no index or the search is asked to be exact."""
        params = params or SearchParams()
        index = self.indexes.get(using)
        if index is None or params.exact:
            return None
        return index, params.hnsw_ef or index.config.ef_construct

    @staticmethod
    def _best(
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
        best = dist.top_k(column.distance, scores, limit)
        return slots[best], scores[best]

    def score(self, using: str, query: Any, slots: np.ndarray) -> np.ndarray:
        """Exact scores of a prepared query against the vectors `using` of `slots` (each
        must have one: see `slots_with_vector`); a sparse vector sharing no index with the
        query scores 0."""
        column = self._column(using)
        if isinstance(column, SparseColumn | MultiColumn):
            return column.score(query, slots)
        assert isinstance(column, DenseColumn)
        return dist.scores(column.distance, query, column.data[slots], column.sqnorms[slots])

    def score_many(self, using: str, queries: Sequence[Any], slots: np.ndarray) -> list[np.ndarray]:
        """`score` of several prepared queries against the same `slots`. A dense space
        copies the candidates' rows once; when they are most of the rows, it copies none:
        it scores the rows in place up to the last candidate and picks the candidates'."""
        column = self._column(using)
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
        column = self._column(using)
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

    def slot_of(self, point_id: PointId) -> int | None:
        """The slot of a live point, None when there is no such point."""
        return self._slot_of.get(normalize_point_id(point_id))

    def point_id_at(self, slot: int) -> PointId:
        point_id = self._ids[slot]
        assert point_id is not None
        return point_id

    def payload_at(self, slot: int) -> Payload:
        return self._payloads[slot] or {}

    def vector_at(self, slot: int, using: str) -> Any:
        """The stored vector `using` of a slot, as a query of that space takes it (None
        when the point has none): a 1-D array (dense), a 2-D array (multi), a
        `SparseVector` (sparse)."""
        column = self._column(using)
        return column.get(slot) if column.has(slot) else None

    def scored(
        self,
        slots: np.ndarray | Sequence[int],
        scores: np.ndarray | Sequence[float],
        with_payload: WithPayload,
        with_vectors: WithVectors,
        order_values: Sequence[Any] | None = None,
    ) -> list[ScoredPoint]:
        """Result points for slots with their scores, in the order given (call under the
        lock). One loop with everything it reads bound first: every search ends here."""
        slots = np.asarray(slots, dtype=np.int64).tolist()
        scores = np.asarray(scores, dtype=np.float64).tolist()
        orders = [None] * len(slots) if order_values is None else order_values
        ids, versions, payloads = self._ids, self._versions, self._payloads
        select, pick_payload = payload_ops.select, with_payload.enabled
        vectors_of, pick_vectors = self._vectors_of, with_vectors.enabled
        results = []
        for slot, score, order in zip(slots, scores, orders, strict=True):
            point_id = ids[slot]
            assert point_id is not None
            results.append(
                ScoredPoint(  # positional (id, version, score, payload, vectors, order_value)
                    point_id,
                    versions[slot],
                    score,
                    select(payloads[slot], with_payload) if pick_payload else None,
                    vectors_of(slot, with_vectors) if pick_vectors else None,
                    order,
                )
            )
        return results

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
        call (call under the lock), or None when they cannot go together: no graph (or an
        exact search asked), or a graph that does not hold every row as it is."""
        graph = self._graph(using, params)
        if graph is None or not queries:
            return None
        index, ef = graph
        column = self.columns[using]
        assert isinstance(column, DenseColumn)
        started = time.perf_counter()
        with index.reading(ef):
            pending = self._pending_rows(column, index)
            if not pending.exact or len(pending.slots):
                return None
            found = index.knn_batch(np.stack(queries), limit)
        if found is None:
            return None
        thresholds = score_thresholds or [None] * len(queries)
        out = []
        for (slots, scores), threshold in zip(found, thresholds, strict=True):
            if threshold is not None:  # hnswlib answers best first already
                slots, scores = self._best(column, slots, scores, limit, threshold)
            out.append((slots, scores))
        # one hnswlib call answered them all: each is counted with its share of it
        share = (time.perf_counter() - started) / len(queries)
        for _ in queries:
            self.searches.record(using, seg.UNFILTERED_HNSW, share)
        return out

    def _column(self, name: str) -> Column:
        """The column of vector `name` (Qdrant's error for a name the collection lacks)."""
        column = self.columns.get(name)
        if column is None:
            raise missing_vector(name)
        return column

    def _dense_columns(self) -> dict[str, DenseColumn]:
        """The dense columns (the ones an HNSW graph can index)."""
        return {n: c for n, c in self.columns.items() if isinstance(c, DenseColumn)}

    def _exact_multi(
        self, column: MultiColumn, query: np.ndarray, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """MaxSim of every matrix (only the `allowed` slots when a filter is given)."""
        if allowed is not None and len(allowed) * 2 < column.count:
            return allowed, column.score(query, allowed)
        slots, scores = column.score_all(query)
        if allowed is not None:
            keep = np.isin(slots, allowed, assume_unique=True)
            slots, scores = slots[keep], scores[keep]
        return slots, scores

    def _matching_slots(self, flt: Filter, column: Column) -> np.ndarray:
        """Sorted slots matching the filter that have a vector in `column`."""
        slots = self._matching(flt)
        return slots[column.version[slots] >= 0]

    def _small(self, allowed: np.ndarray | None, column: DenseColumn) -> bool:
        """Whether a filter leaves few enough points to score them all (Qdrant's planner:
        at most `full_scan_threshold` KB of vectors)."""
        if allowed is None:
            return False
        threshold_kb = self.config.hnsw_for(column.name).full_scan_threshold
        return len(allowed) * column.dim * 4 <= threshold_kb * 1024

    def _exact(
        self, column: DenseColumn, query: np.ndarray, want: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Score every row with a vector (only the `allowed` slots when a filter is given)."""
        n = len(self._ids)
        if allowed is not None and len(allowed) < n // 4:
            slots = allowed
            rows = column.data[slots]
            scores = dist.scores(column.distance, query, rows, column.sqnorms[slots])
        else:
            scores = dist.scores(column.distance, query, column.data[:n], column.sqnorms[:n])
            slots = allowed if allowed is not None else np.flatnonzero(column.version[:n] >= 0)
            scores = scores[slots]
        best = dist.top_k(column.distance, scores, want)
        return slots[best], scores[best]

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
            pending = self._pending_rows(column, index)
            if allowed is None and pending.exact:
                labels, hnsw_scores = index.knn(query, want)
            elif allowed is None:
                labels, hnsw_scores = index.knn(query, want + pending.stale)
                labels_ok = labels < len(self._ids)
                labels, hnsw_scores = labels[labels_ok], hnsw_scores[labels_ok]
                fresh = column.version[labels] == index.indexed_version[labels]
                labels, hnsw_scores = labels[fresh], hnsw_scores[fresh]
            else:
                current = not pending.stale and not len(pending.slots)
                labels, hnsw_scores = self._knn_allowed(
                    column, index, query, want, allowed, current
                )
        rows = pending.slots
        if allowed is not None and len(rows):
            rows = np.intersect1d(rows, allowed, assume_unique=True)
        if len(rows) == 0:
            return labels, hnsw_scores
        extra = dist.scores(column.distance, query, column.data[rows], column.sqnorms[rows])
        return np.concatenate([labels, rows]), np.concatenate([hnsw_scores, extra])

    @staticmethod
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

    def _pending_rows(self, column: DenseColumn, index: HnswIndex) -> _Pending:
        """Rows whose vector the graph lacks, and how many graph entries are stale."""
        key = (self._write_gen, index.changes)
        cached = self._pending.get(column.name)
        if cached is not None and cached.key == key:
            return cached
        current, indexed = self._versions_against(column, index)
        differs = current != indexed
        stale = int((differs & (indexed >= 0)).sum())
        beyond = bool((index.indexed_version[len(current) :] >= 0).any())
        pending = _Pending(
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
        n = len(self._ids)
        indexed = np.full(n, -1, np.int64)
        held = min(n, len(index.indexed_version))
        indexed[:held] = index.indexed_version[:held]
        return column.version[:n], indexed

    # ------------------------------------------------------------------ indexing

    def _should_index(self, column: Column) -> bool:
        if not isinstance(column, DenseColumn) or dist.hnsw_space(column.distance) is None:
            return False
        if self.indexes.get(column.name) is not None:
            return True
        threshold = self.config.optimizer_config.indexing_threshold
        threshold = 20000 if threshold is None else threshold
        return threshold > 0 and column.size_kb() >= threshold

    def index_step(self) -> bool:
        """Bring the indexes one batch closer to the data; True while work remains."""
        more = False
        with self._index_mutex:
            for vname, column in self._dense_columns().items():
                if self.dropped or not self._should_index(column):
                    continue
                with self._lock.gen_rlock():
                    index = self.indexes.get(vname)
                    if index is None:
                        index = HnswIndex(
                            column.dim,
                            column.distance,
                            self.config.hnsw_for(vname),
                            capacity=len(self._ids),
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

    def save_indexes(self) -> None:
        """Persist indexes that changed since they were last saved."""
        if self.dropped:  # its folder is gone (and its name may belong to a new collection)
            return
        folder = self._store.index_dir(self.name)
        if folder is None:
            return
        with self._index_mutex:
            for vname, index in self.indexes.items():
                if index is not None and self._index_saved.get(vname) != index.changes:
                    index.save(folder, vname)
                    self._index_saved[vname] = index.changes

    def drop_index(self, vname: str) -> None:
        """Forget a vector's index (its config changed); the indexer builds a new one."""
        with self._index_mutex, self._lock.gen_wlock():
            self.indexes[vname] = None
            self._index_saved.pop(vname, None)
        self._notify(self)

    # ------------------------------------------------------------------ payload indexes

    def _create_field_index(self, operation: CreateFieldIndex) -> UpdateResult:
        field = operation.field
        spec = parse_index_spec(field, operation.schema)
        with self._writing():
            index = make_index(spec)
            for slot in np.flatnonzero(self._live).tolist():
                index.add(slot, values_at(self._payloads[slot] or {}, field))
            self._save_index_specs({**self.config.payload_indexes, field: spec.wire})
            self.payload_indexes[field] = index
            return UpdateResult(operation_id=self._next_op)

    def _delete_field_index(self, operation: DeleteFieldIndex) -> UpdateResult:
        field = operation.field
        with self._writing():
            if field in self.payload_indexes:
                specs = {k: v for k, v in self.config.payload_indexes.items() if k != field}
                self._save_index_specs(specs)
                del self.payload_indexes[field]
            return UpdateResult(operation_id=self._next_op)

    def _save_index_specs(self, specs: dict[str, str | dict[str, Any]]) -> None:
        if self.dropped:
            raise CollectionNotFound(self.name)
        config = dataclasses.replace(self.config, payload_indexes=specs)
        self._store.save_config(self.name, config_to_dict(config))
        self.config = config

    def _payload_schema(self) -> dict[str, Any]:
        """Each indexed field's type, params and number of points indexed (under the lock).

        Like Qdrant, `params` is the params object the index was created with (without the
        defaults), and absent when it was created from a bare type name."""
        schema: dict[str, Any] = {}
        for field, index in self.payload_indexes.items():
            entry: dict[str, Any] = {"data_type": index.spec.type}
            if index.spec.given is not None:
                entry["params"] = index.spec.given
            entry["points"] = index.points
            schema[field] = entry
        return schema

    def status(self) -> CollectionStatus:
        with self._lock.gen_rlock():
            for vname, column in self._dense_columns().items():
                if not self._should_index(column):
                    continue
                index = self.indexes.get(vname)
                if index is None:
                    return CollectionStatus.YELLOW
                with index.reading(None):
                    pending = self._pending_rows(column, index)
                if len(pending.slots) or pending.stale:
                    return CollectionStatus.YELLOW
        return CollectionStatus.GREEN

    def wait_indexed(self, timeout: float | None = None) -> bool:
        """Block until the collection is green; False when `timeout` passes first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.status() is not CollectionStatus.GREEN:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def info(self) -> CollectionInfo:
        status = self.status()
        with self._lock.gen_rlock():
            indexed = sum(i.live for i in self.indexes.values() if i is not None)
            indexed += sum(c.indexed for c in self.columns.values() if isinstance(c, SparseColumn))
            return CollectionInfo(
                status=status,
                optimizer_status="ok",
                points_count=len(self._slot_of),
                vectors_count=sum(c.count for c in self.columns.values()),
                indexed_vectors_count=indexed,
                segments_count=1,
                config=self.config,
                payload_schema=self._payload_schema(),
                warnings=unimplemented_settings(self.config),
            )

    def segment_info(self) -> seg.SegmentInfo:
        """The collection measured as Qdrant's one appendable segment (see
        `vectorizer.segment`): counts, byte sizes, graphs, payload indexes and searches.

        Payload sizes are encoded here (JSON, as the store writes them): this walks every
        payload, so it is meant for telemetry, not for a hot path.
        """
        encode = msgspec.json.encode
        with self._lock.gen_rlock():
            vector_data: dict[str, seg.VectorData] = {}
            graphs: dict[str, HnswConfig] = {}
            ram = 0
            for name, column in self.columns.items():
                indexed = 0
                if isinstance(column, DenseColumn):
                    ram += column.data.nbytes + column.version.nbytes + column.sqnorms.nbytes
                    index = self.indexes.get(name)
                    if index is not None:
                        with index.reading(None):
                            pending = self._pending_rows(column, index)
                            indexed = index.live - pending.stale  # entries of current rows
                            ram += _graph_bytes(index)
                        graphs[name] = index.config
                else:
                    # the version column and the vectors' arrays (the Python objects
                    # holding them, and a sparse column's postings dicts, are not counted)
                    ram += column.version.nbytes + column.stored_bytes()
                    if isinstance(column, SparseColumn):
                        indexed = column.indexed  # in the inverted index
                vector_data[name] = seg.VectorData(column.count, indexed)
            payloads = sum(len(encode(p)) for p in self._payloads if p is not None)
            vectors = sum(c.stored_bytes() for c in self.columns.values())
            indexes = [
                seg.PayloadIndexStats(field, index.spec.type, index.points, index.values)
                for field, index in self.payload_indexes.items()
            ]
            return seg.SegmentInfo(
                num_points=len(self._slot_of),
                num_vectors=sum(d.num_vectors for d in vector_data.values()),
                num_indexed_vectors=sum(d.num_indexed_vectors for d in vector_data.values()),
                num_deleted_vectors=0,  # deletes remove the vectors at once
                vectors_size_bytes=vectors,
                payloads_size_bytes=payloads,
                ram_usage_bytes=ram + payloads,
                disk_usage_bytes=self._store.disk_usage(self.name),
                vector_data=vector_data,
                graphs=graphs,
                payload_schema=self._payload_schema(),
                payload_indexes=indexes,
                searches=self.searches.report(list(self.columns)),
            )

    # ------------------------------------------------------------------ snapshots

    @contextmanager
    def snapshot_view(self) -> Iterator[tuple[CollectionConfig, int, Iterator[StoredPoint]]]:
        """One consistent state, under the read lock (writes wait until the block ends):
        the config, the next operation id, and every point as stored, in id order."""
        with self._lock.gen_rlock():
            if self.dropped:
                raise CollectionNotFound(self.name)

            def points() -> Iterator[StoredPoint]:
                for kind, key in self._order:
                    point_id: PointId = key if kind == 0 else str(uuid.UUID(int=key))
                    slot = self._slot_of[point_id]
                    yield self._stored(slot, self._versions[slot], self._payloads[slot])

            yield self.config, self._next_op, points()
