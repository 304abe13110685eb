"""The bool index: booleans in an int8 column; answers MatchValue on a bool."""

from __future__ import annotations

from typing import Any

import numpy as np

from vectorizer.filters.ast import Condition, MatchValue
from vectorizer.filters.field_index.base import ColumnIndex, OrderEntries
from vectorizer.filters.field_index.column import ValueColumn
from vectorizer.filters.field_index.spec import IndexSpec


class BoolIndex(ColumnIndex):
    """Booleans; answers MatchValue on a bool."""

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._col = ValueColumn(np.int8)

    def add(self, slot: int, values: list[Any]) -> None:
        found = {int(v) for v in values if isinstance(v, bool)}
        self._col.set(slot, np.fromiter(found, dtype=np.int8, count=len(found)))

    def answer(self, condition: Condition) -> np.ndarray | None:
        if isinstance(condition, MatchValue) and isinstance(condition.value, bool):
            v = int(condition.value)
            return self._col.slots(self._col.between(v, False, v, False))
        return None

    def estimate(self, condition: Condition) -> int | None:
        if isinstance(condition, MatchValue) and isinstance(condition.value, bool):
            v = int(condition.value)
            return self._col.count_between(v, False, v, False)
        return None

    def value_entries(self) -> OrderEntries | None:
        pos = self._col.between()
        return OrderEntries(self._col.values_at(pos).astype(bool), self._col.slots_at(pos))
