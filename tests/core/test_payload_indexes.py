"""Payload indexes answer exactly what point-by-point evaluation answers.

Every index type is filled with random (seeded) payload values, arrays and wrong-typed
values included, then changed by removals and re-adds; after each phase, each condition
kind it supports is answered by the index and by a brute-force check written here, and
the two must agree (radius and polygon checks come from qdrant-client's local mode).
A last test checks every index against the per-point evaluator the planner falls back to.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from qdrant_client.http import models as qm
from qdrant_client.local import datetime_utils
from qdrant_client.local import payload_filters as local

from vectorizer.errors import BadRequest, Unsupported
from vectorizer.filters.ast import (
    DatetimeRange,
    GeoBoundingBox,
    GeoPoint,
    GeoPolygon,
    GeoRadius,
    IsEmpty,
    MatchAny,
    MatchExcept,
    MatchText,
    MatchValue,
    Range,
    ValuesCount,
)
from vectorizer.filters.evaluate import EvalContext, PointView, check
from vectorizer.filters.field_index import (
    IndexSpec,
    PayloadIndex,
    datetime_value,
    make_index,
    parse_index_spec,
)
from vectorizer.filters.field_index import column as ix_column
from vectorizer.filters.tokenizers import make_tokenizer

Values = list[Any]
Pred = Callable[[Any], bool]

# Values of every JSON kind, mixed into each field to check they are skipped.
NOISE: list[Any] = [
    None,
    "text",
    "",
    7,
    -3,
    2.5,
    True,
    False,
    {"a": 1},
    [1, "x"],  # a nested array stays one (array) value after flattening
    {"lat": 10.0, "lon": 20.0},
    "2024-01-01T00:00:00Z",
    "550e8400-e29b-41d4-a716-446655440000",
]


@pytest.fixture(params=[8, 1024], ids=["merge-often", "merge-rarely"])
def merge_threshold(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run each scenario with the sorted/tail merge happening often and rarely."""
    monkeypatch.setattr(ix_column.ValueColumn, "_MIN_MERGE", request.param)
    return int(request.param)


class Harness:
    """An index and the truth it should reflect: the values of each live slot."""

    def __init__(self, spec: IndexSpec) -> None:
        self.index: PayloadIndex = make_index(spec)
        self.truth: dict[int, Values] = {}

    def add(self, slot: int, values: Values) -> None:
        self.index.add(slot, values)
        self.truth[slot] = values

    def remove(self, slot: int) -> None:
        self.index.remove(slot)
        self.truth.pop(slot, None)

    def expected(self, pred: Pred) -> np.ndarray:
        hits = [s for s, vs in self.truth.items() if any(pred(v) for v in vs)]
        return np.array(sorted(hits), dtype=np.int64)

    def check(self, cond: Any, pred: Pred) -> np.ndarray:
        got = self.index.answer(cond)
        assert got is not None, cond
        assert got.dtype == np.int64
        want = self.expected(pred)
        np.testing.assert_array_equal(got, want, err_msg=repr(cond))
        estimate = self.index.estimate(cond)
        assert estimate is not None and estimate >= len(got), (cond, estimate)
        return got

    def refuses(self, cond: Any) -> None:
        assert self.index.answer(cond) is None, cond
        assert self.index.estimate(cond) is None, cond

    def counted(self, pred: Pred) -> None:
        """`points` counts the slots holding at least one value the index keeps."""
        assert self.index.points == len(self.expected(pred))


