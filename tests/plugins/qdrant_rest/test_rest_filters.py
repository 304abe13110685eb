"""Payload filters over the Qdrant REST API, payload indexes, and the filter converter.

Every condition kind and key-path form is checked through count, scroll, search and
query; the by-filter writes through their endpoints; every malformed filter answers 400
naming the path to its bad part. A `starts_with` condition comes from the test plugin in
`tests/plugins/condition_plugin`, registered on the engine's plugin manager.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from litestar.testing import TestClient
from rest_helpers import build_app, error, ok

from vectorizer import Engine
from vectorizer.filters.ast import (
    Custom,
    DatetimeRange,
    Filter,
    GeoPoint,
    GeoPolygon,
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
from vectorizer.host.plugins import known_entry_points, make_plugin_manager
from vectorizer_qdrant_rest.wire import structs
from vectorizer_qdrant_rest.wire.filters import NEVER, InvalidFilter, convert_filters, filter_in
from vectorizer_qdrant_rest.wire.structs import decode

PLUGIN_DIR = Path(__file__).resolve().parents[1] / "condition_plugin"
PLUGIN_NAME = "starts_with_condition"


def load_plugin() -> ModuleType:
    """The test plugin module: installed (`pip install -e`), or loaded from its file."""
    try:
        return importlib.import_module("vectorizer_starts_with")
    except ImportError:
        spec = importlib.util.spec_from_file_location(
            "vectorizer_starts_with", PLUGIN_DIR / "vectorizer_starts_with.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


PLUGIN = load_plugin()
KINDS = {PLUGIN.KIND.name: PLUGIN.KIND}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine whose plugin manager has the `starts_with` condition plugin registered."""
    pm = make_plugin_manager(load_entry_points=False)
    pm.register(PLUGIN, name=PLUGIN_NAME)
    try:
        eng = Engine.open(tmp_path / "data", pm=pm)
        try:
            yield eng
        finally:
            eng.close()
    finally:
        pm.unregister(name=PLUGIN_NAME)


@pytest.fixture
def plain_client(tmp_path: Path) -> Iterator[TestClient]:
    """A client over an engine without any plugin condition kinds."""
    eng = Engine.open(tmp_path / "plain")
    try:
        with TestClient(build_app(eng)) as test_client:
            yield test_client
    finally:
        eng.close()


# ============================================================================ the converter


def convert(value: Any) -> Filter:
    return filter_in(value, "filter", KINDS)


def must1(condition: Any) -> Any:
    (only,) = convert({"must": [condition]}).must
    return only


def test_clauses_take_one_condition_or_a_list() -> None:
    berlin = {"key": "city", "match": {"value": "Berlin"}}
    assert convert({"must": berlin}) == convert({"must": [berlin]})
    f = convert({"should": [berlin], "must_not": berlin, "must": None})
    assert f.must == ()
    assert f.should == (MatchValue("city", "Berlin"),)
    assert f.must_not == (MatchValue("city", "Berlin"),)
    assert convert({}) == Filter()


def test_an_empty_should_matches_nothing_as_in_qdrant() -> None:
    assert convert({"should": []}).should == (NEVER,)
    assert convert({"must": [], "must_not": []}) == Filter()


def test_match_kinds() -> None:
    assert must1({"key": "a", "match": {"value": "x"}}) == MatchValue("a", "x")
    assert must1({"key": "a", "match": {"value": 3}}) == MatchValue("a", 3)
    assert must1({"key": "a", "match": {"value": False}}) == MatchValue("a", False)
    assert must1({"key": "a", "match": {"text": "hi"}}) == MatchText("a", "hi")
    assert must1({"key": "a", "match": {"any": ["x", "y"]}}) == MatchAny("a", ("x", "y"))
    assert must1({"key": "a", "match": {"any": [1, 2]}}) == MatchAny("a", (1, 2))
    assert must1({"key": "a", "match": {"any": []}}) == MatchAny("a", ())
    assert must1({"key": "a", "match": {"except": [1]}}) == MatchExcept("a", (1,))


def test_ranges_are_numeric_or_datetime_by_their_values() -> None:
    assert must1({"key": "a", "range": {"gt": 1, "lte": 2.5}}) == Range("a", gt=1.0, lte=2.5)
    assert must1({"key": "a", "range": {}}) == Range("a")
    when = must1({"key": "a", "range": {"gte": "2024-01-01T10:00:00+02:00", "lt": "2024-02-01"}})
    assert isinstance(when, DatetimeRange)
    assert when.gte == dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)
    assert when.lt == dt.datetime(2024, 2, 1, tzinfo=dt.UTC)  # no zone: UTC
    assert when.gt is None and when.lte is None


def test_geo_shapes() -> None:
    ring = [
        {"lon": 0, "lat": 0},
        {"lon": 1, "lat": 0},
        {"lon": 1, "lat": 1},
        {"lon": 0, "lat": 0},
    ]
    poly = must1({"key": "g", "geo_polygon": {"exterior": {"points": ring}, "interiors": None}})
    assert isinstance(poly, GeoPolygon)
    assert poly.exterior[1] == GeoPoint(lon=1.0, lat=0.0)
    assert poly.interiors == ()
    holed = must1(
        {"key": "g", "geo_polygon": {"exterior": {"points": ring}, "interiors": [{"points": ring}]}}
    )
    assert len(holed.interiors) == 1


