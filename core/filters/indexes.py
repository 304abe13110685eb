"""Payload field indexes: per-field structures that answer filter conditions without
visiting points one by one.

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

import abc
import datetime as dt
import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from vectorizer.errors import BadRequest, InvalidInput, Unsupported
from vectorizer.filters.ast import (
    Condition,
    DatetimeRange,
    GeoBoundingBox,
    GeoPoint,
    GeoPolygon,
    GeoRadius,
    MatchAny,
    MatchText,
    MatchValue,
    Range,
)
from vectorizer.filters.evaluate import haversine_m, parse_datetime
from vectorizer.filters.tokenizers import TOKENIZERS, make_tokenizer

INDEX_TYPES = ("keyword", "integer", "float", "geo", "text", "bool", "datetime", "uuid")

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_EMPTY = np.empty(0, dtype=np.int64)

# ============================================================================ specs

# Every field Qdrant 1.14 knows for each index type, with its default.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "keyword": {"is_tenant": False, "on_disk": False},
    "integer": {"lookup": True, "range": True, "is_principal": False, "on_disk": False},
    "float": {"is_principal": False, "on_disk": False},
    "geo": {"on_disk": False},
    "text": {
        "tokenizer": "word",
        "min_token_len": None,
        "max_token_len": None,
        "lowercase": True,
        "on_disk": False,
    },
    "bool": {"on_disk": False},
    "datetime": {"is_principal": False, "on_disk": False},
    "uuid": {"is_tenant": False, "on_disk": False},
}
# Text index options added after Qdrant 1.14.
_LATER_TEXT_OPTIONS = ("phrase_matching", "stopwords", "stemmer", "ascii_folding")


@dataclass(frozen=True)
class IndexSpec:
    """A payload index on `field`: its type and full params (every default filled in).

    `given` is the params object as the request gave it (its non-null fields), or None
    when the request named the bare type; Qdrant reports `params` only in the latter case.
    """

    field: str
    type: str
    params: dict[str, Any]
    given: dict[str, Any] | None = None

    @property
    def wire(self) -> str | dict[str, Any]:
        """The `field_schema` as the request gave it: what is stored, to report it back."""
        return self.type if self.given is None else self.given


def _bad(where: str, problem: str) -> BadRequest:
    return BadRequest(f"Wrong input: {where}: {problem}")


def parse_index_spec(field: str, schema: str | dict[str, Any] | None) -> IndexSpec:
    """Validate a `field_schema` wire value (a type name or a params object)."""
    if not isinstance(field, str) or not field:
        raise _bad("field_name", "must be a non-empty string")
    if schema is None:
        raise _bad("field_schema", f"required to create an index (one of {', '.join(INDEX_TYPES)})")
    if isinstance(schema, str):
        if schema not in INDEX_TYPES:
            raise _bad("field_schema", f"unknown payload index type {schema!r}")
        return IndexSpec(field, schema, {"type": schema, **_DEFAULTS[schema]})
    if not isinstance(schema, dict):
        raise _bad("field_schema", "expected a payload index type name or a params object")
    kind = schema.get("type")
    if kind is None:
        raise _bad("field_schema.type", "missing")
    if not isinstance(kind, str) or kind not in INDEX_TYPES:
        raise _bad("field_schema.type", f"unknown payload index type {kind!r}")
    defaults = _DEFAULTS[kind]
    given: dict[str, Any] = {"type": kind}
    for key, value in schema.items():
        if key == "type" or value is None:
            continue
        where = f"field_schema.{key}"
        if key not in defaults:
            if kind == "text" and key in _LATER_TEXT_OPTIONS:
                raise Unsupported(f"text index option {key!r} (added after Qdrant 1.14)")
            raise _bad(where, f"unknown field for a {kind} index")
        if key == "tokenizer":
            if value not in TOKENIZERS:
                raise _bad(where, f"unknown tokenizer {value!r} (one of {', '.join(TOKENIZERS)})")
        elif key in ("min_token_len", "max_token_len"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise _bad(where, f"expected a non-negative integer, got {value!r}")
        elif not isinstance(value, bool):
            raise _bad(where, f"expected a boolean, got {value!r}")
        given[key] = value
    if kind == "integer" and given.get("lookup") is False and given.get("range") is False:
        raise InvalidInput(  # Qdrant's validation of the params, not a format error
            "field_schema",
            "Validation error: the 'lookup' and 'range' capabilities can't be both disabled [{}]",
        )
    return IndexSpec(field, kind, {"type": kind, **defaults, **given}, given)


# ============================================================================ value parsing

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


def datetime_value(value: Any) -> int | None:
    """Microseconds since the epoch of a payload datetime string, else None.

    Parsed by `evaluate.parse_datetime`, so the index reads exactly the strings that
    per-point evaluation reads.
    """
    if not isinstance(value, str):
        return None
    try:
        return datetime_micros(parse_datetime(value))
    except ValueError:
        return None


def datetime_micros(moment: dt.datetime | dt.date) -> int:
    """Microseconds since the epoch for a datetime (naive means UTC) or a date (midnight)."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // _MICRO


