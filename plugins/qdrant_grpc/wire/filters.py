"""Qdrant's protobuf `Filter` -> the core's filter AST (`vectorizer.filters.ast`).

The same AST the REST plugin builds from JSON, so both APIs filter identically. A
`FieldCondition` with several checks (`match` and `range`, say) becomes
`Filter(must=(...))`; its `is_empty` / `is_null` booleans become the condition (true) or
its negation (false).

Nothing is ignored: an empty condition, an empty match, an empty field condition, a bad
geo shape or payload key is an `InvalidFilter` (INVALID_ARGUMENT) naming the path to the
bad part, e.g. ``filter.must[1].field.geo_radius.center.lat: latitude must be within
[-90, 90], got 91.0``. `match.phrase` answers UNIMPLEMENTED (phrase matching is not built).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qdrant_client import grpc as pb

from vectorizer import parse_path
from vectorizer.errors import BadRequest, Unsupported
from vectorizer.filters.ast import (
    Condition,
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
from vectorizer_qdrant_grpc.wire.values import point_id_in

__all__ = ["InvalidFilter", "filter_in"]

BOUNDS = ("gt", "gte", "lt", "lte")


class InvalidFilter(BadRequest):
    """A filter Qdrant would not accept (INVALID_ARGUMENT); `field` is the path to the bad part."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"Wrong input: invalid filter: {field}: {detail}")
        self.field = field
        self.detail = detail


def filter_in(value: pb.Filter, where: str = "filter") -> Filter:
    """The AST of the protobuf filter found at `where` (e.g. ``filter``)."""
    return Reader().filter(value, where)


class Reader:
    """Reads one filter; `in_nested` is set inside a `nested` condition's filter."""

    def __init__(self, in_nested: bool = False) -> None:
        self.in_nested = in_nested

    def filter(self, value: pb.Filter, where: str) -> Filter:
        return Filter(
            must=self.conditions(value.must, f"{where}.must"),
            should=self.conditions(value.should, f"{where}.should"),
            must_not=self.conditions(value.must_not, f"{where}.must_not"),
            min_should=(
                self.min_should(value.min_should, f"{where}.min_should")
                if value.HasField("min_should")
                else None
            ),
        )

    def conditions(self, values: Any, where: str) -> tuple[Condition, ...]:
        return tuple(self.condition(c, f"{where}[{i}]") for i, c in enumerate(values))

    def min_should(self, value: pb.MinShould, where: str) -> MinShould:
        return MinShould(
            conditions=self.conditions(value.conditions, f"{where}.conditions"),
            min_count=int(value.min_count),
        )

    # ------------------------------------------------------------------ conditions

    def condition(self, value: pb.Condition, where: str) -> Condition:
        kind = value.WhichOneof("condition_one_of")
        here = f"{where}.{kind}"
        if kind == "field":
            return self.field_condition(value.field, here)
        if kind == "is_empty":
            return IsEmpty(self.key(value.is_empty.key, f"{here}.key"))
        if kind == "is_null":
            return IsNull(self.key(value.is_null.key, f"{here}.key"))
        if kind == "has_id":
            if self.in_nested:
                raise InvalidFilter(here, "has_id is not supported inside a nested filter")
            return HasId(
                frozenset(
                    _point_id(pid, f"{here}.has_id[{i}]")
                    for i, pid in enumerate(value.has_id.has_id)
                )
            )
        if kind == "has_vector":
            if self.in_nested:
                raise InvalidFilter(here, "has_vector is not supported inside a nested filter")
            return HasVector(value.has_vector.has_vector)
        if kind == "nested":
            return self.nested(value.nested, here)
        if kind == "filter":
            return self.filter(value.filter, here)
        raise InvalidFilter(
            where,
            "empty condition: expected one of field, is_empty, has_id, filter, is_null, "
            "nested, has_vector",
        )

    def nested(self, value: pb.NestedCondition, where: str) -> Nested:
        key = self.key(value.key, f"{where}.key")
        if not value.HasField("filter"):
            raise InvalidFilter(f"{where}.filter", "missing field")
        inner = Reader(in_nested=True).filter(value.filter, f"{where}.filter")
        return Nested(key=key, filter=inner)

    @staticmethod
    def key(value: str, where: str) -> str:
        try:
            parse_path(value)
        except BadRequest as exc:
            raise InvalidFilter(where, exc.message) from None
        return value

    def field_condition(self, value: pb.FieldCondition, where: str) -> Condition:
        """`FieldCondition`: every check given must hold (one check: itself)."""
        key = self.key(value.key, f"{where}.key")
        parts: list[Condition] = []
        if value.HasField("match"):
            parts.append(_match(key, value.match, f"{where}.match"))
        if value.HasField("range"):
            parts.append(_range(key, value.range))
        if value.HasField("datetime_range"):
            parts.append(_datetime_range(key, value.datetime_range))
        if value.HasField("geo_bounding_box"):
            box = value.geo_bounding_box
            at = f"{where}.geo_bounding_box"
            parts.append(
                GeoBoundingBox(
                    key,
                    top_left=geo_point(box.top_left, f"{at}.top_left"),
                    bottom_right=geo_point(box.bottom_right, f"{at}.bottom_right"),
                )
            )
        if value.HasField("geo_radius"):
            parts.append(_geo_radius(key, value.geo_radius, f"{where}.geo_radius"))
        if value.HasField("geo_polygon"):
            parts.append(_geo_polygon(key, value.geo_polygon, f"{where}.geo_polygon"))
        if value.HasField("values_count"):
            counts = value.values_count
            parts.append(
                ValuesCount(
                    key, **{b: int(getattr(counts, b)) for b in BOUNDS if counts.HasField(b)}
                )
            )
        for flag, cls in (("is_empty", IsEmpty), ("is_null", IsNull)):
            # the flags are in the protos from Qdrant 1.14 (older client stubs lack them)
            if flag in value.DESCRIPTOR.fields_by_name and value.HasField(flag):
                check = cls(key)
                parts.append(check if getattr(value, flag) else Filter(must_not=(check,)))
        if not parts:
            raise InvalidFilter(where, "At least one field condition must be specified")
        return parts[0] if len(parts) == 1 else Filter(must=tuple(parts))


