"""The write path: each operation (`vectorizer.operations`) validated completely, made
durable through the store, and only then applied in memory, so a bad request or a
failed write leaves the collection as it was. Strict mode is the facade's, checked
before (`Collection.apply`)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorizer import payload as payload_ops
from vectorizer.collection.reads import check_filter
from vectorizer.collection.vectors.columns import Column, column_of
from vectorizer.collection.vectors.dense import DenseColumn
from vectorizer.config_json import (
    config_to_dict,
)
from vectorizer.errors import BadRequest, CollectionNotFound
from vectorizer.filters.ast import Filter
from vectorizer.filters.field_index import parse_index_spec
from vectorizer.filters.planner import expected_cardinality
from vectorizer.models import (
    Payload,
    PointId,
    PointStruct,
    PointVectors,
    UpdateResult,
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
    UpdateMode,
    UpdateVectors,
    Upsert,
)
from vectorizer.storage import StoredPoint

if TYPE_CHECKING:
    from vectorizer.collection.facade import Collection
    from vectorizer.collection.points import IdTracker


def stored_point(
    points: IdTracker, columns: dict[str, Column], slot: int, version: int, payload: Payload | None
) -> StoredPoint:
    """The stored form of the point in `slot` with a version and payload."""
    vectors = {
        vname: (int(column.version[slot]), column.encode(slot))
        for vname, column in columns.items()
        if column.has(slot)
    }
    return StoredPoint(points.id_at(slot), slot, version, vectors, payload)


class Writes:
    """Applies verified operations to a collection (its public parts), numbering them:
    `next_op` is the id the next write gets."""

    def __init__(self, collection: Collection, next_op: int) -> None:
        self._col = collection
        self.next_op = next_op

    def write(self, operation: Operation) -> UpdateResult:
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

    # ------------------------------------------------------------------ placing in memory

    def grow(self, slots: int) -> None:
        """Room for `slots` slots in the id tracker, payloads and columns."""
        col = self._col
        col.points.grow(slots)
        col.payloads.grow(slots)
        for column in col.columns.values():
            column.ensure_capacity(slots)

    def _place(self, point: StoredPoint) -> None:
        """Put a stored point into memory at its slot."""
        self._place_record(point)
        for vname, column in self._col.columns.items():
            if vname in point.vectors:
                version, raw = point.vectors[vname]
                column.set(point.slot, column.decode(raw), version)
            else:
                column.clear(point.slot)

    def place_many(
        self, points: list[StoredPoint], values: list[dict[str, Any]] | None = None
    ) -> None:
        """`_place` for many points, the dense vectors a column at a time (one by one when
        two points share a slot: the later one takes it). `values`: each point's vectors
        as prepared for their columns, placed as they are (no decoding of the bytes)."""
        if len({p.slot for p in points}) != len(points):
            for point in points:
                self._place(point)
            return
        place, put = self._col.points.place, self._col.payloads.put
        for point in points:
            place(point.id, point.slot, point.version)
            put(point.slot, point.payload)
        for vname, column in self._col.columns.items():
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
        """`_place` but for the vectors: id, version, payload (and payload indexes)."""
        self._col.points.place(point.id, point.slot, point.version)
        self._col.payloads.put(point.slot, point.payload)

    def _unplace(self, point_id: PointId) -> None:
        col = self._col
        slot = col.points.remove(point_id)
        col.payloads.clear(slot)
        for column in col.columns.values():
            column.clear(slot)

    # ------------------------------------------------------------------ vectors in

    def prepare_vectors(self, vectors: dict[str, Any], where: str) -> dict[str, Any]:
        """A point's vectors (each optional: a point may carry none) in their columns'
        prepared form."""
        col = self._col
        out = {}
        for vname, values in vectors.items():
            column = column_of(col.columns, vname)
            values = col.embedded(vname, values, query=False)
            out[vname] = column.prepare(values, where)
        return out

    def _prepare_batch(
        self, points: Sequence[PointStruct | PointVectors]
    ) -> list[dict[str, Any]] | None:
        """`prepare_vectors` of every point, a column at a time, when every point gives
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
            column = self._col.columns.get(vname)
            if not isinstance(column, DenseColumn):
                return None
            prepared = column.prepare_rows([p.vectors[vname] for p in points])
            if prepared is None:
                return None
            rows[vname] = prepared
        return [{vname: matrix[i] for vname, matrix in rows.items()} for i in range(len(points))]

    def prepare_points(self, points: Sequence[PointStruct | PointVectors]) -> list[dict[str, Any]]:
        """Every point's vectors prepared (errors name the point that fails)."""
        batch = self._prepare_batch(points)
        if batch is not None:
            return batch
        return [
            self.prepare_vectors(p.vectors, f"points[{i}] (id {normalize_point_id(p.id)})")
            for i, p in enumerate(points)
        ]

    def _packed(self, prepared: dict[str, Any], op: int) -> dict[str, tuple[int, bytes]]:
        """The stored form of prepared vectors written by operation `op`."""
        columns = self._col.columns
        return {vname: (op, columns[vname].pack(v)) for vname, v in prepared.items()}

    # ------------------------------------------------------------------ committing

    @contextmanager
    def _writing(self) -> Iterator[None]:
        self._col.check_writable()
        with self._col.lock.gen_wlock():
            yield

    def _stored(self, slot: int, version: int, payload: Payload | None) -> StoredPoint:
        col = self._col
        return stored_point(col.points, col.columns, slot, version, payload)

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
        col = self._col
        if col.dropped:
            raise CollectionNotFound(col.name)
        op = self.next_op
        col.store.write_points(col.name, op + 1, upserts, deletes)
        self.next_op = op + 1
        for point_id in deletes:
            if point_id in col.points:
                self._unplace(point_id)
        if upserts:
            self.grow(max(p.slot for p in upserts) + 1)
        self.place_many(upserts, values)
        col.graphs.data_changed()
        col.changed()
        pm = col.plugins
        if pm is not None:
            ids = [p.id for p in upserts] + deletes
            pm.hook.points_changed(collection=col, operation=operation, ids=ids)
        return UpdateResult(operation_id=op)

    def _charge_write(self, touched: int, filter: Filter | None) -> None:
        """Strict mode's write tokens for a write of `touched` points chosen by id, or by a
        filter: then, as Qdrant, the filter's expected cardinality (call under the lock)."""
        strict = self._col.strict
        if not strict.charges_writes:
            return
        flt = check_filter(filter)
        strict.charge_write(
            touched if flt is None else expected_cardinality(flt, self._col.reads.scope())
        )

    # ------------------------------------------------------------------ each operation

    def _upsert(self, operation: Upsert) -> UpdateResult:
        points = operation.points
        tracker = self._col.points
        with self._writing():
            op = self.next_op
            prepared = self.prepare_points(points)
            by_id: dict[PointId, tuple[dict[str, Any], Payload | None]] = {}
            for i, point in enumerate(points):
                point_id = normalize_point_id(point.id)
                if point.payload is not None and not isinstance(point.payload, dict):
                    where = f"points[{i}] (id {point_id})"
                    raise BadRequest(f"Wrong input: {where}: payload must be a JSON object")
                by_id[point_id] = (prepared[i], payload_ops.copy_value(point.payload))
            slot_by_id = tracker.slot_by_id
            self._skip_unwritten(by_id, operation)
            new_ids = [pid for pid in by_id if pid not in slot_by_id]
            new_slots = dict(zip(new_ids, tracker.allocate(len(new_ids)), strict=True))
            upserts = [
                StoredPoint(
                    pid,
                    slot_by_id.get(pid, new_slots.get(pid, -1)),
                    op,
                    self._packed(vecs, op),
                    pay,
                )
                for pid, (vecs, pay) in by_id.items()
            ]
            values = [vecs for vecs, _ in by_id.values()]
            result = self._commit(operation, upserts, [], values)
            tracker.claim(new_slots.values())
            return result

    def _allowed(self, flt: Filter | None) -> np.ndarray | None:
        """A mask over slots of the points matching `flt` (None: no filter); call under
        the lock."""
        if flt is None:
            return None
        mask = np.zeros(self._col.points.capacity, dtype=bool)
        mask[self._col.reads.matching(flt)] = True
        return mask

    def _skip_unwritten(self, by_id: dict[PointId, Any], operation: Upsert) -> None:
        """Drop from an upsert the points its `update_mode` and `update_filter` leave as
        they are (call under the lock)."""
        mode, slot_by_id = operation.update_mode, self._col.points.slot_by_id
        allowed = self._allowed(operation.update_filter)
        if mode is UpdateMode.UPSERT and allowed is None:
            return
        for pid in list(by_id):
            slot = slot_by_id.get(pid)
            if slot is None:
                keep = mode is not UpdateMode.UPDATE_ONLY
            else:
                keep = mode is not UpdateMode.INSERT_ONLY and (allowed is None or allowed[slot])
            if not keep:
                del by_id[pid]

    def _rewrite_payloads(
        self,
        operation: SetPayload | OverwritePayload | DeletePayload | ClearPayload,
        change: Callable[[Payload], Payload],
    ) -> UpdateResult:
        payloads = self._col.payloads.payloads
        with self._writing():
            op = self.next_op
            upserts = []
            slots = self._col.reads.selected_slots(operation.ids, operation.filter)
            self._charge_write(len(slots), operation.filter)
            for slot in slots:
                new = change(copy.deepcopy(payloads[slot] or {}))
                upserts.append(self._stored(slot, op, new))
            return self._commit(operation, upserts, [])

    def _update_vectors(self, operation: UpdateVectors) -> UpdateResult:
        payloads = self._col.payloads.payloads
        with self._writing():
            op = self.next_op
            upserts: dict[int, StoredPoint] = {}  # by slot: a point listed twice gets both
            allowed = self._allowed(operation.update_filter)
            for i, point in enumerate(operation.points):
                (slot,) = self._col.points.existing_slots([point.id])
                if allowed is not None and not allowed[slot]:
                    continue  # a conditional update leaves a non-matching point as it is
                stored = upserts.get(slot)
                if stored is None:
                    stored = upserts[slot] = self._stored(slot, op, payloads[slot])
                where = f"points[{i}] (id {stored.id})"
                stored.vectors.update(self._packed(self.prepare_vectors(point.vectors, where), op))
            return self._commit(operation, list(upserts.values()), [])

    def _delete_vectors(self, operation: DeleteVectors) -> UpdateResult:
        payloads = self._col.payloads.payloads
        with self._writing():
            op = self.next_op
            upserts = []
            slots = self._col.reads.selected_slots(operation.ids, operation.filter)
            self._charge_write(len(slots), operation.filter)
            for slot in slots:
                stored = self._stored(slot, op, payloads[slot])
                for vname in operation.names:
                    stored.vectors.pop(vname, None)
                upserts.append(stored)
            return self._commit(operation, upserts, [])

    def _delete(self, operation: DeletePoints) -> UpdateResult:
        flt = check_filter(operation.filter)
        wanted = list(dict.fromkeys(normalize_point_id(i) for i in operation.ids or ()))
        tracker = self._col.points
        with self._writing():
            if flt is not None:
                slots = self._col.reads.matching(flt).tolist()
                wanted = [tracker.id_at(s) for s in slots]
            gone = [i for i in wanted if i in tracker]
            self._charge_write(len(gone), flt)
            return self._commit(operation, [], gone)

    # ------------------------------------------------------------------ payload indexes

    def _create_field_index(self, operation: CreateFieldIndex) -> UpdateResult:
        field = operation.field
        spec = parse_index_spec(field, operation.schema)
        col = self._col
        with self._writing():
            index = col.payloads.build_index(spec, col.points.live)
            self._save_index_specs({**col.config.payload_indexes, field: spec.wire})
            col.payloads.add_index(field, index)
            return UpdateResult(operation_id=self.next_op)

    def _delete_field_index(self, operation: DeleteFieldIndex) -> UpdateResult:
        field = operation.field
        col = self._col
        with self._writing():
            if field in col.payloads.indexes:
                specs = {k: v for k, v in col.config.payload_indexes.items() if k != field}
                self._save_index_specs(specs)
                col.payloads.drop_index(field)
            return UpdateResult(operation_id=self.next_op)

    def _save_index_specs(self, specs: dict[str, str | dict[str, Any]]) -> None:
        col = self._col
        if col.dropped:
            raise CollectionNotFound(col.name)
        config = dataclasses.replace(col.config, payload_indexes=specs)
        col.store.save_config(col.name, config_to_dict(config))
        col.config = config
