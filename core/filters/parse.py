"""Qdrant's JSON `Filter` -> the core's filter AST (`vectorizer.filters.ast`).

A filter arrives as decoded JSON builtins (every API that speaks Qdrant's filter
language parses it here). Its conditions are an untagged union in Qdrant's spec
(FieldCondition, IsEmptyCondition, IsNullCondition, HasIdCondition, HasVectorCondition,
NestedCondition, Filter), told apart by the keys present. A field condition with
several checks (`match` and `range`, say) becomes `Filter(must=(...))`; a property
beside `key` that names a condition kind a plugin registered
(`register_filter_conditions`) becomes a `Custom` condition.

Nothing is ignored: an unknown property, a value of the wrong type, a malformed geo shape
or an empty field condition is an `InvalidFilter` (HTTP 400) naming the path to the bad
part, e.g. ``filter.must[1].range.gt: expected a number, got "x"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from vectorizer.errors import BadRequest, InvalidInput
from vectorizer.filters.ast import (
    Condition,
    ConditionKind,
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
    MinShould,
    Nested,
    Range,
    ValuesCount,
)
from vectorizer.filters.evaluate import parse_datetime
from vectorizer.models import normalize_point_id
from vectorizer.payload import parse_path

__all__ = ["InvalidFilter", "condition_in", "filter_in"]

FILTER_CLAUSES = ("must", "should", "must_not", "min_should")
FIELD_CHECKS = (
    "match",
    "range",
    "geo_bounding_box",
    "geo_radius",
    "geo_polygon",
    "values_count",
    "is_empty",
    "is_null",
)
POINT_CONDITIONS = ("is_empty", "is_null", "has_id", "has_vector", "nested")
BOUNDS = ("gt", "gte", "lt", "lte")
MATCHES = ("value", "text", "any", "except")

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

NEVER: Filter = Filter(must_not=(Filter(),))
"""A condition no point matches: what Qdrant's `"should": []` amounts to."""


