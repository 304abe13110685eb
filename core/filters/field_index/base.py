"""What every payload field index offers (the `PayloadIndex` protocol, `OrderEntries`)
and the shared bases of the concrete indexes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from vectorizer.filters.ast import Condition, Range
from vectorizer.filters.field_index.column import EMPTY, ValueColumn
from vectorizer.filters.field_index.ranges import int_interval
from vectorizer.filters.field_index.spec import IndexSpec


@runtime_checkable
class PayloadIndex(Protocol):
    """What the collection and the filter planner need from a payload index."""

    spec: IndexSpec

    def add(self, slot: int, values: list[Any]) -> None:
        """Index the values found at the field for the point in `slot` (replacing any)."""

    def remove(self, slot: int) -> None:
        """Forget the point in `slot`."""

    @property
    def points(self) -> int:
        """Number of points with at least one indexed value."""

    @property
    def values(self) -> int:
        """Number of values indexed over all points (a point's distinct values each)."""

    def answer(self, condition: Condition) -> np.ndarray | None:
        """Sorted unique int64 slots matching `condition`, or None if this index can't tell."""

    def estimate(self, condition: Condition) -> int | None:
        """An upper bound of `len(answer(condition))`, cheaply; None when `answer` is None."""

    def order_entries(self, bounds: Range) -> OrderEntries | None:
        """Every (value, slot) entry within `bounds`, for scrolling in value order; None
        when the index cannot order (Qdrant: the field has no range-capable index)."""

    def value_entries(self) -> OrderEntries | None:
        """Every (value, slot) entry once, for counting values (facets); None when the
        index keeps no value map (Qdrant: one that cannot answer `match`)."""


@dataclass(frozen=True)
class OrderEntries:
    """Entries of a range-capable index: `values[i]` is a value of the point in `slots[i]`.

    Unsorted; each (value, slot) pair appears once. Integer and datetime indexes give
    int64 values (datetimes as microseconds since the epoch), the float index float64.
    """

    values: np.ndarray
    slots: np.ndarray


class BaseIndex:
    """Base of the concrete indexes: by default they answer, estimate and order nothing."""

    spec: IndexSpec

    def __init__(self, spec: IndexSpec) -> None:
        self.spec = spec

    def answer(self, condition: Condition) -> np.ndarray | None:
        return None

    def estimate(self, condition: Condition) -> int | None:
        return None

    def order_entries(self, bounds: Range) -> OrderEntries | None:
        return None

    def value_entries(self) -> OrderEntries | None:
        return None


def int_entries(col: ValueColumn, bounds: Range) -> OrderEntries:
    """The entries of an int64 column within `bounds` (compared exactly)."""
    iv = int_interval(bounds)
    pos = EMPTY if iv is None else col.between(iv[0], False, iv[1], False)
    return OrderEntries(col.values_at(pos), col.slots_at(pos))


class ColumnIndex(BaseIndex):
    """Base of the indexes whose values live in one `ValueColumn` (`self._col`)."""

    _col: ValueColumn

    def remove(self, slot: int) -> None:
        self._col.drop(slot)

    @property
    def points(self) -> int:
        return len(self._col.live)

    @property
    def values(self) -> int:
        return self._col.count_values()
