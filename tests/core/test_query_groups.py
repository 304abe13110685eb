"""Grouped queries: group order, sizes, array values, value kinds, lookups, deep groups."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from core_helpers import make_config

from vectorizer import Engine
from vectorizer.collection import Collection
from vectorizer.errors import BadRequest
from vectorizer.models import Distance, PointStruct, WithPayload, WithVectors
from vectorizer.query import (
    GroupsRequest,
    Nearest,
    Prefetch,
    QueryRequest,
    WithLookup,
    query_groups,
)


def fill(engine: Engine, payloads: list[dict[str, Any]], name: str = "c") -> Collection:
    """Points 0..n-1 on a line: point i scores n - i against the query [1, 0] (dot)."""
    engine.create_collection(name, make_config(2, Distance.DOT))
    col = engine.get_collection(name)
    n = len(payloads)
    col.upsert(
        [
            PointStruct(i, {"": np.array([n - i, 0.0], np.float32)}, p)
            for i, p in enumerate(payloads)
        ]
    )
    return col


def groups(
    engine: Engine, col: Collection, key: str, size: int, limit: int, **kw: Any
) -> list[tuple[Any, list[int]]]:
    request = GroupsRequest(
        QueryRequest(Nearest(np.array([1.0, 0.0], np.float32)), **kw), key, size, limit
    )
    found = query_groups(col, request, engine.get_collection)
    return [(g.id, [p.id for p in g.hits]) for g in found]


def test_groups_come_in_the_order_of_their_best_point(engine: Engine) -> None:
    col = fill(engine, [{"k": v} for v in ["b", "a", "b", "c", "a", "b", "c", "d"]])
    assert groups(engine, col, "k", 2, 3) == [("b", [0, 2]), ("a", [1, 4]), ("c", [3, 6])]
    assert groups(engine, col, "k", 5, 10) == [
        ("b", [0, 2, 5]),
        ("a", [1, 4]),
        ("c", [3, 6]),
        ("d", [7]),
    ]


def test_each_value_of_an_array_makes_a_group(engine: Engine) -> None:
    payloads = [{"k": [1, 2]}, {"k": [2]}, {"k": [3, 1, 3]}, {"k": 2}, {"k": []}, {}]
    col = fill(engine, payloads)
    assert groups(engine, col, "k", 2, 10) == [(1, [0, 2]), (2, [0, 1]), (3, [2])]


def test_only_strings_and_integers_make_groups(engine: Engine) -> None:
    payloads = [{"k": 1.5}, {"k": True}, {"k": None}, {"k": {"a": 1}}, {"k": "x"}, {"k": 7}]
    col = fill(engine, payloads)
    assert groups(engine, col, "k", 1, 10) == [("x", [4]), (7, [5])]
    nested = fill(engine, [{"a": [{"b": "u"}, {"b": "v"}]}, {"a": {"b": "u"}}], name="n")
    assert groups(engine, nested, "a[].b", 3, 10) == [("u", [0]), ("v", [0])]
    assert groups(engine, nested, "a.b", 3, 10) == [("u", [1])]  # arrays need `[]`


def test_groups_beyond_the_first_points_are_found(engine: Engine) -> None:
    """The best 500 points are all in one group: the query is run deeper until the other
    groups show up."""
    payloads = [{"k": "big"}] * 500 + [{"k": f"g{i % 3}"} for i in range(30)]
    col = fill(engine, payloads)
    assert groups(engine, col, "k", 2, 3) == [
        ("big", [0, 1]),
        ("g0", [500, 503]),
        ("g1", [501, 504]),
    ]


def test_hits_show_what_is_asked(engine: Engine) -> None:
    col = fill(engine, [{"k": "a", "x": 1}, {"k": "a", "x": 2}])
    request = GroupsRequest(
        QueryRequest(
            Nearest(np.array([1.0, 0.0], np.float32)),
            with_payload=WithPayload(True, include=["x"]),
            with_vectors=WithVectors(True),
        ),
        "k",
        2,
        1,
    )
    (group,) = query_groups(col, request, engine.get_collection)
    assert [(p.id, p.score, p.payload) for p in group.hits] == [
        (0, 2.0, {"x": 1}),
        (1, 1.0, {"x": 2}),
    ]
    assert all(p.vectors is not None and "" in p.vectors for p in group.hits)


def test_with_lookup_attaches_the_point_named_by_the_group(engine: Engine) -> None:
    col = fill(engine, [{"k": 5}, {"k": "not-an-id"}, {"k": 6}])
    engine.create_collection("l", make_config(2, Distance.DOT))
    engine.get_collection("l").upsert(
        [PointStruct(5, {"": np.ones(2, np.float32)}, {"name": "five"})]
    )
    request = GroupsRequest(
        QueryRequest(Nearest(np.array([1.0, 0.0], np.float32))),
        "k",
        1,
        10,
        with_lookup=WithLookup("l"),
    )
    found = query_groups(col, request, engine.get_collection)
    lookups = [(g.id, g.lookup.payload if g.lookup else None) for g in found]
    assert lookups == [(5, {"name": "five"}), ("not-an-id", None), (6, None)]


def test_group_checks(engine: Engine) -> None:
    col = fill(engine, [{"k": "a"}])
    with pytest.raises(BadRequest, match="Bad payload key path"):
        groups(engine, col, "k..x", 1, 1)
    with pytest.raises(BadRequest, match="at least 1"):
        groups(engine, col, "k", 0, 1)


def test_prefetch_limits_grow_with_the_groups_and_rounds_fill_them(engine: Engine) -> None:
    """As Qdrant: each round asks every prefetch for `limit` times its own limit, leaving
    out the points grouped already and the full groups, so a prefetch of 2 points still
    fills 3 groups of 2; the root query's scores are the rescored ones."""
    col = fill(engine, [{"k": i % 3} for i in range(30)])
    query = Nearest(np.array([1.0, 0.0], np.float32))
    rescore = Nearest(np.array([0.5, 0.0], np.float32))
    request = GroupsRequest(
        QueryRequest(rescore, prefetch=[Prefetch(query, limit=2)]), "k", group_size=2, limit=3
    )
    found = query_groups(col, request, engine.get_collection)
    assert [(g.id, [p.id for p in g.hits]) for g in found] == [
        (0, [0, 3]),
        (1, [1, 4]),
        (2, [2, 5]),
    ]
    assert [p.score for p in found[0].hits] == [15.0, 13.5]  # 0.5 * (30 - i)


def test_groups_order_distances_smallest_first(engine: Engine) -> None:
    engine.create_collection("e", make_config(1, Distance.EUCLID))
    col = engine.get_collection("e")
    col.upsert(
        [PointStruct(i, {"": np.array([float(i)], np.float32)}, {"k": i % 2}) for i in range(8)]
    )
    request = GroupsRequest(QueryRequest(Nearest(np.array([5.25], np.float32))), "k", 2, 2)
    found = query_groups(col, request, engine.get_collection)
    assert [(g.id, [p.id for p in g.hits]) for g in found] == [(1, [5, 7]), (0, [6, 4])]