def test_point_conditions() -> None:
    assert must1({"is_empty": {"key": "a"}}) == IsEmpty("a")
    assert must1({"is_null": {"key": "a.b"}}) == IsNull("a.b")
    uuid = "5C56C793-69F3-4FBF-87E6-C4BF54C28C26"
    assert must1({"has_id": [1, uuid]}) == HasId(frozenset({1, uuid.lower()}))
    assert must1({"has_vector": ""}) == HasVector("")
    nested = must1(
        {"nested": {"key": "items", "filter": {"must": {"key": "n", "match": {"value": 1}}}}}
    )
    assert nested == Nested("items", Filter(must=(MatchValue("n", 1),)))
    assert must1({"must": [{"has_id": [1]}]}) == Filter(must=(HasId(frozenset({1})),))


def test_field_condition_flags_and_several_checks() -> None:
    assert must1({"key": "a", "is_empty": True}) == IsEmpty("a")
    assert must1({"key": "a", "is_empty": False}) == Filter(must_not=(IsEmpty("a"),))
    assert must1({"key": "a", "is_null": True}) == IsNull("a")
    assert must1({"key": "a", "is_null": False}) == Filter(must_not=(IsNull("a"),))
    # null checks are absent; several checks must all hold
    assert must1({"key": "a", "match": None, "values_count": {"gte": 1}}) == ValuesCount("a", gte=1)
    both = must1({"key": "a", "match": {"value": 1}, "range": {"gt": 0}})
    assert both == Filter(must=(MatchValue("a", 1), Range("a", gt=0.0)))


def test_min_should_and_custom_conditions() -> None:
    f = convert(
        {
            "min_should": {
                "conditions": [{"key": "t", "starts_with": "ve"}, {"has_id": [2]}],
                "min_count": 1,
            }
        }
    )
    assert f.min_should == MinShould(
        conditions=(Custom("t", PLUGIN.KIND, "ve"), HasId(frozenset({2}))), min_count=1
    )
    mixed = must1({"key": "t", "starts_with": "ve", "match": {"text": "x"}})
    assert mixed == Filter(must=(Custom("t", PLUGIN.KIND, "ve"), MatchText("t", "x")))


def test_every_filter_of_a_body_is_converted_with_its_path() -> None:
    body = b"""{"searches": [
        {"vector": [1, 2], "limit": 1},
        {"vector": [1, 2], "limit": 1, "filter": {"must": {"has_id": [1]}}}
    ]}"""
    batch = convert_filters(decode(body, structs.SearchRequestBatch), KINDS)
    assert batch.searches[0].filter is None
    assert batch.searches[1].filter == Filter(must=(HasId(frozenset({1})),))
    bad = b'{"searches": [{"query": [1], "filter": {"must": [{"nope": 1}]}}]}'
    with pytest.raises(InvalidFilter) as exc:
        convert_filters(decode(bad, structs.QueryRequestBatch), KINDS)
    assert exc.value.field == "searches[0].filter.must[0].nope"
    count = convert_filters(
        decode(b'{"filter": {"should": {"has_vector": "v"}}}', structs.CountRequest), KINDS
    )
    assert count.filter == Filter(should=(HasVector("v"),))