class InvalidFilter(BadRequest):
    """A filter Qdrant would not accept (HTTP 400); `field` is the path to the bad part."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"Format error in JSON body: {field}: {detail}")
        self.field = field
        self.detail = detail


def condition_in(value: Any, where: str, kinds: Mapping[str, ConditionKind]) -> Condition:
    """The AST of one JSON condition (a field condition, a point condition or a filter)."""
    return _Reader(kinds).condition(value, where)


def filter_in(value: Any, where: str, kinds: Mapping[str, ConditionKind]) -> Filter:
    """The AST of the JSON filter `value` found at `where` (e.g. ``filter``).

    `kinds` are the plugin condition kinds, keyed by the property that introduces them
    in a field condition.
    """
    return _Reader(kinds).filter(value, where)


# ----------------------------------------------------------------------------- helpers


def _show(value: Any) -> str:
    """A short JSON rendering of a bad value for an error message."""
    try:
        text = msgspec.json.encode(value).decode()
    except Exception:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _object(value: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidFilter(where, f"expected {what}, got {_show(value)}")
    return value


def _only(obj: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for name in obj:
        if name not in allowed:
            raise InvalidFilter(f"{where}.{name}", f"unknown field; expected {_either(allowed)}")


def _required(obj: dict[str, Any], names: tuple[str, ...], where: str) -> None:
    for name in names:
        if obj.get(name) is None:
            raise InvalidFilter(f"{where}.{name}", "missing field")


def _either(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: Any, where: str) -> float:
    if not _is_number(value):
        raise InvalidFilter(where, f"expected a number, got {_show(value)}")
    try:
        return float(value)
    except OverflowError:
        raise InvalidFilter(where, f"number out of range: {_show(value)}") from None


def _string(value: Any, where: str, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise InvalidFilter(where, f"expected {what}, got {_show(value)}")
    return value


def _int64(value: Any) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX
    )


def _uint(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidFilter(where, f"expected an unsigned integer, got {_show(value)}")
    return value


# ----------------------------------------------------------------------------- the reader


class _Reader:
    """Reads one filter; `in_nested` is set inside a `nested` condition's filter."""

    def __init__(self, kinds: Mapping[str, ConditionKind], in_nested: bool = False) -> None:
        self.kinds = kinds
        self.in_nested = in_nested

    # ------------------------------------------------------------------ filters

    def filter(self, value: Any, where: str) -> Filter:
        obj = _object(value, where, "a filter (an object with must, should, must_not, min_should)")
        _only(obj, FILTER_CLAUSES, where)
        should = self.clause(obj.get("should"), f"{where}.should")
        if obj.get("should") == []:
            should = (NEVER,)  # Qdrant: "at least one of none" matches no point
        min_should = obj.get("min_should")
        return Filter(
            must=self.clause(obj.get("must"), f"{where}.must"),
            should=should,
            must_not=self.clause(obj.get("must_not"), f"{where}.must_not"),
            min_should=(
                self.min_should(min_should, f"{where}.min_should")
                if min_should is not None
                else None
            ),
        )

    def clause(self, value: Any, where: str) -> tuple[Condition, ...]:
        """A clause: null, one condition, or a list of conditions."""
        if value is None:
            return ()
        if isinstance(value, list):
            return tuple(self.condition(c, f"{where}[{i}]") for i, c in enumerate(value))
        if isinstance(value, dict):
            return (self.condition(value, where),)
        raise InvalidFilter(
            where, f"expected a condition or a list of conditions, got {_show(value)}"
        )

    def min_should(self, value: Any, where: str) -> MinShould:
        obj = _object(value, where, 'a min_should: {"conditions": [...], "min_count": N}')
        _only(obj, ("conditions", "min_count"), where)
        _required(obj, ("conditions", "min_count"), where)
        conditions = obj["conditions"]
        if not isinstance(conditions, list):
            raise InvalidFilter(
                f"{where}.conditions", f"expected a list of conditions, got {_show(conditions)}"
            )
        return MinShould(
            conditions=tuple(
                self.condition(c, f"{where}.conditions[{i}]") for i, c in enumerate(conditions)
            ),
            min_count=_uint(obj["min_count"], f"{where}.min_count"),
        )

    # ------------------------------------------------------------------ conditions

    def condition(self, value: Any, where: str) -> Condition:
        """One condition of the untagged union, told apart by the keys present."""
        obj = _object(value, where, "a condition (an object)")
        if "key" in obj:
            return self.field_condition(obj, where)
        for tag in POINT_CONDITIONS:
            if tag in obj:
                for name in obj:
                    if name != tag:
                        raise InvalidFilter(
                            f"{where}.{name}", f"unknown field beside `{tag}` in a condition"
                        )
                return self.point_condition(tag, obj[tag], f"{where}.{tag}")
        for name in obj:
            if name in FILTER_CLAUSES:
                continue
            if name in FIELD_CHECKS or name in self.kinds:
                raise InvalidFilter(
                    where, f"`{name}` is a field condition: it needs `key` (the payload key)"
                )
            known = ["key", *POINT_CONDITIONS, *FILTER_CLAUSES]
            raise InvalidFilter(
                f"{where}.{name}", f"unknown condition; a condition has {_either(known)}"
            )
        return self.filter(obj, where)  # a nested filter (`{}` matches every point)

    def point_condition(self, tag: str, value: Any, where: str) -> Condition:
        if tag in ("is_empty", "is_null"):
            key = self.payload_field(value, where)
            return IsEmpty(key) if tag == "is_empty" else IsNull(key)
        if tag == "has_id":
            if self.in_nested:
                raise InvalidFilter(where, "has_id is not supported inside a nested filter")
            if not isinstance(value, list):
                raise InvalidFilter(where, f"expected a list of point ids, got {_show(value)}")
            ids = []
            for i, raw in enumerate(value):
                try:
                    ids.append(normalize_point_id(raw))
                except BadRequest as exc:
                    raise InvalidFilter(f"{where}[{i}]", exc.message) from None
            return HasId(frozenset(ids))
        if tag == "has_vector":
            if self.in_nested:
                raise InvalidFilter(where, "has_vector is not supported inside a nested filter")
            return HasVector(_string(value, where, "a vector name"))
        return self.nested(value, where)

    def payload_field(self, value: Any, where: str) -> str:
        obj = _object(value, where, 'a payload field {"key": "..."}')
        _only(obj, ("key",), where)
        _required(obj, ("key",), where)
        return self.key(obj["key"], f"{where}.key")

    def nested(self, value: Any, where: str) -> Nested:
        obj = _object(value, where, 'a nested condition {"key": "...", "filter": {...}}')
        _only(obj, ("key", "filter"), where)
        _required(obj, ("key", "filter"), where)
        key = self.key(obj["key"], f"{where}.key")
        inner = _Reader(self.kinds, in_nested=True).filter(obj["filter"], f"{where}.filter")
        return Nested(key=key, filter=inner)

    @staticmethod
    def key(value: Any, where: str) -> str:
        key = _string(value, where, "a payload key (a string)")
        try:
            parse_path(key)
        except BadRequest as exc:
            raise InvalidFilter(where, exc.message) from None
        return key

    # ------------------------------------------------------------------ field conditions

    def field_condition(self, obj: dict[str, Any], where: str) -> Condition:
        """`{"key": ..., <checks>}`: every check given must hold (one check: itself)."""
        key = self.key(obj["key"], f"{where}.key")
        parts: list[Condition] = []
        for name, value in obj.items():
            if name == "key":
                continue
            here = f"{where}.{name}"
            check = _FIELD_CHECKS.get(name)
            if check is not None:
                if value is not None:  # each check is nullable in the spec
                    parts.append(check(key, value, here))
            elif name in self.kinds:
                parts.append(
                    Custom(
                        key=key,
                        kind=self.kinds[name],
                        params=_custom(self.kinds[name], value, here),
                    )
                )
            else:
                known = [*FIELD_CHECKS, *sorted(self.kinds)]
                raise InvalidFilter(
                    here, f"unknown condition; a field condition has key and {_either(known)}"
                )
        if not parts:  # well-formed JSON that Qdrant's validation refuses
            raise InvalidInput(
                where,
                "Validation error: At least one field condition must be specified "
                f"({_either([*FIELD_CHECKS, *sorted(self.kinds)])})",
            )
        return parts[0] if len(parts) == 1 else Filter(must=tuple(parts))


