"""Per-point evaluation of the filter AST, with Qdrant's semantics.

The reference is Qdrant's segment code (``payload_storage/query_checker.rs``,
``condition_checker.rs``) as mirrored by ``qdrant_client.local``. Where the two
disagree, this module follows the Qdrant server, because that is what clients migrate
from; each such place is marked "local mode differs" below and pinned by a test.

Values at a key path are gathered as Qdrant does: every value the path reaches (through
``[]`` and ``[n]`` steps), then a value check (match, range, geo, text) passes when the
value, or any element of a value that is an array, passes. `IsEmpty`, `IsNull` and
`ValuesCount` look at the reached values themselves, arrays unflattened.

Conditions are compiled once into closures (see `compile_condition`), with key paths
parsed once, so checking one condition over many points costs little per point.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from vectorizer.errors import Unsupported
from vectorizer.filters.ast import (
    Condition,
    Custom,
    DatetimeRange,
    Filter,
    GeoBoundingBox,
    GeoPoint,
    GeoPolygon,
    GeoRadius,
    HasId,
    HasVector,
    IsEmpty,
    IsNull,
    MatchAny,
    MatchExcept,
    MatchText,
    MatchValue,
    Nested,
    Range,
    ValuesCount,
)
from vectorizer.models import PointId
from vectorizer.payload import Step, parse_path

__all__ = [
    "DEFAULT_CONTEXT",
    "EvalContext",
    "PointView",
    "Predicate",
    "Tokenizer",
    "check",
    "compile_condition",
    "haversine_m",
    "matches",
    "parse_datetime",
    "raw_values_at",
    "values_at",
]

Tokenizer = Callable[[str], list[str]]


@dataclass
class PointView:
    """What a condition may look at in one point."""

    id: PointId
    payload: dict[str, Any]
    has_vector: Callable[[str], bool]


def _no_text_index(key: str) -> Tokenizer | None:
    return None


@dataclass
class EvalContext:
    """Collection state that changes how conditions match.

    `tokenizer(key)` returns the tokenizer of the full-text index on `key`, or None when
    there is none (then `MatchText` is a substring match).
    """

    tokenizer: Callable[[str], Tokenizer | None] = _no_text_index


DEFAULT_CONTEXT = EvalContext()

Predicate = Callable[[PointView, EvalContext], bool]

# ----------------------------------------------------------------------------- key paths


@lru_cache(maxsize=4096)
def _steps(key: str) -> tuple[Step, ...]:
    return tuple(parse_path(key))


def _walk(payload: dict[str, Any], steps: tuple[Step, ...]) -> list[Any]:
    """The values reached by `steps` (Qdrant's `get_value`: arrays kept whole)."""
    first = steps[0]
    if first not in payload:
        return []
    current = [payload[first]]
    for step in steps[1:]:
        nxt: list[Any] = []
        if step is None:
            for node in current:
                if isinstance(node, list):
                    nxt.extend(node)
        elif isinstance(step, str):
            for node in current:
                if isinstance(node, dict) and step in node:
                    nxt.append(node[step])
        else:
            for node in current:
                if isinstance(node, list) and step < len(node):
                    nxt.append(node[step])
        if not nxt:
            return nxt
        current = nxt
    return current


def raw_values_at(payload: dict[str, Any], key: str) -> list[Any]:
    """The values the key path reaches, arrays not flattened (what `is_empty` sees)."""
    return _walk(payload, _steps(key))


def values_at(payload: dict[str, Any], key: str) -> list[Any]:
    """The values at a key path, each reached array replaced by its elements.

    ``a``, ``a.b``, ``a[]``, ``a[].b``, ``a[0]``, ``a[0].b`` and quoted keys (``"a.b"``)
    as `vectorizer.payload.parse_path` reads them. One level of array is flattened per
    reached value, as Qdrant does: ``{"a": [[1], 2]}`` at ``a`` gives ``[[1], 2]`` and at
    ``a[]`` gives ``[1, 2]``. A malformed path raises BadRequest.
    """
    out: list[Any] = []
    for value in _walk(payload, _steps(key)):
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)
    return out


# ----------------------------------------------------------------------------- datetimes

_DATETIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?"
    r"(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?"
)


def parse_datetime(value: str) -> dt.datetime:
    """Parse a datetime as Qdrant accepts it in payloads and range bounds; UTC when naive.

    Accepted: ``YYYY-MM-DD``, ``YYYY-MM-DD[T ]HH:MM``, ``YYYY-MM-DD[T ]HH:MM:SS[.f]``,
    the last also with a zone: ``Z``, ``±HH:MM``, ``±HHMM`` or ``±HH``; one-digit month,
    day and time fields are read too (as local mode and Qdrant's fallback formats do).
    Fractions beyond microseconds are truncated. Raises ValueError otherwise.
    """
    parsed = _parse_datetime_or_none(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"{value!r} is not in a supported date/time format, please use RFC 3339")
    return parsed