def canonical_uuid(value: Any) -> str | None:
    """The canonical (lower-case, hyphenated) form of a UUID string, else None."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _geo_value(value: Any) -> tuple[float, float] | None:
    """(lat, lon) of a ``{"lat": .., "lon": ..}`` payload value with numeric coordinates.

    Like per-point evaluation, coordinates are not range-checked. NaN coordinates are
    left out: they satisfy no geo condition.
    """
    if not isinstance(value, dict):
        return None
    lat, lon = value.get("lat"), value.get("lon")
    if not (_is_number(lat) and _is_number(lon)):
        return None
    assert lat is not None and lon is not None
    try:
        lat_f, lon_f = float(lat), float(lon)
    except OverflowError:
        return None
    if lat_f != lat_f or lon_f != lon_f:
        return None
    return lat_f, lon_f


# ============================================================================ storage


class _Column:
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
        return self._live_positions(_concat(parts))

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
        return self._live_positions(_concat(parts))

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
        return _unique_sorted(found)

    def values_at(self, pos: np.ndarray) -> np.ndarray:
        return self._vals[pos]

    def slots_at(self, pos: np.ndarray) -> np.ndarray:
        """The slot of each entry at `pos` (not deduplicated, in the order of `pos`)."""
        return self._slots[pos]

    def aux_at(self, pos: np.ndarray) -> np.ndarray:
        assert self._aux is not None
        return self._aux[pos]


def _unique_sorted(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort and a neighbour compare: faster here than np.unique)."""
    if len(values) <= 1:
        return np.asarray(values, dtype=np.int64)
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return _EMPTY
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


class _Codes:
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


# ============================================================================ ranges


def _int_interval(cond: Range) -> tuple[int, int] | None:
    """The inclusive int64 interval of integers satisfying the bounds, or None if empty."""
    lo, hi = _I64_MIN, _I64_MAX
    for bound, strict in ((cond.gt, True), (cond.gte, False)):
        if bound is None:
            continue
        if isinstance(bound, float):
            if math.isnan(bound) or bound == math.inf:
                return None
            if bound == -math.inf:
                continue
            lo = max(lo, math.floor(bound) + 1 if strict else math.ceil(bound))
        else:
            lo = max(lo, bound + 1 if strict else bound)
    for bound, strict in ((cond.lt, True), (cond.lte, False)):
        if bound is None:
            continue
        if isinstance(bound, float):
            if math.isnan(bound) or bound == -math.inf:
                return None
            if bound == math.inf:
                continue
            hi = min(hi, math.ceil(bound) - 1 if strict else math.floor(bound))
        else:
            hi = min(hi, bound - 1 if strict else bound)
    return (lo, hi) if lo <= hi else None


def _float_bound(bound: float | int, lower: bool, strict: bool) -> tuple[float, bool] | None:
    """The bound as a float comparison exactly equivalent over float values.

    An integer between two adjacent floats becomes an inclusive bound on the neighbour
    on the right side. None means the bound excludes every value (NaN).
    """
    if isinstance(bound, float):
        return None if math.isnan(bound) else (bound, strict)
    try:
        f = float(bound)
    except OverflowError:
        f = math.inf if bound > 0 else -math.inf
    if f == bound:
        return f, strict
    below, above = (
        (f, math.nextafter(f, math.inf)) if f < bound else (math.nextafter(f, -math.inf), f)
    )
    return (above, False) if lower else (below, False)


