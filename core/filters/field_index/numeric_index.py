"""Numeric indexes: integer and float (values kept exactly: int64 ints, floats, ints
beyond int64, NaN apart) and datetime (int64 epoch microseconds); they answer Range,
DatetimeRange and, for integers with `lookup`, MatchValue/MatchAny."""

from __future__ import annotations

from typing import Any

import numpy as np

from vectorizer.filters.ast import Condition, DatetimeRange, MatchAny, MatchValue, Range
from vectorizer.filters.field_index.base import BaseIndex, ColumnIndex, OrderEntries, int_entries
from vectorizer.filters.field_index.column import EMPTY, ValueColumn, concat, unique_sorted
from vectorizer.filters.field_index.ranges import float_interval, in_range, int_interval, unbounded
from vectorizer.filters.field_index.spec import IndexSpec
from vectorizer.filters.field_index.values import (
    I64_MAX,
    I64_MIN,
    datetime_micros,
    datetime_value,
    is_int,
)


class Numbers:
    """Numeric values of a field: int64 ints, floats, and the rare ints beyond int64.

    NaN is kept apart: it satisfies no bound, so only a Range without bounds matches it.
    """

    def __init__(self) -> None:
        self.ints = ValueColumn(np.int64)
        self.floats = ValueColumn(np.float64)
        self.big: dict[int, list[int]] = {}
        self.nan: set[int] = set()

    def set(self, slot: int, values: list[Any]) -> None:
        ints: set[int] = set()
        floats: set[float] = set()
        big: list[int] = []
        nan = False
        for v in values:
            if isinstance(v, bool):
                continue
            if isinstance(v, int):
                if I64_MIN <= v <= I64_MAX:
                    ints.add(v)
                else:
                    big.append(v)
            elif isinstance(v, float):
                if v == v:
                    floats.add(v)
                else:
                    nan = True
        self.ints.set(slot, np.fromiter(ints, dtype=np.int64, count=len(ints)))
        self.floats.set(slot, np.fromiter(floats, dtype=np.float64, count=len(floats)))
        if big:
            self.big[slot] = big
        else:
            self.big.pop(slot, None)
        if nan:
            self.nan.add(slot)
        else:
            self.nan.discard(slot)

    def drop(self, slot: int) -> None:
        self.ints.drop(slot)
        self.floats.drop(slot)
        self.big.pop(slot, None)
        self.nan.discard(slot)

    def slots_with_values(self) -> int:
        return len(self.ints.live.keys() | self.floats.live.keys() | self.big.keys() | self.nan)

    def count_values(self) -> int:
        big = sum(len(values) for values in self.big.values())
        return self.ints.count_values() + self.floats.count_values() + big + len(self.nan)

    def range_slots(self, cond: Range) -> np.ndarray:
        parts = []
        iv = int_interval(cond)
        if iv is not None:
            parts.append(self.ints.slots(self.ints.between(iv[0], False, iv[1], False)))
        fv = float_interval(cond)
        if fv is not None:
            parts.append(self.floats.slots(self.floats.between(*fv)))
        if self.big:
            hits = [s for s, vs in self.big.items() if any(in_range(cond, v) for v in vs)]
            parts.append(np.array(hits, dtype=np.int64))
        if self.nan and unbounded(cond):
            parts.append(np.fromiter(self.nan, dtype=np.int64, count=len(self.nan)))
        parts = [p for p in parts if len(p)]
        if len(parts) == 1:
            return parts[0]  # already sorted and distinct
        return unique_sorted(concat(parts))

    def range_estimate(self, cond: Range) -> int:
        n = len(self.big) + (len(self.nan) if unbounded(cond) else 0)
        iv = int_interval(cond)
        if iv is not None:
            n += self.ints.count_between(iv[0], False, iv[1], False)
        fv = float_interval(cond)
        if fv is not None:
            n += self.floats.count_between(*fv)
        return n


class _NumbersIndex(BaseIndex):
    """Base of the integer and float indexes: one `Numbers` store of a field's values."""

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._nums = Numbers()

    def add(self, slot: int, values: list[Any]) -> None:
        self._nums.set(slot, values)

    def remove(self, slot: int) -> None:
        self._nums.drop(slot)


