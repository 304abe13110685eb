"""Facets (`vectorizer.facet`): counts per value of an indexed payload field, as Qdrant 1.14."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import numpy as np
import pytest
from core_helpers import make_config

from vectorizer import BadRequest, Collection, Engine, RateLimited, StrictModeViolation
from vectorizer.collection.verify import StrictMode
from vectorizer.config_json import (
    strict_mode_from_builtins,
)
from vectorizer.facet import NO_FACET_INDEX, FacetHit, facet
from vectorizer.filters.ast import Filter, MatchValue, Range
from vectorizer.filters.evaluate import values_at
from vectorizer.models import (
    PointStruct,
)

U1 = "6f6b0d3e-8c4f-4b8e-9a61-1b2d3c4e5f60"
U2 = "0a6b0d3e-8c4f-4b8e-9a61-1b2d3c4e5f60"


def _collection(engine: Engine, payloads: dict[Any, dict[str, Any]], **indexes: Any) -> Collection:
    engine.create_collection("c", make_config(2))
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=i, vectors={"": [1, 1]}, payload=p) for i, p in payloads.items()])
    for field, schema in indexes.items():
        col.create_field_index(field, schema)
    return col


def _hits(col: Collection, key: str, **kw: Any) -> list[tuple[Any, int]]:
    return [(h.value, h.count) for h in facet(col, key, **kw)]


def test_keyword_counts_each_value_once_per_point_ordered_by_count_then_value(
    engine: Engine,
) -> None:
    col = _collection(
        engine,
        {
            1: {"k": "b"},
            2: {"k": ["b", "b", "a"]},  # "b" once for this point
            3: {"k": ["c", "a"]},
            4: {"k": "c"},
            5: {"k": 7},  # not a string: a keyword index does not hold it
            6: {},
            U1: {"k": ["a"]},
        },
        k="keyword",
    )
    assert _hits(col, "k") == [("a", 3), ("b", 2), ("c", 2)]
    assert _hits(col, "k", limit=2) == [("a", 3), ("b", 2)]
    assert facet(col, "k", limit=1) == [FacetHit("a", 3)]


def test_integer_bool_and_uuid_values(engine: Engine) -> None:
    col = _collection(
        engine,
        {
            1: {"n": [3, 1, 1.5, True], "b": [True, False, 1], "u": U1},
            2: {"n": 3, "b": True, "u": [U1.upper(), U1]},  # one uuid, two spellings
            3: {"n": -2, "b": "true", "u": [U2, "not-a-uuid"]},
        },
        n="integer",
        b="bool",
        u="uuid",
    )
    assert _hits(col, "n") == [(3, 2), (-2, 1), (1, 1)]
    assert all(type(h.value) is int for h in facet(col, "n"))
    assert _hits(col, "b") == [(True, 2), (False, 1)]
    assert all(type(h.value) is bool for h in facet(col, "b"))
    assert _hits(col, "u") == [(U1, 2), (U2, 1)]


def test_filter_and_later_writes_are_counted(engine: Engine) -> None:
    col = _collection(
        engine,
        {i: {"k": "even" if i % 2 == 0 else "odd", "n": i % 3} for i in range(10)},
        k="keyword",
        n="integer",
    )
    small = Filter(must=(Range("n", lt=2),))
    assert _hits(col, "k", filter=small) == [("odd", 4), ("even", 3)]
    assert _hits(col, "n", filter=Filter(must=(MatchValue("k", "odd"),))) == [
        (0, 2),
        (1, 2),
        (2, 1),
    ]
    col.delete(ids=[0, 2])
    col.set_payload({"k": "odd"}, ids=[4])
    assert _hits(col, "k") == [("odd", 6), ("even", 2)]
    assert _hits(col, "k", filter=Filter(must=(MatchValue("k", "none"),))) == []


def test_matches_counts_read_from_the_payloads(engine: Engine, rng: np.random.Generator) -> None:
    words = ["w0", "w1", "w2", "w3", "w4", "w5", "w6"]
    payloads: dict[Any, dict[str, Any]] = {}
    for i in range(300):
        tags = rng.choice(words, size=int(rng.integers(0, 4))).tolist()
        payloads[i] = {"t": tags, "n": rng.integers(0, 20, size=2).tolist(), "g": int(i % 4)}
    col = _collection(engine, payloads, t="keyword", n="integer")
    for flt in (None, Filter(must=(MatchValue("g", 1),)), Filter(must_not=(Range("n", gt=15),))):
        with col.reading():
            allowed = None if flt is None else set(col.matching_slots(flt).tolist())
        for key in ("t", "n"):
            counts: Counter[Any] = Counter()
            for point_id, payload in payloads.items():
                slot = col.slot_of(point_id)
                if allowed is None or slot in allowed:
                    counts.update(set(values_at(payload, key)))
            expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
            assert _hits(col, key, filter=flt, limit=5) == expected


def test_a_key_without_a_facet_index_is_refused(engine: Engine) -> None:
    col = _collection(engine, {}, f="float", t="text", n={"type": "integer", "lookup": False})
    for key in ("missing", "f", "t", "n"):
        with pytest.raises(BadRequest) as exc:
            facet(col, key)
        assert exc.value.message == NO_FACET_INDEX.format(key=key)
    assert exc.value.message.startswith("Wrong input: No appropriate index for faceting: `n`.")
    col.create_field_index("f", "keyword")
    assert facet(col, "f") == []


def test_limit_must_be_positive(engine: Engine) -> None:
    col = _collection(engine, {1: {"k": "a"}}, k="keyword")
    with pytest.raises(BadRequest, match="limit must be at least 1"):
        facet(col, "k", limit=0)


def _strict(col: Collection, **settings: Any) -> None:
    col.strict = StrictMode(strict_mode_from_builtins({"enabled": True, **settings}))


def test_strict_mode_checks_limit_filter_and_exact(engine: Engine) -> None:
    col = _collection(engine, {i: {"k": str(i), "city": "x"} for i in range(20)}, k="keyword")
    _strict(col, max_query_limit=5, unindexed_filtering_retrieve=False, search_allow_exact=False)
    assert len(facet(col, "k")) == 10  # the default limit is not checked, as in Qdrant
    assert len(facet(col, "k", limit=5)) == 5
    with pytest.raises(StrictModeViolation) as exc:
        facet(col, "k", limit=6)
    assert exc.value.message == (
        'Limit exceeded 6 > 5 for "limit". Help: Reduce the "limit" parameter to or below 5.'
    )
    with pytest.raises(StrictModeViolation, match='Index required but not found for "city"'):
        facet(col, "k", filter=Filter(must=(MatchValue("city", "x"),)))
    with pytest.raises(StrictModeViolation) as exc:
        facet(col, "k", exact=True)
    assert exc.value.message == "Exact search disabled!. Help: Set exact=false."
    assert len(facet(col, "k", exact=False)) == 10


def test_read_cost_is_one_plus_the_filter_conditions(engine: Engine) -> None:
    col = _collection(engine, {1: {"k": "a", "n": 1}}, k="keyword")
    _strict(col, read_rate_limit=4)
    two = Filter(must=(MatchValue("k", "a"), Range("n", gte=0)))
    facet(col, "k", filter=two)  # 3 tokens
    facet(col, "k")  # 1 token
    with pytest.raises(RateLimited):
        facet(col, "k")


def test_strict_mode_off_checks_nothing(engine: Engine) -> None:
    col = _collection(engine, {1: {"k": "a"}}, k="keyword")
    col.strict = StrictMode(
        strict_mode_from_builtins(
            {"enabled": False, "max_query_limit": 1, "search_allow_exact": False}
        )
    )
    assert facet(col, "k", limit=5, exact=True) == [FacetHit("a", 1)]


def test_uuid_values_are_canonical_and_ordered(engine: Engine) -> None:
    ids = [str(uuid.UUID(int=i * 2**100)) for i in (3, 1, 2)]
    col = _collection(engine, {i: {"u": u.replace("-", "")} for i, u in enumerate(ids)}, u="uuid")
    assert _hits(col, "u") == [(u, 1) for u in sorted(ids)]
