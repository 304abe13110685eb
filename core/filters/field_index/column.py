"""Column storage of the field indexes: (value, slot) entries in numpy arrays, a sorted
prefix plus an unsorted tail, and the dictionary encoding of strings into int64 codes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

EMPTY = np.empty(0, dtype=np.int64)


class ValueColumn:
    """(value, slot) entries: a prefix sorted by value plus an unsorted tail.

    Entries carry the generation of their slot when added; `drop` bumps the generation so
    older entries read as dead until `_compact` removes them. `aux` is an optional second
    float column kept aligned (longitude for geo points).
    """

    _MIN_MERGE = 1024

    def __init__(self, dtype: Any, *, aux: bool = False) -> None:
        self._vals = np.empty(16, dtype=dtype)
        self._aux = np.empty(16, dtype=np.float64) if aux else None
        self._slots = np.empty(16, dtype=np.int64)
        self._gens = np.empty(16, dtype=np.int64)
        self._size = 0
        self._sorted = 0
        self._dead = 0
        self._slot_gen = np.zeros(16, dtype=np.int64)
        self.live: dict[int, int] = {}  # slot -> number of its live entries

    # ------------------------------------------------------------------ writes

    def set(self, slot: int, values: np.ndarray, aux: np.ndarray | None = None) -> None:
        """Replace the slot's entries with `values` (already deduplicated)."""
        self.drop(slot)
        k = len(values)
        if k == 0:
            return
        if slot >= len(self._slot_gen):
            grown = np.zeros(max(slot + 1, 2 * len(self._slot_gen)), dtype=np.int64)
            grown[: len(self._slot_gen)] = self._slot_gen
            self._slot_gen = grown
        if self._size + k > len(self._vals):
            self._resize(max(self._size + k, 2 * len(self._vals)))
        end = self._size + k
        self._vals[self._size : end] = values
        if self._aux is not None:
            self._aux[self._size : end] = aux
        self._slots[self._size : end] = slot
        self._gens[self._size : end] = self._slot_gen[slot]
        self._size = end
        self.live[slot] = k
        if end - self._sorted > max(self._MIN_MERGE, self._sorted // 4):
            self._compact()

    def drop(self, slot: int) -> None:
        k = self.live.pop(slot, 0)
        if k:
            self._slot_gen[slot] += 1
            self._dead += k
            if self._dead > max(self._MIN_MERGE, self._size // 2):
                self._compact()

    def _resize(self, capacity: int) -> None:
        def grow(a: np.ndarray) -> np.ndarray:
            out = np.empty(capacity, dtype=a.dtype)
            out[: self._size] = a[: self._size]
            return out

        self._vals, self._slots, self._gens = grow(self._vals), grow(self._slots), grow(self._gens)
        if self._aux is not None:
            self._aux = grow(self._aux)

    def _compact(self) -> None:
        """Drop dead entries and merge the tail into the sorted prefix."""
        n = self._size
        keep = self._live_positions(np.arange(n))
        # The prefix is sorted already: a stable sort (timsort) merges in near-linear time.
        order = keep[np.argsort(self._vals[keep], kind="stable")]
        capacity = max(16, 2 * len(order))

        def take(a: np.ndarray) -> np.ndarray:
            out = np.empty(capacity, dtype=a.dtype)
            out[: len(order)] = a[order]
            return out

        self._vals, self._slots, self._gens = take(self._vals), take(self._slots), take(self._gens)
        if self._aux is not None:
            self._aux = take(self._aux)
        self._size = self._sorted = len(order)
        self._dead = 0

    # ------------------------------------------------------------------ reads

    def count_values(self) -> int:
        """Live entries: the values held over all slots."""
        return sum(self.live.values())

    def _live_positions(self, pos: np.ndarray) -> np.ndarray:
        if not self._dead:
            return pos
        return pos[self._gens[pos] == self._slot_gen[self._slots[pos]]]

    def between(
        self, lo: Any = None, lo_strict: bool = False, hi: Any = None, hi_strict: bool = False
    ) -> np.ndarray:
        """Positions of live entries with lo <(=) value <(=) hi (None: unbounded)."""
        base = self._vals[: self._sorted]
        a = 0 if lo is None else int(np.searchsorted(base, lo, "right" if lo_strict else "left"))
        b = (
            len(base)
            if hi is None
            else int(np.searchsorted(base, hi, "left" if hi_strict else "right"))
        )
        parts = [np.arange(a, b, dtype=np.int64)] if b > a else []
        tail = self._vals[self._sorted : self._size]
        if len(tail):
            mask = np.ones(len(tail), dtype=bool)
            if lo is not None:
                mask &= (tail > lo) if lo_strict else (tail >= lo)
            if hi is not None:
                mask &= (tail < hi) if hi_strict else (tail <= hi)
            parts.append(self._sorted + np.flatnonzero(mask))
        return self._live_positions(concat(parts))

    def count_between(
        self, lo: Any = None, lo_strict: bool = False, hi: Any = None, hi_strict: bool = False
    ) -> int:
        """An upper bound of `len(between(...))` (dead entries included), without the tail scan."""
        base = self._vals[: self._sorted]
        a = 0 if lo is None else int(np.searchsorted(base, lo, "right" if lo_strict else "left"))
        b = (
            len(base)
            if hi is None
            else int(np.searchsorted(base, hi, "left" if hi_strict else "right"))
        )
        return max(b - a, 0) + (self._size - self._sorted)

    def isin(self, values: np.ndarray) -> np.ndarray:
        """Positions of live entries whose value is one of `values`."""
        base = self._vals[: self._sorted]
        a = np.searchsorted(base, values, "left")
        lens = np.searchsorted(base, values, "right") - a
        a, lens = a[lens > 0], lens[lens > 0]
        total = int(lens.sum())
        parts = []
        if total:
            starts = np.repeat(a - (np.cumsum(lens) - lens), lens)
            parts.append(starts + np.arange(total, dtype=np.int64))
        tail = self._vals[self._sorted : self._size]
        if len(tail):
            parts.append(self._sorted + np.flatnonzero(np.isin(tail, values)))
        return self._live_positions(concat(parts))

    def count_isin(self, values: np.ndarray) -> int:
        base = self._vals[: self._sorted]
        found = np.searchsorted(base, values, "right") - np.searchsorted(base, values, "left")
        return int(found.sum()) + (self._size - self._sorted)

    def slots(self, pos: np.ndarray) -> np.ndarray:
        """Sorted unique slots of the entries at `pos`."""
        found = self._slots[pos]
        space = len(self._slot_gen)
        if len(found) > 256 and len(found) * 16 > space:  # dense: a mask beats sorting
            mask = np.zeros(space, dtype=bool)
            mask[found] = True
            return np.flatnonzero(mask).astype(np.int64, copy=False)
        return unique_sorted(found)

    def values_at(self, pos: np.ndarray) -> np.ndarray:
        return self._vals[pos]

    def slots_at(self, pos: np.ndarray) -> np.ndarray:
        """The slot of each entry at `pos` (not deduplicated, in the order of `pos`)."""
        return self._slots[pos]

    def aux_at(self, pos: np.ndarray) -> np.ndarray:
        assert self._aux is not None
        return self._aux[pos]


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort and a neighbour compare: faster here than np.unique)."""
    if len(values) <= 1:
        return np.asarray(values, dtype=np.int64)
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def concat(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return EMPTY
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


class StringCodes:
    """Dictionary encoding of strings as int64 codes (codes are never reused)."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}

    def encode(self, values: Iterable[str]) -> np.ndarray:
        codes = self._codes
        out = {codes.setdefault(v, len(codes)) for v in values}
        return np.fromiter(out, dtype=np.int64, count=len(out))

    def lookup(self, values: Iterable[str]) -> np.ndarray:
        """Codes of the known values among `values` (unknown values match nothing)."""
        found = {c for v in values if (c := self._codes.get(v)) is not None}
        return np.fromiter(found, dtype=np.int64, count=len(found))

    def get(self, value: str) -> int | None:
        return self._codes.get(value)
