"""Indexes of strings, dictionary-encoded into one column: keyword and uuid (Qdrant's
map index); they answer MatchValue and MatchAny."""

from __future__ import annotations

import abc
from typing import Any

import numpy as np

from vectorizer.filters.ast import Condition, MatchAny, MatchValue
from vectorizer.filters.field_index.base import ColumnIndex, OrderEntries
from vectorizer.filters.field_index.column import EMPTY, StringCodes, ValueColumn
from vectorizer.filters.field_index.spec import IndexSpec
from vectorizer.filters.field_index.values import canonical_uuid


class _CodedIndex(ColumnIndex, abc.ABC):
    """Strings dictionary-encoded into one column: the keyword and uuid indexes."""

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._codes = StringCodes()
        self._col = ValueColumn(np.int64)

    @abc.abstractmethod
    def _normalize(self, value: Any) -> str | None:
        """The indexed form of a payload value, or None when this index ignores it."""

    def add(self, slot: int, values: list[Any]) -> None:
        keys = [k for v in values if (k := self._normalize(v)) is not None]
        self._col.set(slot, self._codes.encode(keys))

    def _query_codes(self, condition: Condition) -> np.ndarray | None:
        if isinstance(condition, MatchValue):
            values: tuple[Any, ...] = (condition.value,)
        elif isinstance(condition, MatchAny):
            values = condition.values
        else:
            return None
        keys = [self._normalize(v) for v in values]
        if any(k is None for k in keys):
            return None  # a value this index does not hold: per-point comparison decides
        return self._codes.lookup(k for k in keys if k is not None)

    def answer(self, condition: Condition) -> np.ndarray | None:
        codes = self._query_codes(condition)
        if codes is None:
            return None
        return self._col.slots(self._col.isin(codes)) if len(codes) else EMPTY

    def estimate(self, condition: Condition) -> int | None:
        codes = self._query_codes(condition)
        if codes is None:
            return None
        return self._col.count_isin(codes) if len(codes) else 0

    def value_entries(self) -> OrderEntries | None:
        """The strings (an object array) and their slots; a point's strings are distinct."""
        pos = self._col.between()
        strings = np.array(list(self._codes._codes), dtype=object)
        return OrderEntries(strings[self._col.values_at(pos)], self._col.slots_at(pos))


class KeywordIndex(_CodedIndex):
    """Strings; answers MatchValue and MatchAny on strings."""

    def _normalize(self, value: Any) -> str | None:
        return value if isinstance(value, str) else None


class UuidIndex(_CodedIndex):
    """UUID strings; answers MatchValue and MatchAny on UUID strings.

    Values compare as the strings they are (as the per-point check does, without an
    index), so the index never changes an answer.
    """

    def _normalize(self, value: Any) -> str | None:
        return value if canonical_uuid(value) is not None else None

    def value_entries(self) -> OrderEntries | None:
        """In canonical form: two spellings of one uuid held by a point count once."""
        entries = super().value_entries()
        assert entries is not None
        pairs = dict.fromkeys(
            zip((canonical_uuid(v) for v in entries.values), entries.slots.tolist(), strict=True)
        )
        values = np.array([v for v, _ in pairs], dtype=object)
        return OrderEntries(values, np.fromiter((s for _, s in pairs), np.int64, len(pairs)))