def _float_interval(cond: Range) -> tuple[float | None, bool, float | None, bool] | None:
    """(lo, lo_strict, hi, hi_strict) for float values, or None if nothing can match."""
    lo: float | None = None
    lo_strict = False
    hi: float | None = None
    hi_strict = False
    for bound, strict in ((cond.gt, True), (cond.gte, False)):
        if bound is None:
            continue
        fb = _float_bound(bound, True, strict)
        if fb is None:
            return None
        if lo is None or fb[0] > lo or (fb[0] == lo and fb[1]):
            lo, lo_strict = fb
    for bound, strict in ((cond.lt, True), (cond.lte, False)):
        if bound is None:
            continue
        fb = _float_bound(bound, False, strict)
        if fb is None:
            return None
        if hi is None or fb[0] < hi or (fb[0] == hi and fb[1]):
            hi, hi_strict = fb
    return lo, lo_strict, hi, hi_strict


def _unbounded(cond: Range) -> bool:
    return cond.gt is None and cond.gte is None and cond.lt is None and cond.lte is None


def _in_range(cond: Range, value: float | int) -> bool:
    return (
        (cond.gt is None or value > cond.gt)
        and (cond.gte is None or value >= cond.gte)
        and (cond.lt is None or value < cond.lt)
        and (cond.lte is None or value <= cond.lte)
    )


class _Numbers:
    """Numeric values of a field: int64 ints, floats, and the rare ints beyond int64.

    NaN is kept apart: it satisfies no bound, so only a Range without bounds matches it.
    """

    def __init__(self) -> None:
        self.ints = _Column(np.int64)
        self.floats = _Column(np.float64)
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
                if _I64_MIN <= v <= _I64_MAX:
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
        iv = _int_interval(cond)
        if iv is not None:
            parts.append(self.ints.slots(self.ints.between(iv[0], False, iv[1], False)))
        fv = _float_interval(cond)
        if fv is not None:
            parts.append(self.floats.slots(self.floats.between(*fv)))
        if self.big:
            hits = [s for s, vs in self.big.items() if any(_in_range(cond, v) for v in vs)]
            parts.append(np.array(hits, dtype=np.int64))
        if self.nan and _unbounded(cond):
            parts.append(np.fromiter(self.nan, dtype=np.int64, count=len(self.nan)))
        parts = [p for p in parts if len(p)]
        if len(parts) == 1:
            return parts[0]  # already sorted and distinct
        return _unique_sorted(_concat(parts))

    def range_estimate(self, cond: Range) -> int:
        n = len(self.big) + (len(self.nan) if _unbounded(cond) else 0)
        iv = _int_interval(cond)
        if iv is not None:
            n += self.ints.count_between(iv[0], False, iv[1], False)
        fv = _float_interval(cond)
        if fv is not None:
            n += self.floats.count_between(*fv)
        return n


# ============================================================================ indexes


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


class _Index:
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


def _int_entries(col: _Column, bounds: Range) -> OrderEntries:
    """The entries of an int64 column within `bounds` (compared exactly)."""
    iv = _int_interval(bounds)
    pos = _EMPTY if iv is None else col.between(iv[0], False, iv[1], False)
    return OrderEntries(col.values_at(pos), col.slots_at(pos))


class _ColumnIndex(_Index):
    """Base of the indexes whose values live in one `_Column` (`self._col`)."""

    _col: _Column

    def remove(self, slot: int) -> None:
        self._col.drop(slot)

    @property
    def points(self) -> int:
        return len(self._col.live)

    @property
    def values(self) -> int:
        return self._col.count_values()


class _CodedIndex(_ColumnIndex, abc.ABC):
    """Strings dictionary-encoded into one column: the keyword and uuid indexes."""

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._codes = _Codes()
        self._col = _Column(np.int64)

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
        return self._col.slots(self._col.isin(codes)) if len(codes) else _EMPTY

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


class BoolIndex(_ColumnIndex):
    """Booleans; answers MatchValue on a bool."""

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._col = _Column(np.int8)

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


