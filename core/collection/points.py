"""The id tracker: external point ids <-> slots, each point's version, free slots, and
Qdrant's id order.

A slot is a row of the vector columns, stable for a point's life and persisted (a saved
HNSW graph labels its entries by slot). Readers bind `ids`, `versions` and `live` to
locals in their loops: they are the tracker's own lists, read-only outside it.
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Iterable, Iterator

import numpy as np
from sortedcontainers import SortedList

from vectorizer.errors import PointNotFound
from vectorizer.models import PointId, normalize_point_id

OrderKey = tuple[int, int]


def order_key(point_id: PointId) -> OrderKey:
    """Qdrant's id order: integers first, then UUIDs, each ascending."""
    return (0, point_id) if isinstance(point_id, int) else (1, uuid.UUID(point_id).int)


def key_id(key: OrderKey) -> PointId:
    """The point id of an `order_key`."""
    return key[1] if key[0] == 0 else str(uuid.UUID(int=key[1]))


class IdTracker:
    """Which point holds which slot, at which version, in id order."""

    def __init__(self) -> None:
        self.slot_by_id: dict[PointId, int] = {}
        """Live point id -> slot (read-only outside the tracker)."""
        self.ids: list[PointId | None] = []
        """Slot -> point id (None: free)."""
        self.versions: list[int] = []
        """Slot -> the operation that last wrote the point (-1: free)."""
        self.live = np.zeros(0, dtype=bool)
        """Slot -> whether a point holds it."""
        self._free: list[int] = []
        self._order: SortedList = SortedList()

    @property
    def capacity(self) -> int:
        """Slots in use or free (the rows the columns have)."""
        return len(self.ids)

    @property
    def count(self) -> int:
        """Live points."""
        return len(self.slot_by_id)

    def __contains__(self, point_id: PointId) -> bool:
        return point_id in self.slot_by_id

    def slot_of(self, point_id: PointId) -> int | None:
        """The slot of a live point (an id as normalised), None when there is none."""
        return self.slot_by_id.get(point_id)

    def id_at(self, slot: int) -> PointId:
        """The id of the point in a live slot."""
        point_id = self.ids[slot]
        assert point_id is not None
        return point_id

    def existing_slots(self, ids: Iterable[PointId]) -> list[int]:
        """The slots of these ids, each once, in the order given (PointNotFound for an id
        no point has)."""
        slots = []
        slot_by_id = self.slot_by_id
        for raw in ids:
            point_id = normalize_point_id(raw)
            if point_id not in slot_by_id:
                raise PointNotFound(point_id)
            slots.append(slot_by_id[point_id])
        return list(dict.fromkeys(slots))

    # ------------------------------------------------------------------ changing

    def grow(self, slots: int) -> int:
        """Room for `slots` slots; returns how many were added."""
        missing = slots - len(self.ids)
        if missing > 0:
            self.ids.extend([None] * missing)
            self.versions.extend([-1] * missing)
            self.live = np.concatenate([self.live, np.zeros(missing, dtype=bool)])
        return max(missing, 0)

    def place(self, point_id: PointId, slot: int, version: int) -> None:
        """Point `point_id` now holds `slot` at `version` (a point that held the slot
        before under another id is forgotten)."""
        old = self.ids[slot]
        slot_by_id = self.slot_by_id
        if old is not None and old != point_id:
            slot_by_id.pop(old, None)
            self._order.discard(order_key(old))
        if point_id not in slot_by_id:
            self._order.add(order_key(point_id))
        slot_by_id[point_id] = slot
        self.ids[slot] = point_id
        self.versions[slot] = version
        self.live[slot] = True

    def remove(self, point_id: PointId) -> int:
        """Forget a live point; its slot becomes free. Returns that slot."""
        slot = self.slot_by_id.pop(point_id)
        self._order.discard(order_key(point_id))
        self.ids[slot] = None
        self.versions[slot] = -1
        self.live[slot] = False
        heapq.heappush(self._free, slot)
        return slot

    def reset_free(self) -> None:
        """Every slot no point holds is free (after loading)."""
        used = set(self.slot_by_id.values())
        self._free = [s for s in range(len(self.ids)) if s not in used]
        heapq.heapify(self._free)

    def allocate(self, count: int) -> list[int]:
        """Slots for `count` new points (reused lowest-first), not yet claimed."""
        reuse = heapq.nsmallest(count, self._free)
        top = len(self.ids)
        return reuse + list(range(top, top + count - len(reuse)))

    def claim(self, slots: Iterable[int]) -> None:
        """Slots from `allocate` are taken."""
        taken = set(slots)
        if taken:
            self._free = [s for s in self._free if s not in taken]
            heapq.heapify(self._free)

    # ------------------------------------------------------------------ id order

    def ordered(self, after: OrderKey | None = None) -> Iterator[OrderKey]:
        """Order keys of the live points in id order (after `after`, exclusive)."""
        if after is None:
            return iter(self._order)
        return self._order.irange(minimum=after, inclusive=(False, True))

    def ordered_page(self, start: OrderKey | None, count: int) -> list[OrderKey]:
        """Up to `count` order keys from `start` (inclusive) on."""
        begin = 0 if start is None else self._order.bisect_left(start)
        return list(self._order.islice(begin, begin + count))
