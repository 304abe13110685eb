"""The filter AST: plain frozen dataclasses, one class per condition kind.

API plugins build these from their wire formats (REST JSON, gRPC protobuf); the core
evaluates them. Field conditions carry the payload key path they test (``a.b``, ``a[]``,
``a[].b``, ``a[0]``); a condition on an array matches when any element matches.
A Qdrant ``FieldCondition`` with several checks becomes ``Filter(must=(...))``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from vectorizer.models import PointId


@dataclass(frozen=True)
class GeoPoint:
    lon: float
    lat: float


# ----------------------------------------------------------------------------- field conditions


@dataclass(frozen=True)
class MatchValue:
    """The value at `key` equals `value` (a keyword string, an integer or a bool)."""

    key: str
    value: str | int | bool


@dataclass(frozen=True)
class MatchAny:
    """The value at `key` is one of `values` (strings or integers)."""

    key: str
    values: tuple[str | int, ...]


@dataclass(frozen=True)
class MatchExcept:
    """The value at `key` is none of `values` (false when the key is absent, as in Qdrant)."""

    key: str
    values: tuple[str | int, ...]


@dataclass(frozen=True)
class MatchText:
    """Full-text match: every token of `text` is in the value (text index), else substring."""

    key: str
    text: str


@dataclass(frozen=True)
class Range:
    """A numeric value at `key` lies within the bounds given."""

    key: str
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


@dataclass(frozen=True)
class DatetimeRange:
    """An RFC 3339 datetime at `key` lies within the bounds (all aware, UTC when no zone)."""

    key: str
    gt: dt.datetime | None = None
    gte: dt.datetime | None = None
    lt: dt.datetime | None = None
    lte: dt.datetime | None = None


@dataclass(frozen=True)
class GeoBoundingBox:
    key: str
    top_left: GeoPoint
    bottom_right: GeoPoint


@dataclass(frozen=True)
class GeoRadius:
    """Within `radius` meters of `center` (great-circle distance)."""

    key: str
    center: GeoPoint
    radius: float


@dataclass(frozen=True)
class GeoPolygon:
    """Inside `exterior` and outside every ring of `interiors` (closed rings)."""

    key: str
    exterior: tuple[GeoPoint, ...]
    interiors: tuple[tuple[GeoPoint, ...], ...] = ()


@dataclass(frozen=True)
class ValuesCount:
    """The number of values at `key` lies within the bounds."""

    key: str
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@dataclass(frozen=True)
class IsEmpty:
    """The key is absent, null, or an empty array."""

    key: str


@dataclass(frozen=True)
class IsNull:
    """The key exists and holds null (Qdrant semantics for arrays: see evaluate.py)."""

    key: str


# ----------------------------------------------------------------------------- point conditions


@dataclass(frozen=True)
class HasId:
    ids: frozenset[PointId]


@dataclass(frozen=True)
class HasVector:
    """The point has a vector called `name` ("" for the unnamed vector)."""

    name: str


@dataclass(frozen=True)
class Nested:
    """`filter` holds for at least one object of the array at `key`, each object on its own."""

    key: str
    filter: Filter


# ----------------------------------------------------------------------------- plugin conditions


@dataclass(frozen=True)
class ConditionKind:
    """A condition kind a plugin adds through `register_filter_conditions`.

    `name` is the JSON property that introduces it in a field condition
    (``{"key": "title", "<name>": <params>}``); `parse(params, where)` validates the wire
    value and returns what `match` gets (raise BadRequest naming `where` when bad);
    `match(params, values)` tells whether the list of values found at the key matches;
    `index_answer(params, index)`, optional, returns the matching slots from a payload
    index (or None when that index cannot answer).
    """

    name: str
    parse: Callable[[Any, str], Any]
    match: Callable[[Any, list[Any]], bool]
    index_answer: Callable[[Any, Any], Any] | None = None


@dataclass(frozen=True)
class Custom:
    """A plugin-defined condition on `key`: `kind.match(params, values at key)`."""

    key: str
    kind: ConditionKind
    params: Any


FieldConditionT: TypeAlias = (
    MatchValue
    | MatchAny
    | MatchExcept
    | MatchText
    | Range
    | DatetimeRange
    | GeoBoundingBox
    | GeoRadius
    | GeoPolygon
    | ValuesCount
    | IsEmpty
    | IsNull
    | Custom
)


@dataclass(frozen=True)
class MinShould:
    conditions: tuple[Condition, ...]
    min_count: int


@dataclass(frozen=True)
class Filter:
    """All of `must`, none of `must_not`, at least one of `should` (when given), and at
    least `min_should.min_count` of `min_should.conditions` (when given)."""

    must: tuple[Condition, ...] = ()
    should: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()
    min_should: MinShould | None = None


Condition: TypeAlias = FieldConditionT | HasId | HasVector | Nested | Filter