@lru_cache(maxsize=65536)
def _parse_datetime_or_none(value: str) -> dt.datetime | None:
    match = _DATETIME.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, frac, zulu, sign, off_h, off_m = match.groups()
    if (zulu or sign) and second is None:
        return None  # a zone needs full seconds, as in RFC 3339
    tz: dt.tzinfo = dt.UTC
    if sign:
        offset = dt.timedelta(hours=int(off_h), minutes=int(off_m or 0))
        if offset >= dt.timedelta(hours=24) or int(off_m or 0) > 59:
            return None
        tz = dt.timezone(-offset if sign == "-" else offset)
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((frac or "0")[:6].ljust(6, "0")),
            tzinfo=tz,
        )
    except ValueError:
        return None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


# ----------------------------------------------------------------------------- geo

_EARTH_RADIUS_M = 6371008.8  # mean Earth radius (IUGG), as Qdrant and local mode use


def _geo_point(value: Any) -> tuple[float, float] | None:
    """(lon, lat) of a ``{"lon": .., "lat": ..}`` object with numeric coordinates."""
    if not isinstance(value, dict):
        return None
    lon, lat = value.get("lon"), value.get("lat")
    if isinstance(lon, bool) or isinstance(lat, bool):
        return None
    if isinstance(lon, int | float) and isinstance(lat, int | float):
        return lon, lat
    return None


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in meters (haversine formula)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (lon1, lat1, lon2, lat2))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return _EARTH_RADIUS_M * (2 * math.asin(math.sqrt(a)))


def _ring(points: tuple[GeoPoint, ...]) -> list[tuple[float, float]]:
    """A ring as (lat, lon) pairs without its closing point."""
    ring = [(p.lat, p.lon) for p in points]
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    return ring


