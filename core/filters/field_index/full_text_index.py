"""The full-text index: tokens of a field's strings (one document per string, mapped
back to its point's slot); answers MatchText."""

from __future__ import annotations

from typing import Any

import numpy as np

from vectorizer.filters.ast import Condition, MatchText
from vectorizer.filters.field_index.base import BaseIndex
from vectorizer.filters.field_index.column import EMPTY, StringCodes, ValueColumn, unique_sorted
from vectorizer.filters.field_index.spec import IndexSpec
from vectorizer.filters.tokenizers import make_tokenizer


class TextIndex(BaseIndex):
    """Tokens of a field's strings; answers MatchText.

    A point matches when one of its strings holds every query token (Qdrant's per-point
    check; its posting-list path pools the tokens of all the point's strings instead).
    Each string is a document of its own, mapped back to its point's slot.
    """

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self.tokenize_doc = make_tokenizer(spec.params)
        self.tokenize_query = make_tokenizer(spec.params, query=True)
        self._codes = StringCodes()
        self._col = ValueColumn(np.int64)  # (token code, document) entries
        self._doc_slot = np.zeros(16, dtype=np.int64)
        self._docs: dict[int, list[int]] = {}  # slot -> its documents
        self._free: list[int] = []  # released document ids, reused
        self._next_doc = 0
        self._texts: set[int] = set()  # slots with at least one string

    def _new_doc(self, slot: int) -> int:
        if self._free:
            doc = self._free.pop()
        else:
            doc = self._next_doc
            self._next_doc += 1
            if doc >= len(self._doc_slot):
                grown = np.zeros(2 * len(self._doc_slot), dtype=np.int64)
                grown[: len(self._doc_slot)] = self._doc_slot
                self._doc_slot = grown
        self._doc_slot[doc] = slot
        return doc

    def add(self, slot: int, values: list[Any]) -> None:
        self.remove(slot)
        docs = []
        for text in {v for v in values if isinstance(v, str)}:
            self._texts.add(slot)
            tokens = set(self.tokenize_doc(text))
            if tokens:  # a string without tokens matches no query
                doc = self._new_doc(slot)
                self._col.set(doc, self._codes.encode(tokens))
                docs.append(doc)
        if docs:
            self._docs[slot] = docs

    def remove(self, slot: int) -> None:
        for doc in self._docs.pop(slot, ()):
            self._col.drop(doc)
            self._free.append(doc)
        self._texts.discard(slot)

    @property
    def points(self) -> int:
        return len(self._texts)

    @property
    def values(self) -> int:
        """The strings indexed (the documents holding at least one token)."""
        return sum(len(docs) for docs in self._docs.values())

    def matches(self, text: str, values: list[Any]) -> bool:
        """Per-point check with this index's tokenizers, for one point's values."""
        query = set(self.tokenize_query(text))
        if not query:
            return False
        return any(isinstance(v, str) and query <= set(self.tokenize_doc(v)) for v in values)

    def _query_codes(self, text: str) -> list[int] | None:
        """Codes of the query tokens, or None if the query matches nothing."""
        codes = [self._codes.get(t) for t in set(self.tokenize_query(text))]
        if not codes or any(c is None for c in codes):
            return None  # no token, or a token no document has
        return [c for c in codes if c is not None]

    def answer(self, condition: Condition) -> np.ndarray | None:
        if not isinstance(condition, MatchText):
            return None
        codes = self._query_codes(condition.text)
        if codes is None:
            return EMPTY
        col = self._col
        codes.sort(key=lambda c: col.count_between(c, False, c, False))
        docs = col.slots(col.between(codes[0], False, codes[0], False))
        for code in codes[1:]:
            if not len(docs):
                break
            docs = np.intersect1d(
                docs, col.slots(col.between(code, False, code, False)), assume_unique=True
            )
        return unique_sorted(self._doc_slot[docs])

    def estimate(self, condition: Condition) -> int | None:
        if not isinstance(condition, MatchText):
            return None
        codes = self._query_codes(condition.text)
        if codes is None:
            return 0
        return min(self._col.count_between(c, False, c, False) for c in codes)
