"""Property test: random payloads and random filters, our server against local mode.

Hypothesis draws a small collection (payloads with keywords, integers, floats, bools,
arrays, nested objects, geo points, datetime strings, nulls and missing keys) and
filters built as `qdrant_client.models` objects: one condition of every kind per example
in one test, whole filters (clauses, min_should, nesting) in the other. `count`,
`scroll` (and, for whole filters, an exact `query_points`) go to our server through the
official client over REST and to `QdrantClient(":memory:")`; the matching ids must be
equal. The same filters then run again with payload indexes on our server (created
before or after the points), and the answers must not change.

The generators stay inside the part of the language where local mode agrees with the
Qdrant server; where the two differ (see the "local mode differs" notes in
`vectorizer/filters/evaluate.py`), the server is the reference and the REST tests pin it:
- no bools or nulls in fields matched with `any`/`except`, no bool matched with an integer;
- no payload value exactly on a geo shape's edge (local mode includes the edges);
- `values_count` only on keys that reach one value that is not an object;
- `nested` only over arrays of objects;
- FieldCondition's own `is_empty`/`is_null` flags and several checks in one
  FieldCondition are not drawn (local mode ignores the flags and reads only the first
  check);
- no full-text index (it turns `match.text` into a token match, as in Qdrant).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from compat_helpers import CLIENT_VERSION, connect, version_tuple
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qdrant_client import QdrantClient, models

pytestmark = pytest.mark.slow

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NAME = "filters"
VECTORS = {
    "a": models.VectorParams(size=2, distance=models.Distance.DOT),
    "b": models.VectorParams(size=2, distance=models.Distance.DOT),
}
INDEXES: dict[str, models.PayloadSchemaType] = {
    "kw": models.PayloadSchemaType.KEYWORD,
    "n": models.PayloadSchemaType.INTEGER,
    "f": models.PayloadSchemaType.FLOAT,
    "b": models.PayloadSchemaType.BOOL,
    "dt": models.PayloadSchemaType.DATETIME,
    "geo": models.PayloadSchemaType.GEO,
    "items[].a": models.PayloadSchemaType.INTEGER,
    "items[].b": models.PayloadSchemaType.KEYWORD,
    "obj.x": models.PayloadSchemaType.INTEGER,
    "obj.y.z": models.PayloadSchemaType.KEYWORD,
    "nul": models.PayloadSchemaType.KEYWORD,
}

HAS_VECTOR = hasattr(models, "HasVectorCondition")
"""qdrant-client before 1.13 cannot express `has_vector` (its models lack the condition)."""


def _local_accepts_min_count_0() -> bool:
    """Local mode from qdrant-client 1.20 refuses `min_should.min_count` 0 (the v1.14 spec
    allows it, and the server answers it): such clients draw 1 or 2."""
    client = QdrantClient(":memory:")
    try:
        client.create_collection("probe", vectors_config={})
        flt = models.Filter(min_should=models.MinShould(conditions=[], min_count=0))
        client.count("probe", count_filter=flt)
    except ValueError:
        return False
    finally:
        client.close()
    return True


LOCAL_MIN_COUNT_0 = _local_accepts_min_count_0()


def _local_counts_missing_as_0() -> bool:
    """Whether local mode gives a missing key a `values_count` of 0 (qdrant-client 1.20,
    after Qdrant's 2026 fix, qdrant/qdrant#9586), where Qdrant 1.14 and this server never
    match a missing key: such clients draw no bounds that a count of 0 satisfies."""
    client = QdrantClient(":memory:")
    try:
        client.create_collection("probe", vectors_config={})
        client.upsert("probe", points=[models.PointStruct(id=1, vector={}, payload={})])
        flt = models.Filter(
            must=[models.FieldCondition(key="k", values_count=models.ValuesCount(lte=0))]
        )
        return client.count("probe", count_filter=flt).count == 1
    finally:
        client.close()


LOCAL_MISSING_COUNTS_0 = _local_counts_missing_as_0()


def _local_text_is_substring() -> bool:
    """Whether local mode matches `match.text` on an unindexed key as a substring, as Qdrant
    1.14 and this server do; qdrant-client 1.20 matches whole tokens (after Qdrant's later
    change, qdrant/qdrant#10341): such clients draw single whole words, where both agree."""
    client = QdrantClient(":memory:")
    try:
        client.create_collection("probe", vectors_config={})
        client.upsert("probe", points=[models.PointStruct(id=1, vector={}, payload={"t": "ab"})])
        flt = models.Filter(must=[models.FieldCondition(key="t", match=models.MatchText(text="a"))])
        return client.count("probe", count_filter=flt).count == 1
    finally:
        client.close()


def _local_empty_should_matches_none() -> bool:
    """Whether local mode matches no point with `"should": []`, as Qdrant 1.14 and this
    server do; qdrant-client 1.20 matches every point (after Qdrant's later change, see
    qdrant/qdrant-client#1333): such clients draw no empty `should`."""
    client = QdrantClient(":memory:")
    try:
        client.create_collection("probe", vectors_config={})
        client.upsert("probe", points=[models.PointStruct(id=1, vector={}, payload={})])
        return client.count("probe", count_filter=models.Filter(should=[])).count == 0
    finally:
        client.close()


LOCAL_EMPTY_SHOULD_NONE = _local_empty_should_matches_none()


def _local_null_array_is_not_null() -> bool:
    """Whether local mode, like Qdrant 1.14 and this server, takes `[null]` as an array and
    not as null for `is_null`; qdrant-client 1.20 does not: such clients draw no `is_null`
    on the key that holds arrays with nulls."""
    client = QdrantClient(":memory:")
    try:
        client.create_collection("probe", vectors_config={})
        point = models.PointStruct(id=1, vector={}, payload={"k": [None]})
        client.upsert("probe", points=[point])
        flt = models.Filter(must=[models.IsNullCondition(is_null=models.PayloadField(key="k"))])
        return client.count("probe", count_filter=flt).count == 0
    finally:
        client.close()


LOCAL_NULL_ARRAY_NOT_NULL = _local_null_array_is_not_null()

MATCH_TEXTS = (
    ["alpha", "alphab", "beta", "gamma al", "ha be", "bet"]
    if _local_text_is_substring()
    else ["beta", "gamma", "alphabet"]
)


def _holds(op: str, value: int, bound: int) -> bool:
    return {"gt": value > bound, "gte": value >= bound, "lt": value < bound, "lte": value <= bound}[
        op
    ]


SINGLE_CLAUSES = version_tuple(CLIENT_VERSION) >= (1, 14)
"""Local mode before qdrant-client 1.14 takes `must`/`should`/`must_not` as lists only
(it iterates a single condition's fields): older clients send them as one-item lists."""

# ============================================================================ payloads

WORDS = ["a", "b", "c", "d"]
TEXT_WORDS = ["alpha", "beta", "gamma", "alphabet"]
kw = st.sampled_from(WORDS)
ints = st.integers(-3, 5)
halves = st.integers(-6, 10).map(lambda k: k + 0.5)
numbers = st.one_of(ints, halves)

BASE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
hours = st.integers(-12, 12)  # few distinct moments: bounds often meet values


def _format(moment: dt.datetime, style: int) -> str:
    if style == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 1:
        return moment.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    if style == 2:
        return moment.strftime("%Y-%m-%d %H:%M:%S")  # no zone: UTC
    if style == 3:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.250000Z")
    return moment.strftime("%Y-%m-%d")  # midnight UTC


@st.composite
def datetime_strings(draw: st.DrawFn) -> str:
    moment = BASE + dt.timedelta(hours=draw(hours))
    style = draw(st.integers(0, 4))
    if style == 4:
        moment = moment.replace(hour=0)
    return _format(moment, style)


# geo values sit off the integer grid that shapes use, so never on an edge
geo_points = st.builds(
    lambda i, j: {"lon": round(-10 + i * 0.37 + 0.011, 6), "lat": round(40 + j * 0.29 + 0.007, 6)},
    st.integers(0, 60),
    st.integers(0, 60),
)
texts = st.lists(st.sampled_from(TEXT_WORDS), min_size=1, max_size=3).map(" ".join)


def one_or_list(values: st.SearchStrategy[Any], max_size: int = 3) -> st.SearchStrategy[Any]:
    return st.one_of(values, st.lists(values, max_size=max_size))


items = st.fixed_dictionaries({"a": ints}, optional={"b": kw})
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "kw": one_or_list(kw),
    "n": one_or_list(ints),
    "f": one_or_list(numbers),
    "b": st.booleans(),
    "dt": st.one_of(datetime_strings(), st.lists(datetime_strings(), max_size=2), st.just("soon")),
    "geo": one_or_list(geo_points, max_size=2),
    "txt": st.one_of(one_or_list(texts, max_size=2), st.none()),
    "nul": st.sampled_from([None, [], [None], [1, None], 1, "x", [1]]),
    "items": st.lists(items, max_size=3),
    "obj": st.fixed_dictionaries({}, optional={"x": ints, "y": st.fixed_dictionaries({"z": kw})}),
    "dot.key": ints,
}
payloads = st.fixed_dictionaries({}, optional=FIELDS)


@st.composite
def collections(draw: st.DrawFn) -> list[models.PointStruct]:
    """Points 1..n: vector `a` on all, `b` on some, a random payload (or none)."""
    n = draw(st.integers(0, 16)) or draw(st.integers(0, 16))  # seldom empty
    points = []
    for i in range(1, n + 1):
        vectors: dict[str, Any] = {"a": [1.0, i / 10]}
        if draw(st.booleans()):
            vectors["b"] = [float(i), 1.0]
        payload = draw(payloads) if draw(st.integers(0, 5)) else None
        points.append(models.PointStruct(id=i, vector=vectors, payload=payload))
    return points


# ============================================================================ filters

MATCH_KEYS: dict[str, st.SearchStrategy[Any]] = {  # key -> the values a match takes
    "kw": kw,
    "n": ints,
    "f": ints,
    "b": st.booleans(),
    "items[].a": ints,
    "items[0].a": ints,
    "items[].b": kw,
    "obj.x": ints,
    "obj.y.z": kw,
    '"dot.key"': ints,
    "kw[]": kw,
    "dt": st.just("soon"),
}
ANY_KEYS: dict[
    str, st.SearchStrategy[Any]
] = {  # no bools, no nulls: local mode compares with Python's == and `in`
    "kw": kw,
    "n": ints,
    "f": ints,
    "items[].a": ints,
    "items[].b": kw,
    "obj.x": ints,
    "obj.y.z": kw,
    '"dot.key"': ints,
}
RANGE_KEYS = ["n", "f", "items[].a", "items[0].a", "obj.x", '"dot.key"', "kw", "nul", "dt"]
COUNT_KEYS = ["kw", "n", "f", "dt", "items", "nul", "txt", "b", "missing"]
EMPTY_KEYS = [*FIELDS, "items[].a", "items[].b", "obj.y.z", "kw[]", "missing", '"dot.key"']


@st.composite
def bounds(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> dict[str, Any]:
    """A lower bound, an upper bound, or both (rarely none)."""
    lower = draw(st.sampled_from(["gt", "gte", None]))
    upper = draw(st.sampled_from(["lt", "lte", None]))
    return {name: draw(values) for name in (lower, upper) if name is not None}


@st.composite
def geo_shapes(draw: st.DrawFn, kind: str, key: str) -> models.FieldCondition:
    lon = st.integers(-10, 13)
    lat = st.integers(40, 58)
    if kind == "box":
        box = models.GeoBoundingBox(
            top_left=models.GeoPoint(lon=draw(lon), lat=draw(lat)),
            bottom_right=models.GeoPoint(lon=draw(lon), lat=draw(lat)),
        )
        return models.FieldCondition(key=key, geo_bounding_box=box)
    if kind == "radius":
        radius = draw(st.sampled_from([50_000.0, 200_000.0, 500_000.0, 1_500_000.0]))
        center = models.GeoPoint(lon=draw(lon), lat=draw(lat))
        return models.FieldCondition(
            key=key, geo_radius=models.GeoRadius(center=center, radius=radius)
        )
    x0, x1 = sorted(draw(st.lists(lon, min_size=2, max_size=2, unique=True)))
    y0, y1 = sorted(draw(st.lists(lat, min_size=2, max_size=2, unique=True)))

    def ring(a: float, b: float, c: float, d: float) -> models.GeoLineString:
        corners = [(a, b), (c, b), (c, d), (a, d), (a, b)]
        return models.GeoLineString(points=[models.GeoPoint(lon=x, lat=y) for x, y in corners])

    interiors = None
    if x1 - x0 >= 3 and y1 - y0 >= 3 and draw(st.booleans()):
        interiors = [ring(x0 + 1, y0 + 1, x1 - 1, y1 - 1)]
    polygon = models.GeoPolygon(exterior=ring(x0, y0, x1, y1), interiors=interiors)
    return models.FieldCondition(key=key, geo_polygon=polygon)


# The keys each kind of top-level field condition takes. A kind is drawn first, then a
# key, so every kind is reached about as often as the others.
FIELD_OPTIONS: dict[str, list[str]] = {
    "value": list(MATCH_KEYS),
    "any": list(ANY_KEYS),
    "except": list(ANY_KEYS),
    "text": ["txt", "kw"],
    "range": RANGE_KEYS,
    "datetime": ["dt"],
    "radius": ["geo"],
    "box": ["geo"],
    "polygon": ["geo"],
    "count": COUNT_KEYS,
    "empty": EMPTY_KEYS,
    "null": EMPTY_KEYS if LOCAL_NULL_ARRAY_NOT_NULL else [k for k in EMPTY_KEYS if k != "nul"],
}
NESTED_OPTIONS: list[tuple[str, str]] = [
    (kind, key)
    for kind in ("value", "any", "except", "range", "empty", "null")
    for key in ("a", "b")
    if (kind, key) != ("range", "b")
]
NESTED_VALUES: dict[str, st.SearchStrategy[Any]] = {"a": ints, "b": kw}


@st.composite
def field_conditions(
    draw: st.DrawFn, nested: bool = False, kind: str | None = None
) -> models.Condition:
    """One condition on a payload key (inside `nested`: on the keys of `items`), of the
    `kind` given or of any kind."""
    if nested:
        kind, key = draw(st.sampled_from(NESTED_OPTIONS))
    else:
        kind = kind or draw(st.sampled_from(sorted(FIELD_OPTIONS)))
        key = draw(st.sampled_from(FIELD_OPTIONS[kind]))
    values: st.SearchStrategy[Any]
    if kind == "value":
        values = NESTED_VALUES[key] if nested else MATCH_KEYS[key]
        return models.FieldCondition(key=key, match=models.MatchValue(value=draw(values)))
    if kind in ("any", "except"):
        values = NESTED_VALUES[key] if nested else ANY_KEYS[key]
        chosen = draw(st.lists(values, min_size=1, max_size=3, unique=True))
        match: Any = (
            models.MatchAny(any=chosen)
            if kind == "any"
            else models.MatchExcept(**{"except": chosen})
        )
        return models.FieldCondition(key=key, match=match)
    if kind == "text":
        text = draw(st.sampled_from(MATCH_TEXTS))
        return models.FieldCondition(key=key, match=models.MatchText(text=text))
    if kind == "range":
        return models.FieldCondition(key=key, range=models.Range(**draw(bounds(numbers))))
    if kind == "datetime":
        moments = st.builds(
            lambda h, m: BASE + dt.timedelta(hours=h, minutes=m), hours, st.sampled_from([0, 30])
        )
        given = draw(bounds(moments).filter(bool))
        return models.FieldCondition(key=key, range=models.DatetimeRange(**given))
    if kind in ("radius", "box", "polygon"):
        return draw(geo_shapes(kind, key))
    if kind == "count":
        given = draw(bounds(st.integers(0, 4)))
        if LOCAL_MISSING_COUNTS_0 and all(_holds(op, 0, v) for op, v in given.items()):
            given["gte"] = max(1, given.get("gte", 1))  # a count of 0 must not match
        return models.FieldCondition(key=key, values_count=models.ValuesCount(**given))
    field = models.PayloadField(key=key)
    if kind == "empty":
        return models.IsEmptyCondition(is_empty=field)
    return models.IsNullCondition(is_null=field)


@st.composite
def conditions(
    draw: st.DrawFn, depth: int, nested: bool = False, kind: str | None = None
) -> models.Condition:
    """Any condition: mostly field conditions, else point conditions and sub-filters (or
    one of the `kind` given)."""
    kinds = ["field"] * 5
    if not nested:
        kinds += ["has_id", "has_vector"] if HAS_VECTOR else ["has_id"]
    if depth > 0:
        kinds += ["filter"] + ([] if nested else ["nested"])
    kind = kind or draw(st.sampled_from(kinds))
    if kind == "field":
        return draw(field_conditions(nested))
    if kind == "has_id":
        ids: list[int | str] = draw(st.lists(st.integers(1, 18), max_size=4, unique=True))
        return models.HasIdCondition(has_id=ids)
    if kind == "has_vector":
        return models.HasVectorCondition(has_vector=draw(st.sampled_from("ab")))
    if kind == "filter":
        return draw(filters(depth - 1, nested))
    inner = draw(filters(depth - 1, nested=True))
    return models.NestedCondition(nested=models.Nested(key="items", filter=inner))


@st.composite
def clauses(draw: st.DrawFn, depth: int, nested: bool) -> Any:
    """Mostly absent, else one condition (not in a list) or a short list (maybe [])."""
    shape = draw(st.integers(0, 5))
    if shape <= 2:
        return None
    if shape == 3:
        cond = draw(conditions(depth, nested))
        return cond if SINGLE_CLAUSES else [cond]
    return draw(st.lists(conditions(depth, nested), min_size=shape - 4, max_size=2 * shape - 7))


@st.composite
def filters(draw: st.DrawFn, depth: int = 2, nested: bool = False) -> models.Filter:
    min_should = None
    if draw(st.integers(0, 4)) == 0:
        min_should = models.MinShould(
            conditions=draw(st.lists(conditions(depth, nested), max_size=3)),
            min_count=draw(st.integers(0 if LOCAL_MIN_COUNT_0 else 1, 2)),
        )
    should = draw(clauses(depth, nested))
    return models.Filter(
        must=draw(clauses(depth, nested)),
        should=should if should != [] or LOCAL_EMPTY_SHOULD_NONE else None,
        must_not=draw(clauses(depth, nested)),
        min_should=min_should,
    )


# ============================================================================ the test


@pytest.fixture(scope="module")
def remote(server: Any) -> Iterator[QdrantClient]:
    client, caught = connect(server.url)
    assert caught == [], f"qdrant-client warned on connecting: {caught}"
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="module")
def local() -> Iterator[QdrantClient]:
    client = QdrantClient(":memory:")
    try:
        yield client
    finally:
        client.close()


def answers(client: QdrantClient, flt: models.Filter, search: bool) -> tuple[Any, ...]:
    """(count, scrolled ids in order[, ids of an exact nearest-neighbour query])."""
    count = client.count(NAME, count_filter=flt, exact=True).count
    records, offset = client.scroll(NAME, scroll_filter=flt, limit=100)
    assert offset is None
    if not search:
        return count, [r.id for r in records]
    found = client.query_points(
        NAME,
        query=[1.0, 0.5],
        using="a",
        query_filter=flt,
        limit=100,
        search_params=models.SearchParams(exact=True),
    ).points
    return count, [r.id for r in records], {p.id for p in found}


def create_indexes(client: QdrantClient) -> None:
    for key, schema in INDEXES.items():
        client.create_payload_index(NAME, key, field_schema=schema, wait=True)


def check_all(
    remote: QdrantClient, local: QdrantClient, flts: list[models.Filter], search: bool
) -> None:
    for flt in flts:
        ours, theirs = answers(remote, flt, search), answers(local, flt, search)
        assert ours == theirs, flt.model_dump_json(exclude_none=True)


def run(
    remote: QdrantClient,
    local: QdrantClient,
    points: list[models.PointStruct],
    flts: list[models.Filter],
    index_first: bool,
    search: bool = True,
) -> None:
    """Load `points` on both sides, compare every filter; then with payload indexes on
    our server (created before the points when `index_first`, else after the checks)."""
    for client in (remote, local):
        client.create_collection(NAME, vectors_config=VECTORS)
    try:
        if index_first:
            create_indexes(remote)
        if points:
            for client in (remote, local):
                client.upsert(NAME, points=points, wait=True)
        check_all(remote, local, flts, search)
        if not index_first:
            create_indexes(remote)
            check_all(remote, local, flts, search)
        assert set(remote.get_collection(NAME).payload_schema) == set(INDEXES)
    finally:
        for client in (remote, local):
            client.delete_collection(NAME)


POINT_KINDS = (
    ("has_id", "has_vector", "nested", "filter") if HAS_VECTOR else ("has_id", "nested", "filter")
)

# One condition of every kind in each example: Hypothesis's own choices among kinds
# cluster, and a kind it seldom draws would go untested.
EVERY_KIND = st.tuples(
    *(field_conditions(kind=kind) for kind in sorted(FIELD_OPTIONS)),
    *(conditions(1, kind=kind) for kind in POINT_KINDS),
)


@SETTINGS
@given(conds=EVERY_KIND, points=collections(), index_first=st.booleans())
def test_each_condition_agrees_with_local_mode(
    remote: QdrantClient,
    local: QdrantClient,
    conds: tuple[models.Condition, ...],
    points: list[models.PointStruct],
    index_first: bool,
) -> None:
    """Each kind of condition on its own (count and scroll)."""
    flts = [models.Filter(must=[c]) for c in conds]
    run(remote, local, points, flts, index_first, search=False)


@SETTINGS
@given(
    flts=st.lists(filters(), min_size=2, max_size=5),
    points=collections(),
    index_first=st.booleans(),
)
def test_filters_agree_with_local_mode(
    remote: QdrantClient,
    local: QdrantClient,
    flts: list[models.Filter],
    points: list[models.PointStruct],
    index_first: bool,
) -> None:
    """Whole filters: clauses as lists or single conditions, min_should, nesting."""
    run(remote, local, points, flts, index_first)


CHECKS = ("match", "range", "geo_bounding_box", "geo_radius", "geo_polygon", "values_count")


def test_the_generators_reach_every_condition_kind() -> None:
    """A guard on the strategies above: the drawn filters use every kind of condition."""
    seen: set[str] = set()

    def walk_filter(flt: models.Filter) -> None:
        for part in (flt.must, flt.should, flt.must_not):
            for cond in part if isinstance(part, list) else [part] if part else []:
                walk(cond)
        if flt.min_should is not None:
            seen.add("min_should")
            for cond in flt.min_should.conditions:
                walk(cond)

    def walk(cond: Any) -> None:
        seen.add(type(cond).__name__)
        if isinstance(cond, models.Filter):
            walk_filter(cond)
        elif isinstance(cond, models.NestedCondition):
            walk_filter(cond.nested.filter)
        elif isinstance(cond, models.FieldCondition):
            for name in CHECKS:
                part = getattr(cond, name)
                if part is not None:
                    seen.add(type(part).__name__)

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(filters())
    def collect(flt: models.Filter) -> None:
        walk_filter(flt)

    collect()
    wanted = {
        "MatchValue", "MatchAny", "MatchExcept", "MatchText", "Range", "DatetimeRange",
        "GeoBoundingBox", "GeoRadius", "GeoPolygon", "ValuesCount", "IsEmptyCondition",
        "IsNullCondition", "HasIdCondition", "HasVectorCondition", "NestedCondition",
        "Filter", "min_should",
    }  # fmt: skip
    if not HAS_VECTOR:
        wanted.remove("HasVectorCondition")
    assert wanted - seen == set()
