"""Payload field indexes (Qdrant's field index): per-field structures that answer filter
conditions without visiting points one by one. (Not the HNSW vector index,
`vectorizer.collection.vectors.hnsw`, nor the background indexer, `vectorizer.indexer`.)

The collection feeds each index the values found at its field for every point
(`add(slot, values)`, arrays already flattened) and asks it for the slots matching a
condition (`answer`). An index only answers what it can answer exactly as per-point
evaluation would (a point matches when any of its values matches); otherwise it returns
None and the condition is checked point by point. Values of a type the index does not
hold are ignored, as in Qdrant (a keyword index skips numbers).

Storage is column-wise: each index keeps (value, slot) entries in numpy arrays, a prefix
sorted by value plus an unsorted tail of recent additions, merged when the tail grows.
Removing or replacing a point bumps its slot's generation, which hides its old entries
until the next merge drops them. Answers are searchsorted slices plus vectorised masks.

Semantics are those of per-point evaluation (`vectorizer.filters.evaluate`, which
follows the Qdrant server):

- numbers: bools are never numbers; an integer matches only an integer (``1.0`` does not
  match ``MatchValue(1)``); ranges compare exactly, ints and floats alike.
- datetimes: strings read by `evaluate.parse_datetime` (naive means UTC), compared as
  integer microseconds.
- geo: see `GeoIndex`.
- text: a point matches when one of its strings holds every query token; a query
  without tokens, or with a token no string has, matches nothing.
- uuids: both sides are compared in canonical form (lower-case, hyphenated).
- MatchExcept is never answered by an index: it also matches points holding values of
  other types (floats, bools, objects), which the index does not keep.
"""

from __future__ import annotations

from collections.abc import Callable

from vectorizer.filters.field_index.base import OrderEntries, PayloadIndex
from vectorizer.filters.field_index.bool_index import BoolIndex
from vectorizer.filters.field_index.full_text_index import TextIndex
from vectorizer.filters.field_index.geo_index import EARTH_RADIUS_M, GeoIndex
from vectorizer.filters.field_index.map_index import KeywordIndex, UuidIndex
from vectorizer.filters.field_index.numeric_index import DatetimeIndex, FloatIndex, IntegerIndex
from vectorizer.filters.field_index.spec import INDEX_TYPES, IndexSpec, parse_index_spec
from vectorizer.filters.field_index.values import canonical_uuid, datetime_micros, datetime_value

__all__ = [
    "EARTH_RADIUS_M",
    "INDEX_TYPES",
    "BoolIndex",
    "DatetimeIndex",
    "FloatIndex",
    "GeoIndex",
    "IndexSpec",
    "IntegerIndex",
    "KeywordIndex",
    "OrderEntries",
    "PayloadIndex",
    "TextIndex",
    "UuidIndex",
    "canonical_uuid",
    "datetime_micros",
    "datetime_value",
    "make_index",
    "parse_index_spec",
]

_INDEX_CLASSES: dict[str, Callable[[IndexSpec], PayloadIndex]] = {
    "keyword": KeywordIndex,
    "integer": IntegerIndex,
    "float": FloatIndex,
    "geo": GeoIndex,
    "text": TextIndex,
    "bool": BoolIndex,
    "datetime": DatetimeIndex,
    "uuid": UuidIndex,
}


def make_index(spec: IndexSpec) -> PayloadIndex:
    """An empty index for `spec`."""
    return _INDEX_CLASSES[spec.type](spec)
