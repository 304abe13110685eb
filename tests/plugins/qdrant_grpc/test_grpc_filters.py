"""Protobuf filters -> the core's filter AST, and parity with the REST plugin's filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from qdrant_client import grpc as pb
from qdrant_client import models
from qdrant_client.conversions.conversion import RestToGrpc

from vectorizer.errors import Unsupported
from vectorizer.filters.ast import (
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
from vectorizer_qdrant_grpc.wire.filters import InvalidFilter, filter_in
from vectorizer_qdrant_rest.wire.filters import filter_in as rest_filter_in

UUID = "6f2de94a-03c3-4641-809d-f374a0c13c0e"


def field(key: str, **checks: Any) -> pb.Condition:
    return pb.Condition(field=pb.FieldCondition(key=key, **checks))


def geo(lon: float, lat: float) -> pb.GeoPoint:
    return pb.GeoPoint(lon=lon, lat=lat)


def timestamp(moment: dt.datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(moment)
    return out


def test_clauses_and_match_kinds() -> None:
    flt = pb.Filter(
        must=[
            field("s", match=pb.Match(keyword="a")),
            field("i", match=pb.Match(integer=-3)),
            field("b", match=pb.Match(boolean=False)),
        ],
        should=[
            field("t", match=pb.Match(text="hello world")),
            field("ks", match=pb.Match(keywords=pb.RepeatedStrings(strings=["x", "y"]))),
            field("is", match=pb.Match(integers=pb.RepeatedIntegers(integers=[1, 2]))),
        ],
        must_not=[
            field("ek", match=pb.Match(except_keywords=pb.RepeatedStrings(strings=["z"]))),
            field("ei", match=pb.Match(except_integers=pb.RepeatedIntegers(integers=[5]))),
        ],
    )
    assert filter_in(flt) == Filter(
        must=(MatchValue("s", "a"), MatchValue("i", -3), MatchValue("b", False)),
        should=(
            MatchText("t", "hello world"),
            MatchAny("ks", ("x", "y")),
            MatchAny("is", (1, 2)),
        ),
        must_not=(MatchExcept("ek", ("z",)), MatchExcept("ei", (5,))),
    )
    assert filter_in(pb.Filter()) == Filter()


def test_ranges_values_count_and_datetimes() -> None:
    moment = dt.datetime(2024, 5, 6, 7, 8, 9, 123000)
    flt = pb.Filter(
        must=[
            field("n", range=pb.Range(gt=1, lte=2.5)),
            field("c", values_count=pb.ValuesCount(gte=1, lt=4)),
            field("d", datetime_range=pb.DatetimeRange(gte=timestamp(moment))),
        ]
    )
    assert filter_in(flt).must == (
        Range("n", gt=1.0, lte=2.5),
        ValuesCount("c", gte=1, lt=4),
        DatetimeRange("d", gte=moment.replace(tzinfo=dt.UTC)),
    )


def test_geo_conditions() -> None:
    ring = pb.GeoLineString(points=[geo(0, 0), geo(1, 0), geo(1, 1), geo(0, 0)])
    flt = pb.Filter(
        must=[
            field(
                "p",
                geo_bounding_box=pb.GeoBoundingBox(top_left=geo(0, 10), bottom_right=geo(10, 0)),
            ),
            field("p", geo_radius=pb.GeoRadius(center=geo(2, 3), radius=500.0)),
            field("p", geo_polygon=pb.GeoPolygon(exterior=ring, interiors=[ring])),
        ]
    )
    square = (GeoPoint(0, 0), GeoPoint(1, 0), GeoPoint(1, 1), GeoPoint(0, 0))
    assert filter_in(flt).must == (
        GeoBoundingBox("p", top_left=GeoPoint(0, 10), bottom_right=GeoPoint(10, 0)),
        GeoRadius("p", center=GeoPoint(2, 3), radius=500.0),
        GeoPolygon("p", exterior=square, interiors=(square,)),
    )


def test_point_conditions_nested_and_min_should() -> None:
    flt = pb.Filter(
        must=[
            pb.Condition(
                has_id=pb.HasIdCondition(has_id=[pb.PointId(num=1), pb.PointId(uuid=UUID)])
            ),
            pb.Condition(is_empty=pb.IsEmptyCondition(key="e")),
            pb.Condition(is_null=pb.IsNullCondition(key="n")),
            pb.Condition(has_vector=pb.HasVectorCondition(has_vector="img")),
            pb.Condition(
                nested=pb.NestedCondition(
                    key="items[]",
                    filter=pb.Filter(must=[field("kind", match=pb.Match(keyword="x"))]),
                )
            ),
            pb.Condition(filter=pb.Filter(must_not=[field("a", match=pb.Match(integer=1))])),
        ],
        min_should=pb.MinShould(
            conditions=[
                field("a", match=pb.Match(integer=1)),
                field("b", match=pb.Match(integer=2)),
            ],
            min_count=1,
        ),
    )
    assert filter_in(flt) == Filter(
        must=(
            HasId(frozenset({1, UUID})),
            IsEmpty("e"),
            IsNull("n"),
            HasVector("img"),
            Nested("items[]", Filter(must=(MatchValue("kind", "x"),))),
            Filter(must_not=(MatchValue("a", 1),)),
        ),
        min_should=MinShould((MatchValue("a", 1), MatchValue("b", 2)), 1),
    )


def test_field_condition_flags_and_several_checks() -> None:
    flt = pb.Filter(
        must=[
            field("a", is_empty=True),
            field("a", is_null=False),
            field("a", match=pb.Match(integer=1), range=pb.Range(gt=0)),
        ]
    )
    assert filter_in(flt).must == (
        IsEmpty("a"),
        Filter(must_not=(IsNull("a"),)),
        Filter(must=(MatchValue("a", 1), Range("a", gt=0.0))),
    )


@pytest.mark.parametrize(
    ("flt", "where", "detail"),
    [
        (pb.Filter(must=[pb.Condition()]), "filter.must[0]", "empty condition"),
        (pb.Filter(should=[field("a")]), "filter.should[0].field", "At least one field condition"),
        (
            pb.Filter(must=[field("a", match=pb.Match())]),
            "filter.must[0].field.match",
            "empty match",
        ),
        (
            pb.Filter(must=[field("p", geo_radius=pb.GeoRadius(center=geo(0, 91), radius=1))]),
            "filter.must[0].field.geo_radius.center.lat",
            "latitude must be within [-90, 90], got 91.0",
        ),
        (
            pb.Filter(must=[field("p", geo_radius=pb.GeoRadius(center=geo(0, 0), radius=-1))]),
            "filter.must[0].field.geo_radius.radius",
            "must be 0 or larger",
        ),
        (
            pb.Filter(
                must=[
                    field(
                        "p",
                        geo_polygon=pb.GeoPolygon(
                            exterior=pb.GeoLineString(points=[geo(0, 0), geo(1, 1), geo(0, 0)])
                        ),
                    )
                ]
            ),
            "filter.must[0].field.geo_polygon.exterior.points",
            "the size must be at least 4",
        ),
        (
            pb.Filter(must=[field("p", geo_polygon=pb.GeoPolygon())]),
            "filter.must[0].field.geo_polygon.exterior",
            "missing field",
        ),
        (
            pb.Filter(must=[field("a..b", match=pb.Match(integer=1))]),
            "filter.must[0].field.key",
            "Bad payload key path",
        ),
        (
            pb.Filter(
                must=[
                    pb.Condition(
                        nested=pb.NestedCondition(
                            key="n",
                            filter=pb.Filter(
                                must=[
                                    pb.Condition(
                                        has_id=pb.HasIdCondition(has_id=[pb.PointId(num=1)])
                                    )
                                ]
                            ),
                        )
                    )
                ]
            ),
            "filter.must[0].nested.filter.must[0].has_id",
            "not supported inside a nested filter",
        ),
        (
            pb.Filter(must=[pb.Condition(nested=pb.NestedCondition(key="n"))]),
            "filter.must[0].nested.filter",
            "missing field",
        ),
        (
            pb.Filter(
                min_should=pb.MinShould(
                    conditions=[
                        pb.Condition(has_id=pb.HasIdCondition(has_id=[pb.PointId(uuid="x")]))
                    ]
                )
            ),
            "filter.min_should.conditions[0].has_id.has_id[0]",
            "Unable to parse UUID: x",
        ),
    ],
)
def test_bad_filters_name_the_path(flt: pb.Filter, where: str, detail: str) -> None:
    with pytest.raises(InvalidFilter) as info:
        filter_in(flt)
    assert info.value.field == where
    assert detail in info.value.detail
    assert where in info.value.message


def test_phrase_match_is_unimplemented() -> None:
    with pytest.raises(
        Unsupported, match=r"phrase matching \(filter\.must\[0\]\.field\.match\.phrase\)"
    ):
        filter_in(pb.Filter(must=[field("t", match=pb.Match(phrase="a b"))]))


# ----------------------------------------------------------------------------- parity with REST

PARITY = [
    models.Filter(
        must=[
            models.FieldCondition(key="tag", match=models.MatchValue(value="a")),
            models.FieldCondition(key="n", match=models.MatchValue(value=3)),
            models.FieldCondition(key="ok", match=models.MatchValue(value=True)),
            models.FieldCondition(key="t", match=models.MatchText(text="hello")),
        ],
        should=[
            models.FieldCondition(key="tag", match=models.MatchAny(any=["a", "b"])),
            models.FieldCondition(key="n", match=models.MatchAny(any=[1, 2])),
        ],
        must_not=[
            models.FieldCondition(key="tag", match=models.MatchExcept(**{"except": ["c"]})),
            models.FieldCondition(key="n", match=models.MatchExcept(**{"except": [7]})),
        ],
    ),
    models.Filter(
        must=[
            models.FieldCondition(key="x", range=models.Range(gt=1, lte=2.5)),
            models.FieldCondition(key="xs", values_count=models.ValuesCount(gte=2)),
            models.FieldCondition(
                key="when",
                range=models.DatetimeRange(
                    gte=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                    lt=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
                ),
            ),
            models.FieldCondition(key="a", is_empty=True),
            models.FieldCondition(key="a", is_null=False),
        ]
    ),
    models.Filter(
        must=[
            models.FieldCondition(
                key="loc",
                geo_bounding_box=models.GeoBoundingBox(
                    top_left=models.GeoPoint(lon=0, lat=10),
                    bottom_right=models.GeoPoint(lon=10, lat=0),
                ),
            ),
            models.FieldCondition(
                key="loc",
                geo_radius=models.GeoRadius(center=models.GeoPoint(lon=1, lat=2), radius=1000.0),
            ),
            models.FieldCondition(
                key="loc",
                geo_polygon=models.GeoPolygon(
                    exterior=models.GeoLineString(
                        points=[
                            models.GeoPoint(lon=0, lat=0),
                            models.GeoPoint(lon=5, lat=0),
                            models.GeoPoint(lon=5, lat=5),
                            models.GeoPoint(lon=0, lat=0),
                        ]
                    )
                ),
            ),
        ]
    ),
    models.Filter(
        must=[
            models.HasIdCondition(has_id=[1, UUID]),
            models.IsEmptyCondition(is_empty=models.PayloadField(key="e")),
            models.IsNullCondition(is_null=models.PayloadField(key="n")),
            models.HasVectorCondition(has_vector="img"),
            models.NestedCondition(
                nested=models.Nested(
                    key="items",
                    filter=models.Filter(
                        must=[models.FieldCondition(key="k", match=models.MatchValue(value="v"))],
                        must_not=[models.IsEmptyCondition(is_empty=models.PayloadField(key="z"))],
                    ),
                )
            ),
            models.Filter(
                should=[models.FieldCondition(key="a", match=models.MatchValue(value=1))]
            ),
        ],
        min_should=models.MinShould(
            conditions=[
                models.FieldCondition(key="a", match=models.MatchValue(value=1)),
                models.FieldCondition(key="b", match=models.MatchValue(value=2)),
            ],
            min_count=1,
        ),
    ),
]


@pytest.mark.parametrize("flt", PARITY, ids=["match", "ranges", "geo", "point-conditions"])
def test_same_ast_as_the_rest_plugin(flt: models.Filter) -> None:
    """The official client's own REST -> gRPC conversion of a filter, read by this plugin,
    gives the AST the REST plugin reads from the JSON."""
    as_json = flt.model_dump(mode="json", exclude_none=True, by_alias=True)
    assert filter_in(RestToGrpc.convert_filter(flt)) == rest_filter_in(as_json, "filter", {})
