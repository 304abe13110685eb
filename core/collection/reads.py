"""Reading a collection: records by id, pages in id order or in payload value order
(`order_by`), counts, the filter scope and the result points every search ends with.

Strict mode is not checked here: the facade checks a request once where it enters.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorizer import payload as payload_ops
from vectorizer.collection.points import OrderKey, key_id, order_key
from vectorizer.collection.vectors.columns import Column, column_of
from vectorizer.errors import BadRequest
from vectorizer.filters.ast import Filter, Range
from vectorizer.filters.evaluate import EvalContext
from vectorizer.filters.field_index import TextIndex, datetime_micros
from vectorizer.filters.planner import FilterScope, filter_mask, indexed_slots
from vectorizer.models import (
    Direction,
    OrderBy,
    PointId,
    PointStruct,
    Record,
    ScoredPoint,
    ScrollResult,
    WithPayload,
    WithVectors,
    normalize_point_id,
)

if TYPE_CHECKING:
    from vectorizer.collection.payloads import PayloadStore
    from vectorizer.collection.points import IdTracker
    from vectorizer.locks import RWLock

ORDER_BY_WITH_OFFSET = (
    "Wrong input: Cannot use an `offset` when using `order_by`. The alternative for paging is "
    "to use `order_by.start_from` and a filter to exclude the IDs that you've already seen for "
    "the `order_by.start_from` value"
)
"""Qdrant's answer to a scroll with both `offset` and `order_by`."""


def check_filter(filter: Any) -> Filter | None:
    if filter is None or isinstance(filter, Filter):
        return filter
    raise BadRequest(f"Wrong input: filter must be a Filter, got {type(filter).__name__}")