class _NumbersIndex(_Index):
    """Base of the integer and float indexes: one `_Numbers` store of a field's values."""

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._nums = _Numbers()

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
        if not all(_is_int(v) and _I64_MIN <= v <= _I64_MAX for v in values):
            return None
        return _unique_sorted(np.array(values, dtype=np.int64))

    def order_entries(self, bounds: Range) -> OrderEntries | None:
        """Integer values only, as Qdrant's integer index (floats are kept for ranges)."""
        return _int_entries(self._nums.ints, bounds) if self._range else None

    def answer(self, condition: Condition) -> np.ndarray | None:
        if isinstance(condition, Range):
            return self._nums.range_slots(condition) if self._range else None
        values = self._lookup_values(condition)
        if values is None:
            return None
        ints = self._nums.ints
        return ints.slots(ints.isin(values)) if len(values) else _EMPTY

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
        ints = _int_entries(nums.ints, bounds)
        values = [ints.values.astype(np.float64), np.empty(0, dtype=np.float64)]
        slots = [ints.slots, _EMPTY]
        fv = _float_interval(bounds)
        if fv is not None:
            pos = nums.floats.between(*fv)
            values[1], slots[1] = nums.floats.values_at(pos), nums.floats.slots_at(pos)
        big = [(float(v), s) for s, vs in nums.big.items() for v in vs if _in_range(bounds, v)]
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


class DatetimeIndex(_ColumnIndex):
    """Datetime strings as int64 microseconds; answers DatetimeRange."""

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._col = _Column(np.int64)

    def add(self, slot: int, values: list[Any]) -> None:
        found = {m for v in values if (m := datetime_value(v)) is not None}
        self._col.set(slot, np.fromiter(found, dtype=np.int64, count=len(found)))

    def order_entries(self, bounds: Range) -> OrderEntries | None:
        """Datetimes as microseconds since the epoch (`bounds` in microseconds too)."""
        return _int_entries(self._col, bounds)

    @staticmethod
    def _interval(cond: DatetimeRange) -> tuple[int, int] | None:
        lo, hi = _I64_MIN, _I64_MAX
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
        return _EMPTY if iv is None else self._col.slots(self._col.between(iv[0], False, iv[1]))

    def estimate(self, condition: Condition) -> int | None:
        if not isinstance(condition, DatetimeRange):
            return None
        iv = self._interval(condition)
        return 0 if iv is None else self._col.count_between(iv[0], False, iv[1])


class TextIndex(_Index):
    """Tokens of a field's strings; answers MatchText.

    A point matches when one of its strings holds every query token (Qdrant's per-point
    check; its posting-list path pools the tokens of all the point's strings instead).
    Each string is a document of its own, mapped back to its point's slot.
    """

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self.tokenize_doc = make_tokenizer(spec.params)
        self.tokenize_query = make_tokenizer(spec.params, query=True)
        self._codes = _Codes()
        self._col = _Column(np.int64)  # (token code, document) entries
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
            return _EMPTY
        col = self._col
        codes.sort(key=lambda c: col.count_between(c, False, c, False))
        docs = col.slots(col.between(codes[0], False, codes[0], False))
        for code in codes[1:]:
            if not len(docs):
                break
            docs = np.intersect1d(
                docs, col.slots(col.between(code, False, code, False)), assume_unique=True
            )
        return _unique_sorted(self._doc_slot[docs])

    def estimate(self, condition: Condition) -> int | None:
        if not isinstance(condition, MatchText):
            return None
        codes = self._query_codes(condition.text)
        if codes is None:
            return 0
        return min(self._col.count_between(c, False, c, False) for c in codes)


# Mean earth radius in meters, as Qdrant and qdrant-client use.
EARTH_RADIUS_M = 6371008.8