def _point_id(value: pb.PointId, where: str) -> Any:
    try:
        return point_id_in(value, where)
    except BadRequest as exc:
        raise InvalidFilter(where, exc.message.removeprefix(f"{where}: ")) from None


# ----------------------------------------------------------------------------- field checks


def _match(key: str, value: pb.Match, where: str) -> Condition:
    kind = value.WhichOneof("match_value")
    if kind == "keyword":
        return MatchValue(key, value.keyword)
    if kind == "integer":
        return MatchValue(key, int(value.integer))
    if kind == "boolean":
        return MatchValue(key, bool(value.boolean))
    if kind == "text":
        return MatchText(key, value.text)
    if kind == "keywords":
        return MatchAny(key, tuple(value.keywords.strings))
    if kind == "integers":
        return MatchAny(key, tuple(int(i) for i in value.integers.integers))
    if kind == "except_keywords":
        return MatchExcept(key, tuple(value.except_keywords.strings))
    if kind == "except_integers":
        return MatchExcept(key, tuple(int(i) for i in value.except_integers.integers))
    if kind == "phrase":
        raise Unsupported(f"phrase matching ({where}.phrase)")
    raise InvalidFilter(
        where,
        "empty match: expected one of keyword, integer, boolean, text, keywords, integers, "
        "except_integers, except_keywords",
    )


def _range(key: str, value: pb.Range) -> Range:
    return Range(key, **{b: float(getattr(value, b)) for b in BOUNDS if value.HasField(b)})


def _datetime_range(key: str, value: pb.DatetimeRange) -> DatetimeRange:
    bounds = {b: getattr(value, b).ToDatetime(tzinfo=dt.UTC) for b in BOUNDS if value.HasField(b)}
    return DatetimeRange(key, **bounds)


def geo_point(value: pb.GeoPoint, where: str) -> GeoPoint:
    lon, lat = float(value.lon), float(value.lat)
    if not -180.0 <= lon <= 180.0:
        raise InvalidFilter(f"{where}.lon", f"longitude must be within [-180, 180], got {lon}")
    if not -90.0 <= lat <= 90.0:
        raise InvalidFilter(f"{where}.lat", f"latitude must be within [-90, 90], got {lat}")
    return GeoPoint(lon=lon, lat=lat)


def _geo_radius(key: str, value: pb.GeoRadius, where: str) -> GeoRadius:
    radius = float(value.radius)
    if radius < 0:
        raise InvalidFilter(f"{where}.radius", f"must be 0 or larger, got {radius}")
    return GeoRadius(key, center=geo_point(value.center, f"{where}.center"), radius=radius)


def _ring(value: pb.GeoLineString, where: str) -> tuple[GeoPoint, ...]:
    """A closed line string of at least 4 points."""
    points = tuple(geo_point(p, f"{where}.points[{i}]") for i, p in enumerate(value.points))
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


def _geo_polygon(key: str, value: pb.GeoPolygon, where: str) -> GeoPolygon:
    if not value.HasField("exterior"):
        raise InvalidFilter(f"{where}.exterior", "missing field")
    return GeoPolygon(
        key,
        exterior=_ring(value.exterior, f"{where}.exterior"),
        interiors=tuple(_ring(r, f"{where}.interiors[{i}]") for i, r in enumerate(value.interiors)),
    )