def _in_ring(x: float, y: float, ring: list[tuple[float, float]], on_boundary: bool) -> bool:
    """Ray casting; a point on the boundary counts as `on_boundary`."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (
            y * (xi - xj) + yi * (xj - x) + yj * (x - xi) == 0
            and (xi - x) * (xj - x) <= 0
            and (yi - y) * (yj - y) <= 0
        ):
            return on_boundary
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


# ----------------------------------------------------------------------------- compiling

_NESTED_ID: Any = object()  # id of a nested object: no HasId condition contains it


def _no_vector(name: str) -> bool:
    return False


def _field(key: str, test: Callable[[Any], bool]) -> Predicate:
    """True when a value at `key`, or an element of an array value, passes `test`."""
    steps = _steps(key)

    def predicate(point: PointView, ctx: EvalContext) -> bool:
        for value in _walk(point.payload, steps):
            if isinstance(value, list):
                for item in value:
                    if test(item):
                        return True
            elif test(value):
                return True
        return False

    return predicate


def _match_value(cond: MatchValue) -> Predicate:
    # `True` is not `1` and `1.0` is not `1` (local mode differs: Python's `==`).
    expected, kind = cond.value, type(cond.value)
    return _field(cond.key, lambda v: type(v) is kind and v == expected)


def _split(values: tuple[str | int, ...]) -> tuple[frozenset[str], frozenset[int]]:
    return (
        frozenset(v for v in values if type(v) is str),
        frozenset(v for v in values if type(v) is int),
    )


def _match_any(cond: MatchAny) -> Predicate:
    strings, ints = _split(cond.values)

    def test(v: Any) -> bool:
        kind = type(v)
        return (kind is str and v in strings) or (kind is int and v in ints)

    return _field(cond.key, test)


def _match_except(cond: MatchExcept) -> Predicate:
    # Qdrant: a null never passes, any value of another type (bool, float, object, nested
    # array) always does; an absent key or [] does not (local mode differs on null, on
    # bools against integers and on 1.0 against 1).
    strings, ints = _split(cond.values)

    def test(v: Any) -> bool:
        kind = type(v)
        if kind is str:
            return v not in strings
        if kind is int:
            return v not in ints
        return v is not None

    return _field(cond.key, test)


def _any_passes(values: list[Any], test: Callable[[Any], bool]) -> bool:
    """Whether a value, or an element of an array value, passes `test`."""
    for value in values:
        if isinstance(value, list):
            if any(test(item) for item in value):
                return True
        elif test(value):
            return True
    return False


def _match_text(cond: MatchText) -> Predicate:
    key, text, steps = cond.key, cond.text, _steps(cond.key)
    state: list[tuple[Tokenizer | None, frozenset[str]]] = [(None, frozenset())]

    def predicate(point: PointView, ctx: EvalContext) -> bool:
        tokenize = ctx.tokenizer(key)
        values = _walk(point.payload, steps)
        if tokenize is None:
            return _any_passes(values, lambda v: type(v) is str and text in v)
        cached, query = state[0]
        if cached is not tokenize:
            query = frozenset(tokenize(text))
            state[0] = (tokenize, query)
        if not query:
            return False  # Qdrant: a query without tokens matches nothing
        return _any_passes(values, lambda v: type(v) is str and query.issubset(tokenize(v)))

    return predicate


def _range(cond: Range) -> Predicate:
    # Only JSON numbers: not bools (local mode differs: True counts as 1), not strings.
    gt, gte, lt, lte = cond.gt, cond.gte, cond.lt, cond.lte

    def test(v: Any) -> bool:
        if type(v) is not int and type(v) is not float:
            return False
        return (
            (gt is None or v > gt)
            and (gte is None or v >= gte)
            and (lt is None or v < lt)
            and (lte is None or v <= lte)
        )

    return _field(cond.key, test)


def _datetime_range(cond: DatetimeRange) -> Predicate:
    gt, gte, lt, lte = _aware(cond.gt), _aware(cond.gte), _aware(cond.lt), _aware(cond.lte)

    def test(v: Any) -> bool:
        if type(v) is not str:
            return False
        when = _parse_datetime_or_none(v)
        return (
            when is not None
            and (gt is None or when > gt)
            and (gte is None or when >= gte)
            and (lt is None or when < lt)
            and (lte is None or when <= lte)
        )

    return _field(cond.key, test)


def _geo_bounding_box(cond: GeoBoundingBox) -> Predicate:
    # Strict inequalities, as Qdrant (local mode includes the edges).
    left, right = cond.top_left.lon, cond.bottom_right.lon
    top, bottom = cond.top_left.lat, cond.bottom_right.lat
    wraps = left > right  # the box crosses the antimeridian

    def test(v: Any) -> bool:
        point = _geo_point(v)
        if point is None:
            return False
        lon, lat = point
        lon_ok = (lon > left or lon < right) if wraps else left < lon < right
        return lon_ok and bottom < lat < top

    return _field(cond.key, test)


def _geo_radius(cond: GeoRadius) -> Predicate:
    lon0, lat0, radius = cond.center.lon, cond.center.lat, cond.radius

    def test(v: Any) -> bool:
        point = _geo_point(v)
        return point is not None and haversine_m(point[0], point[1], lon0, lat0) < radius

    return _field(cond.key, test)


def _geo_polygon(cond: GeoPolygon) -> Predicate:
    # Inside the exterior and outside every hole; the boundaries of both are outside.
    exterior = _ring(cond.exterior)
    holes = [_ring(ring) for ring in cond.interiors]

    def test(v: Any) -> bool:
        point = _geo_point(v)
        if point is None:
            return False
        lat, lon = point[1], point[0]
        if not _in_ring(lat, lon, exterior, False):
            return False
        return not any(_in_ring(lat, lon, hole, True) for hole in holes)

    return _field(cond.key, test)


def _values_count(cond: ValuesCount) -> Predicate:
    # Qdrant: some reached value has a count (array: its length, null: 0, other: 1)
    # within all bounds; an absent key matches nothing. Local mode differs when a path
    # reaches several values (it tests each bound on its own) and counts an object's keys.
    steps, gt, gte, lt, lte = _steps(cond.key), cond.gt, cond.gte, cond.lt, cond.lte

    def predicate(point: PointView, ctx: EvalContext) -> bool:
        for value in _walk(point.payload, steps):
            count = 0 if value is None else len(value) if isinstance(value, list) else 1
            if (
                (gt is None or count > gt)
                and (gte is None or count >= gte)
                and (lt is None or count < lt)
                and (lte is None or count <= lte)
            ):
                return True
        return False

    return predicate


def _is_empty(cond: IsEmpty) -> Predicate:
    steps = _steps(cond.key)

    def predicate(point: PointView, ctx: EvalContext) -> bool:
        return all(
            v is None or (isinstance(v, list) and not v) for v in _walk(point.payload, steps)
        )

    return predicate


def _is_null(cond: IsNull) -> Predicate:
    # Some reached value is null; [null] is an array, not null (as Qdrant 1.14).
    steps = _steps(cond.key)
    return lambda point, ctx: any(v is None for v in _walk(point.payload, steps))


def _has_id(cond: HasId) -> Predicate:
    ids = cond.ids
    return lambda point, ctx: point.id in ids


def _has_vector(cond: HasVector) -> Predicate:
    name = cond.name
    return lambda point, ctx: point.has_vector(name)


def _nested(cond: Nested) -> Predicate:
    # Qdrant reads the key as an array (`key[]`) and tests each object element on its
    # own; other elements are skipped; has_id and has_vector never match inside (local
    # mode differs: it also tests a lone object and non-object elements).
    steps = _steps(cond.key)
    array_key = cond.key
    if steps[-1] is not None:
        steps += (None,)
        array_key += "[]"
    inner = _compile(cond.filter)
    prefix = array_key + "."
    state: list[tuple[EvalContext | None, EvalContext]] = [(None, DEFAULT_CONTEXT)]

    def predicate(point: PointView, ctx: EvalContext) -> bool:
        outer, inner_ctx = state[0]
        if outer is not ctx:  # text indexes on `key[].field` answer for `field` inside
            outer_tokenizer = ctx.tokenizer
            inner_ctx = EvalContext(tokenizer=lambda k: outer_tokenizer(prefix + k))
            state[0] = (ctx, inner_ctx)
        for obj in _walk(point.payload, steps):
            if isinstance(obj, dict) and inner(PointView(_NESTED_ID, obj, _no_vector), inner_ctx):
                return True
        return False

    return predicate


def _custom(cond: Custom) -> Predicate:
    key, match, params = cond.key, cond.kind.match, cond.params
    return lambda point, ctx: bool(match(params, values_at(point.payload, key)))


def _filter(flt: Filter) -> Predicate:
    must = [_compile(c) for c in flt.must]
    must_not = [_compile(c) for c in flt.must_not]
    should = [_compile(c) for c in flt.should]
    min_conditions = (
        [] if flt.min_should is None else [_compile(c) for c in flt.min_should.conditions]
    )
    min_count = 0 if flt.min_should is None else flt.min_should.min_count

    def predicate(point: PointView, ctx: EvalContext) -> bool:
        for c in must:
            if not c(point, ctx):
                return False
        for c in must_not:
            if c(point, ctx):
                return False
        if should and not any(c(point, ctx) for c in should):
            return False
        if min_count > 0:
            found = 0
            for c in min_conditions:
                if c(point, ctx):
                    found += 1
                    if found >= min_count:
                        break
            else:
                return False
        return True

    return predicate


_COMPILERS: dict[type, Callable[[Any], Predicate]] = {
    MatchValue: _match_value,
    MatchAny: _match_any,
    MatchExcept: _match_except,
    MatchText: _match_text,
    Range: _range,
    DatetimeRange: _datetime_range,
    GeoBoundingBox: _geo_bounding_box,
    GeoRadius: _geo_radius,
    GeoPolygon: _geo_polygon,
    ValuesCount: _values_count,
    IsEmpty: _is_empty,
    IsNull: _is_null,
    HasId: _has_id,
    HasVector: _has_vector,
    Nested: _nested,
    Custom: _custom,
    Filter: _filter,
}


def _compile(cond: Condition) -> Predicate:
    compiler = _COMPILERS.get(type(cond))
    if compiler is None:
        raise Unsupported(f"filter condition {type(cond).__name__}")
    return compiler(cond)


# Keyed by identity, not equality: equal conditions can differ in meaning
# (`MatchValue("k", True) == MatchValue("k", 1)` for dataclasses). Each entry keeps its
# condition alive, so an id is never reused while cached.
_CACHE: dict[int, tuple[Condition, Predicate]] = {}
_CACHE_SIZE = 1024


def compile_condition(cond: Condition) -> Predicate:
    """A predicate ``(point, ctx) -> bool`` for a condition or filter (cached per object)."""
    entry = _CACHE.get(id(cond))
    if entry is not None and entry[0] is cond:
        return entry[1]
    predicate = _compile(cond)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[id(cond)] = (cond, predicate)
    return predicate


def check(condition: Condition, point: PointView, ctx: EvalContext = DEFAULT_CONTEXT) -> bool:
    """Whether one condition (a nested Filter included) holds for the point."""
    return compile_condition(condition)(point, ctx)


def matches(flt: Filter, point: PointView, ctx: EvalContext = DEFAULT_CONTEXT) -> bool:
    """Whether the point passes the filter: all `must`, no `must_not`, one `should` (when
    any are given), and at least `min_should.min_count` of `min_should.conditions`."""
    return compile_condition(flt)(point, ctx)