BAD_FILTERS: list[tuple[Any, str, str]] = [
    # (filter, path named, words in the message)
    (5, "filter", "expected a filter"),
    ({"must": 7}, "filter.must", "expected a condition or a list"),
    ({"musts": []}, "filter.musts", "unknown field"),
    ({"must": [{"foo": 1}]}, "filter.must[0].foo", "unknown condition"),
    ({"must": [{"key": "a", "foo": 1}]}, "filter.must[0].foo", "unknown condition"),
    ({"must": [{"match": {"value": 1}}]}, "filter.must[0]", "needs `key`"),
    ({"must": [{"key": 1, "match": {"value": 1}}]}, "filter.must[0].key", "expected a payload key"),
    ({"must": [{"key": "a..b", "match": {"value": 1}}]}, "filter.must[0].key", "Bad payload key"),
    (
        {"must": [{"key": "a", "match": {"value": 1.5}}]},
        "filter.must[0].match.value",
        "expected a string, an integer or a bool",
    ),
    (
        {"must": [{"key": "a", "match": {"value": 2**63}}]},
        "filter.must[0].match.value",
        "expected a string",
    ),
    (
        {"must": [{"key": "a", "match": {"value": 1, "text": "x"}}]},
        "filter.must[0].match.text",
        "exactly one",
    ),
    ({"must": [{"key": "a", "match": {}}]}, "filter.must[0].match", "expected one of"),
    (
        {"must": [{"key": "a", "match": {"phrase": "x"}}]},
        "filter.must[0].match.phrase",
        "unknown field",
    ),
    (
        {"must": [{"key": "a", "match": {"text": 3}}]},
        "filter.must[0].match.text",
        "expected a string",
    ),
    (
        {"must": [{"key": "a", "match": {"any": [1, "x"]}}]},
        "filter.must[0].match.any[1]",
        "expected an integer",
    ),
    (
        {"must": [{"key": "a", "match": {"any": ["x", 1]}}]},
        "filter.must[0].match.any[1]",
        "expected a string",
    ),
    (
        {"must": [{"key": "a", "match": {"except": [True]}}]},
        "filter.must[0].match.except[0]",
        "expected a string or an integer",
    ),
    (
        {"must": [{"key": "a", "match": {"any": "x"}}]},
        "filter.must[0].match.any",
        "expected a list",
    ),
    ({"must": [{"key": "a", "match": "x"}]}, "filter.must[0].match", "expected a match"),
    ({"must": [{"key": "a", "range": {"gt": "x"}}]}, "filter.must[0].range.gt", "RFC 3339"),
    (
        {"must": [{"key": "a", "range": {"gt": True}}]},
        "filter.must[0].range.gt",
        "expected a number",
    ),
    (
        {"must": [{"key": "a", "range": {"gt": 1, "lt": "2024-01-01"}}]},
        "filter.must[0].range.lt",
        "expected a number",
    ),
    (
        {"must": [{"key": "a", "range": {"gt": "2024-01-01", "lt": 1}}]},
        "filter.must[0].range.lt",
        "datetime",
    ),
    (
        {"must": [{"key": "a", "range": {"above": 1}}]},
        "filter.must[0].range.above",
        "unknown field",
    ),
    ({"must": [{"key": "a", "range": [1, 2]}]}, "filter.must[0].range", "expected a range"),
    (
        {"must": [{"key": "g", "geo_radius": {"center": {"lon": 0, "lat": 91}, "radius": 1}}]},
        "filter.must[0].geo_radius.center.lat",
        "latitude",
    ),
    (
        {"must": [{"key": "g", "geo_radius": {"center": {"lon": -181, "lat": 0}, "radius": 1}}]},
        "filter.must[0].geo_radius.center.lon",
        "longitude",
    ),
    (
        {"must": [{"key": "g", "geo_radius": {"center": {"lon": 0, "lat": 0}, "radius": -1}}]},
        "filter.must[0].geo_radius.radius",
        "0 or larger",
    ),
    (
        {"must": [{"key": "g", "geo_radius": {"center": {"lon": 0, "lat": 0}}}]},
        "filter.must[0].geo_radius.radius",
        "missing field",
    ),
    (
        {"must": [{"key": "g", "geo_radius": {"center": {"lon": "0", "lat": 0}, "radius": 1}}]},
        "filter.must[0].geo_radius.center.lon",
        "expected a number",
    ),
    (
        {"must": [{"key": "g", "geo_bounding_box": {"top_left": {"lon": 0, "lat": 0}}}]},
        "filter.must[0].geo_bounding_box.bottom_right",
        "missing field",
    ),
    (
        {
            "must": [
                {
                    "key": "g",
                    "geo_bounding_box": {
                        "top_left": {"lon": 0, "lat": 0, "alt": 1},
                        "bottom_right": {"lon": 1, "lat": 0},
                    },
                }
            ]
        },
        "filter.must[0].geo_bounding_box.top_left.alt",
        "unknown field",
    ),
    (
        {
            "must": [
                {
                    "key": "g",
                    "geo_polygon": {
                        "exterior": {
                            "points": [
                                {"lon": 0, "lat": 0},
                                {"lon": 1, "lat": 0},
                                {"lon": 0, "lat": 0},
                            ]
                        }
                    },
                }
            ]
        },
        "filter.must[0].geo_polygon.exterior.points",
        "at least 4",
    ),
    (
        {
            "must": [
                {
                    "key": "g",
                    "geo_polygon": {
                        "exterior": {
                            "points": [
                                {"lon": 0, "lat": 0},
                                {"lon": 1, "lat": 0},
                                {"lon": 1, "lat": 1},
                                {"lon": 0, "lat": 1},
                            ]
                        }
                    },
                }
            ]
        },
        "filter.must[0].geo_polygon.exterior.points",
        "closed line",
    ),
    (
        {
            "must": [
                {
                    "key": "g",
                    "geo_polygon": {
                        "exterior": {"points": [{"lon": 0, "lat": 0}] * 4},
                        "interiors": [{"points": []}],
                    },
                }
            ]
        },
        "filter.must[0].geo_polygon.interiors[0].points",
        "at least 4",
    ),
    (
        {
            "must": [
                {
                    "key": "g",
                    "geo_polygon": {
                        "exterior": {"points": [{"lon": 0, "lat": 0}] * 4},
                        "interiors": {"points": []},
                    },
                }
            ]
        },
        "filter.must[0].geo_polygon.interiors",
        "expected a list",
    ),
    (
        {"must": [{"key": "g", "geo_polygon": {"interiors": []}}]},
        "filter.must[0].geo_polygon.exterior",
        "missing field",
    ),
    (
        {"must": [{"key": "a", "values_count": {"gt": -1}}]},
        "filter.must[0].values_count.gt",
        "unsigned integer",
    ),
    (
        {"must": [{"key": "a", "values_count": {"gt": 1.5}}]},
        "filter.must[0].values_count.gt",
        "unsigned integer",
    ),
    ({"must": [{"key": "a", "is_empty": "yes"}]}, "filter.must[0].is_empty", "true or false"),
    ({"must": [{"is_empty": {"field": "a"}}]}, "filter.must[0].is_empty.field", "unknown field"),
    ({"must": [{"is_null": "a"}]}, "filter.must[0].is_null", "expected a payload field"),
    (
        {"must": [{"is_null": {"key": "a"}, "has_id": [1]}]},
        "filter.must[0].has_id",
        "unknown field beside `is_null`",
    ),
    ({"must": [{"has_id": [1, -2]}]}, "filter.must[0].has_id[1]", "between 0 and"),
    ({"must": [{"has_id": ["not-a-uuid"]}]}, "filter.must[0].has_id[0]", "UUID"),
    ({"must": [{"has_id": 1}]}, "filter.must[0].has_id", "expected a list of point ids"),
    ({"must": [{"has_vector": 1}]}, "filter.must[0].has_vector", "expected a vector name"),
    ({"must": [{"nested": {"key": "x"}}]}, "filter.must[0].nested.filter", "missing field"),
    (
        {"must": [{"nested": {"key": "x", "filter": {"must": [{"has_id": [1]}]}}}]},
        "filter.must[0].nested.filter.must[0].has_id",
        "not supported inside a nested filter",
    ),
    (
        {
            "must": [
                {"nested": {"key": "x", "filter": {"should": {"key": "y", "range": {"gt": "z"}}}}}
            ]
        },
        "filter.must[0].nested.filter.should.range.gt",
        "RFC 3339",
    ),
    (
        {"min_should": {"conditions": [], "min_count": -1}},
        "filter.min_should.min_count",
        "unsigned integer",
    ),
    (
        {"min_should": {"conditions": {"has_id": [1]}, "min_count": 1}},
        "filter.min_should.conditions",
        "expected a list",
    ),
    (
        {"min_should": {"conditions": [{"bad": 1}], "min_count": 1}},
        "filter.min_should.conditions[0].bad",
        "unknown condition",
    ),
    ({"min_should": {"min_count": 1}}, "filter.min_should.conditions", "missing field"),
    (
        {"should": [{"must": [{"must_not": [{"key": "a", "range": {"lt": []}}]}]}]},
        "filter.should[0].must[0].must_not[0].range.lt",
        "expected a number",
    ),
    (
        {"must": [{"key": "title", "starts_with": 5}]},
        "filter.must[0].starts_with",
        "non-empty string prefix",
    ),
    ({"must": [{"starts_with": "x"}]}, "filter.must[0]", "needs `key`"),
]


