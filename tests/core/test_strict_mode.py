"""Strict mode (`strict_mode_config`): each limit Qdrant 1.14 enforces, in the core."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from core_helpers import make_config, search, search_batch

from vectorizer import BadRequest, Engine, RateLimited, StrictModeViolation
from vectorizer.collection import Collection
from vectorizer.collection.measures import (
    max_condition_size,
    search_cost,
    similarity_cost,
    total_conditions,
    unindexed_key,
)
from vectorizer.collection.verify import StrictMode
from vectorizer.config_json import (
    strict_mode_from_builtins,
)
from vectorizer.filters.ast import (
    Filter,
    GeoPoint,
    HasId,
    IsEmpty,
    MatchAny,
    MatchText,
    MatchValue,
    MinShould,
    Nested,
    Range,
)
from vectorizer.filters.planner import expected_cardinality
from vectorizer.models import (
    CollectionUpdate,
    Distance,
    HnswConfigDiff,
    MultiVectorConfig,
    OrderBy,
    PointStruct,
    PointVectors,
    SearchParams,
    SparseVector,
    StrictModeConfig,
    VectorParams,
    VectorParamsDiff,
)
from vectorizer.query import (
    Formula,
    Fusion,
    FusionMethod,
    GroupsRequest,
    Nearest,
    OrderByQuery,
    Prefetch,
    QueryRequest,
    Recommend,
    RecommendStrategy,
    query,
    query_groups,
    search_request,
)
from vectorizer.query import formula as fx
from vectorizer.rate_limit import TokenBucket

Q = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
CITY = Filter(must=(MatchValue("city", "Berlin"),))


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _points(ids: range, city: str = "Berlin") -> list[PointStruct]:
    return [
        PointStruct(id=i, vectors={"": np.array([1.0, i, 0.0, 0.0])}, payload={"city": city})
        for i in ids
    ]


def _collection(engine: Engine, given: dict[str, Any] | None, points: int = 10) -> Collection:
    strict = strict_mode_from_builtins(given) if given is not None else None
    config = dataclasses.replace(make_config(4), strict_mode_config=strict)
    engine.create_collection("c", config)
    col = engine.get_collection("c")
    if points:
        col.strict = StrictMode(None)  # filling is not what is under test
        col.upsert(_points(range(points)))
        col.strict = StrictMode(strict)
    return col


def _strict(engine: Engine, **settings: Any) -> Collection:
    return _collection(engine, {"enabled": True, **settings})


def _search(**kw: Any) -> QueryRequest:
    return search_request(Q, **kw)


# ----------------------------------------------------------------------------- reads


def test_max_query_limit_on_search_scroll_and_batch(engine: Engine) -> None:
    col = _strict(engine, max_query_limit=3)
    assert len(search(col, Q, limit=3)) == 3
    with pytest.raises(StrictModeViolation) as exc:
        search(col, Q, limit=4)
    assert exc.value.message == (
        'Limit exceeded 4 > 3 for "limit". Help: Reduce the "limit" parameter to or below 3.'
    )
    with pytest.raises(StrictModeViolation, match='for "limit"'):
        col.scroll(limit=5)
    assert len(col.scroll(limit=3).points) == 3
    with pytest.raises(StrictModeViolation, match="4 > 3"):
        search_batch(col, [_search(limit=1), _search(limit=4)])


def test_disabled_strict_mode_enforces_nothing(engine: Engine) -> None:
    col = _collection(
        engine,
        {
            "enabled": False,
            "max_query_limit": 1,
            "unindexed_filtering_retrieve": False,
            "search_allow_exact": False,
            "read_rate_limit": 1,
            "write_rate_limit": 1,
            "upsert_max_batchsize": 1,
            "max_points_count": 1,
        },
    )
    for _ in range(3):
        assert len(search(col, Q, limit=5, filter=CITY)) == 5
        search(col, Q, params=SearchParams(exact=True))
    col.upsert(_points(range(10, 15)))
    col.strict.check_timeout(10**6)
    assert col.count() == 15


def test_unindexed_filtering_retrieve_names_key_and_index_types(engine: Engine) -> None:
    col = _strict(engine, unindexed_filtering_retrieve=False)
    with pytest.raises(StrictModeViolation) as exc:
        search(col, Q, filter=CITY)
    assert exc.value.message == (
        'Index required but not found for "city" of one of the following types: '
        "[keyword]. Help: Create an index for this key or use a different filter."
    )
    with pytest.raises(StrictModeViolation, match='"city"'):
        col.count(filter=CITY)
    with pytest.raises(StrictModeViolation, match='"city"'):
        col.scroll(filter=CITY)
    col.create_field_index("city", "keyword")
    assert col.count(filter=CITY) == 10
    assert len(col.scroll(filter=CITY).points) == 10
    # an index of the wrong kind does not serve the condition
    col.create_field_index("n", "keyword")
    with pytest.raises(
        StrictModeViolation, match=r'"n" of one of the following types: \[float, integer\]'
    ):
        col.count(filter=Filter(must=(Range("n", gte=1),)))
    # has_id needs no index; unindexed_filtering_update does not govern reads
    assert col.count(filter=Filter(must=(HasId(frozenset({1, 2})),))) == 2


def test_unindexed_filtering_update_guards_filtered_writes(engine: Engine) -> None:
    col = _strict(engine, unindexed_filtering_update=False)
    assert col.count(filter=CITY) == 10  # reads are not restricted by this setting
    for write in (
        lambda: col.delete(filter=CITY),
        lambda: col.set_payload({"a": 1}, filter=CITY),
        lambda: col.overwrite_payload({"a": 1}, filter=CITY),
        lambda: col.delete_payload(["city"], filter=CITY),
        lambda: col.clear_payload(filter=CITY),
        lambda: col.delete_vectors([""], filter=CITY),
    ):
        with pytest.raises(StrictModeViolation, match='Index required but not found for "city"'):
            write()
    assert col.count() == 10
    assert col.retrieve([0])[0].payload == {"city": "Berlin"}
    col.delete(ids=[0])  # by id: no filter to check
    col.create_field_index("city", "keyword")
    col.delete(filter=CITY)
    assert col.count() == 0


def test_search_params_limits(engine: Engine) -> None:
    col = _strict(
        engine, search_max_hnsw_ef=5, search_allow_exact=False, search_max_oversampling=1.5
    )
    search(col, Q, params=SearchParams(hnsw_ef=5, oversampling=1.5))
    with pytest.raises(StrictModeViolation, match='Limit exceeded 6 > 5 for "hnsw_ef"'):
        search(col, Q, params=SearchParams(hnsw_ef=6))
    with pytest.raises(StrictModeViolation, match=r'Limit exceeded 2 > 1\.5 for "oversampling"'):
        search(col, Q, params=SearchParams(oversampling=2.0))
    with pytest.raises(StrictModeViolation) as exc:
        search(col, Q, params=SearchParams(exact=True))
    assert exc.value.message == "Exact search disabled!. Help: Set exact=false."


def test_filter_max_conditions_and_condition_max_size(engine: Engine) -> None:
    col = _strict(engine, filter_max_conditions=2, condition_max_size=3)
    two = Filter(must=(MatchValue("city", "Berlin"),), should=(MatchAny("n", (1, 2, 3)),))
    search(col, Q, filter=two)
    three = Filter(must=(*two.must, MatchValue("x", 1)), should=two.should)
    with pytest.raises(StrictModeViolation) as exc:
        search(col, Q, filter=three)
    assert exc.value.message == (
        "Filter condition limit reached (3 > 2). "
        "Help: Reduce the amount of conditions of your filter."
    )
    big = Filter(must=(MatchAny("n", (1, 2, 3, 4)),))
    with pytest.raises(StrictModeViolation) as exc:
        col.count(filter=big)
    assert exc.value.message == (
        "Condition size limit reached (4 > 3). Help: Reduce the size of your condition."
    )
    with pytest.raises(StrictModeViolation, match="Condition size limit"):
        col.delete(filter=big)  # update filters are limited too
    assert col.count() == 10


def test_condition_counting_follows_qdrant() -> None:
    nested = Nested("city", Filter(must=(MatchAny("k", (1, 2)), MatchAny("k2", (1, 2, 3)))))
    flt = Filter(
        must=(nested, Filter(should=(IsEmpty("a"), MatchText("t", "x")))),
        must_not=(HasId(frozenset({1, 2, 3, 4})),),
        min_should=MinShould((MatchValue("m", 1),), 1),
    )
    assert total_conditions(flt) == 6
    assert max_condition_size(flt) == 4
    assert total_conditions(Filter()) == 0 and max_condition_size(Filter()) == 0


def test_unindexed_key_types_and_nested_paths(engine: Engine) -> None:
    col = _collection(engine, None, points=0)
    indexes = col.payload_indexes
    uuid = "6a0e1b5c-0b1d-4c5e-9f5e-2b3c4d5e6f70"
    assert unindexed_key(Filter(must=(MatchValue("u", uuid),)), indexes) == (
        "u",
        ["keyword", "uuid"],
    )
    assert unindexed_key(Filter(must=(MatchValue("b", True),)), indexes) == ("b", ["bool"])
    everything = ["bool", "datetime", "float", "geo", "integer", "keyword", "text", "uuid"]
    assert unindexed_key(Filter(must=(IsEmpty("e"),)), indexes) == ("e", everything)
    inner = Nested("country", Filter(must=(MatchText("name", "x"),)))
    assert unindexed_key(Filter(should=(inner,)), indexes) == ("country.name", ["text"])
    col.create_field_index("i", {"type": "integer", "lookup": False, "range": True})
    assert unindexed_key(Filter(must=(MatchValue("i", 3),)), col.payload_indexes) == (
        "i",
        ["integer"],
    )
    assert unindexed_key(Filter(must=(Range("i", lt=3),)), col.payload_indexes) is None


# ----------------------------------------------------------------------------- writes


def test_upsert_and_update_vectors_batch_size(engine: Engine) -> None:
    col = _strict(engine, upsert_max_batchsize=3)
    col.upsert(_points(range(100, 103)))
    with pytest.raises(StrictModeViolation) as exc:
        col.upsert(_points(range(200, 204)))
    assert exc.value.message == (
        'Limit exceeded 4 > 3 for "upsert limit". '
        'Help: Reduce the "upsert limit" parameter to or below 3.'
    )
    vectors = [PointVectors(id=i, vectors={"": np.ones(4)}) for i in range(4)]
    with pytest.raises(StrictModeViolation, match='for "update limit"'):
        col.update_vectors(vectors)
    assert col.count() == 13
    assert col.retrieve([200]) == []


def test_max_points_count(engine: Engine) -> None:
    col = _strict(engine, max_points_count=12)
    col.upsert(_points(range(10, 15)))  # 10 < 12: Qdrant checks the size before the write
    with pytest.raises(BadRequest) as exc:
        col.upsert(_points(range(20, 21)))
    assert exc.value.message == "Bad request: Max points count limit of 12 reached!"
    assert col.count() == 15
    col.delete(ids=[10, 11, 12, 13])
    col.upsert(_points(range(20, 21)))


def test_storage_size_limits(engine: Engine) -> None:
    # 10 points x 4 float32 dimensions = 160 bytes of vectors
    col = _strict(engine, max_collection_vector_size_bytes=160)
    with pytest.raises(BadRequest) as exc:
        col.upsert(_points(range(10, 11)))
    assert exc.value.message == (
        "Bad request: Max vector storage size limit of 0.00015258789MB reached!"
    )
    engine.update_collection(
        "c",
        CollectionUpdate(
            strict_mode_config=strict_mode_from_builtins(
                {
                    "max_collection_vector_size_bytes": 10**6,
                    "max_collection_payload_size_bytes": 170,  # 10 x {"city":"Berlin"} = 170
                }
            )
        ),
    )
    with pytest.raises(BadRequest, match=r"Max payload storage size limit of 0\.00016212463MB"):
        col.upsert(_points(range(10, 11)))
    with pytest.raises(BadRequest, match="Max payload storage size"):
        col.set_payload({"more": 1}, ids=[1])
    col.delete_payload(["city"], ids=[0])  # removing payload is always allowed
    col.upsert(_points(range(10, 11)))
    assert col.count() == 11


def test_max_payload_index_count(engine: Engine) -> None:
    col = _strict(engine, max_payload_index_count=1)
    col.create_field_index("city", "keyword")
    col.create_field_index("city", "text")  # replacing an index is not a new one
    with pytest.raises(StrictModeViolation, match=r"maximum number of payload indices \(1\)"):
        col.create_field_index("n", "integer")
    assert set(col.payload_indexes) == {"city"}


def test_max_timeout(engine: Engine) -> None:
    col = _strict(engine, max_timeout=2)
    col.strict.check_timeout(2)
    with pytest.raises(StrictModeViolation, match='Limit exceeded 3 > 2 for "timeout"'):
        col.strict.check_timeout(3)


# ----------------------------------------------------------------------------- rate limits


def test_token_bucket_refills_with_the_clock() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock)  # one token a second, 60 at most
    assert bucket.take(60) is None
    denied = bucket.take(1)
    assert denied is not None and denied.available == 0 and denied.retry_after == 1
    clock.now += 0.5
    denied = bucket.take(1)
    assert denied is not None and denied.available == pytest.approx(0.5)
    assert denied.retry_after == pytest.approx(0.5)
    clock.now += 0.5
    assert bucket.take(1) is None
    clock.now += 3600  # refills up to the capacity only
    assert bucket.take(60) is None and bucket.take(1) is not None
    over = bucket.take(61)
    assert over is not None and over.retry_after is None


def test_read_rate_limit(engine: Engine) -> None:
    col = _collection(engine, None)
    clock = FakeClock()
    col.strict = StrictMode(
        strict_mode_from_builtins({"enabled": True, "read_rate_limit": 3}), clock
    )
    search(col, Q)  # 1 token
    col.count(filter=CITY)  # 1 + 1 condition
    with pytest.raises(RateLimited) as exc:
        col.scroll()
    assert exc.value.message == (
        "Rate limiting exceeded: Read rate limit exceeded: Operation requires 1 tokens but "
        "only 0.0 were available. Retry after 20s"
    )
    assert exc.value.retry_after == 20
    clock.now += 20
    col.scroll()
    clock.now += 60
    assert len(col.retrieve([1, 2, 3])) == 3  # one token an id
    with pytest.raises(RateLimited, match="requires 1 tokens"):
        col.retrieve([1])


def test_write_rate_limit_costs_points_affected(engine: Engine) -> None:
    col = _collection(engine, None)
    clock = FakeClock()
    col.strict = StrictMode(
        strict_mode_from_builtins({"enabled": True, "write_rate_limit": 10}), clock
    )
    col.upsert(_points(range(10, 16)))  # 6 tokens
    with pytest.raises(RateLimited) as exc:
        col.upsert(_points(range(20, 25)))
    assert exc.value.message == (
        "Rate limiting exceeded: Write rate limit exceeded: Operation requires 5 tokens but "
        "only 4.0 were available. Retry after 6s"
    )
    assert col.count() == 16 and col.retrieve([20]) == []
    col.set_payload({"a": 1}, filter=Filter(must=(HasId(frozenset({1, 2, 3})),)))  # 3
    with pytest.raises(RateLimited, match=r"requires 2 tokens but only 1\.0 "):
        col.delete(ids=[1, 2])
    col.delete(ids=[999])  # nothing to delete still costs 1
    with pytest.raises(RateLimited) as exc:
        col.upsert(_points(range(100, 111)))
    assert exc.value.message == (
        "Rate limiting exceeded: Write rate limit exceeded, request larger than rate limiter "
        "capacity, please try to split your request"
    )
    assert exc.value.retry_after is None
    assert col.count() == 16


# ----------------------------------------------------------------------------- config


def test_update_collection_changes_enforcement(engine: Engine) -> None:
    col = _collection(engine, None)
    assert len(search(col, Q, limit=8)) == 8
    engine.update_collection(
        "c",
        CollectionUpdate(
            strict_mode_config=strict_mode_from_builtins({"enabled": True, "max_query_limit": 5})
        ),
    )
    with pytest.raises(StrictModeViolation, match="8 > 5"):
        search(col, Q, limit=8)
    # a partial update keeps the other settings; a null leaves a setting as it was
    engine.update_collection(
        "c",
        CollectionUpdate(
            strict_mode_config=strict_mode_from_builtins({"max_query_limit": 7, "enabled": None})
        ),
    )
    assert col.config.strict_mode_config == StrictModeConfig(enabled=True, max_query_limit=7)
    with pytest.raises(StrictModeViolation, match="8 > 7"):
        search(col, Q, limit=8)
    engine.update_collection(
        "c", CollectionUpdate(strict_mode_config=strict_mode_from_builtins({"enabled": False}))
    )
    assert len(search(col, Q, limit=8)) == 8


def test_update_collection_refills_rate_limits(engine: Engine) -> None:
    col = _collection(engine, None)
    engine.update_collection(
        "c",
        CollectionUpdate(
            strict_mode_config=strict_mode_from_builtins({"enabled": True, "read_rate_limit": 1})
        ),
    )
    search(col, Q)
    with pytest.raises(RateLimited):
        search(col, Q)
    engine.update_collection(
        "c", CollectionUpdate(strict_mode_config=strict_mode_from_builtins({"read_rate_limit": 2}))
    )
    search(col, Q)
    search(col, Q)


def test_strict_mode_survives_a_restart(tmp_path) -> None:
    with Engine.open(tmp_path / "data") as eng:
        _strict(eng, max_query_limit=2)
    with Engine.open(tmp_path / "data") as eng:
        col = eng.get_collection("c")
        with pytest.raises(StrictModeViolation, match="3 > 2"):
            search(col, Q, limit=3)


def test_invalid_settings_are_refused(engine: Engine) -> None:
    with pytest.raises(BadRequest, match=r"strict_mode_config\.read_rate_limit"):
        strict_mode_from_builtins({"read_rate_limit": "x"})  # at the edge, from JSON
    config = dataclasses.replace(
        make_config(4), strict_mode_config=StrictModeConfig(max_query_limit=0)
    )
    with pytest.raises(BadRequest, match=r"strict_mode_config\.max_query_limit"):
        engine.create_collection("c", config)
    assert not engine.collection_exists("c")
    _collection(engine, {"enabled": True})
    with pytest.raises(BadRequest, match=r"strict_mode_config\.read_rate_limit"):
        engine.update_collection(
            "c", CollectionUpdate(strict_mode_config=StrictModeConfig(read_rate_limit=0))
        )
    assert engine.get_collection("c").config.strict_mode_config == StrictModeConfig(enabled=True)


def test_info_reports_what_has_no_effect(engine: Engine) -> None:
    col = _collection(
        engine,
        {
            "enabled": True,
            "max_query_limit": 5,
            "sparse_config": {"s": {"max_length": 3}},
            "unheard_of": 1,
        },
        points=0,
    )
    info = col.info()
    assert info.config.strict_mode_config is not None
    assert info.config.strict_mode_config.max_query_limit == 5
    assert info.config.strict_mode_config.unknown == {"unheard_of": 1}
    strict_notes = [w for w in info.warnings if "strict_mode_config" in w]
    assert strict_notes == [
        "strict_mode_config.unheard_of is stored but has no effect: "
        "not a strict mode setting of Qdrant 1.14",
    ]
    engine.update_collection(
        "c", CollectionUpdate(strict_mode_config=strict_mode_from_builtins({"max_timeout": 3}))
    )
    assert not any("max_query_limit" in w or "max_timeout" in w for w in col.info().warnings)


# ----------------------------------------------------------------------------- Query API costs


def _multi_collection(engine: Engine, strict: dict[str, Any] | None) -> Collection:
    """Points 0..4 with a 3-row multivector `m` and a payload `city`, `n`."""
    named = {"m": VectorParams(4, Distance.DOT, multivector_config=MultiVectorConfig())}
    engine.create_collection("m", make_config(named=named))
    col = engine.get_collection("m")
    rows = np.ones((3, 4), dtype=np.float32)
    col.upsert(
        [PointStruct(i, {"m": rows * (i + 1)}, {"city": "Berlin", "n": i}) for i in range(5)]
    )
    col.strict = StrictMode(strict_mode_from_builtins(strict) if strict is not None else None)
    return col


def _query_of(engine: Engine, col: Collection, request: QueryRequest) -> list[Any]:
    return query(col, request, engine.get_collection)


def test_query_read_cost_counts_query_vectors_lookups_and_exclusions(engine: Engine) -> None:
    rows = np.ones((3, 4), dtype=np.float32)
    col = _multi_collection(engine, {"enabled": True, "read_rate_limit": 2})
    with pytest.raises(RateLimited) as exc:  # 3 rows: 3 comparisons a point
        _query_of(engine, col, QueryRequest(query=Nearest(rows), using="m", limit=2))
    assert exc.value.message == (
        "Rate limiting exceeded: Read rate limit exceeded, request larger than rate limiter "
        "capacity, please try to split your request"
    )
    col.strict = StrictMode(strict_mode_from_builtins({"enabled": True, "read_rate_limit": 3}))
    assert len(_query_of(engine, col, QueryRequest(query=Nearest(rows), using="m"))) == 5
    # by id: 1 for the lookup, 3 for its rows, 1 for leaving the point out
    col.strict = StrictMode(strict_mode_from_builtins({"enabled": True, "read_rate_limit": 4}))
    with pytest.raises(RateLimited, match=r"requires 4 tokens but only 3\.0 were available"):
        _query_of(engine, col, QueryRequest(query=Nearest(2), using="m"))
    col.strict = StrictMode(strict_mode_from_builtins({"enabled": True, "read_rate_limit": 5}))
    assert 2 not in {
        p.id for p in _query_of(engine, col, QueryRequest(query=Nearest(2), using="m"))
    }
    # best_score: each example is looked up, then compared: 5 ids are more than 4 tokens
    col.strict = StrictMode(strict_mode_from_builtins({"enabled": True, "read_rate_limit": 4}))
    best = Recommend(positive=(0, 1, 2, 3, 4), strategy=RecommendStrategy.BEST_SCORE)
    with pytest.raises(RateLimited, match="larger than rate limiter capacity"):
        _query_of(engine, col, QueryRequest(query=best, using="m"))


def test_search_cost_of_each_vector_kind() -> None:
    assert similarity_cost(np.ones(4)) == 1
    assert similarity_cost(np.ones((3, 4))) == 3
    assert similarity_cost([[1.0, 2.0], [3.0, 4.0]]) == 2
    assert similarity_cost(SparseVector(list(range(65)), [1.0] * 65)) == 2
    assert similarity_cost(SparseVector([], [])) == 0
    assert search_cost([np.ones(4)], CITY) == 2


def test_filtered_write_costs_the_expected_cardinality(engine: Engine) -> None:
    col = _collection(engine, None)
    col.strict = StrictMode(
        strict_mode_from_builtins({"enabled": True, "write_rate_limit": 7}), FakeClock()
    )
    nobody = Filter(must=(MatchValue("City", "Berlin"),))  # no such key, and no index
    col.set_payload({"a": 1}, filter=nobody)  # unindexed: half the 10 points expected
    with pytest.raises(RateLimited) as exc:
        col.set_payload({"a": 1}, filter=nobody)
    assert exc.value.message.startswith(
        "Rate limiting exceeded: Write rate limit exceeded: Operation requires 5 tokens but "
        "only 2.0 were available"
    )
    col.create_field_index("n", "integer")
    col.strict = StrictMode(
        strict_mode_from_builtins({"enabled": True, "write_rate_limit": 3}), FakeClock()
    )
    col.delete(filter=Filter(must=(MatchAny("n", (1, 2, 3)),)))  # indexed: none of them
    col.strict.charge_write(2)  # the delete took 1 token: 2 are left
    with pytest.raises(RateLimited):
        col.strict.charge_write(1)


def test_expected_cardinality_follows_qdrant_estimator(engine: Engine) -> None:
    col = _collection(engine, None)
    col.create_field_index("city", "keyword")
    with col.reading():
        scope = col.reads.scope()
        assert expected_cardinality(CITY, scope) == 10
        assert expected_cardinality(Filter(must=(MatchValue("x", 1),)), scope) == 5
        assert expected_cardinality(Filter(must_not=(MatchValue("x", 1),)), scope) == 5
        two = (MatchValue("x", 1), MatchValue("y", 1))
        assert expected_cardinality(Filter(must=two), scope) == 3  # 10 * 0.25, rounded up
        assert expected_cardinality(Filter(should=two), scope) == 8  # 10 * 0.75, rounded up
        assert expected_cardinality(Filter(must=(HasId(frozenset({1, 2, 99})),)), scope) == 2
        assert expected_cardinality(Filter(min_should=MinShould(two, 3)), scope) == 0
        assert expected_cardinality(Filter(), scope) == 10


def test_formula_payload_keys_need_a_numeric_index(engine: Engine) -> None:
    col = _multi_collection(engine, {"enabled": True, "unindexed_filtering_retrieve": False})
    expression = fx.Sum((fx.Variable("n"), fx.Variable("$score")))
    request = QueryRequest(
        prefetch=[Prefetch(query=Nearest(np.ones((1, 4))), using="m")],
        query=Formula(expression, {"n": 0}),
    )
    with pytest.raises(StrictModeViolation) as exc:
        _query_of(engine, col, request)
    assert exc.value.message == (
        'Index required but not found for "n" of one of the following types: '
        "[float, integer]. Help: Create an index for this key or use a different formula "
        "expression."
    )
    col.create_field_index("n", {"type": "integer", "lookup": True, "range": False})
    assert len(_query_of(engine, col, request)) == 5
    geo = fx.GeoDistance(GeoPoint(lon=0.0, lat=0.0), "where")
    with pytest.raises(
        StrictModeViolation, match=r'"where" of one of the following types: \[geo\]'
    ):
        _query_of(engine, col, dataclasses.replace(request, query=Formula(geo)))


def test_group_by_needs_an_index_that_matches(engine: Engine) -> None:
    col = _multi_collection(engine, {"enabled": True, "unindexed_filtering_retrieve": False})
    groups = GroupsRequest(QueryRequest(query=Nearest(np.ones((1, 4))), using="m"), "city")
    with pytest.raises(StrictModeViolation) as exc:
        query_groups(col, groups, engine.get_collection)
    assert exc.value.message == (
        'Index required but not found for "city". '
        "Help: Create an index supporting `match` for this key."
    )
    col.create_field_index("city", "text")
    with pytest.raises(StrictModeViolation) as exc:
        query_groups(col, groups, engine.get_collection)
    assert exc.value.message.startswith('Index of type "Text" found for "city"')
    col.create_field_index("city", "keyword")
    assert len(query_groups(col, groups, engine.get_collection)) == 1


def test_full_scan_refused_without_hnsw_when_exact_search_is_off(engine: Engine) -> None:
    col = _multi_collection(engine, None)
    engine.update_collection(
        "m", CollectionUpdate(vectors={"m": VectorParamsDiff(HnswConfigDiff(m=0))})
    )
    col.strict = StrictMode(
        strict_mode_from_builtins({"enabled": True, "search_allow_exact": False})
    )
    rows = np.ones((1, 4))
    with pytest.raises(StrictModeViolation) as exc:
        _query_of(engine, col, QueryRequest(query=Nearest(rows), using="m"))
    assert exc.value.message == (
        "Request is forbidden on 'm' because global vector indexing is disabled "
        "(hnsw_config.m = 0). Help: Use tenant-specific filter, enable global vector "
        "indexing or enable strict mode `search_allow_exact` option"
    )
    # rescoring prefetched points is no full scan; a prefetch searching `m` is one
    rescore = QueryRequest(
        prefetch=[Prefetch(query=OrderByQuery(OrderBy("n")))], query=Nearest(rows), using="m"
    )
    col.create_field_index("n", "integer")
    assert len(_query_of(engine, col, rescore)) == 5
    with pytest.raises(StrictModeViolation, match="Request is forbidden on 'm'"):
        fused = Fusion(FusionMethod.RRF)
        _query_of(
            engine, col, QueryRequest(prefetch=[Prefetch(Nearest(rows), using="m")], query=fused)
        )
    # a tenant filter needs a payload graph too
    tenant = Filter(must=(MatchValue("city", "Berlin"),))
    col.create_field_index("city", {"type": "keyword", "is_tenant": True})
    engine.update_collection(
        "m", CollectionUpdate(vectors={"m": VectorParamsDiff(HnswConfigDiff(m=0, payload_m=0))})
    )
    with pytest.raises(StrictModeViolation, match=r"hnsw_config.payload_m = 0\)"):
        _query_of(engine, col, QueryRequest(query=Nearest(rows), using="m", filter=tenant))
    engine.update_collection(
        "m", CollectionUpdate(vectors={"m": VectorParamsDiff(HnswConfigDiff(m=0, payload_m=1))})
    )
    assert (
        len(_query_of(engine, col, QueryRequest(query=Nearest(rows), using="m", filter=tenant)))
        == 5
    )


def test_a_legacy_search_is_checked_as_qdrant_checks_a_search(engine: Engine) -> None:
    """A request `checked_as` "search" (the legacy search of both APIs) has its `limit`
    checked without `offset`, and is no full scan to refuse; a query is checked for both."""
    col = _strict(engine, max_query_limit=3)
    assert len(search(col, Q, limit=3, offset=2)) == 3
    with pytest.raises(StrictModeViolation, match='Limit exceeded 5 > 3 for "limit"'):
        _query_of(engine, col, QueryRequest(query=Nearest(Q), limit=3, offset=2))
    multi = _multi_collection(engine, None)
    engine.update_collection(
        "m", CollectionUpdate(vectors={"m": VectorParamsDiff(HnswConfigDiff(m=0))})
    )
    multi.strict = StrictMode(
        strict_mode_from_builtins({"enabled": True, "search_allow_exact": False})
    )
    rows = np.ones((1, 4))
    assert len(search(multi, rows, using="m")) == 5
    with pytest.raises(StrictModeViolation, match="Request is forbidden on 'm'"):
        _query_of(engine, multi, QueryRequest(query=Nearest(rows), using="m"))