class Reads:
    """The read side of a collection over its id tracker, payloads and columns. Methods
    taking no lock are called under the collection's read lock."""

    def __init__(
        self,
        points: IdTracker,
        payloads: PayloadStore,
        columns: dict[str, Column],
        lock: RWLock,
    ) -> None:
        self._points = points
        self._payloads = payloads
        self._columns = columns
        self._lock = lock

    # ------------------------------------------------------------------ filtering

    def scope(self) -> FilterScope:
        """The view filters evaluate against."""
        points, columns = self._points, self._columns
        n = points.capacity
        indexes = self._payloads.indexes

        def vector_present(name: str) -> np.ndarray:
            return column_of(columns, name).version[:n] >= 0

        def tokenizer(key: str) -> Callable[[str], list[str]] | None:
            index = indexes.get(key)
            return index.tokenize_doc if isinstance(index, TextIndex) else None

        return FilterScope(
            live=points.live[:n],
            ids=points.ids,
            payloads=self._payloads.payloads,
            slot_of=points.slot_by_id,
            vector_present=vector_present,
            indexes=indexes,
            ctx=EvalContext(tokenizer=tokenizer),
        )

    def matching(self, flt: Filter) -> np.ndarray:
        """Sorted slots of the points matching the filter: straight from the indexes when
        they answer every condition, else through a mask."""
        scope = self.scope()
        slots = indexed_slots(flt, scope)
        return np.flatnonzero(filter_mask(flt, scope)) if slots is None else slots

    def matching_with_vector(self, flt: Filter, column: Column) -> np.ndarray:
        """Sorted slots matching the filter that have a vector in `column`."""
        slots = self.matching(flt)
        return slots[column.version[slots] >= 0]

    def matching_slots(self, filter: Any = None, among: np.ndarray | None = None) -> np.ndarray:
        """Sorted slots of the live points matching `filter` (all of them without one);
        with `among`, only those slots are tested (a formula's few candidates)."""
        flt = check_filter(filter)
        live = self._points.live
        if among is not None:
            if flt is None:
                return np.unique(among[live[among]])
            return np.flatnonzero(filter_mask(flt, self.scope(), among))
        if flt is None:
            return np.flatnonzero(live[: self._points.capacity])
        return self.matching(flt)

    def slots_with_vector(self, using: str, filter: Any = None) -> np.ndarray:
        """Sorted slots of live points having a vector `using` (and matching `filter`)."""
        flt = check_filter(filter)
        column = column_of(self._columns, using)
        if flt is not None:
            return self.matching_with_vector(flt, column)
        return np.flatnonzero(column.version[: self._points.capacity] >= 0)

    def selected_slots(self, ids: Sequence[PointId] | None, filter: Filter | None) -> list[int]:
        """Slots chosen by ids (each must exist) or by a filter."""
        flt = check_filter(filter)
        if flt is not None:
            return self.matching(flt).tolist()
        return self._points.existing_slots(ids or [])

    # ------------------------------------------------------------------ records

    def vectors_of(self, slot: int, spec: WithVectors) -> dict[str, np.ndarray] | None:
        if not spec.enabled:
            return None
        columns = self._columns
        names = spec.names if spec.names is not None else list(columns)
        picked = [column_of(columns, vname) for vname in names]
        return {c.name: c.get(slot) for c in picked if c.has(slot)}

    def record(self, slot: int, with_payload: WithPayload, with_vectors: WithVectors) -> Record:
        return Record(
            id=self._points.id_at(slot),
            payload=payload_ops.select(self._payloads.payloads[slot], with_payload),
            vectors=self.vectors_of(slot, with_vectors),
        )

    def records(
        self,
        ids: list[PointId],
        with_payload: WithPayload | None = None,
        with_vectors: WithVectors | None = None,
    ) -> list[Record]:
        """The points with these ids that exist, in the order asked."""
        wanted = list(dict.fromkeys(normalize_point_id(i) for i in ids))
        with_payload = with_payload or WithPayload(enabled=True)
        with_vectors = with_vectors or WithVectors()
        slot_by_id = self._points.slot_by_id
        with self._lock.gen_rlock():
            return [
                self.record(slot_by_id[i], with_payload, with_vectors)
                for i in wanted
                if i in slot_by_id
            ]

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
        ids, versions, payloads = self._points.ids, self._points.versions, self._payloads.payloads
        select, pick_payload = payload_ops.select, with_payload.enabled
        vectors_of, pick_vectors = self.vectors_of, with_vectors.enabled
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

    def points_in_order(self, batch: int = 1000) -> Iterator[list[PointStruct]]:
        """Every point (vectors and payload) in id order, `batch` at a time, each batch
        read under the read lock (writes may land between batches)."""
        after: OrderKey | None = None
        points, columns, payloads = self._points, self._columns, self._payloads.payloads
        while True:
            with self._lock.gen_rlock():
                page = []
                for key in itertools.islice(points.ordered(after), batch):
                    point_id = key_id(key)
                    slot = points.slot_by_id[point_id]
                    vectors = {n: c.get(slot) for n, c in columns.items() if c.has(slot)}
                    page.append(PointStruct(point_id, vectors, payloads[slot]))
                    after = key
            if not page:
                return
            yield page

    # ------------------------------------------------------------------ pages and counts

    def scan(
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
        flt = check_filter(filter)
        if limit < 1:
            raise BadRequest("Wrong input: limit must be at least 1")
        with_payload = with_payload or WithPayload(enabled=True)
        with_vectors = with_vectors or WithVectors()
        if order_by is not None:
            return self._scroll_ordered(order_by, offset, limit, with_payload, with_vectors, flt)
        with self._lock.gen_rlock():
            start_key = None if offset is None else order_key(normalize_point_id(offset))
            if flt is None:
                keys = self._points.ordered_page(start_key, limit + 1)
            else:
                keys = self._filtered_keys(flt, start_key, limit + 1)
            ids = [key_id(k) for k in keys]
            slot_by_id = self._points.slot_by_id
            page = [self.record(slot_by_id[i], with_payload, with_vectors) for i in ids[:limit]]
            return ScrollResult(
                points=page, next_page_offset=ids[limit] if len(ids) > limit else None
            )

    def _filtered_keys(self, flt: Filter, start_key: OrderKey | None, limit: int) -> list[OrderKey]:
        """Order keys of the first `limit` matching points from `start_key` on."""
        slots = self.matching(flt).tolist()
        ids = self._points.ids
        keys = sorted(order_key(ids[s]) for s in slots)
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
            index = self._payloads.indexes.get(order_by.key)
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
                allowed = np.zeros(self._points.capacity, dtype=bool)
                allowed[self.matching(flt)] = True
                keep = allowed[slots]
                values, slots = values[keep], slots[keep]
            page = []
            for value, slot in self._first_ordered(values, slots, limit, desc):
                record = self.record(slot, with_payload, with_vectors)
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
        ids = self._points.ids
        pairs.sort(key=lambda p: (p[0], order_key(ids[p[1]])), reverse=desc)
        return pairs[:limit]

    def count(self, filter: Any = None) -> int:
        """How many points match the filter (all points without one); always exact."""
        flt = check_filter(filter)
        with self._lock.gen_rlock():
            if flt is None:
                return self._points.count
            return len(self.matching(flt))