class IntegerIndex(_NumbersIndex):
    """Integers; answers MatchValue/MatchAny on ints (with `lookup`) and Range (with `range`).

    A Range also matches the point's float values, as per-point evaluation does, so the
    index keeps those aside (they don't count in `points`, as in Qdrant).
    """

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._lookup = bool(spec.params.get("lookup", True))
        self._range = bool(spec.params.get("range", True))

    @property
    def points(self) -> int:
        return len(self._nums.ints.live)

    @property
    def values(self) -> int:
        return self._nums.ints.count_values()

    def value_entries(self) -> OrderEntries | None:
        """The integer values (not the floats kept aside for ranges); only with `lookup`."""
        if not self._lookup:
            return None
        ints = self._nums.ints
        pos = ints.between()
        return OrderEntries(ints.values_at(pos), ints.slots_at(pos))

    def _lookup_values(self, condition: Condition) -> np.ndarray | None:
        if not self._lookup:
            return None
        if isinstance(condition, MatchValue):
            values: tuple[Any, ...] = (condition.value,)
        elif isinstance(condition, MatchAny):
            values = condition.values
        else:
            return None
        if not all(is_int(v) and I64_MIN <= v <= I64_MAX for v in values):
            return None
        return unique_sorted(np.array(values, dtype=np.int64))

    def order_entries(self, bounds: Range) -> OrderEntries | None:
        """Integer values only, as Qdrant's integer index (floats are kept for ranges)."""
        return int_entries(self._nums.ints, bounds) if self._range else None

    def answer(self, condition: Condition) -> np.ndarray | None:
        if isinstance(condition, Range):
            return self._nums.range_slots(condition) if self._range else None
        values = self._lookup_values(condition)
        if values is None:
            return None
        ints = self._nums.ints
        return ints.slots(ints.isin(values)) if len(values) else EMPTY

    def estimate(self, condition: Condition) -> int | None:
        if isinstance(condition, Range):
            return self._nums.range_estimate(condition) if self._range else None
        values = self._lookup_values(condition)
        if values is None:
            return None
        return self._nums.ints.count_isin(values)


class FloatIndex(_NumbersIndex):
    """Numbers (ints and floats, not bools); answers Range."""

    @property
    def points(self) -> int:
        return self._nums.slots_with_values()

    @property
    def values(self) -> int:
        return self._nums.count_values()

    def order_entries(self, bounds: Range) -> OrderEntries | None:
        """Every number as a float (Qdrant's float index reads integers as floats too)."""
        nums = self._nums
        ints = int_entries(nums.ints, bounds)
        values = [ints.values.astype(np.float64), np.empty(0, dtype=np.float64)]
        slots = [ints.slots, EMPTY]
        fv = float_interval(bounds)
        if fv is not None:
            pos = nums.floats.between(*fv)
            values[1], slots[1] = nums.floats.values_at(pos), nums.floats.slots_at(pos)
        big = [(float(v), s) for s, vs in nums.big.items() for v in vs if in_range(bounds, v)]
        if big:
            values.append(np.array([v for v, _ in big], dtype=np.float64))
            slots.append(np.array([s for _, s in big], dtype=np.int64))
        vals, where = np.concatenate(values), np.concatenate(slots)
        if len(values[0]) and len(vals) > len(values[0]):  # 1 and 1.0 of one point: once
            order = np.lexsort((where, vals))
            vals, where = vals[order], where[order]
            keep = np.ones(len(vals), dtype=bool)
            keep[1:] = (vals[1:] != vals[:-1]) | (where[1:] != where[:-1])
            vals, where = vals[keep], where[keep]
        return OrderEntries(vals, where)

    def answer(self, condition: Condition) -> np.ndarray | None:
        return self._nums.range_slots(condition) if isinstance(condition, Range) else None

    def estimate(self, condition: Condition) -> int | None:
        return self._nums.range_estimate(condition) if isinstance(condition, Range) else None


class DatetimeIndex(ColumnIndex):
    """Datetime strings as int64 microseconds; answers DatetimeRange."""

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._col = ValueColumn(np.int64)

    def add(self, slot: int, values: list[Any]) -> None:
        found = {m for v in values if (m := datetime_value(v)) is not None}
        self._col.set(slot, np.fromiter(found, dtype=np.int64, count=len(found)))

    def order_entries(self, bounds: Range) -> OrderEntries | None:
        """Datetimes as microseconds since the epoch (`bounds` in microseconds too)."""
        return int_entries(self._col, bounds)

    @staticmethod
    def _interval(cond: DatetimeRange) -> tuple[int, int] | None:
        lo, hi = I64_MIN, I64_MAX
        if cond.gt is not None:
            lo = max(lo, datetime_micros(cond.gt) + 1)
        if cond.gte is not None:
            lo = max(lo, datetime_micros(cond.gte))
        if cond.lt is not None:
            hi = min(hi, datetime_micros(cond.lt) - 1)
        if cond.lte is not None:
            hi = min(hi, datetime_micros(cond.lte))
        return (lo, hi) if lo <= hi else None

    def answer(self, condition: Condition) -> np.ndarray | None:
        if not isinstance(condition, DatetimeRange):
            return None
        iv = self._interval(condition)
        return EMPTY if iv is None else self._col.slots(self._col.between(iv[0], False, iv[1]))

    def estimate(self, condition: Condition) -> int | None:
        if not isinstance(condition, DatetimeRange):
            return None
        iv = self._interval(condition)
        return 0 if iv is None else self._col.count_between(iv[0], False, iv[1])