def _custom(kind: ConditionKind, value: Any, where: str) -> Any:
    """A plugin's parameters, validated by the kind's own `parse`."""
    try:
        return kind.parse(value, where)
    except BadRequest:
        raise
    except (ValueError, TypeError) as exc:
        raise InvalidFilter(where, str(exc) or type(exc).__name__) from None


# ----------------------------------------------------------------------------- field checks


def _match(key: str, value: Any, where: str) -> Condition:
    obj = _object(
        value, where, 'a match: {"value": ...}, {"text": ...}, {"any": [...]} or {"except": [...]}'
    )
    _only(obj, MATCHES, where)
    if len(obj) != 1:
        if not obj:
            raise InvalidFilter(where, f"expected one of {_either(MATCHES)}")
        second = list(obj)[1]
        raise InvalidFilter(f"{where}.{second}", f"a match has exactly one of {_either(MATCHES)}")
    ((kind, given),) = obj.items()
    here = f"{where}.{kind}"
    if kind == "value":
        if not (isinstance(given, str | bool) or _int64(given)):
            raise InvalidFilter(
                here, f"expected a string, an integer or a bool, got {_show(given)}"
            )
        return MatchValue(key, given)
    if kind == "text":
        return MatchText(key, _string(given, here))
    values = _any_variants(given, here)
    return MatchAny(key, values) if kind == "any" else MatchExcept(key, values)


def _any_variants(value: Any, where: str) -> tuple[str | int, ...]:
    """A list of strings, or a list of integers (not mixed)."""
    if not isinstance(value, list):
        raise InvalidFilter(where, f"expected a list of strings or of integers, got {_show(value)}")
    if not value:
        return ()
    strings = isinstance(value[0], str)
    for i, item in enumerate(value):
        if strings and not isinstance(item, str):
            raise InvalidFilter(
                f"{where}[{i}]", f"expected a string like the first value, got {_show(item)}"
            )
        if not strings and not _int64(item):
            what = (
                "an integer like the first value" if _int64(value[0]) else "a string or an integer"
            )
            raise InvalidFilter(f"{where}[{i}]", f"expected {what}, got {_show(item)}")
    return tuple(value)


def _range(key: str, value: Any, where: str) -> Condition:
    """Numeric bounds -> Range; RFC 3339 strings -> DatetimeRange (never mixed: the first
    bound given decides)."""
    obj = _object(value, where, "a range {gt, gte, lt, lte}")
    _only(obj, BOUNDS, where)
    given = {name: v for name, v in obj.items() if v is not None}
    if not given or not isinstance(next(iter(given.values())), str):
        numbers: dict[str, float] = {}
        for name, raw in given.items():
            here = f"{where}.{name}"
            if isinstance(raw, str):
                raise InvalidFilter(
                    here, f"expected a number like the other bounds, got {_show(raw)}"
                )
            numbers[name] = _number(raw, here)
        return Range(key, **numbers)
    moments: dict[str, dt.datetime] = {}
    for name, raw in given.items():
        here = f"{where}.{name}"
        if not isinstance(raw, str):
            raise InvalidFilter(
                here,
                f"expected an RFC 3339 datetime string like the other bounds, got {_show(raw)}",
            )
        moments[name] = _datetime(raw, here)
    return DatetimeRange(key, **moments)


def _datetime(value: str, where: str) -> dt.datetime:
    try:
        parsed = parse_datetime(value)
    except (BadRequest, ValueError, TypeError, OverflowError):
        parsed = None
    if parsed is None:
        raise InvalidFilter(where, f"expected an RFC 3339 datetime, got {_show(value)}")
    return parsed