def phases(h: Harness, rng: random.Random, n: int, gen: Callable[[], Values]) -> Iterator[str]:
    """Fill, remove, re-add and replace; yield after each phase so the caller checks."""
    for slot in range(n):
        h.add(slot, gen())
    yield "filled"
    for slot in rng.sample(range(n), n // 3):
        h.remove(slot)
    h.remove(n + 5)  # never added: a no-op
    yield "removed"
    live = list(h.truth)
    gone = [s for s in range(n) if s not in h.truth]
    for slot in rng.sample(gone, len(gone) // 2) + rng.sample(live, len(live) // 4):
        h.add(slot, gen())  # re-add a removed point / replace a live point's values
    for slot in rng.sample(list(h.truth), 5):
        h.add(slot, [])  # a point whose field disappeared
    yield "re-added"
    for slot in range(n, n + n // 2):
        h.add(slot, gen())
    yield "grown"
    for slot in list(h.truth):
        h.remove(slot)
    yield "emptied"


def mix(rng: random.Random, good: Callable[[], Any], k: int = 3) -> Values:
    """0..k values from `good`, sometimes with a wrong-typed value among them."""
    values = [good() for _ in range(rng.randint(0, k))]
    if rng.random() < 0.3:
        values.insert(rng.randint(0, len(values)), rng.choice(NOISE))
    return values


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


SIZES = [60, 700]


# ============================================================================ keyword


@pytest.mark.parametrize("n", SIZES)
def test_keyword_index(n: int, merge_threshold: int) -> None:
    rng = random.Random(n)
    words = [f"w{i}" for i in range(25)] + ["Ünïcode", "", "with space"]
    h = Harness(parse_index_spec("k", "keyword"))
    for _ in phases(h, rng, n, lambda: mix(rng, lambda: rng.choice(words))):
        for q in [*words, "absent", "W1"]:
            h.check(MatchValue("k", q), lambda v, q=q: isinstance(v, str) and v == q)
        for _ in range(15):
            qs = tuple(rng.sample([*words, "absent"], rng.randint(0, 5)))
            h.check(MatchAny("k", qs), lambda v, qs=qs: isinstance(v, str) and v in qs)
        h.refuses(MatchValue("k", 7))
        h.refuses(MatchValue("k", True))
        h.refuses(MatchAny("k", ("w1", 7)))
        h.refuses(MatchExcept("k", ("w1",)))
        h.refuses(MatchText("k", "w1"))
        h.refuses(Range("k", gt=1))
        h.refuses(IsEmpty("k"))
        h.counted(lambda v: isinstance(v, str))
    assert h.index.points == 0


# ============================================================================ integer / float

BIG = [2**63, -(2**63) - 1, 2**64 + 1, 2**63 - 1, -(2**63)]


def random_number(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.55:
        return rng.randint(-20, 20)
    if r < 0.85:
        return rng.choice([rng.randint(-40, 40) / 2, rng.uniform(-25, 25), -0.0, 3.0])
    if r < 0.9:
        return rng.choice([math.inf, -math.inf, math.nan])
    return rng.choice(BIG)


def random_bound(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.4:
        return None
    if r < 0.6:
        return rng.randint(-22, 22)
    if r < 0.85:
        return rng.randint(-44, 44) / 2
    if r < 0.9:
        return rng.uniform(-25, 25)
    return rng.choice([math.inf, -math.inf, math.nan, *BIG, 2**53 + 1, 2.0**63, -(2.0**63)])


def in_range(cond: Range, v: Any) -> bool:
    """Per-point Range: any number (not a bool), compared exactly."""
    return (
        is_number(v)
        and (cond.gt is None or v > cond.gt)
        and (cond.gte is None or v >= cond.gte)
        and (cond.lt is None or v < cond.lt)
        and (cond.lte is None or v <= cond.lte)
    )


def random_range(rng: random.Random, key: str) -> Range:
    return Range(
        key,
        gt=random_bound(rng),
        gte=random_bound(rng),
        lt=random_bound(rng),
        lte=random_bound(rng),
    )


def check_ranges(h: Harness, rng: random.Random, key: str) -> None:
    for _ in range(40):
        cond = random_range(rng, key)
        h.check(cond, lambda v, c=cond: in_range(c, v))
    # bounds between adjacent floats, and integer bounds no float can represent
    for cond in [
        Range(key, gt=0.5, lt=1.5),
        Range(key, gte=-0.0, lte=0.0),
        Range(key, gt=2**63 - 1),
        Range(key, gte=2**63),
        Range(key, lt=-(2**63)),
        Range(key, gt=2**53 + 1),
        Range(key),
    ]:
        h.check(cond, lambda v, c=cond: in_range(c, v))


@pytest.mark.parametrize("n", SIZES)
def test_integer_index(n: int, merge_threshold: int) -> None:
    rng = random.Random(n + 1)
    h = Harness(parse_index_spec("i", "integer"))
    for _ in phases(h, rng, n, lambda: mix(rng, lambda: random_number(rng))):
        for q in [*range(-21, 22), *BIG[3:]]:
            h.check(MatchValue("i", q), lambda v, q=q: is_int(v) and v == q)
        for _ in range(15):
            qs = tuple(rng.sample(range(-25, 25), rng.randint(0, 6)))
            h.check(MatchAny("i", qs), lambda v, qs=qs: is_int(v) and v in qs)
        check_ranges(h, rng, "i")
        h.refuses(MatchValue("i", True))  # a bool is not an integer
        h.refuses(MatchValue("i", "1"))
        h.refuses(MatchValue("i", 2**63))  # beyond int64: left to per-point evaluation
        h.refuses(MatchAny("i", (1, "1")))
        h.refuses(MatchExcept("i", (1,)))
        h.refuses(ValuesCount("i", gt=1))
        h.counted(lambda v: is_int(v) and -(2**63) <= v < 2**63)


def test_integer_float_values_match_ranges_not_lookups() -> None:
    h = Harness(parse_index_spec("i", "integer"))
    h.add(0, [1.0])
    h.add(1, [1])
    h.add(2, [True])
    h.add(3, [1.5, "2"])
    np.testing.assert_array_equal(h.index.answer(MatchValue("i", 1)), [1])
    np.testing.assert_array_equal(h.index.answer(Range("i", gte=1, lte=1)), [0, 1])
    np.testing.assert_array_equal(h.index.answer(Range("i", gt=1)), [3])
    assert h.index.points == 1  # floats are kept for ranges but are not indexed values


@pytest.mark.parametrize(
    ("schema", "lookup", "range_"),
    [
        ({"type": "integer", "lookup": False}, False, True),
        ({"type": "integer", "range": False}, True, False),
        ({"type": "integer", "lookup": True, "range": True}, True, True),
    ],
)
def test_integer_capabilities(schema: dict[str, Any], lookup: bool, range_: bool) -> None:
    index = make_index(parse_index_spec("i", schema))
    index.add(0, [5])
    for cond in (MatchValue("i", 5), MatchAny("i", (5, 6))):
        assert (index.answer(cond) is not None) is lookup
        assert (index.estimate(cond) is not None) is lookup
    assert (index.answer(Range("i", gte=5)) is not None) is range_


@pytest.mark.parametrize("n", SIZES)
def test_float_index(n: int, merge_threshold: int) -> None:
    rng = random.Random(n + 2)
    h = Harness(parse_index_spec("f", {"type": "float", "is_principal": True}))
    for _ in phases(h, rng, n, lambda: mix(rng, lambda: random_number(rng))):
        check_ranges(h, rng, "f")
        h.refuses(MatchValue("f", 1))
        h.refuses(MatchAny("f", (1,)))
        h.refuses(DatetimeRange("f", gt=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
        h.counted(is_number)


# ============================================================================ bool


@pytest.mark.parametrize("n", SIZES)
def test_bool_index(n: int, merge_threshold: int) -> None:
    rng = random.Random(n + 3)
    h = Harness(parse_index_spec("b", "bool"))
    for _ in phases(h, rng, n, lambda: mix(rng, lambda: rng.choice([True, False, 0, 1]))):
        for q in (True, False):
            h.check(MatchValue("b", q), lambda v, q=q: isinstance(v, bool) and v is q)
        h.refuses(MatchValue("b", 1))  # 1 == True in Python, not in Qdrant
        h.refuses(MatchValue("b", "true"))
        h.refuses(MatchAny("b", (1, 0)))
        h.counted(lambda v: isinstance(v, bool))


# ============================================================================ datetime

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def format_datetime(rng: random.Random, moment: dt.datetime) -> str:
    """The moment in one of the forms Qdrant accepts, in some time zone."""
    offset = dt.timedelta(minutes=rng.choice([0, 60, -150, 330, -600, 23 * 60 + 59]))
    local_time = moment.astimezone(dt.timezone(offset))
    base = local_time.strftime("%Y-%m-%d") + rng.choice("T ") + local_time.strftime("%H:%M:%S")
    frac = rng.choice(["", f".{local_time.microsecond:06d}", f".{local_time.microsecond:06d}789"])
    if not frac and local_time.microsecond:
        frac = f".{local_time.microsecond:06d}"
    sign = "-" if offset < dt.timedelta(0) else "+"
    hours, minutes = divmod(abs(offset).seconds // 60, 60)
    zone = rng.choice(
        [f"{sign}{hours:02d}:{minutes:02d}", f"{sign}{hours:02d}{minutes:02d}"]
        + (["Z", "z", ""] if not offset else [])
        + ([f"{sign}{hours:02d}"] if not minutes else [])
    )
    return base + frac + zone


def random_moment(rng: random.Random) -> dt.datetime:
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    step = rng.choice([dt.timedelta(days=1), dt.timedelta(seconds=1), dt.timedelta(microseconds=1)])
    return base + step * rng.randint(-40, 40)


def random_datetime_value(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.75:
        return format_datetime(rng, random_moment(rng))
    if r < 0.85:
        return random_moment(rng).strftime(rng.choice(["%Y-%m-%d", "%Y-%m-%d %H:%M"]))
    return rng.choice(["2024-02-30", "2024-01-01T25:00:00", "yesterday", "2024-01-01T10", 20240101])


def micros(moment: dt.datetime) -> int:
    """Microseconds since the epoch; a naive datetime is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


@pytest.mark.parametrize("n", SIZES)
def test_datetime_index(n: int, merge_threshold: int) -> None:
    rng = random.Random(n + 4)
    h = Harness(parse_index_spec("d", "datetime"))

    def in_range(cond: DatetimeRange, v: Any) -> bool:
        m = datetime_value(v) if isinstance(v, str) else None
        if m is None:
            return False
        return (
            (cond.gt is None or m > micros(cond.gt))
            and (cond.gte is None or m >= micros(cond.gte))
            and (cond.lt is None or m < micros(cond.lt))
            and (cond.lte is None or m <= micros(cond.lte))
        )

    def bound() -> dt.datetime | None:
        if rng.random() < 0.4:
            return None
        moment = random_moment(rng)
        return moment.replace(tzinfo=None) if rng.random() < 0.2 else moment  # naive = UTC

    for _ in phases(h, rng, n, lambda: mix(rng, lambda: random_datetime_value(rng))):
        for _ in range(40):
            cond = DatetimeRange("d", gt=bound(), gte=bound(), lt=bound(), lte=bound())
            h.check(cond, lambda v, c=cond: in_range(c, v))
        h.refuses(Range("d", gt=1))
        h.refuses(MatchValue("d", "2024-01-01"))
        h.counted(lambda v: isinstance(v, str) and datetime_value(v) is not None)


def test_datetime_parsing_agrees_with_local_mode() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        text = format_datetime(rng, random_moment(rng))
        theirs = datetime_utils.parse(text)
        ours = datetime_value(text)
        assert ours is not None, text
        if theirs is not None:  # local mode cannot read more than 6 fraction digits
            assert ours == micros(theirs), text
    for text in ["2024-05-01", "2024-05-01 10:30", "2024-05-01T10:30:00", "2024-05-01 10:30:00.5"]:
        theirs = datetime_utils.parse(text)
        assert theirs is not None
        assert datetime_value(text) == micros(theirs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:00:00Z", dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)),
        ("2024-05-01T12:00:00+02:00", dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)),
        ("2024-05-01T05:00:00-0500", dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)),
        ("2024-05-01T13:00:00+03", dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)),
        ("2024-05-01 10:00:00", dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)),
        ("2024-05-01", dt.datetime(2024, 5, 1, tzinfo=dt.UTC)),
        ("1969-12-31T23:59:59.9999999Z", dt.datetime(1969, 12, 31, 23, 59, 59, 999999, dt.UTC)),
        ("2024-05-01T10:00:00.123456789Z", dt.datetime(2024, 5, 1, 10, 0, 0, 123456, dt.UTC)),
    ],
)
def test_parse_datetime_forms(text: str, expected: dt.datetime) -> None:
    assert datetime_value(text) == micros(expected)


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30",
        "2024-05-01T24:00:00Z",
        "2024-05-01T10",
        "2024-05-01Z",
        "x2024-05-01",
        "",
        "2024",
    ],
)
def test_parse_datetime_rejects(text: str) -> None:
    assert datetime_value(text) is None


# ============================================================================ uuid


def uuid_form(rng: random.Random, u: uuid.UUID) -> str:
    return rng.choice([str(u), str(u).upper(), u.hex, "{" + str(u) + "}", "urn:uuid:" + str(u)])


def canonical(v: Any) -> str | None:
    try:
        return str(uuid.UUID(v)) if isinstance(v, str) else None
    except ValueError:
        return None


@pytest.mark.parametrize("n", SIZES)
def test_uuid_index(n: int, merge_threshold: int) -> None:
    rng = random.Random(n + 6)
    pool = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(20)]
    h = Harness(parse_index_spec("u", {"type": "uuid", "is_tenant": True}))
    for _ in phases(h, rng, n, lambda: mix(rng, lambda: uuid_form(rng, rng.choice(pool)))):
        for u in [*pool, uuid.UUID(int=12345)]:
            q = uuid_form(rng, u)
            # UUID strings compare as written, as the per-point check does
            h.check(MatchValue("u", q), lambda v, q=q: canonical(v) is not None and v == q)
        for _ in range(10):
            chosen = rng.sample(pool, rng.randint(0, 4))
            qs = tuple(uuid_form(rng, u) for u in chosen)
            h.check(MatchAny("u", qs), lambda v, qs=qs: canonical(v) is not None and v in qs)
        h.refuses(MatchValue("u", "not-a-uuid"))  # plain string equality decides
        h.refuses(MatchAny("u", (str(pool[0]), "nope")))
        h.refuses(MatchValue("u", 5))
        h.counted(lambda v: canonical(v) is not None)


# ============================================================================ text

WORDS = ["alpha", "Beta", "gamma", "delta", "épée", "Привет", "mir", "x", "ab", "hello", "help"]


def random_text(rng: random.Random) -> str:
    seps = [" ", ", ", "-", "!", "  ", "_", "\t", "/"]
    parts = [rng.choice(WORDS) for _ in range(rng.randint(0, 5))]
    out = ""
    for p in parts:
        out += p + rng.choice(seps)
    return out


@pytest.mark.parametrize(
    "params",
    [
        {"tokenizer": "word"},
        {"tokenizer": "whitespace"},
        {"tokenizer": "prefix", "min_token_len": 2, "max_token_len": 4},
        {"tokenizer": "prefix"},
        {"tokenizer": "multilingual"},
        {"tokenizer": "word", "lowercase": False, "min_token_len": 3, "max_token_len": 5},
    ],
    ids=["word", "whitespace", "prefix-2-4", "prefix", "multilingual", "word-cased-3-5"],
)
@pytest.mark.parametrize("n", SIZES)
def test_text_index(n: int, params: dict[str, Any], merge_threshold: int) -> None:
    rng = random.Random(n + 7)
    spec = parse_index_spec("t", {"type": "text", **params})
    h = Harness(spec)
    doc = make_tokenizer(spec.params)
    query = make_tokenizer(spec.params, query=True)

    def expected(q: str) -> np.ndarray:
        wanted = set(query(q))
        if not wanted:
            return np.empty(0, dtype=np.int64)
        hits = [
            s
            for s, vs in h.truth.items()
            if any(isinstance(v, str) and wanted <= set(doc(v)) for v in vs)
        ]
        return np.array(sorted(hits), dtype=np.int64)

    queries = [
        *WORDS,
        "alpha beta",
        "hel",
        "HELLO, world",
        "gamma-delta",
        "",
        "!!",
        "unknown",
        "épé",
        "при",
    ]
    for _ in phases(h, rng, n, lambda: mix(rng, lambda: random_text(rng))):
        for q in [*queries, *(random_text(rng) for _ in range(10))]:
            cond = MatchText("t", q)
            got = h.index.answer(cond)
            assert got is not None
            np.testing.assert_array_equal(got, expected(q), err_msg=q)
            estimate = h.index.estimate(cond)
            assert estimate is not None and estimate >= len(got)
            for slot in list(h.truth)[:20]:  # the per-point helper agrees with the index
                assert h.index.matches(q, h.truth[slot]) == (slot in got)  # type: ignore[attr-defined]
        h.refuses(MatchValue("t", "alpha"))
        h.counted(lambda v: isinstance(v, str))


def test_text_tokens_must_meet_in_one_string() -> None:
    """Each string is matched on its own, as Qdrant's per-point check does."""
    index = make_index(parse_index_spec("t", "text"))
    index.add(0, ["red apple", "green pear"])
    index.add(1, ["red pear"])
    index.add(2, ["Pear, RED!", 5])
    np.testing.assert_array_equal(index.answer(MatchText("t", "apple pear")), [])
    np.testing.assert_array_equal(index.answer(MatchText("t", "red pear")), [1, 2])
    np.testing.assert_array_equal(index.answer(MatchText("t", "red")), [0, 1, 2])
    np.testing.assert_array_equal(index.answer(MatchText("t", "...")), [])
    index.add(1, ["blue"])  # replaced
    np.testing.assert_array_equal(index.answer(MatchText("t", "red pear")), [2])
    assert index.points == 3


# ============================================================================ geo


def random_geo(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.6:
        return {"lat": rng.uniform(-60, 60), "lon": rng.uniform(-180, 180)}
    if r < 0.8:  # on a grid: vertices and edges of the test polygons
        return {"lat": float(rng.randint(-3, 3)), "lon": rng.randint(-3, 3)}
    if r < 0.87:
        return {"lat": rng.uniform(-1, 1), "lon": rng.choice([179.9, -179.9, 180, -180])}
    return rng.choice(
        [
            {"lat": 95.0, "lon": 0.0},
            {"lat": 0.0, "lon": 181.0},
            {"lat": "1", "lon": 2},
            {"lat": True, "lon": 0},
            {"lat": 1.0},
            {"lon": 1.0, "lat": None},
            {"lat": math.nan, "lon": 0.0},
            {"lat": 360.0, "lon": 0.0},  # out of range, yet 0 m from (0, 0) by haversine
            {"lat": -179.5, "lon": 179.5},
            [1.0, 2.0],
        ]
    )


def geo_ok(v: Any) -> bool:
    """A geo value per-point evaluation reads: numeric lat and lon (not range-checked)."""
    return (
        isinstance(v, dict)
        and is_number(v.get("lat"))
        and is_number(v.get("lon"))
        and v["lat"] == v["lat"]
        and v["lon"] == v["lon"]
    )


def in_box(box: GeoBoundingBox, v: Any) -> bool:
    """Qdrant's bounding box: edges excluded; across the antimeridian when left > right."""
    if not geo_ok(v):
        return False
    left, right = box.top_left.lon, box.bottom_right.lon
    lon_ok = (v["lon"] > left or v["lon"] < right) if left > right else left < v["lon"] < right
    return lon_ok and box.bottom_right.lat < v["lat"] < box.top_left.lat


def qpoint(p: GeoPoint) -> qm.GeoPoint:
    return qm.GeoPoint(lon=p.lon, lat=p.lat)


def ring(*coords: tuple[float, float]) -> tuple[GeoPoint, ...]:
    """A closed ring from (lon, lat) pairs."""
    pts = tuple(GeoPoint(lon=lon, lat=lat) for lon, lat in coords)
    return (*pts, pts[0])


def geo_conditions(rng: random.Random) -> Iterator[tuple[Any, Pred]]:
    boxes = [((-3, 3), (3, -3)), ((170, 10), (-170, -10)), ((-2, 0), (2, 0))]
    for _ in range(6):
        lon1, lon2 = rng.uniform(-180, 180), rng.uniform(-180, 180)
        lat1, lat2 = sorted([rng.uniform(-70, 70), rng.uniform(-70, 70)])
        boxes.append(((lon1, lat2), (lon2, lat1)))
    for (tl_lon, tl_lat), (br_lon, br_lat) in boxes:
        box = GeoBoundingBox(
            "g", GeoPoint(lon=tl_lon, lat=tl_lat), GeoPoint(lon=br_lon, lat=br_lat)
        )
        yield box, lambda v, b=box: in_box(b, v)

    centers = [GeoPoint(lon=0, lat=0), GeoPoint(lon=179.5, lat=0.5), GeoPoint(lon=10, lat=89)]
    centers += [GeoPoint(lon=rng.uniform(-180, 180), lat=rng.uniform(-60, 60)) for _ in range(4)]
    for center in centers:
        for radius in (1000.0, 250_000.0, 3_000_000.0, 25_000_000.0):
            cond = GeoRadius("g", center, radius)
            qr = qm.GeoRadius(center=qpoint(center), radius=radius)
            yield cond, lambda v, q=qr: geo_ok(v) and local.check_geo_radius(q, v)

    polygons = [
        GeoPolygon("g", ring((-3, -3), (3, -3), (3, 3), (-3, 3))),
        GeoPolygon(
            "g",
            ring((-3, -3), (3, -3), (3, 3), (-3, 3)),
            (ring((-1, -1), (1, -1), (1, 1), (-1, 1)),),
        ),
        GeoPolygon("g", ring((-3, 0), (0, -3), (3, 0), (0, 3), (0, 0))),  # concave, on grid
        GeoPolygon(
            "g",
            ring((-100, -50), (100, -50), (100, 50), (-100, 50)),
            (ring((-50, -20), (50, -20), (0, 30)), ring((60, -10), (90, -10), (90, 10))),
        ),
    ]
    for _ in range(3):
        pts = [(rng.uniform(-180, 180), rng.uniform(-60, 60)) for _ in range(rng.randint(3, 7))]
        polygons.append(GeoPolygon("g", ring(*pts)))
    for poly in polygons:
        qpoly = qm.GeoPolygon(
            exterior=qm.GeoLineString(points=[qpoint(p) for p in poly.exterior]),
            interiors=[qm.GeoLineString(points=[qpoint(p) for p in r]) for r in poly.interiors],
        )
        yield poly, lambda v, q=qpoly: geo_ok(v) and local.check_geo_polygon(q, v)


@pytest.mark.parametrize("n", SIZES)
def test_geo_index(n: int, merge_threshold: int) -> None:
    rng = random.Random(n + 8)
    h = Harness(parse_index_spec("g", "geo"))
    for _ in phases(h, rng, n, lambda: mix(rng, lambda: random_geo(rng))):
        for cond, pred in geo_conditions(rng):
            h.check(cond, pred)
        h.refuses(MatchValue("g", "x"))
        h.refuses(Range("g", gt=1))
        h.counted(geo_ok)


def test_geo_edges_and_holes() -> None:
    index = make_index(parse_index_spec("g", "geo"))
    points = {
        0: {"lat": 0.0, "lon": 0.0},  # in the hole
        1: {"lat": 2.0, "lon": 2.0},  # between the rings
        2: {"lat": 3.0, "lon": 0.0},  # on the exterior edge
        3: {"lat": 1.0, "lon": 0.0},  # on the hole's edge
        4: {"lat": 5.0, "lon": 5.0},  # outside
    }
    for slot, p in points.items():
        index.add(slot, [p])
    square = ring((-3, -3), (3, -3), (3, 3), (-3, 3))
    hole = ring((-1, -1), (1, -1), (1, 1), (-1, 1))
    np.testing.assert_array_equal(index.answer(GeoPolygon("g", square, (hole,))), [1])
    np.testing.assert_array_equal(index.answer(GeoPolygon("g", square)), [0, 1, 3])
    box = GeoBoundingBox("g", GeoPoint(lon=-3, lat=3), GeoPoint(lon=3, lat=-3))
    np.testing.assert_array_equal(index.answer(box), [0, 1, 3])  # edges are outside


# ============================================================================ all types


ALL_TYPES = ["keyword", "integer", "float", "geo", "text", "bool", "datetime", "uuid"]


@pytest.mark.parametrize("kind", ALL_TYPES)
def test_every_index_meets_the_protocol(kind: str) -> None:
    index = make_index(parse_index_spec("f", kind))
    assert isinstance(index, PayloadIndex)
    assert index.spec.type == kind
    assert index.points == 0
    index.add(3, list(NOISE))
    index.remove(3)
    index.remove(99)
    assert index.points == 0
    for cond in (MatchExcept("f", ("a", "b")), IsEmpty("f"), ValuesCount("f", gt=0)):
        assert index.answer(cond) is None
        assert index.estimate(cond) is None


@pytest.mark.parametrize("kind", ALL_TYPES)
def test_empty_index_answers_nothing(kind: str) -> None:
    index = make_index(parse_index_spec("f", kind))
    probes = [
        MatchValue("f", "a"),
        MatchValue("f", 1),
        MatchValue("f", True),
        MatchValue("f", str(uuid.UUID(int=1))),
        MatchAny("f", ("a",)),
        MatchAny("f", (1,)),
        MatchText("f", "a"),
        Range("f", gt=0),
        DatetimeRange("f", gt=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
        GeoRadius("f", GeoPoint(lon=0, lat=0), 10.0),
    ]
    answered = 0
    for cond in probes:
        got = index.answer(cond)
        if got is not None:
            answered += 1
            assert got.dtype == np.int64 and len(got) == 0
    assert answered >= 1


# ============================================================================ specs


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("keyword", {"type": "keyword", "is_tenant": False, "on_disk": False}),
        (
            "integer",
            {
                "type": "integer",
                "lookup": True,
                "range": True,
                "is_principal": False,
                "on_disk": False,
            },
        ),
        ("float", {"type": "float", "is_principal": False, "on_disk": False}),
        ("geo", {"type": "geo", "on_disk": False}),
        (
            "text",
            {
                "type": "text",
                "tokenizer": "word",
                "min_token_len": None,
                "max_token_len": None,
                "lowercase": True,
                "on_disk": False,
            },
        ),
        ("bool", {"type": "bool", "on_disk": False}),
        ("datetime", {"type": "datetime", "is_principal": False, "on_disk": False}),
        ("uuid", {"type": "uuid", "is_tenant": False, "on_disk": False}),
    ],
)
def test_spec_defaults(kind: str, params: dict[str, Any]) -> None:
    spec = parse_index_spec("f", kind)
    assert spec == IndexSpec("f", kind, params, None)
    assert parse_index_spec("f", {"type": kind}).params == params


def test_spec_params_override_defaults_and_keep_what_was_given() -> None:
    spec = parse_index_spec(
        "f",
        {
            "type": "text",
            "tokenizer": "prefix",
            "min_token_len": 2,
            "max_token_len": 10,
            "lowercase": False,
            "on_disk": None,  # null means not given
        },
    )
    assert spec.params == {
        "type": "text",
        "tokenizer": "prefix",
        "min_token_len": 2,
        "max_token_len": 10,
        "lowercase": False,
        "on_disk": False,
    }
    assert spec.given == {
        "type": "text",
        "tokenizer": "prefix",
        "min_token_len": 2,
        "max_token_len": 10,
        "lowercase": False,
    }
    spec = parse_index_spec("n", {"type": "integer", "lookup": False})
    assert spec.params["lookup"] is False and spec.params["range"] is True
    assert spec.given == {"type": "integer", "lookup": False}


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (None, "Wrong input: field_schema: required"),
        ("strings", "Wrong input: field_schema: unknown payload index type 'strings'"),
        ("Keyword", "Wrong input: field_schema: unknown payload index type 'Keyword'"),
        (5, "Wrong input: field_schema: expected a payload index type name or a params object"),
        ({"lookup": True}, "Wrong input: field_schema.type: missing"),
        ({"type": "vector"}, "Wrong input: field_schema.type: unknown payload index type 'vector'"),
        ({"type": 3}, "Wrong input: field_schema.type: unknown payload index type 3"),
        (
            {"type": "text", "tokenizer": "foo"},
            "Wrong input: field_schema.tokenizer: unknown tokenizer 'foo'",
        ),
        (
            {"type": "text", "min_token_len": -1},
            "Wrong input: field_schema.min_token_len: expected a non-negative integer",
        ),
        (
            {"type": "text", "max_token_len": True},
            "Wrong input: field_schema.max_token_len: expected a non-negative integer",
        ),
        (
            {"type": "text", "lowercase": "yes"},
            "Wrong input: field_schema.lowercase: expected a boolean, got 'yes'",
        ),
        (
            {"type": "keyword", "lookup": True},
            "Wrong input: field_schema.lookup: unknown field for a keyword index",
        ),
        (
            {"type": "geo", "tokenizer": "word"},
            "Wrong input: field_schema.tokenizer: unknown field for a geo index",
        ),
        (
            {"type": "integer", "lookup": False, "range": False},
            "field_schema: Validation error: the 'lookup' and 'range' capabilities "
            "can't be both disabled [{}]",
        ),
        (
            {"type": "float", "is_principal": 1},
            "Wrong input: field_schema.is_principal: expected a boolean, got 1",
        ),
    ],
)
def test_spec_errors(schema: Any, message: str) -> None:
    with pytest.raises(BadRequest) as err:
        parse_index_spec("f", schema)
    assert err.value.message.startswith(message), err.value.message


def test_spec_rejects_empty_field_name() -> None:
    with pytest.raises(BadRequest, match="field_name"):
        parse_index_spec("", "keyword")


def test_spec_later_text_options_are_unsupported() -> None:
    with pytest.raises(Unsupported, match="stopwords"):
        parse_index_spec("f", {"type": "text", "stopwords": "english"})
    assert parse_index_spec("f", {"type": "text", "stopwords": None}).params["tokenizer"] == "word"


# ============================================================================ tokenizers


def tokens(text: str, query: bool = False, **params: Any) -> list[str]:
    return make_tokenizer(params, query=query)(text)


def test_word_tokenizer() -> None:
    assert tokens("hello, world! Привет, мир!") == ["hello", "world", "привет", "мир"]
    assert tokens("snake_case x2 3.14 l'été") == ["snake", "case", "x2", "3", "14", "l", "été"]
    assert tokens("Hello World", lowercase=False) == ["Hello", "World"]
    assert tokens("") == [] and tokens(" ,;! ") == []


def test_whitespace_tokenizer() -> None:
    assert tokens("Hello,  world!\tTab\nLine", tokenizer="whitespace") == [
        "hello,",
        "world!",
        "tab",
        "line",
    ]


def test_prefix_tokenizer() -> None:
    # Qdrant's own examples
    assert tokens("hello, мир!", tokenizer="prefix", min_token_len=1, max_token_len=4) == [
        "h",
        "he",
        "hel",
        "hell",
        "м",
        "ми",
        "мир",
    ]
    assert tokens("hello, мир!", True, tokenizer="prefix", max_token_len=4) == ["hell", "мир"]
    assert tokens("Hello", tokenizer="prefix") == ["h", "he", "hel", "hell", "hello"]
    assert tokens("Hello World", True, tokenizer="prefix") == ["hello", "world"]
    # min_token_len starts the prefixes; a shorter word is kept whole, then length-filtered
    assert tokens("hello ab", tokenizer="prefix", min_token_len=3) == ["hel", "hell", "hello"]


def test_token_length_limits_follow_qdrant() -> None:
    # too short: UTF-8 byte length below the minimum ("ми" is 4 bytes, 2 characters)
    assert tokens("ab ми abc", min_token_len=3) == ["ми", "abc"]
    # too long: more characters than the maximum
    assert tokens("abcd мирр abc", max_token_len=3) == ["abc"]
    # the query side is filtered the same way
    assert tokens("ab abcd", True, tokenizer="prefix", min_token_len=3, max_token_len=3) == ["abc"]


def test_multilingual_tokenizer_is_a_unicode_word_split() -> None:
    assert tokens("What are you waiting for?", tokenizer="multilingual") == [
        "what",
        "are",
        "you",
        "waiting",
        "for",
    ]
    assert tokens("Größe Ärger", tokenizer="multilingual", lowercase=False) == ["größe", "ärger"]


def test_unknown_tokenizer() -> None:
    with pytest.raises(ValueError, match="unknown tokenizer"):
        make_tokenizer({"tokenizer": "trigram"})


# ============================================================================ vs evaluate


def congruence_cases(kind: str, rng: random.Random) -> tuple[Callable[[], Any], list[Any]]:
    """A value generator and conditions on key "f" for an index type."""
    f = "f"
    if kind == "keyword":
        words = ["a", "b", "c", "d"]
        conds: list[Any] = [MatchValue(f, w) for w in words]
        conds += [MatchAny(f, tuple(rng.sample(words, 2))), MatchAny(f, ())]
        return lambda: rng.choice(words), conds
    if kind in ("integer", "float"):
        conds = [random_range(rng, f) for _ in range(30)]
        if kind == "integer":
            conds += [MatchValue(f, q) for q in range(-5, 6)]
            conds += [MatchAny(f, (1, 2, 3)), MatchAny(f, ())]
        return lambda: random_number(rng), conds
    if kind == "bool":
        return lambda: rng.choice([True, False]), [MatchValue(f, True), MatchValue(f, False)]
    if kind == "datetime":
        bounds = [random_moment(rng) for _ in range(20)]
        conds = [DatetimeRange(f, gt=bounds[i], lte=bounds[i + 1]) for i in range(0, 20, 2)]
        conds += [DatetimeRange(f, gte=b) for b in bounds[:5]]
        conds += [DatetimeRange(f, lt=b.replace(tzinfo=None)) for b in bounds[5:10]]
        return lambda: random_datetime_value(rng), conds
    if kind == "uuid":
        # canonical strings only: per-point evaluation compares strings as they are
        pool = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(6)]
        conds = [MatchValue(f, u) for u in pool] + [MatchAny(f, tuple(pool[:3]))]
        return lambda: rng.choice(pool), conds
    if kind == "text":
        conds = [MatchText(f, q) for q in [*WORDS, "alpha beta", "hel", "", "nope"]]
        return lambda: random_text(rng), conds
    assert kind == "geo"
    conds = [dataclass_replace_key(c, f) for c, _ in geo_conditions(rng)]
    return lambda: random_geo(rng), conds


def dataclass_replace_key(cond: Any, key: str) -> Any:
    import dataclasses

    return dataclasses.replace(cond, key=key)


@pytest.mark.parametrize("kind", ALL_TYPES)
def test_answers_equal_per_point_evaluation(kind: str) -> None:
    """The planner replaces `evaluate.check` by `answer`: both must select the same points."""
    rng = random.Random(kind)
    index = make_index(parse_index_spec("f", kind))
    gen, conds = congruence_cases(kind, rng)
    payloads: dict[int, dict[str, Any]] = {}
    for slot in range(400):
        values = mix(rng, gen, k=4)
        if rng.random() < 0.5 and len(values) == 1 and not isinstance(values[0], list):
            payloads[slot] = {"f": values[0]}  # a scalar, not an array
        elif values or rng.random() < 0.5:
            payloads[slot] = {"f": values}
        else:
            payloads[slot] = {"other": 1}
        index.add(slot, values)
    for slot in rng.sample(range(400), 100):
        index.remove(slot)
        del payloads[slot]
    tokenizer = getattr(index, "tokenize_doc", None)
    ctx = EvalContext(tokenizer=lambda key: tokenizer if key == "f" else None)
    for cond in conds:
        got = index.answer(cond)
        assert got is not None, cond
        want = [
            slot
            for slot, payload in sorted(payloads.items())
            if check(cond, PointView(slot, payload, lambda name: False), ctx)
        ]
        np.testing.assert_array_equal(got, np.array(want, dtype=np.int64), err_msg=repr(cond))