@pytest.mark.parametrize(("value", "path", "words"), BAD_FILTERS, ids=[b[1] for b in BAD_FILTERS])
def test_bad_filters_name_the_path(value: Any, path: str, words: str) -> None:
    with pytest.raises(Exception) as exc:
        convert(value)
    assert exc.value.__class__.__name__ in ("InvalidFilter", "BadRequest")
    message = exc.value.args[0]
    assert f"{path}: " in message
    assert words in message


def test_unregistered_kinds_are_unknown_conditions() -> None:
    with pytest.raises(InvalidFilter) as exc:
        filter_in({"must": {"key": "t", "starts_with": "v"}}, "filter", {})
    assert exc.value.field == "filter.must.starts_with"


# ============================================================================ through REST

UUID = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"
ALL = {1, 2, 3, 4, 5, UUID}

POINTS: list[dict[str, Any]] = [
    {
        "id": 1,
        "vector": {"a": [1, 0], "b": [1, 0]},
        "payload": {
            "city": "Berlin",
            "count": 1,
            "price": 9.5,
            "tags": ["red", "blue"],
            "ok": True,
            "loc": {"lon": 13.405, "lat": 52.52},
            "when": "2024-01-01T10:00:00Z",
            "title": "vector search engine",
            "items": [{"n": "x", "q": 1}, {"n": "y", "q": 5}],
            "meta": {"lang": "de"},
            "dot.key": 1,
            "nothing": None,
        },
    },
    {
        "id": 2,
        "vector": {"a": [0.9, 0.1], "b": [0, 1]},
        "payload": {
            "city": "London",
            "count": 2,
            "price": 20.0,
            "tags": ["red"],
            "ok": False,
            "loc": {"lon": -0.1278, "lat": 51.5074},
            "when": "2024-06-01T00:00:00+02:00",
            "title": "vectorizer docs",
            "items": [{"n": "x", "q": 9}],
            "meta": {"lang": "en"},
            "dot.key": 2,
            "empty": [],
        },
    },
    {
        "id": 3,
        "vector": {"a": [0.8, 0.2], "b": [1, 1]},
        "payload": {
            "city": "Moscow",
            "count": 3,
            "price": 30,
            "tags": [],
            "loc": {"lon": 37.6173, "lat": 55.7558},
            "when": "2023-12-31",
            "title": "Search",
            "items": [],
            "nothing": [None],
        },
    },
    {
        "id": 4,
        "vector": {"a": [0.7, 0.3], "b": [1, 2]},
        "payload": {
            "city": ["Berlin", "Paris"],
            "count": [4, 40],
            "title": ["vec", "other"],
            "loc": [{"lon": 2.35, "lat": 48.85}, {"lon": 13.4, "lat": 52.5}],
        },
    },
    {"id": 5, "vector": {"a": [0.6, 0.4]}},
    {
        "id": UUID,
        "vector": {"a": [0.5, 0.5], "b": [2, 1]},
        "payload": {"city": "Paris", "count": -5, "nothing": [1, None], "ok": 1},
    },
]


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    corners = [(lon0, lat0), (lon1, lat0), (lon1, lat1), (lon0, lat1), (lon0, lat0)]
    return {"points": [{"lon": lon, "lat": lat} for lon, lat in corners]}


def field(key: str, **check: Any) -> dict[str, Any]:
    return {"key": key, **check}


