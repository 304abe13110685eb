"""Scroll `order_by`: points in the order of a payload key's values, from its range index.

Semantics are Qdrant's (`lib/segment/src/segment/order_by.rs`, `Collection::scroll_by`):
one record per (value, point) pair of the key's integer, float or datetime index, ordered
by (value, id), both descending for `desc`; `start_from` is inclusive; `order_value`
carries the value; no next page offset; an `offset` is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import numpy as np
import pytest
from core_helpers import make_config

from vectorizer import BadRequest, Collection, Engine
from vectorizer.collection import ORDER_BY_WITH_OFFSET
from vectorizer.filters.ast import Filter, MatchValue
from vectorizer.models import Direction, OrderBy, PointStruct, WithPayload

UID = "6f6b0d3e-8c4f-4b8e-9a61-1b2d3c4e5f60"


def _collection(engine: Engine, payloads: dict[Any, dict[str, Any]]) -> Collection:
    engine.create_collection("c", make_config(2))
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=i, vectors={"": [1, 1]}, payload=p) for i, p in payloads.items()])
    return col


def _pairs(col: Collection, order_by: OrderBy, limit: int = 100, **kw: Any) -> list[tuple]:
    page = col.scroll(limit=limit, order_by=order_by, **kw)
    assert page.next_page_offset is None
    return [(r.order_value, r.id) for r in page.points]


def test_ascending_and_descending_with_ties_and_several_values(engine: Engine) -> None:
    col = _collection(
        engine,
        {
            5: {"n": 2},
            1: {"n": [3, 1]},
            UID: {"n": 2},
            3: {"n": 2},
            4: {"n": "x"},  # not an integer: not in the index
            6: {},
            7: {"n": [1, 1]},  # a value repeated in one point counts once
        },
    )
    col.create_field_index("n", "integer")
    asc = [(1, 1), (1, 7), (2, 3), (2, 5), (2, UID), (3, 1)]
    assert _pairs(col, OrderBy("n")) == asc
    assert _pairs(col, OrderBy("n", Direction.DESC)) == asc[::-1]
    page = col.scroll(limit=2, order_by=OrderBy("n"))
    assert [r.payload for r in page.points] == [{"n": [3, 1]}, {"n": [1, 1]}]
    assert all(isinstance(r.order_value, int) for r in page.points)


def test_start_from_is_inclusive_and_limit_counts_values(engine: Engine) -> None:
    col = _collection(engine, {i: {"n": [i, i + 10]} for i in range(1, 6)})
    col.create_field_index("n", {"type": "integer", "lookup": False})
    assert _pairs(col, OrderBy("n", start_from=4), limit=3) == [(4, 4), (5, 5), (11, 1)]
    assert _pairs(col, OrderBy("n", start_from=3.5), limit=1) == [(4, 4)]
    assert _pairs(col, OrderBy("n", Direction.DESC, 12), limit=3) == [(12, 2), (11, 1), (5, 5)]
    assert _pairs(col, OrderBy("n", Direction.DESC, 11.5), limit=1) == [(11, 1)]
    assert _pairs(col, OrderBy("n", start_from=100)) == []
    assert _pairs(col, OrderBy("n", Direction.DESC, -1)) == []


def test_filter_is_respected(engine: Engine) -> None:
    col = _collection(
        engine, {i: {"n": 10 - i, "kind": "even" if i % 2 == 0 else "odd"} for i in range(10)}
    )
    col.create_field_index("n", "integer")
    even = Filter(must=(MatchValue("kind", "even"),))
    assert _pairs(col, OrderBy("n"), filter=even) == [(2, 8), (4, 6), (6, 4), (8, 2), (10, 0)]
    assert _pairs(col, OrderBy("n", Direction.DESC, 7), limit=2, filter=even) == [(6, 4), (4, 6)]
    col.create_field_index("kind", "keyword")  # answered by the index now: same result
    assert _pairs(col, OrderBy("n", Direction.DESC, 7), limit=2, filter=even) == [(6, 4), (4, 6)]


def test_float_index_orders_every_number_as_a_float(engine: Engine) -> None:
    col = _collection(
        engine, {1: {"f": 1.5}, 2: {"f": [1, 1.0]}, 3: {"f": -2}, 4: {"f": True}, 5: {"f": 2**70}}
    )
    col.create_field_index("f", "float")
    pairs = _pairs(col, OrderBy("f"))
    assert pairs == [(-2.0, 3), (1.0, 2), (1.5, 1), (float(2**70), 5)]
    assert all(isinstance(v, float) for v, _ in pairs)
    assert _pairs(col, OrderBy("f", Direction.DESC, 1.25)) == [(1.0, 2), (-2.0, 3)]


def test_datetime_index_orders_by_microseconds(engine: Engine) -> None:
    col = _collection(
        engine,
        {
            1: {"t": "2024-01-02T00:00:00Z"},
            2: {"t": "2024-01-01T12:00:00+02:00"},
            3: {"t": ["2023-12-31", "not a date"]},
        },
    )
    col.create_field_index("t", "datetime")

    def micros(text: str) -> int:
        moment = dt.datetime.fromisoformat(text)
        return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)

    jan1 = micros("2024-01-01T10:00:00+00:00")
    assert _pairs(col, OrderBy("t")) == [
        (micros("2023-12-31T00:00:00+00:00"), 3),
        (jan1, 2),
        (micros("2024-01-02T00:00:00+00:00"), 1),
    ]
    start = dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC)
    assert _pairs(col, OrderBy("t", start_from=start))[0] == (jan1, 2)
    assert _pairs(col, OrderBy("t", Direction.DESC, start))[0] == (jan1, 2)


def test_order_follows_writes(engine: Engine) -> None:
    col = _collection(engine, {i: {"n": i} for i in range(5)})
    col.create_field_index("n", "integer")
    col.set_payload({"n": -1}, ids=[3])
    col.delete(ids=[0])
    col.upsert([PointStruct(id=9, vectors={"": [1, 1]}, payload={"n": 2})])
    col.clear_payload(ids=[4])
    assert _pairs(col, OrderBy("n")) == [(-1, 3), (1, 1), (2, 2), (2, 9)]


@pytest.mark.parametrize("kind", ["integer", "float"])
def test_top_values_match_a_full_sort(engine: Engine, kind: str) -> None:
    """The partition + tie sort picks exactly what sorting every pair would."""
    rng = np.random.default_rng(7)
    payloads = {}
    for i in range(300):
        values = rng.integers(0, 40, size=int(rng.integers(0, 4))).tolist()
        payloads[i if i % 3 else str(uuid.UUID(int=int(i) * 7919))] = {"n": values}
    col = _collection(engine, payloads)
    col.create_field_index("n", kind)

    def id_key(point_id: Any) -> tuple[int, int]:
        return (0, point_id) if isinstance(point_id, int) else (1, uuid.UUID(point_id).int)

    every = sorted(
        {(v, i) for i, p in payloads.items() for v in p["n"]}, key=lambda p: (p[0], id_key(p[1]))
    )
    for limit in (1, 7, 50, 1000):
        for start in (None, 0, 17, 39):
            for direction in Direction:
                desc = direction is Direction.DESC
                ordered = every[::-1] if desc else every
                if start is not None:
                    ordered = [p for p in ordered if (p[0] <= start if desc else p[0] >= start)]
                got = _pairs(col, OrderBy("n", direction, start), limit=limit)
                assert got == ordered[:limit], (limit, start, direction)


def test_payload_and_vectors_selection_apply(engine: Engine) -> None:
    col = _collection(engine, {1: {"n": 1, "x": "a"}})
    col.create_field_index("n", "integer")
    (record,) = col.scroll(order_by=OrderBy("n"), with_payload=WithPayload(enabled=False)).points
    assert record.payload is None and record.vectors is None and record.order_value == 1


def test_refusals(engine: Engine) -> None:
    col = _collection(engine, {1: {"n": 1, "k": "a"}})
    with pytest.raises(BadRequest, match="No range index for `order_by` key: `n`"):
        col.scroll(order_by=OrderBy("n"))
    col.create_field_index("k", "keyword")
    col.create_field_index("n", {"type": "integer", "range": False})
    for key in ("k", "n", "missing"):
        with pytest.raises(BadRequest, match=f"No range index for `order_by` key: `{key}`"):
            col.scroll(order_by=OrderBy(key))
    col.create_field_index("n", "integer")
    with pytest.raises(BadRequest) as caught:
        col.scroll(offset=1, order_by=OrderBy("n"))
    assert caught.value.message == ORDER_BY_WITH_OFFSET
    with pytest.raises(BadRequest, match="limit"):
        col.scroll(limit=0, order_by=OrderBy("n"))
    with pytest.raises(BadRequest, match="Bad payload key path"):
        col.scroll(order_by=OrderBy("a..b"))
