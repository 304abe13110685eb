"""The per-point filter evaluator: targeted cases per condition and key path, and a
differential test against qdrant-client's local mode (its pure-Python filter semantics).

Where local mode and the Qdrant server disagree the evaluator follows the server; those
places are pinned in `TestQdrantOverLocalMode` and kept out of the random generators.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from qdrant_client import QdrantClient
from qdrant_client import models as qm
from qdrant_client.local import datetime_utils
from qdrant_client.local.payload_value_extractor import value_by_key

from vectorizer.errors import BadRequest, Unsupported
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
from vectorizer.filters.evaluate import (
    EvalContext,
    PointView,
    check,
    compile_condition,
    matches,
    parse_datetime,
    raw_values_at,
    values_at,
)

UTC = dt.UTC


def view(payload: dict[str, Any], point_id: int | str = 1, vectors: tuple[str, ...] = ("",)):
    return PointView(id=point_id, payload=payload, has_vector=lambda name: name in vectors)


def holds(cond: Condition, payload: dict[str, Any], ctx: EvalContext | None = None) -> bool:
    return check(cond, view(payload), ctx or EvalContext())


def which(cond: Condition, payloads: list[dict[str, Any]]) -> list[int]:
    """Indexes of the payloads the condition holds for."""
    return [i for i, p in enumerate(payloads) if holds(cond, p)]


# ----------------------------------------------------------------------------- key paths

DOC = {
    "a": 1,
    "obj": {"b": "x", "deep": {"c": [1, 2]}},
    "list": [10, 20, 30],
    "objs": [{"b": 1, "c": [1, 2]}, {"b": [2, 3]}, {"c": 5}, 7, None],
    "grid": [[1, 2], [3], 4],
    "a.b": "dotted",
    "nul": None,
    "empty": [],
}


@pytest.mark.parametrize(
    ("key", "raw", "flat"),
    [
        ("a", [1], [1]),
        ("missing", [], []),
        ("obj", [DOC["obj"]], [DOC["obj"]]),
        ("obj.b", ["x"], ["x"]),
        ("obj.deep.c", [[1, 2]], [1, 2]),
        ("obj.missing", [], []),
        ("a.b", [], []),  # `a` is not an object
        ("list", [[10, 20, 30]], [10, 20, 30]),
        ("list[]", [10, 20, 30], [10, 20, 30]),
        ("list[0]", [10], [10]),
        ("list[2]", [30], [30]),
        ("list[3]", [], []),
        ("objs[].b", [1, [2, 3]], [1, 2, 3]),
        ("objs[].c", [[1, 2], 5], [1, 2, 5]),
        ("objs[0].b", [1], [1]),
        ("objs[1].b", [[2, 3]], [2, 3]),
        ("objs[0].c[1]", [2], [2]),
        ("objs[].c[]", [1, 2], [1, 2]),
        ("obj[]", [], []),  # `obj` is not an array
        ("grid", [[[1, 2], [3], 4]], [[1, 2], [3], 4]),
        ("grid[]", [[1, 2], [3], 4], [1, 2, 3, 4]),
        ("grid[0]", [[1, 2]], [1, 2]),
        ("grid[0][1]", [2], [2]),
        ('"a.b"', ["dotted"], ["dotted"]),
        ('"obj".b', ["x"], ["x"]),
        ("nul", [None], [None]),
        ("empty", [[]], []),
        ("empty[]", [], []),
    ],
)
def test_values_at_every_path_form(key: str, raw: list[Any], flat: list[Any]) -> None:
    assert raw_values_at(DOC, key) == raw
    assert values_at(DOC, key) == flat


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "obj.b",
        "obj.deep.c",
        "list",
        "list[]",
        "list[1]",
        "objs[].b",
        "objs[].c",
        "objs[0].c[1]",
        "objs[].c[]",
        '"a.b"',
        "nul",
        "empty",
        "missing",
        "a.b",
    ],
)
def test_values_at_agrees_with_local_mode(key: str) -> None:
    """Local mode's unflattened values are Qdrant's; flattened ones agree without arrays of
    arrays at the end of the path."""
    assert raw_values_at(DOC, key) == (value_by_key(DOC, key, flat=False) or [])
    assert values_at(DOC, key) == (value_by_key(DOC, key) or [])


@pytest.mark.parametrize("key", ["", ".a", "a.", "a..b", "[0]", "a[x]", "a[-1]", "a[0]b", '"a'])
def test_bad_key_path_is_a_bad_request(key: str) -> None:
    with pytest.raises(BadRequest):
        values_at(DOC, key)


# ----------------------------------------------------------------------------- match


class TestMatch:
    PAYLOADS: list[dict[str, Any]] = [
        {"k": "red"},  # 0
        {"k": ["blue", "red"]},  # 1
        {"k": 3},  # 2
        {"k": [1, 3, 5]},  # 3
        {"k": True},  # 4
        {"k": [False]},  # 5
        {"k": None},  # 6
        {},  # 7
        {"k": []},  # 8
        {"k": {"v": "red"}},  # 9
        {"k": 3.0},  # 10
        {"k": [[3]]},  # 11
        {"k": "3"},  # 12
        {"k": [None]},  # 13
        {"k": 1},  # 14
    ]

    def test_match_value_keyword(self) -> None:
        assert which(MatchValue("k", "red"), self.PAYLOADS) == [0, 1]

    def test_match_value_integer(self) -> None:
        # not "3", not 3.0, not [[3]] (arrays in arrays are not flattened)
        assert which(MatchValue("k", 3), self.PAYLOADS) == [2, 3]

    def test_match_value_bool_and_int_never_mix(self) -> None:
        assert which(MatchValue("k", True), self.PAYLOADS) == [4]
        assert which(MatchValue("k", False), self.PAYLOADS) == [5]
        assert which(MatchValue("k", 1), self.PAYLOADS) == [3, 14]
        assert which(MatchValue("k", 0), self.PAYLOADS) == []

    def test_match_any(self) -> None:
        assert which(MatchAny("k", ("red", "green")), self.PAYLOADS) == [0, 1]
        assert which(MatchAny("k", (5, 7)), self.PAYLOADS) == [3]
        assert which(MatchAny("k", (1,)), self.PAYLOADS) == [3, 14]  # not True
        assert which(MatchAny("k", ()), self.PAYLOADS) == []

    def test_match_except_keywords(self) -> None:
        # A value not in the list passes; so does any non-string value except null;
        # an absent key, null, [] and [null] do not.
        got = which(MatchExcept("k", ("red",)), self.PAYLOADS)
        assert got == [1, 2, 3, 4, 5, 9, 10, 11, 12, 14]

    def test_match_except_integers(self) -> None:
        got = which(MatchExcept("k", (1, 3, 5)), self.PAYLOADS)
        # 3: all of [1, 3, 5] are excluded; True, 3.0 and [[3]] are not integers
        assert got == [0, 1, 4, 5, 9, 10, 11, 12]

    def test_match_except_array_needs_one_value_outside(self) -> None:
        assert holds(MatchExcept("k", ("a",)), {"k": ["a", "b"]})
        assert not holds(MatchExcept("k", ("a", "b")), {"k": ["a", "b"]})
        assert holds(MatchExcept("k", ()), {"k": "a"})

    def test_match_text_substring_without_index(self) -> None:
        payloads: list[dict[str, Any]] = [
            {"t": "The Quick brown fox"},
            {"t": ["lazy dog", "quick cat"]},
            {"t": 12},
            {"t": None},
            {},
            {"t": {"quick": 1}},
        ]
        assert which(MatchText("t", "quick"), payloads) == [1]
        assert which(MatchText("t", "Quick b"), payloads) == [0]
        assert which(MatchText("t", ""), payloads) == [0, 1]  # every string contains ""

    def test_match_text_with_full_text_index(self) -> None:
        def tokenize(text: str) -> list[str]:
            return text.lower().split()

        ctx = EvalContext(tokenizer=lambda key: tokenize if key == "t" else None)
        doc = {"t": "The Quick brown fox", "u": "The Quick brown fox"}
        assert holds(MatchText("t", "fox quick"), doc, ctx)  # every token, any order
        assert not holds(MatchText("t", "qui"), doc, ctx)  # tokens, not substrings
        assert not holds(MatchText("t", "quick dog"), doc, ctx)
        assert not holds(MatchText("t", "   "), doc, ctx)  # no tokens: no match
        assert holds(MatchText("u", "Quick b"), doc, ctx)  # no index on "u": substring
        assert not holds(MatchText("u", "fox quick"), doc, ctx)
        assert holds(MatchText("t", "lazy"), {"t": [3, "lazy dog"]}, ctx)

    def test_match_text_tokenizer_in_nested_uses_full_key(self) -> None:
        seen: list[str] = []

        def tokenizer(key: str) -> Callable[[str], list[str]] | None:
            seen.append(key)
            return str.split if key == "arr[].t" else None

        ctx = EvalContext(tokenizer=tokenizer)
        cond = Nested("arr", Filter(must=(MatchText("t", "b a"),)))
        assert check(cond, view({"arr": [{"t": "a x b"}]}), ctx)
        assert not check(cond, view({"arr": [{"t": "ab"}]}), ctx)
        assert seen[0] == "arr[].t"


# ----------------------------------------------------------------------------- ranges


class TestRange:
    PAYLOADS: list[dict[str, Any]] = [
        {"n": 1},  # 0
        {"n": 2.5},  # 1
        {"n": [0, 10]},  # 2
        {"n": "2"},  # 3
        {"n": True},  # 4
        {"n": None},  # 5
        {},  # 6
        {"n": [[2]]},  # 7
        {"n": -3},  # 8
    ]

    def test_bounds(self) -> None:
        assert which(Range("n", gte=1, lte=2.5), self.PAYLOADS) == [0, 1]
        assert which(Range("n", gt=1, lt=2.5), self.PAYLOADS) == []
        assert which(Range("n", gt=5), self.PAYLOADS) == [2]
        assert which(Range("n", lt=0), self.PAYLOADS) == [8]
        assert which(Range("n", lt=1), self.PAYLOADS) == [2, 8]  # any element of [0, 10]

    def test_no_bounds_means_any_number(self) -> None:
        # numeric strings, bools, nested arrays are not numbers
        assert which(Range("n"), self.PAYLOADS) == [0, 1, 2, 8]

    def test_large_integers(self) -> None:
        assert holds(Range("n", gt=2**53), {"n": 2**60})
        assert not holds(Range("n", lt=-(2**53)), {"n": 2**60})


class TestDatetimeRange:
    def test_bounds_and_formats(self) -> None:
        lo = dt.datetime(2024, 1, 1, 12, tzinfo=UTC)
        cond = DatetimeRange("d", gte=lo, lt=lo + dt.timedelta(days=1))
        assert holds(cond, {"d": "2024-01-01T12:00:00Z"})
        assert holds(cond, {"d": "2024-01-01T13:00:00+01:00"})  # 12:00 UTC
        assert not holds(cond, {"d": "2024-01-01T12:59:59+01:00"})  # 11:59:59 UTC
        assert holds(cond, {"d": "2024-01-01 12:00:00"})  # naive = UTC
        assert holds(cond, {"d": "2024-01-02T01:00:00+12:00"})  # 2024-01-01 13:00 UTC
        assert not holds(cond, {"d": "2024-01-02T06:00:00-12:00"})  # 2024-01-02 18:00 UTC
        assert not holds(cond, {"d": "2024-01-02T12:00:00Z"})
        assert not holds(cond, {"d": "2024-01-01"})  # midnight UTC
        assert holds(cond, {"d": ["garbage", "2024-01-01T20:00:00.123456Z"]})
        assert not holds(cond, {"d": 1704110400})  # numbers are not datetimes
        assert not holds(cond, {"d": "garbage"})
        assert not holds(cond, {})

    def test_naive_bounds_are_utc(self) -> None:
        cond = DatetimeRange("d", gt=dt.datetime(2024, 1, 1))
        assert holds(cond, {"d": "2024-01-01T00:00:01Z"})
        assert not holds(cond, {"d": "2024-01-01T00:30:00+01:00"})


VALID_DATETIMES = [
    "2024-01-02",
    "2024-01-02T03:04",
    "2024-01-02 03:04",
    "2024-01-02T03:04:05",
    "2024-01-02 03:04:05",
    "2024-01-02t03:04:05",
    "2024-01-02T03:04:05.1",
    "2024-01-02T03:04:05.123456",
    "2024-01-02T03:04:05Z",
    "2024-01-02 03:04:05Z",
    "2024-01-02T03:04:05.5Z",
    "2024-01-02T03:04:05+01:00",
    "2024-01-02T03:04:05-05:30",
    "2024-01-02T03:04:05+0100",
    "2024-01-02T03:04:05.000001+01",
    "2024-01-02 03:04:05-10",
    "2024-02-29T23:59:59Z",
]
INVALID_DATETIMES = [
    "",
    "garbage",
    "2024",
    "2024-01",
    "2024-13-01",
    "2024-02-30",
    "2023-02-29T00:00:00Z",
    "2024-01-02T25:00:00",
    "2024-01-02T03:04:60",
    "2024-01-02T03:04:05+24:00",
    "2024-01-02T03:04:05+01:60",
    "2024-01-02T03:04:05 Z",
    " 2024-01-02",
    "2024-01-02T03:04:05+1",
    "2024-01-02Z",
    "24-01-02",
]


@pytest.mark.parametrize("text", VALID_DATETIMES)
def test_parse_datetime_accepts_what_local_mode_accepts(text: str) -> None:
    parsed = parse_datetime(text)
    assert parsed.tzinfo is not None
    assert parsed == datetime_utils.parse(text)


@pytest.mark.parametrize("text", INVALID_DATETIMES)
def test_parse_datetime_rejects_what_local_mode_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_datetime(text)
    assert datetime_utils.parse(text) is None


def test_parse_datetime_values() -> None:
    assert parse_datetime("2024-01-02") == dt.datetime(2024, 1, 2, tzinfo=UTC)
    expected = dt.datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)
    assert parse_datetime("2024-01-02T03:04:05+02:00") == expected
    # Qdrant (chrono) reads nanoseconds; they are truncated to microseconds
    assert parse_datetime("2024-01-02T03:04:05.123456789Z").microsecond == 123456
    with pytest.raises(ValueError):
        not_a_string: Any = 20240102
        parse_datetime(not_a_string)


# ----------------------------------------------------------------------------- geo

BERLIN = {"lon": 13.4050, "lat": 52.5200}
MOSCOW = {"lon": 37.6173, "lat": 55.7558}
LONDON = {"lon": -0.1278, "lat": 51.5074}


class TestGeo:
    def test_radius(self) -> None:
        near_berlin = GeoRadius("loc", center=GeoPoint(lon=13.41, lat=52.51), radius=2000.0)
        assert holds(near_berlin, {"loc": BERLIN})
        assert holds(near_berlin, {"loc": [MOSCOW, BERLIN]})
        assert not holds(near_berlin, {"loc": MOSCOW})
        # Moscow-London is about 2500 km
        around_moscow = GeoRadius(
            "loc", center=GeoPoint(lon=MOSCOW["lon"], lat=MOSCOW["lat"]), radius=2_600_000.0
        )
        assert holds(around_moscow, {"loc": LONDON})
        assert not holds(
            GeoRadius("loc", center=around_moscow.center, radius=2_400_000.0), {"loc": LONDON}
        )

    def test_bounding_box(self) -> None:
        box = GeoBoundingBox(
            "loc", top_left=GeoPoint(lon=0, lat=60), bottom_right=GeoPoint(lon=20, lat=50)
        )
        assert holds(box, {"loc": BERLIN})
        assert not holds(box, {"loc": MOSCOW})
        assert not holds(box, {"loc": LONDON})
        assert holds(box, {"loc": [LONDON, BERLIN]})
        assert not holds(box, {"loc": {"lon": 10, "lat": 50}})  # edges are outside (Qdrant)

    def test_bounding_box_across_the_antimeridian(self) -> None:
        box = GeoBoundingBox(
            "loc", top_left=GeoPoint(lon=170, lat=10), bottom_right=GeoPoint(lon=-170, lat=-10)
        )
        assert holds(box, {"loc": {"lon": 175, "lat": 0}})
        assert holds(box, {"loc": {"lon": -175, "lat": 0}})
        assert not holds(box, {"loc": {"lon": 0, "lat": 0}})
        assert not holds(box, {"loc": {"lon": 175, "lat": 20}})

    def test_polygon_with_hole(self) -> None:
        def ring(*pts: tuple[float, float]) -> tuple[GeoPoint, ...]:
            return tuple(GeoPoint(lon=lon, lat=lat) for lon, lat in pts)

        exterior = ring((0, 0), (10, 0), (10, 10), (0, 10), (0, 0))
        hole = ring((4, 4), (6, 4), (6, 6), (4, 6), (4, 4))
        poly = GeoPolygon("loc", exterior=exterior, interiors=(hole,))
        assert holds(poly, {"loc": {"lon": 2, "lat": 2}})
        assert not holds(poly, {"loc": {"lon": 5, "lat": 5}})  # in the hole
        assert not holds(poly, {"loc": {"lon": 11, "lat": 5}})
        assert not holds(poly, {"loc": {"lon": 0, "lat": 5}})  # on the exterior boundary
        assert not holds(poly, {"loc": {"lon": 4, "lat": 5}})  # on the hole boundary
        assert holds(poly, {"loc": [{"lon": 5, "lat": 5}, {"lon": 8, "lat": 8}]})
        assert holds(GeoPolygon("loc", exterior=exterior), {"loc": {"lon": 5, "lat": 5}})

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "13.4,52.5",
            [13.4, 52.5],
            {"lon": 13.4},
            {"lon": "13.4", "lat": 52.5},
            {"lon": True, "lat": 52.5},
            {"latitude": 52.5, "longitude": 13.4},
        ],
    )
    def test_not_a_geo_point(self, value: Any) -> None:
        radius = GeoRadius("loc", center=GeoPoint(lon=13.4, lat=52.5), radius=1e7)
        assert not holds(radius, {"loc": value})

    def test_geo_point_with_integer_coordinates(self) -> None:
        radius = GeoRadius("loc", center=GeoPoint(lon=13, lat=52), radius=1.0)
        assert holds(radius, {"loc": {"lon": 13, "lat": 52}})


# --------------------------------------------------------------------- counting, empty, null


class TestValuesCountEmptyNull:
    PAYLOADS: list[dict[str, Any]] = [
        {"k": [1, 2, 3]},  # 0
        {"k": "x"},  # 1
        {"k": []},  # 2
        {"k": None},  # 3
        {},  # 4
        {"k": [None]},  # 5
        {"k": {"a": 1, "b": 2}},  # 6
        {"k": [[1, 2]]},  # 7
    ]

    def test_values_count(self) -> None:
        assert which(ValuesCount("k", gt=2), self.PAYLOADS) == [0]
        assert which(ValuesCount("k", gte=1), self.PAYLOADS) == [0, 1, 5, 6, 7]
        # null counts 0; an absent key matches nothing (Qdrant 1.14)
        assert which(ValuesCount("k", lt=1), self.PAYLOADS) == [2, 3]
        assert which(ValuesCount("k", lte=1, gte=1), self.PAYLOADS) == [1, 5, 6, 7]
        assert which(ValuesCount("k"), self.PAYLOADS) == [0, 1, 2, 3, 5, 6, 7]

    def test_values_count_through_arrays(self) -> None:
        doc = {"arr": [{"t": [1]}, {"t": [1, 2, 3, 4, 5]}, {"t": 7}]}
        assert holds(ValuesCount("arr[].t", gte=5), doc)
        assert holds(ValuesCount("arr", lte=3, gte=3), doc)
        # each reached value is counted on its own, bounds together
        assert not holds(ValuesCount("arr[].t", gte=2, lte=4), doc)
        assert holds(ValuesCount("arr[].t", gte=1, lte=1), doc)

    def test_is_empty(self) -> None:
        assert which(IsEmpty("k"), self.PAYLOADS) == [2, 3, 4]
        assert holds(IsEmpty("a[].b"), {"a": [{"b": None}, {"b": []}, {"c": 1}]})
        assert not holds(IsEmpty("a[].b"), {"a": [{"b": None}, {"b": 0}]})
        assert holds(IsEmpty("a.b"), {"a": 5})

    def test_is_null(self) -> None:
        assert which(IsNull("k"), self.PAYLOADS) == [3]  # [null] is an array
        assert holds(IsNull("a[].b"), {"a": [{"b": 1}, {"b": None}]})
        assert not holds(IsNull("a[].b"), {"a": [{"b": 1}, {"c": None}]})
        assert holds(IsNull("k[]"), {"k": [1, None]})


# ----------------------------------------------------------------------------- ids, vectors, nested


class TestPointConditions:
    UUID = str(uuid.UUID(int=7))

    def test_has_id(self) -> None:
        cond = HasId(frozenset({1, 5, self.UUID}))
        assert check(cond, view({}, point_id=5))
        assert check(cond, view({}, point_id=self.UUID))
        assert not check(cond, view({}, point_id=2))
        assert not check(HasId(frozenset()), view({}, point_id=2))

    def test_has_vector(self) -> None:
        point = view({}, vectors=("", "image"))
        assert check(HasVector(""), point)
        assert check(HasVector("image"), point)
        assert not check(HasVector("text"), point)

    def test_nested_tests_each_object_on_its_own(self) -> None:
        doc = {"people": [{"name": "ann", "age": 30}, {"name": "bob", "age": 5}]}
        both = Filter(must=(MatchValue("name", "ann"), Range("age", lt=10)))
        assert not check(Nested("people", both), view(doc))
        # the same conditions through `people[].…` may be satisfied by different objects
        flat = Filter(must=(MatchValue("people[].name", "ann"), Range("people[].age", lt=10)))
        assert matches(flat, view(doc))
        assert check(Nested("people", Filter(must=(MatchValue("name", "bob"),))), view(doc))
        assert check(Nested("people[]", Filter(must=(MatchValue("name", "bob"),))), view(doc))

    def test_nested_deeper_and_relative_paths(self) -> None:
        doc = {"a": {"b": [{"c": [{"d": 1}, {"d": 2}]}, {"c": [{"d": 3}]}]}}
        assert check(Nested("a.b", Filter(must=(MatchValue("c[].d", 3),))), view(doc))
        inner = Nested("c", Filter(must=(MatchValue("d", 2),)))
        assert check(Nested("a.b", Filter(must=(inner,))), view(doc))
        assert check(Nested("a.b[].c", Filter(must=(MatchValue("d", 2),))), view(doc))
        assert not check(Nested("a.b", Filter(must=(MatchValue("d", 2),))), view(doc))

    def test_nested_skips_non_objects(self) -> None:
        match_all = Filter(must_not=(MatchValue("x", 1),))
        assert check(Nested("a", match_all), view({"a": [{"y": 1}]}))
        assert not check(Nested("a", match_all), view({"a": [1, "s", None, [2]]}))
        assert not check(Nested("a", match_all), view({"a": {"y": 1}}))  # not an array
        assert not check(Nested("a", match_all), view({"a": []}))
        assert not check(Nested("a", match_all), view({}))

    def test_has_id_and_has_vector_never_match_inside_nested(self) -> None:
        point = view({"a": [{"x": 1}]}, point_id=1, vectors=("",))
        assert not check(Nested("a", Filter(must=(HasId(frozenset({1})),))), point)
        assert not check(Nested("a", Filter(must=(HasVector(""),))), point)
        assert check(Nested("a", Filter(must_not=(HasId(frozenset({1})),))), point)


# ----------------------------------------------------------------------------- custom conditions


def test_custom_condition_gets_the_flattened_values() -> None:
    seen: list[tuple[Any, list[Any]]] = []

    def match(params: Any, values: list[Any]) -> bool:
        seen.append((params, values))
        return any(isinstance(v, str) and v.startswith(params) for v in values)

    kind = ConditionKind(name="prefix", parse=lambda value, where: value, match=match)
    cond = Custom("tags", kind, "vec")
    assert check(cond, view({"tags": ["db", "vector"]}))
    assert not check(cond, view({"tags": "database"}))
    assert seen[0] == ("vec", ["db", "vector"])
    nested = Nested("items", Filter(must=(Custom("name", kind, "ab"),)))
    assert check(nested, view({"items": [{"name": "xyz"}, {"name": "abc"}]}))


def test_unknown_condition_is_unsupported() -> None:
    with pytest.raises(Unsupported):
        not_a_condition: Any = "not a condition"
        check(not_a_condition, view({}))


# ----------------------------------------------------------------------------- clauses


class TestClauses:
    YES = MatchValue("k", 1)
    NO = MatchValue("k", 2)
    P = view({"k": 1})

    def test_empty_filter_matches(self) -> None:
        assert matches(Filter(), self.P)

    def test_must(self) -> None:
        assert matches(Filter(must=(self.YES, self.YES)), self.P)
        assert not matches(Filter(must=(self.YES, self.NO)), self.P)

    def test_must_not(self) -> None:
        assert matches(Filter(must_not=(self.NO,)), self.P)
        assert not matches(Filter(must_not=(self.NO, self.YES)), self.P)

    def test_should(self) -> None:
        assert matches(Filter(should=(self.NO, self.YES)), self.P)
        assert not matches(Filter(should=(self.NO, self.NO)), self.P)

    def test_min_should(self) -> None:
        conds = (self.YES, self.NO, self.YES, self.NO)
        assert matches(Filter(min_should=MinShould(conds, 2)), self.P)
        assert not matches(Filter(min_should=MinShould(conds, 3)), self.P)
        assert matches(Filter(min_should=MinShould((), 0)), self.P)
        assert not matches(Filter(min_should=MinShould((), 1)), self.P)

    def test_all_clauses_together_and_nested_filters(self) -> None:
        inner = Filter(should=(self.NO, Filter(must_not=(self.NO,))))
        flt = Filter(
            must=(self.YES, inner),
            must_not=(Filter(must=(self.NO,)),),
            should=(self.NO, inner),
            min_should=MinShould((self.YES, inner, self.NO), 2),
        )
        assert matches(flt, self.P)
        assert not matches(Filter(must=(flt, Filter(should=(self.NO,)))), self.P)


def test_compiled_conditions_are_cached_by_identity_not_equality() -> None:
    as_bool, as_int = MatchValue("k", True), MatchValue("k", 1)
    assert as_bool == as_int  # dataclass equality cannot tell them apart
    assert holds(as_bool, {"k": True}) and not holds(as_int, {"k": True})
    assert compile_condition(as_bool) is compile_condition(as_bool)
    assert compile_condition(as_bool) is not compile_condition(as_int)


# -------------------------------------------------------------------- Qdrant over local mode


class TestQdrantOverLocalMode:
    """Where local mode (Python equality, truthiness) and the Qdrant server differ, the
    server wins. Each case here gives a different answer in qdrant-client 1.15 local mode."""

    def test_bool_is_not_an_integer(self) -> None:
        assert not holds(MatchValue("k", 1), {"k": True})
        assert not holds(MatchValue("k", True), {"k": 1})
        assert not holds(MatchAny("k", (1,)), {"k": True})
        assert holds(MatchExcept("k", (1,)), {"k": True})
        assert not holds(Range("k", gte=0), {"k": True})

    def test_float_is_not_an_integer(self) -> None:
        assert not holds(MatchValue("k", 1), {"k": 1.0})
        assert holds(MatchExcept("k", (1,)), {"k": 1.0})

    def test_except_never_matches_null(self) -> None:
        assert not holds(MatchExcept("k", ("a",)), {"k": None})
        assert not holds(MatchExcept("k", ("a",)), {"k": [None]})

    def test_text_match_only_on_strings(self) -> None:
        assert not holds(MatchText("k", "a"), {"k": {"a": 1}})  # local: key membership
        assert not holds(MatchText("k", "a"), {"k": 5})  # local: TypeError

    def test_index_and_wildcard_paths_flatten_a_reached_array(self) -> None:
        assert holds(MatchValue("k[]", 1), {"k": [[1, 2], [3]]})
        assert holds(MatchValue("k[0]", 2), {"k": [[1, 2], [3]]})

    def test_values_count_bounds_apply_to_one_value_together(self) -> None:
        assert not holds(ValuesCount("a[].t", gte=2, lte=3), {"a": [{"t": [1]}, {"t": [1] * 5}]})

    def test_values_count_of_an_object_is_one(self) -> None:
        assert holds(ValuesCount("k", lt=2), {"k": {"a": 1, "b": 2}})

    def test_nested_only_over_arrays_of_objects(self) -> None:
        match_all = Filter(must_not=(IsEmpty("zz"),))  # IsEmpty("zz") holds everywhere
        assert not check(Nested("a", Filter(must=(IsEmpty("zz"),))), view({"a": {"y": 1}}))
        assert not check(Nested("a", Filter(must=(IsEmpty("zz"),))), view({"a": None}))
        assert not check(Nested("a", match_all), view({"a": [{"y": 1}]}))

    def test_bounding_box_edges_are_outside(self) -> None:
        box = GeoBoundingBox(
            "g", top_left=GeoPoint(lon=0, lat=10), bottom_right=GeoPoint(lon=10, lat=0)
        )
        assert not holds(box, {"g": {"lon": 0, "lat": 5}})
        assert holds(box, {"g": {"lon": 0.001, "lat": 5}})


# ----------------------------------------------------------------------------- differential


def to_qdrant(cond: Condition) -> Any:
    """Translate our AST to qdrant_client models (what the REST converter does backwards)."""

    def many(conds: tuple[Condition, ...]) -> list[Any] | None:
        return [to_qdrant(c) for c in conds] if conds else None

    def pt(p: GeoPoint) -> qm.GeoPoint:
        return qm.GeoPoint(lon=p.lon, lat=p.lat)

    def field(key: str, **kw: Any) -> qm.FieldCondition:
        return qm.FieldCondition(key=key, **kw)

    match cond:
        case Filter():
            return qm.Filter(
                must=many(cond.must),
                should=many(cond.should),
                must_not=many(cond.must_not),
                min_should=None
                if cond.min_should is None
                else qm.MinShould(
                    conditions=[to_qdrant(c) for c in cond.min_should.conditions],
                    min_count=cond.min_should.min_count,
                ),
            )
        case MatchValue():
            return field(cond.key, match=qm.MatchValue(value=cond.value))
        case MatchAny():
            return field(cond.key, match=qm.MatchAny(any=list(cond.values)))
        case MatchExcept():
            return field(cond.key, match=qm.MatchExcept(**{"except": list(cond.values)}))
        case MatchText():
            return field(cond.key, match=qm.MatchText(text=cond.text))
        case Range():
            return field(
                cond.key, range=qm.Range(gt=cond.gt, gte=cond.gte, lt=cond.lt, lte=cond.lte)
            )
        case DatetimeRange():
            return field(
                cond.key, range=qm.DatetimeRange(gt=cond.gt, gte=cond.gte, lt=cond.lt, lte=cond.lte)
            )
        case GeoBoundingBox():
            return field(
                cond.key,
                geo_bounding_box=qm.GeoBoundingBox(
                    top_left=pt(cond.top_left), bottom_right=pt(cond.bottom_right)
                ),
            )
        case GeoRadius():
            return field(
                cond.key, geo_radius=qm.GeoRadius(center=pt(cond.center), radius=cond.radius)
            )
        case GeoPolygon():
            return field(
                cond.key,
                geo_polygon=qm.GeoPolygon(
                    exterior=qm.GeoLineString(points=[pt(p) for p in cond.exterior]),
                    interiors=[
                        qm.GeoLineString(points=[pt(p) for p in ring]) for ring in cond.interiors
                    ]
                    or None,
                ),
            )
        case ValuesCount():
            return field(
                cond.key,
                values_count=qm.ValuesCount(gt=cond.gt, gte=cond.gte, lt=cond.lt, lte=cond.lte),
            )
        case IsEmpty():
            return qm.IsEmptyCondition(is_empty=qm.PayloadField(key=cond.key))
        case IsNull():
            return qm.IsNullCondition(is_null=qm.PayloadField(key=cond.key))
        case HasId():
            return qm.HasIdCondition(has_id=sorted(cond.ids, key=str))
        case HasVector():
            return qm.HasVectorCondition(has_vector=cond.name)
        case Nested():
            return qm.NestedCondition(nested=qm.Nested(key=cond.key, filter=to_qdrant(cond.filter)))
    raise AssertionError(f"no translation for {cond!r}")


WORDS = ["red", "green", "blue", "fox", "quick", "lazy", "dog", "Blue", "re", ""]
BASE = dt.datetime(2024, 1, 10, tzinfo=UTC)
DT_FORMATS = [
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S+01:00",
    "%Y-%m-%dT%H:%M:%S.%f-05:30",
    "%Y-%m-%dT%H:%M:%S+0200",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S-03",
]


class Gen:
    """Random payloads and filters that stay clear of the known divergences above:
    no bools or floats where integers are matched, no nulls where `except` is matched,
    only strings where text is matched, nested keys hold arrays of objects only,
    no arrays of arrays, `values_count` with several bounds only on single-valued paths."""

    STR_PATHS = ["s", "s[]", "s[0]", "o.s", "arr[].s", "arr[0].s"]
    INT_PATHS = ["i", "i[]", "i[1]", "o.i", "arr[].i", "arr[1].i", '"x.y"']
    NUM_PATHS = ["f", "f[]", "arr[].f", "i", "o.i"]
    BOOL_PATHS = ["b", "b[]"]
    EXCEPT_PATHS = ["e", "e[]", "e[0]"]
    TEXT_PATHS = ["t", "t[]", "o.t", "arr[].t"]
    DT_PATHS = ["d", "d[]"]
    GEO_PATHS = ["g", "g[]"]
    COUNT_PATHS = ["s", "i", "f", "b", "t", "d", "arr", "o.i", "x", "arr[].tags", "arr[].i"]
    COUNT_SINGLE_PATHS = ["s", "i", "f", "b", "t", "d", "arr", "o.i", "x"]
    ANY_PATHS = [
        *STR_PATHS,
        *INT_PATHS,
        *NUM_PATHS,
        *BOOL_PATHS,
        *EXCEPT_PATHS,
        *TEXT_PATHS,
        *DT_PATHS,
        *GEO_PATHS,
        "o",
        "arr",
        "arr[].tags",
        "x",
        "zz",
        "arr[].zz",
        "o.zz",
    ]

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    # -- payloads

    def pick(self, *options: Callable[[], Any]) -> Any:
        return self.r.choice(options)()

    def listof(self, make: Callable[[], Any], most: int = 3) -> list[Any]:
        return [make() for _ in range(self.r.randint(0, most))]

    def word(self) -> str:
        return self.r.choice(WORDS[:6])

    def small(self) -> int:
        return self.r.randint(0, 5)

    def number(self) -> float:
        return self.pick(self.small, lambda: round(self.r.uniform(-2, 8), 2))

    def sentence(self) -> str:
        return " ".join(self.r.choice(WORDS) for _ in range(self.r.randint(0, 4)))

    def when(self) -> str:
        moment = BASE + dt.timedelta(
            hours=self.r.randint(-24 * 20, 24 * 20),
            seconds=self.r.randint(0, 3599),
            microseconds=self.r.randint(0, 999_999),
        )
        if self.r.random() < 0.1:
            return self.r.choice(["garbage", "2024-13-01", "2024-01-0"])
        return moment.strftime(self.r.choice(DT_FORMATS))

    def geo(self) -> dict[str, float]:
        if self.r.random() < 0.2:  # around the antimeridian
            return {
                "lon": self.r.choice([-1, 1]) * self.r.uniform(165, 180),
                "lat": self.r.uniform(-15, 15),
            }
        return {"lon": self.r.uniform(-15, 15), "lat": self.r.uniform(-15, 15)}

    def item(self) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, make in [
            ("s", self.word),
            ("i", self.small),
            ("f", self.number),
            ("t", self.sentence),
            ("tags", lambda: self.listof(self.word)),
            ("sub", lambda: self.listof(lambda: {"i": self.small()}, 2)),
        ]:
            if self.r.random() < 0.7:
                obj[key] = make()
        return obj

    def payload(self) -> dict[str, Any]:
        r, p = self.r, {}
        maybe_null = [lambda: None]
        fields: dict[str, list[Callable[[], Any]]] = {
            "s": [self.word, lambda: self.listof(self.word), *maybe_null],
            "i": [self.small, lambda: self.listof(self.small), *maybe_null],
            "f": [self.number, lambda: self.listof(self.number), lambda: "3", *maybe_null],
            "b": [
                lambda: r.random() < 0.5,
                lambda: self.listof(lambda: r.random() < 0.5),
                *maybe_null,
            ],
            "e": [
                self.word,
                self.small,
                lambda: self.listof(lambda: self.pick(self.word, self.small)),
                lambda: {"x": 1},
                lambda: [],
            ],
            "t": [self.sentence, lambda: self.listof(self.sentence), *maybe_null],
            "d": [self.when, lambda: self.listof(self.when), lambda: 5, *maybe_null],
            "g": [
                self.geo,
                lambda: self.listof(self.geo),
                lambda: {"x": 1},
                lambda: "here",
                *maybe_null,
            ],
            "o": [
                lambda: {k: v for k, v in self.item().items() if k in ("s", "i", "t")},
                *maybe_null,
            ],
            "arr": [lambda: self.listof(self.item, 4)],
            "x.y": [self.small, lambda: self.listof(self.small)],
            "x": [
                lambda: None,
                lambda: [None],
                lambda: [],
                lambda: "v",
                lambda: [1, "a", None, 2.5, True, {"k": 1}],
            ],
        }
        for key, makers in fields.items():
            if r.random() < 0.8:
                p[key] = r.choice(makers)()
        return p

    # -- filters

    def bounds(self, make: Callable[[], Any]) -> dict[str, Any]:
        picked = self.r.sample(["gt", "gte", "lt", "lte"], self.r.randint(1, 2))
        return {k: make() for k in picked}

    def geo_point(self) -> GeoPoint:
        g = self.geo()
        return GeoPoint(lon=g["lon"], lat=g["lat"])

    def field_condition(self, ids: list[Any]) -> Condition:
        r = self.r
        kind = r.randrange(16)
        if kind == 0:
            return MatchValue(r.choice(self.STR_PATHS), self.word())
        if kind == 1:
            return MatchValue(r.choice(self.INT_PATHS), self.small())
        if kind == 2:
            return MatchValue(r.choice(self.BOOL_PATHS), r.random() < 0.5)
        if kind == 3:
            if r.random() < 0.5:
                return MatchAny(r.choice(self.STR_PATHS), tuple(self.listof(self.word)))
            return MatchAny(r.choice(self.INT_PATHS), tuple(self.listof(self.small)))
        if kind == 4:
            values = self.listof(self.word) if r.random() < 0.5 else self.listof(self.small)
            return MatchExcept(r.choice(self.EXCEPT_PATHS), tuple(values))
        if kind == 5:
            text = r.choice([self.word(), "re", "e b", "quick", "", "Blue"])
            return MatchText(r.choice(self.TEXT_PATHS), text)
        if kind == 6:
            return Range(r.choice(self.NUM_PATHS), **self.bounds(self.number))
        if kind == 7:
            return DatetimeRange(
                r.choice(self.DT_PATHS),
                **self.bounds(
                    lambda: BASE + dt.timedelta(minutes=r.randint(-60 * 24 * 15, 60 * 24 * 15))
                ),
            )
        if kind == 8:
            a, b = self.geo_point(), self.geo_point()
            return GeoBoundingBox(
                r.choice(self.GEO_PATHS),
                top_left=GeoPoint(lon=a.lon, lat=max(a.lat, b.lat)),
                bottom_right=GeoPoint(lon=b.lon, lat=min(a.lat, b.lat)),
            )
        if kind == 9:
            return GeoRadius(
                r.choice(self.GEO_PATHS), center=self.geo_point(), radius=r.uniform(1e5, 2e6)
            )
        if kind == 10:
            cx, cy, w = r.uniform(-10, 10), r.uniform(-10, 10), r.uniform(2, 10)
            exterior = [
                GeoPoint(lon=cx + w * dx + r.uniform(-1, 1), lat=cy + w * dy + r.uniform(-1, 1))
                for dx, dy in [(-1, -1), (1, -1), (1, 1), (-1, 1)]
            ]
            exterior.append(exterior[0])
            h = w * r.uniform(0.1, 0.6)
            hole = [
                GeoPoint(lon=cx + h * dx, lat=cy + h * dy)
                for dx, dy in [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
            ]
            return GeoPolygon(
                r.choice(self.GEO_PATHS),
                exterior=tuple(exterior),
                interiors=(tuple(hole),) if r.random() < 0.5 else (),
            )
        if kind == 11:
            if r.random() < 0.5:
                return ValuesCount(
                    r.choice(self.COUNT_PATHS),
                    **{r.choice(["gt", "gte", "lt", "lte"]): r.randint(0, 3)},
                )
            return ValuesCount(
                r.choice(self.COUNT_SINGLE_PATHS), **self.bounds(lambda: r.randint(0, 4))
            )
        if kind == 12:
            return IsEmpty(r.choice(self.ANY_PATHS))
        if kind == 13:
            return IsNull(r.choice(self.ANY_PATHS))
        if kind == 14:
            return HasId(frozenset(r.sample(ids, r.randint(0, 4))))
        return HasVector(r.choice(["a", "b"]))

    def nested_condition(self) -> Nested:
        r = self.r
        leaves: list[Callable[[], Condition]] = [
            lambda: MatchValue("s", self.word()),
            lambda: MatchAny("i", tuple(self.listof(self.small))),
            lambda: Range("f", **self.bounds(self.number)),
            lambda: MatchValue("tags[]", self.word()),
            lambda: ValuesCount("tags", **self.bounds(lambda: r.randint(0, 3))),
            lambda: MatchText("t", self.word()),
            lambda: IsEmpty(r.choice(["s", "tags", "t", "zz"])),
            lambda: IsNull(r.choice(["s", "tags"])),
            lambda: HasId(frozenset({0, 1, 2})),
            lambda: HasVector("a"),
            lambda: Nested("sub", Filter(must=(MatchValue("i", self.small()),))),
            lambda: MatchValue("sub[].i", self.small()),
        ]

        def clause() -> tuple[Condition, ...]:
            return tuple(r.choice(leaves)() for _ in range(r.randint(0, 2)))

        key = r.choice(["arr", "arr[]"])
        if r.random() < 0.2:
            key = "arr[].sub"
            inner = Filter(must=(MatchValue("i", self.small()),))
        else:
            inner = Filter(must=clause(), should=clause(), must_not=clause())
        return Nested(key, inner)

    def condition(self, ids: list[Any], depth: int) -> Condition:
        roll = self.r.random()
        if depth > 0 and roll < 0.1:
            return self.filter(ids, depth - 1)
        if roll < 0.25:
            return self.nested_condition()
        return self.field_condition(ids)

    def filter(self, ids: list[Any], depth: int = 2) -> Filter:
        r = self.r

        def clause(most: int, p_empty: float) -> tuple[Condition, ...]:
            if r.random() < p_empty:
                return ()
            count = 1 + sum(r.random() < 0.3 for _ in range(most - 1))
            return tuple(self.condition(ids, depth) for _ in range(count))

        min_should = None
        if r.random() < 0.2:
            conds = clause(4, 0.1)
            min_should = MinShould(conds, r.randint(0, len(conds) + 1))
        return Filter(
            must=clause(2, 0.4),
            should=clause(4, 0.5),
            must_not=clause(2, 0.5),
            min_should=min_should,
        )


@pytest.mark.parametrize("seed", range(5))
def test_differential_against_local_mode(seed: int) -> None:
    gen = Gen(seed)
    ids: list[Any] = list(range(40)) + [
        str(uuid.UUID(int=gen.r.getrandbits(128))) for _ in range(8)
    ]
    payloads = {pid: gen.payload() for pid in ids}
    vectors = {pid: tuple(n for n in ("a", "b") if gen.r.random() < 0.6) for pid in ids}

    client = QdrantClient(":memory:")
    client.create_collection(
        "c",
        vectors_config={
            "a": qm.VectorParams(size=2, distance=qm.Distance.DOT),
            "b": qm.VectorParams(size=2, distance=qm.Distance.DOT),
        },
    )
    client.upsert(
        "c",
        [
            qm.PointStruct(
                id=pid, payload=payloads[pid], vector={name: [1.0, 0.5] for name in vectors[pid]}
            )
            for pid in ids
        ],
    )
    points = [
        PointView(
            id=pid, payload=payloads[pid], has_vector=lambda name, names=vectors[pid]: name in names
        )
        for pid in ids
    ]

    cases, nontrivial = 0, 0
    for n in range(200):
        flt = gen.filter(ids)
        ours = {p.id for p in points if matches(flt, p)}
        records, _ = client.scroll("c", scroll_filter=to_qdrant(flt), limit=len(ids) + 1)
        theirs = {r.id for r in records}
        assert ours == theirs, (
            f"seed {seed} case {n}: {flt}\nonly ours: "
            f"{[(i, payloads[i]) for i in ours - theirs]}\n"
            f"only local mode: {[(i, payloads[i]) for i in theirs - ours]}"
        )
        if n % 10 == 0:
            assert client.count("c", count_filter=to_qdrant(flt)).count == len(ours)
        cases += 1
        nontrivial += 0 < len(ours) < len(ids)
    assert cases == 200
    assert nontrivial > cases // 4  # the generator exercises real selections


def test_differential_single_conditions_cover_every_kind() -> None:
    """Each field condition kind alone, many times: the selection must agree per kind."""
    gen = Gen(99)
    ids: list[Any] = list(range(60))
    payloads = {pid: gen.payload() for pid in ids}
    client = QdrantClient(":memory:")
    client.create_collection("c", vectors_config={})
    client.upsert("c", [qm.PointStruct(id=pid, payload=payloads[pid], vector={}) for pid in ids])
    seen: dict[str, int] = {}
    for _ in range(400):
        cond = gen.condition(ids, depth=0)
        if isinstance(cond, HasVector):
            continue
        ours = {pid for pid in ids if check(cond, view(payloads[pid], point_id=pid))}
        records, _ = client.scroll(
            "c", scroll_filter=qm.Filter(must=[to_qdrant(cond)]), limit=len(ids) + 1
        )
        assert ours == {r.id for r in records}, cond
        if 0 < len(ours) < len(ids):
            seen[type(cond).__name__] = seen.get(type(cond).__name__, 0) + 1
    expected = {
        "MatchValue",
        "MatchAny",
        "MatchExcept",
        "MatchText",
        "Range",
        "DatetimeRange",
        "GeoBoundingBox",
        "GeoRadius",
        "GeoPolygon",
        "ValuesCount",
        "IsEmpty",
        "IsNull",
        "HasId",
        "Nested",
    }
    assert expected <= set(seen), expected - set(seen)