BERLIN = field("city", match={"value": "Berlin"})

CASES: list[tuple[str, dict[str, Any], set[Any]]] = [
    ("empty filter", {}, ALL),
    ("match keyword", {"must": [BERLIN]}, {1, 4}),
    ("one condition, not a list", {"must": BERLIN}, {1, 4}),
    ("match integer", {"must": [field("count", match={"value": 3})]}, {3}),
    ("match bool true", {"must": [field("ok", match={"value": True})]}, {1}),
    ("match bool false", {"must": [field("ok", match={"value": False})]}, {2}),
    (
        "match any keyword",
        {"must": [field("city", match={"any": ["London", "Paris"]})]},
        {2, 4, UUID},
    ),
    ("match any integer", {"must": [field("count", match={"any": [1, 40]})]}, {1, 4}),
    (
        "match except keyword",
        {"must": [field("city", match={"except": ["Berlin"]})]},
        {2, 3, 4, UUID},
    ),
    ("match except integer", {"must": [field("count", match={"except": [1, 2, 3]})]}, {4, UUID}),
    ("match in array", {"must": [field("tags", match={"value": "red"})]}, {1, 2}),
    ("match text", {"must": [field("title", match={"text": "vec"})]}, {1, 2, 4}),
    ("match text is case sensitive", {"must": [field("title", match={"text": "search"})]}, {1}),
    ("range int", {"must": [field("count", range={"gte": 2, "lt": 4})]}, {2, 3}),
    ("range in array", {"must": [field("count", range={"gt": 10})]}, {4}),
    ("range negative", {"must": [field("count", range={"lte": 0})]}, {UUID}),
    ("range float", {"must": [field("price", range={"gt": 9.5})]}, {2, 3}),
    ("range float closed", {"must": [field("price", range={"gte": 9.5, "lte": 20})]}, {1, 2}),
    ("datetime gte", {"must": [field("when", range={"gte": "2024-01-01T00:00:00Z"})]}, {1, 2}),
    ("datetime naive is UTC", {"must": [field("when", range={"lt": "2024-01-01T10:00:00"})]}, {3}),
    ("datetime lte", {"must": [field("when", range={"lte": "2024-01-01 10:00:00"})]}, {1, 3}),
    ("datetime zones", {"must": [field("when", range={"gte": "2024-05-31T21:00:00-01:00"})]}, {2}),
    ("datetime gt exact", {"must": [field("when", range={"gt": "2024-05-31T22:00:00Z"})]}, set()),
    (
        "geo radius",
        {
            "must": [
                field("loc", geo_radius={"center": {"lon": 13.405, "lat": 52.52}, "radius": 5000})
            ]
        },
        {1, 4},
    ),
    (
        "geo box",
        {
            "must": [
                field(
                    "loc",
                    geo_bounding_box={
                        "top_left": {"lon": -1, "lat": 53},
                        "bottom_right": {"lon": 14, "lat": 48},
                    },
                )
            ]
        },
        {1, 2, 4},
    ),
    (
        "geo polygon",
        {"must": [field("loc", geo_polygon={"exterior": square(-1, 48, 3, 52)})]},
        {2, 4},
    ),
    (
        "geo polygon hole",
        {
            "must": [
                field(
                    "loc",
                    geo_polygon={
                        "exterior": square(-1, 48, 3, 52),
                        "interiors": [square(2, 48.5, 3, 49)],
                    },
                )
            ]
        },
        {2},
    ),
    ("values count gte", {"must": [field("tags", values_count={"gte": 2})]}, {1}),
    ("values count of []", {"must": [field("tags", values_count={"lt": 1})]}, {3}),
    ("values count gt", {"must": [field("tags", values_count={"gt": 0})]}, {1, 2}),
    ("is_empty", {"must": [{"is_empty": {"key": "tags"}}]}, {3, 4, 5, UUID}),
    ("is_empty of null", {"must": [{"is_empty": {"key": "nothing"}}]}, {1, 2, 4, 5}),
    ("is_null", {"must": [{"is_null": {"key": "nothing"}}]}, {1}),
    ("field is_empty true", {"must": [field("nothing", is_empty=True)]}, {1, 2, 4, 5}),
    ("field is_empty false", {"must": [field("nothing", is_empty=False)]}, {3, UUID}),
    ("field is_null true", {"must": [field("nothing", is_null=True)]}, {1}),
    ("field is_null false", {"must": [field("nothing", is_null=False)]}, {2, 3, 4, 5, UUID}),
    ("path a.b", {"must": [field("meta.lang", match={"value": "de"})]}, {1}),
    ("path a[].b", {"must": [field("items[].n", match={"value": "y"})]}, {1}),
    ("path a[].b range", {"must": [field("items[].q", range={"gte": 5})]}, {1, 2}),
    ("path a[0].b", {"must": [field("items[0].q", range={"gte": 5})]}, {2}),
    ("path a[1]", {"must": [field("city[1]", match={"value": "Paris"})]}, {4}),
    ("path a[]", {"must": [field("count[]", range={"gt": 10})]}, {4}),
    ("path quoted", {"must": [field('"dot.key"', match={"value": 2})]}, {2}),
    ("has_id", {"must": [{"has_id": [1, UUID, 99]}]}, {1, UUID}),
    ("has_vector", {"must": [{"has_vector": "b"}]}, {1, 2, 3, 4, UUID}),
    ("has_vector all", {"must": [{"has_vector": "a"}]}, ALL),
    (
        "nested",
        {
            "must": [
                {
                    "nested": {
                        "key": "items",
                        "filter": {
                            "must": [field("n", match={"value": "x"}), field("q", range={"gte": 5})]
                        },
                    }
                }
            ]
        },
        {2},
    ),
    (
        "not nested",
        {"must": [field("items[].n", match={"value": "x"}), field("items[].q", range={"gte": 5})]},
        {1, 2},
    ),
    (
        "nested must_not",
        {
            "must": [
                {
                    "nested": {
                        "key": "items",
                        "filter": {"must_not": [field("n", match={"value": "x"})]},
                    }
                }
            ]
        },
        {1},
    ),
    ("should", {"should": [BERLIN, field("count", match={"value": 3})]}, {1, 3, 4}),
    ("should empty", {"should": []}, set()),
    ("must empty", {"must": []}, ALL),
    ("must_not", {"must_not": [BERLIN]}, {2, 3, 5, UUID}),
    (
        "min_should",
        {
            "min_should": {
                "conditions": [
                    BERLIN,
                    field("tags", match={"value": "red"}),
                    field("ok", match={"value": True}),
                ],
                "min_count": 2,
            }
        },
        {1},
    ),
    ("min_should zero", {"min_should": {"conditions": [], "min_count": 0}}, ALL),
    (
        "filter in a clause",
        {
            "must": [{"should": [BERLIN, {"has_id": [2]}]}],
            "must_not": [{"must": [{"has_id": [4]}]}],
        },
        {1, 2},
    ),
    (
        "all clauses",
        {
            "must": [{"has_vector": "b"}],
            "should": [BERLIN, field("count", range={"lt": 0})],
            "must_not": [{"has_id": [4]}],
        },
        {1, UUID},
    ),
    (
        "several checks all hold",
        {"must": [field("count", match={"any": [1, 2, 3, 40]}, range={"gt": 2})]},
        {3, 4},
    ),
    ("plugin condition", {"must": [field("title", starts_with="vec")]}, {1, 2, 4}),
    ("plugin condition must_not", {"must_not": [field("title", starts_with="vec")]}, {3, 5, UUID}),
    (
        "plugin condition in nested",
        {"must": [{"nested": {"key": "items", "filter": {"must": field("n", starts_with="y")}}}]},
        {1},
    ),
    (
        "plugin condition with a match",
        {"must": [field("title", starts_with="vec", match={"text": "docs"})]},
        {2},
    ),
    (
        "plugin condition in min_should",
        {"min_should": {"conditions": [field("title", starts_with="vec"), BERLIN], "min_count": 2}},
        {1, 4},
    ),
]

