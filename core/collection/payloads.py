"""Payload storage: each slot's payload, and the payload field indexes kept up to date
with it (`vectorizer.filters.field_index`). Key paths are `vectorizer.payload`'s."""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np

from vectorizer.filters.evaluate import values_at
from vectorizer.filters.field_index import IndexSpec, PayloadIndex, make_index, parse_index_spec
from vectorizer.models import Payload


class PayloadStore:
    """Payloads by slot, and the field indexes over them."""

    def __init__(self, specs: dict[str, str | dict[str, Any]]) -> None:
        self.payloads: list[Payload | None] = []
        """Slot -> payload (None: a free slot; read-only outside the store)."""
        self.indexes: dict[str, PayloadIndex] = {
            name: make_index(parse_index_spec(name, spec)) for name, spec in specs.items()
        }
        """Field -> its index (read-only outside the store)."""

    def grow(self, slots: int) -> None:
        missing = slots - len(self.payloads)
        if missing > 0:
            self.payloads.extend([None] * missing)

    def at(self, slot: int) -> Payload:
        """The payload of a slot (`{}` for none)."""
        return self.payloads[slot] or {}

    def put(self, slot: int, payload: Payload | None) -> None:
        """A slot's payload is now `payload`: the field indexes follow."""
        self.payloads[slot] = payload
        for field, index in self.indexes.items():
            index.remove(slot)
            index.add(slot, values_at(payload or {}, field))

    def clear(self, slot: int) -> None:
        """A slot is free: no payload, out of every field index."""
        self.payloads[slot] = None
        for index in self.indexes.values():
            index.remove(slot)

    # ------------------------------------------------------------------ field indexes

    def build_index(self, spec: IndexSpec, live: np.ndarray) -> PayloadIndex:
        """A field index over the payloads of the `live` slots (not yet in use)."""
        index = make_index(spec)
        field = spec.field
        for slot in np.flatnonzero(live).tolist():
            index.add(slot, values_at(self.payloads[slot] or {}, field))
        return index

    def add_index(self, field: str, index: PayloadIndex) -> None:
        self.indexes[field] = index

    def drop_index(self, field: str) -> None:
        del self.indexes[field]

    def schema(self) -> dict[str, Any]:
        """Each indexed field's type, params and number of points indexed.

        Like Qdrant, `params` is the params object the index was created with (without the
        defaults), and absent when it was created from a bare type name."""
        schema: dict[str, Any] = {}
        for field, index in self.indexes.items():
            entry: dict[str, Any] = {"data_type": index.spec.type}
            if index.spec.given is not None:
                entry["params"] = index.spec.given
            entry["points"] = index.points
            schema[field] = entry
        return schema

    def encoded_bytes(self, *, empty: bool = True) -> int:
        """Bytes of every payload as JSON (as the store writes them; without `empty`,
        empty payloads are left out): walks them all."""
        encode = msgspec.json.encode
        if empty:
            return sum(len(encode(p)) for p in self.payloads if p is not None)
        return sum(len(encode(p)) for p in self.payloads if p)