def _geo_point(value: Any, where: str) -> GeoPoint:
    obj = _object(value, where, 'a geo point {"lon": ..., "lat": ...}')
    _only(obj, ("lon", "lat"), where)
    _required(obj, ("lon", "lat"), where)
    lon = _number(obj["lon"], f"{where}.lon")
    lat = _number(obj["lat"], f"{where}.lat")
    if not -180.0 <= lon <= 180.0:
        raise InvalidFilter(f"{where}.lon", f"longitude must be within [-180, 180], got {lon}")
    if not -90.0 <= lat <= 90.0:
        raise InvalidFilter(f"{where}.lat", f"latitude must be within [-90, 90], got {lat}")
    return GeoPoint(lon=lon, lat=lat)


def _geo_bounding_box(key: str, value: Any, where: str) -> Condition:
    obj = _object(value, where, 'a box {"top_left": {...}, "bottom_right": {...}}')
    _only(obj, ("top_left", "bottom_right"), where)
    _required(obj, ("top_left", "bottom_right"), where)
    return GeoBoundingBox(
        key,
        top_left=_geo_point(obj["top_left"], f"{where}.top_left"),
        bottom_right=_geo_point(obj["bottom_right"], f"{where}.bottom_right"),
    )


def _geo_radius(key: str, value: Any, where: str) -> Condition:
    obj = _object(value, where, 'a circle {"center": {...}, "radius": meters}')
    _only(obj, ("center", "radius"), where)
    _required(obj, ("center", "radius"), where)
    radius = _number(obj["radius"], f"{where}.radius")
    if radius < 0:
        raise InvalidFilter(f"{where}.radius", f"must be 0 or larger, got {_show(obj['radius'])}")
    return GeoRadius(key, center=_geo_point(obj["center"], f"{where}.center"), radius=radius)


def _ring(value: Any, where: str) -> tuple[GeoPoint, ...]:
    """A GeoLineString `{"points": [...]}` closing on itself, of at least 4 points."""
    obj = _object(value, where, 'a line string {"points": [...]}')
    _only(obj, ("points",), where)
    _required(obj, ("points",), where)
    raw = obj["points"]
    if not isinstance(raw, list):
        raise InvalidFilter(f"{where}.points", f"expected a list of geo points, got {_show(raw)}")
    points = tuple(_geo_point(p, f"{where}.points[{i}]") for i, p in enumerate(raw))
    if len(points) < 4:
        raise InvalidFilter(
            f"{where}.points", f"polygon invalid, the size must be at least 4, got {len(points)}"
        )
    first, last = points[0], points[-1]
    if abs(first.lat - last.lat) > 1e-12 or abs(first.lon - last.lon) > 1e-12:
        raise InvalidFilter(
            f"{where}.points",
            "polygon invalid, the first and the last points should be the same to form a "
            "closed line",
        )
    return points


def _geo_polygon(key: str, value: Any, where: str) -> Condition:
    obj = _object(value, where, 'a polygon {"exterior": {"points": [...]}, "interiors": [...]}')
    _only(obj, ("exterior", "interiors"), where)
    _required(obj, ("exterior",), where)
    interiors = obj.get("interiors")
    if interiors is None:
        interiors = []
    elif not isinstance(interiors, list):
        raise InvalidFilter(
            f"{where}.interiors", f"expected a list of line strings, got {_show(interiors)}"
        )
    return GeoPolygon(
        key,
        exterior=_ring(obj["exterior"], f"{where}.exterior"),
        interiors=tuple(_ring(r, f"{where}.interiors[{i}]") for i, r in enumerate(interiors)),
    )


def _values_count(key: str, value: Any, where: str) -> Condition:
    obj = _object(value, where, "a values count {gt, gte, lt, lte}")
    _only(obj, BOUNDS, where)
    return ValuesCount(
        key,
        **{
            name: _uint(obj[name], f"{where}.{name}")
            for name in BOUNDS
            if obj.get(name) is not None
        },
    )


def _flag(cls: type[IsEmpty] | type[IsNull]) -> Callable[[str, Any, str], Condition]:
    """FieldCondition's own `is_empty` / `is_null` booleans: true -> the condition,
    false -> its negation (as Qdrant checks them)."""

    def check(key: str, value: Any, where: str) -> Condition:
        if not isinstance(value, bool):
            raise InvalidFilter(where, f"expected true or false, got {_show(value)}")
        return cls(key) if value else Filter(must_not=(cls(key),))

    return check


_FIELD_CHECKS: dict[str, Callable[[str, Any, str], Condition]] = {
    "match": _match,
    "range": _range,
    "geo_bounding_box": _geo_bounding_box,
    "geo_radius": _geo_radius,
    "geo_polygon": _geo_polygon,
    "values_count": _values_count,
    "is_empty": _flag(IsEmpty),
    "is_null": _flag(IsNull),
}