TEXT_CASES = {"match text", "match text is case sensitive"}


@pytest.fixture
def points(client: TestClient) -> TestClient:
    body = {"vectors": {"a": {"size": 2, "distance": "Dot"}, "b": {"size": 2, "distance": "Dot"}}}
    assert ok(client.put("/collections/c", json=body)) is True
    ok(client.put("/collections/c/points?wait=true", json={"points": POINTS}))
    return client


def found(client: TestClient, flt: dict[str, Any]) -> set[Any]:
    """The ids `flt` selects, asserting count, scroll, search and query agree."""
    count = ok(client.post("/collections/c/points/count", json={"filter": flt}))["count"]
    page = ok(client.post("/collections/c/points/scroll", json={"filter": flt, "limit": 100}))
    scrolled = [p["id"] for p in page["points"]]
    assert page["next_page_offset"] is None
    search = {"vector": {"name": "a", "vector": [1, 1]}, "limit": 100, "filter": flt}
    searched = [p["id"] for p in ok(client.post("/collections/c/points/search", json=search))]
    query = {"query": [1, 1], "using": "a", "limit": 100, "filter": flt}
    queried = ok(client.post("/collections/c/points/query", json=query))["points"]
    assert count == len(scrolled) == len(set(scrolled))
    assert set(scrolled) == set(searched) == {p["id"] for p in queried}
    return set(scrolled)


