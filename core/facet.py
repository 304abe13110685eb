"""Facets: how many points hold each value of a payload field (Qdrant's `/facet`).

Semantics are Qdrant 1.14's (`lib/segment/src/segment/facet.rs`,
`lib/collection/src/collection/facet.rs`):

- the field needs a payload index that answers `match`: keyword, integer (with `lookup`),
  bool or uuid; any other field is refused with Qdrant's "No appropriate index for
  faceting" (400), even when the collection is empty;
- a point counts once per distinct value it holds (arrays included); only the values the
  index holds count (a keyword index ignores numbers), uuids in canonical form;
- with a filter, only the points matching it count;
- hits are ordered by count descending, then by value ascending, and cut at `limit`
  (default 10).

Qdrant's default is an approximate count (exact only within one segment) and `exact`
asks for exact counts; Vectorizer has one segment, so every answer here is exact and
`exact` only matters to strict mode (`search_allow_exact: false` refuses it).

The counts come straight from the index's (value, slot) entries (`value_entries`), not
from the payloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorizer.errors import BadRequest, StrictModeViolation

if TYPE_CHECKING:
    from vectorizer.collection import Collection

FacetValue = str | int | bool

DEFAULT_LIMIT = 10

FACET_SCHEMAS = ("keyword", "integer", "bool", "uuid")
"""Index types a facet can read (an integer index only with `lookup` on)."""

NO_FACET_INDEX = (
    "Wrong input: No appropriate index for faceting: `{key}`. Please create one to facet on "
    "this field. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to "
    "see which payload schemas support Match conditions"
)
"""Qdrant's answer when the key has no index of one of `FACET_SCHEMAS`."""


@dataclass(frozen=True)
class FacetHit:
    """One value of the field and the number of points holding it."""

    value: FacetValue
    count: int


def _check_strict_mode(
    collection: Collection, limit: int | None, flt: Any, exact: bool | None
) -> None:
    """Qdrant checks a facet as it checks a scroll (the `limit` asked for, the filter's
    size and indexes, a read cost of 1 plus the filter's conditions), and refuses `exact`
    where strict mode disallows exact search."""
    strict = collection.strict
    if not strict.active:
        return
    if exact and strict.settings.search_allow_exact is False:
        raise StrictModeViolation("Exact search disabled!. Help: Set exact=false.")
    if limit is None:
        strict.check_count(collection, flt)
    else:
        strict.check_scroll(collection, limit, flt)


def _top(values: np.ndarray, counts: np.ndarray, limit: int) -> list[FacetHit]:
    """The `limit` best of the sorted distinct `values` by count descending, then value
    ascending."""
    order = np.lexsort((np.arange(len(values)), -counts))[:limit]
    return [
        FacetHit(v, int(c))
        for v, c in zip(values[order].tolist(), counts[order].tolist(), strict=True)
    ]


def facet(
    collection: Collection,
    key: str,
    *,
    filter: Any = None,
    limit: int | None = None,
    exact: bool | None = None,
) -> list[FacetHit]:
    """Counts of the points (matching `filter`) per value of the payload field `key`,
    the `limit` largest (default 10), largest first and ties by value."""
    _check_strict_mode(collection, limit, filter, exact)
    want = DEFAULT_LIMIT if limit is None else limit
    if want < 1:
        raise BadRequest("Wrong input: limit must be at least 1")
    with collection.reading():
        index = collection.payload_indexes.get(key)
        entries = None if index is None else index.value_entries()
        if entries is None:
            raise BadRequest(NO_FACET_INDEX.format(key=key))
        values = entries.values
        if filter is not None:
            values = values[np.isin(entries.slots, collection.matching_slots(filter))]
    found, counts = np.unique(values, return_counts=True)
    return _top(found, counts, want)