class GeoIndex(_ColumnIndex):
    """Geo points (``{"lat", "lon"}``); answers GeoBoundingBox, GeoRadius and GeoPolygon.

    Matches follow per-point evaluation (`vectorizer.filters.evaluate`): bounding boxes
    exclude their edges and cross the antimeridian when the left longitude exceeds the
    right; a radius holds points whose haversine distance is strictly below it; polygons
    use local mode's ray casting, points on a ring being outside the polygon.
    """

    def __init__(self, spec: IndexSpec) -> None:
        super().__init__(spec)
        self._col = _Column(np.float64, aux=True)  # lat sorted, lon alongside

    def add(self, slot: int, values: list[Any]) -> None:
        found = {p for v in values if (p := _geo_value(v)) is not None}
        lat = np.fromiter((p[0] for p in found), dtype=np.float64, count=len(found))
        lon = np.fromiter((p[1] for p in found), dtype=np.float64, count=len(found))
        self._col.set(slot, lat, lon)

    def _candidates(self, condition: Condition) -> np.ndarray | None:
        """Positions of the entries that may match: those in a latitude band."""
        col = self._col
        if isinstance(condition, GeoBoundingBox):
            bottom, top = float(condition.bottom_right.lat), float(condition.top_left.lat)
            return col.between(bottom, True, top, True)
        if isinstance(condition, GeoRadius):
            # A great-circle distance is at least the latitude difference (for
            # latitudes within [-90, 90]; others are always candidates).
            reach = float(condition.radius) / EARTH_RADIUS_M
            lat = float(condition.center.lat)
            if not (reach < 3.0 and -90.0 <= lat <= 90.0):
                return col.between()
            margin = math.degrees(reach) * (1 + 1e-9) + 1e-9
            return np.concatenate(
                [
                    col.between(lat - margin, False, lat + margin, False),
                    col.between(None, False, -90.0, True),
                    col.between(90.0, True, None, False),
                ]
            )
        if isinstance(condition, GeoPolygon):
            if not condition.exterior:
                return _EMPTY
            lats = [float(p.lat) for p in condition.exterior]
            lo, hi = min(lats), max(lats)
            margin = 1e-9 * max(1.0, abs(lo), abs(hi))
            return col.between(lo - margin, False, hi + margin, False)
        return None

    def answer(self, condition: Condition) -> np.ndarray | None:
        pos = self._candidates(condition)
        if pos is None:
            return None
        if not len(pos):
            return _EMPTY
        col = self._col
        lat, lon = col.values_at(pos), col.aux_at(pos)
        with np.errstate(all="ignore"):
            if isinstance(condition, GeoBoundingBox):
                mask = _in_box(condition, lon)
            elif isinstance(condition, GeoRadius):
                mask = _within(condition, lat, lon)
            else:
                assert isinstance(condition, GeoPolygon)
                mask = _in_polygon(condition, lat, lon)
        return col.slots(pos[mask])

    def estimate(self, condition: Condition) -> int | None:
        pos = self._candidates(condition)
        return None if pos is None else len(pos)


def _in_box(box: GeoBoundingBox, lon: np.ndarray) -> np.ndarray:
    left, right = float(box.top_left.lon), float(box.bottom_right.lon)
    if left > right:
        return (lon > left) | (lon < right)
    return (left < lon) & (lon < right)


def _within(cond: GeoRadius, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Haversine distance below the radius, computed as `evaluate.haversine_m` does.

    numpy's arcsin can differ from libm's by an ulp, so distances within a hair of the
    radius are recomputed one by one with `haversine_m` itself.
    """
    lon0, lat0, radius = float(cond.center.lon), float(cond.center.lat), cond.radius
    lon1, lat1 = np.radians(lon), np.radians(lat)
    lon2, lat2 = math.radians(lon0), math.radians(lat0)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * math.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    dist = EARTH_RADIUS_M * (2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))
    mask = dist < radius
    close = np.flatnonzero(np.abs(dist - radius) <= 1e-9 * max(abs(radius), 1.0))
    for i in close.tolist():
        mask[i] = haversine_m(float(lon[i]), float(lat[i]), lon0, lat0) < radius
    return mask


def _in_ring(x: np.ndarray, y: np.ndarray, ring: tuple[GeoPoint, ...], on_edge: bool) -> np.ndarray:
    """Ray casting over (x=lat, y=lon), as local mode's `in_ring`; edge points give `on_edge`."""
    pts = [(float(p.lat), float(p.lon)) for p in ring]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    inside = np.zeros(len(x), dtype=bool)
    edge = np.zeros(len(x), dtype=bool)
    j = len(pts) - 1
    for i in range(len(pts)):
        xi, yi = pts[i]
        xj, yj = pts[j]
        edge |= (
            (y * (xi - xj) + yi * (xj - x) + yj * (x - xi) == 0)
            & ((xi - x) * (xj - x) <= 0)
            & ((yi - y) * (yj - y) <= 0)
        )
        crosses = (yi > y) != (yj > y)
        if yj != yi:
            inside ^= crosses & (x < (xj - xi) * (y - yi) / (yj - yi) + xi)
        j = i
    return np.where(edge, on_edge, inside)


def _in_polygon(poly: GeoPolygon, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    result = _in_ring(lat, lon, poly.exterior, False)
    for hole in poly.interiors:
        if not result.any():
            break
        result &= ~_in_ring(lat, lon, hole, True)
    return result


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