@pytest.mark.parametrize(("flt", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_filters(points: TestClient, flt: dict[str, Any], expected: set[Any]) -> None:
    assert found(points, flt) == expected


INDEXES = {
    "city": "keyword",
    "count": {"type": "integer", "lookup": True, "range": True},
    "price": "float",
    "ok": "bool",
    "loc": "geo",
    "when": "datetime",
    "tags": {"type": "keyword", "is_tenant": False},
    "items[].q": "integer",
    "items[].n": "keyword",
    "nothing": "keyword",
}


def test_payload_indexes_do_not_change_answers(points: TestClient) -> None:
    for name, schema in INDEXES.items():
        result = ok(
            points.put(
                "/collections/c/index?wait=true", json={"field_name": name, "field_schema": schema}
            )
        )
        assert result["status"] == "completed"
    schema = ok(points.get("/collections/c"))["payload_schema"]
    assert set(schema) == set(INDEXES)
    for name, flt, expected in CASES:
        if name not in TEXT_CASES:
            assert found(points, flt) == expected, name


def test_text_index_matches_tokens(points: TestClient) -> None:
    flt = {"must": [field("title", match={"text": "vector search"})]}
    assert found(points, flt) == {1}
    ok(
        points.put(
            "/collections/c/index?wait=true", json={"field_name": "title", "field_schema": "text"}
        )
    )
    assert found(points, flt) == {1}
    # with a full-text index, "vec" is a token: only the exact word matches, as in Qdrant
    assert found(points, {"must": [field("title", match={"text": "vec"})]}) == {4}


def test_index_create_delete_and_payload_schema(points: TestClient) -> None:
    assert ok(points.get("/collections/c"))["payload_schema"] == {}
    result = ok(
        points.put("/collections/c/index", json={"field_name": "city", "field_schema": "keyword"})
    )
    assert result["status"] == "acknowledged" and isinstance(result["operation_id"], int)
    body = {"field_name": "count", "field_schema": {"type": "integer", "range": False}}
    ok(points.put("/collections/c/index?wait=true", json=body))
    schema = ok(points.get("/collections/c"))["payload_schema"]
    assert schema["city"]["data_type"] == "keyword"
    assert schema["city"]["points"] == 5  # every point with a string at `city`
    assert schema["count"]["data_type"] == "integer"
    assert schema["count"]["params"]["range"] is False
    assert schema["count"]["points"] == 5
    result = ok(points.delete("/collections/c/index/city?wait=true"))
    assert result["status"] == "completed"
    assert set(ok(points.get("/collections/c"))["payload_schema"]) == {"count"}
    # the index follows writes
    ok(
        points.put(
            "/collections/c/points?wait=true",
            json={"points": [{"id": 9, "vector": {"a": [1, 1]}, "payload": {"count": 7}}]},
        )
    )
    assert ok(points.get("/collections/c"))["payload_schema"]["count"]["points"] == 6
    assert found(points, {"must": [field("count", match={"value": 7})]}) == {9}


def test_index_errors(points: TestClient) -> None:
    bad: dict[str, Any] = {"field_name": "city", "field_schema": "nonsense"}
    assert "field_schema" in error(points.put("/collections/c/index?wait=true", json=bad), 400)
    bad = {"field_name": "city", "field_schema": {"type": "keyword", "bogus": 1}}
    assert "bogus" in error(points.put("/collections/c/index?wait=true", json=bad), 400)
    assert "field_name" in error(
        points.put("/collections/c/index", json={"field_schema": "keyword"}), 422
    )
    missing = {"field_name": "city", "field_schema": "keyword"}
    assert "nope" in error(points.put("/collections/nope/index", json=missing), 404)
    assert "nope" in error(points.delete("/collections/nope/index/city"), 404)
    assert "wait" in error(points.put("/collections/c/index?wait=maybe", json=missing), 400)


def test_search_batch_filters_and_their_paths(points: TestClient) -> None:
    searches = [
        {"vector": {"name": "a", "vector": [1, 1]}, "limit": 10, "filter": {"must": [BERLIN]}},
        {"vector": {"name": "a", "vector": [1, 1]}, "limit": 10},
    ]
    results = ok(points.post("/collections/c/points/search/batch", json={"searches": searches}))
    assert {p["id"] for p in results[0]} == {1, 4}
    assert {p["id"] for p in results[1]} == ALL
    searches[1]["filter"] = {"must": [field("count", range={"gt": "soon"})]}
    message = error(
        points.post("/collections/c/points/search/batch", json={"searches": searches}), 400
    )
    assert "searches[1].filter.must[0].range.gt: " in message
    queries: list[dict[str, Any]] = [
        {"query": [1, 1], "using": "a", "filter": {"should": {"has_id": [2, 3]}}},
        {"query": [1, 1], "using": "a"},
    ]
    results = ok(points.post("/collections/c/points/query/batch", json={"searches": queries}))
    assert {p["id"] for p in results[0]["points"]} == {2, 3}
    assert len(results[1]["points"]) == 6
    queries[0]["filter"] = {"should": {"has_id": "x"}}
    message = error(
        points.post("/collections/c/points/query/batch", json={"searches": queries}), 400
    )
    assert "searches[0].filter.should.has_id: " in message


def test_search_filter_with_limit_and_threshold(points: TestClient) -> None:
    search = {
        "vector": {"name": "a", "vector": [1, 0]},
        "limit": 2,
        "filter": {"must_not": [{"has_id": [1]}]},
    }
    assert [p["id"] for p in ok(points.post("/collections/c/points/search", json=search))] == [2, 3]
    search["score_threshold"] = 0.75
    assert [p["id"] for p in ok(points.post("/collections/c/points/search", json=search))] == [2, 3]
    search["score_threshold"] = 0.85
    assert [p["id"] for p in ok(points.post("/collections/c/points/search", json=search))] == [2]


def payloads(client: TestClient) -> dict[Any, Any]:
    page = ok(client.post("/collections/c/points/scroll", json={"limit": 100, "with_vector": True}))
    return {p["id"]: (p["payload"], sorted(p["vector"] or {})) for p in page["points"]}


def test_writes_by_filter(points: TestClient) -> None:
    c = "/collections/c/points"
    ok(
        points.post(
            f"{c}/payload?wait=true", json={"payload": {"flag": 1}, "filter": {"must": [BERLIN]}}
        )
    )
    assert found(points, {"must": [field("flag", match={"value": 1})]}) == {1, 4}
    body = {"payload": {"deep": 2}, "key": "meta", "filter": {"must": [{"has_id": [1, 2]}]}}
    ok(points.post(f"{c}/payload?wait=true", json=body))
    assert found(points, {"must": [field("meta.deep", match={"value": 2})]}) == {1, 2}
    ok(
        points.put(
            f"{c}/payload?wait=true",
            json={"payload": {"only": True}, "filter": {"must": [{"has_id": [3]}]}},
        )
    )
    assert payloads(points)[3][0] == {"only": True}
    ok(
        points.post(
            f"{c}/payload/delete?wait=true",
            json={"keys": ["flag"], "filter": {"must": [{"has_id": [4]}]}},
        )
    )
    assert found(points, {"must": [field("flag", match={"value": 1})]}) == {1}
    ok(
        points.post(
            f"{c}/payload/clear?wait=true",
            json={"filter": {"must": [field("city", match={"value": "London"})]}},
        )
    )
    assert payloads(points)[2][0] == {}
    ok(
        points.post(
            f"{c}/vectors/delete?wait=true",
            json={"vector": ["b"], "filter": {"must": [field("count", range={"lt": 0})]}},
        )
    )
    assert payloads(points)[UUID][1] == ["a"]
    assert found(points, {"must_not": [{"has_vector": "b"}]}) == {5, UUID}
    result = ok(
        points.post(f"{c}/delete?wait=true", json={"filter": {"should": [{"has_id": [5]}, BERLIN]}})
    )
    assert result["status"] == "completed"
    assert set(payloads(points)) == {2, 3, UUID}
    assert (
        ok(points.post(f"{c}/delete?wait=true", json={"filter": {"must": [BERLIN]}}))["status"]
        == "completed"
    )
    assert set(payloads(points)) == {2, 3, UUID}


BAD = {"must": [{"key": "count", "range": {"gt": "x"}}]}
ENDPOINTS = [
    ("POST", "/points/count", {"filter": BAD}),
    ("POST", "/points/scroll", {"filter": BAD}),
    (
        "POST",
        "/points/search",
        {"vector": {"name": "a", "vector": [1, 1]}, "limit": 1, "filter": BAD},
    ),
    ("POST", "/points/query", {"query": [1, 1], "using": "a", "filter": BAD}),
    ("POST", "/points/delete?wait=true", {"filter": BAD}),
    ("POST", "/points/payload?wait=true", {"payload": {"a": 1}, "filter": BAD}),
    ("PUT", "/points/payload?wait=true", {"payload": {"a": 1}, "filter": BAD}),
    ("POST", "/points/payload/delete?wait=true", {"keys": ["a"], "filter": BAD}),
    ("POST", "/points/payload/clear?wait=true", {"filter": BAD}),
    ("POST", "/points/vectors/delete?wait=true", {"vector": ["b"], "filter": BAD}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=[e[1] for e in ENDPOINTS])
def test_every_filtered_endpoint_refuses_a_bad_filter(
    points: TestClient, method: str, path: str, body: dict[str, Any]
) -> None:
    message = error(points.request(method, f"/collections/c{path}", json=body), 400)
    expected = 'filter.must[0].range.gt: expected an RFC 3339 datetime, got "x"'
    assert message == f"Format error in JSON body: {expected}"
    assert len(payloads(points)) == 6  # nothing was written


@pytest.mark.parametrize(("value", "path", "words"), BAD_FILTERS, ids=[b[1] for b in BAD_FILTERS])
def test_bad_filters_are_400_naming_the_path(
    points: TestClient, value: Any, path: str, words: str
) -> None:
    message = error(points.post("/collections/c/points/count", json={"filter": value}), 400)
    assert f"{path}: " in message and words in message


def test_a_condition_with_only_a_key_is_a_validation_error(points: TestClient) -> None:
    # well-formed JSON, refused by Qdrant's validation: 422, not a format error
    body = {"vector": [1, 0, 0, 0], "limit": 3, "filter": {"must": [{}, {"key": "city"}]}}
    message = error(points.post("/collections/c/points/search", json=body), 422)
    assert message.startswith(
        "Validation error in JSON body: [filter.must[1]: Validation error: At least one field "
        "condition must be specified ("
    )


def test_a_bad_filter_on_a_missing_collection(points: TestClient) -> None:
    # the body is read before the collection is looked up, as Qdrant does
    assert "filter.must" in error(
        points.post("/collections/nope/points/count", json={"filter": {"must": 1}}), 400
    )
    assert "nope" in error(points.post("/collections/nope/points/count", json={"filter": {}}), 404)


def test_plugin_condition_kinds_need_their_plugin(plain_client: TestClient) -> None:
    ok(plain_client.put("/collections/c", json={"vectors": {"size": 2, "distance": "Dot"}}))
    flt = {"must": [field("title", starts_with="vec")]}
    message = error(plain_client.post("/collections/c/points/count", json={"filter": flt}), 400)
    assert "filter.must[0].starts_with: unknown condition" in message


def test_condition_plugin_is_found_through_its_entry_point(tmp_path: Path) -> None:
    # tox installs it (commands_pre); by hand:
    #   pip install --no-deps -e tests/plugins/condition_plugin
    assert PLUGIN_NAME in known_entry_points()
    pm = make_plugin_manager()
    assert pm.get_plugin(PLUGIN_NAME) is not None
    with Engine.open(tmp_path / "data", pm=pm) as eng:
        assert "starts_with" in eng.condition_kinds
