"""Scroll `order_by` over REST: the wire forms, `order_value` in records, the errors."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

SCROLL = "/collections/c/points/scroll"


@pytest.fixture
def indexed(client: TestClient) -> TestClient:
    create(client, size=2)
    upsert(
        client,
        [
            {"id": 1, "vector": [1, 1], "payload": {"n": [30, 10], "f": 0.5, "t": "2024-05-01"}},
            {"id": 2, "vector": [1, 1], "payload": {"n": 20, "f": 2, "t": "2024-01-01T10:00:00Z"}},
            {"id": 3, "vector": [1, 1], "payload": {"n": 20, "f": -1.5, "k": "x"}},
        ],
    )
    for field, schema in (("n", "integer"), ("f", "float"), ("t", "datetime")):
        body = {"field_name": field, "field_schema": schema}
        ok(client.put("/collections/c/index?wait=true", json=body))
    return client


def _scroll(client: TestClient, **body: Any) -> list[tuple[Any, Any]]:
    page = ok(client.post(SCROLL, json=body))
    assert page["next_page_offset"] is None
    return [(p["id"], p["order_value"]) for p in page["points"]]


def test_key_string_and_object_forms(indexed: TestClient) -> None:
    client = indexed
    assert _scroll(client, order_by="n") == [(1, 10), (2, 20), (3, 20), (1, 30)]
    desc = {"key": "n", "direction": "desc"}
    assert _scroll(client, order_by=desc) == [(1, 30), (3, 20), (2, 20), (1, 10)]
    start = {"key": "n", "direction": "desc", "start_from": 25}
    assert _scroll(client, order_by=start, limit=2) == [(3, 20), (2, 20)]
    assert _scroll(client, order_by={"key": "n", "start_from": 15.5}, limit=1) == [(2, 20)]
    assert _scroll(client, order_by={"key": "f"}) == [(3, -1.5), (1, 0.5), (2, 2.0)]
    when = {"key": "t", "start_from": "2024-01-01T10:00:00Z"}
    assert _scroll(client, order_by=when) == [(2, 1704103200000000), (1, 1714521600000000)]
    flt = {"must_not": [{"key": "k", "match": {"value": "x"}}]}
    assert _scroll(client, order_by="n", filter=flt) == [(1, 10), (2, 20), (1, 30)]


def test_records_carry_payload_vectors_and_order_value(indexed: TestClient) -> None:
    page = ok(
        indexed.post(
            SCROLL, json={"order_by": "f", "limit": 1, "with_payload": ["f"], "with_vector": True}
        )
    )
    assert page == {
        "points": [{"id": 3, "payload": {"f": -1.5}, "vector": [1.0, 1.0], "order_value": -1.5}],
        "next_page_offset": None,
    }
    plain = ok(indexed.post(SCROLL, json={"limit": 1}))["points"][0]
    assert "order_value" not in plain


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"order_by": "k"}, 400, "Wrong input: No range index for `order_by` key: `k`"),
        ({"order_by": "n", "offset": 1}, 400, "Wrong input: Cannot use an `offset` when"),
        ({"order_by": {"key": "n", "direction": "up"}}, 422, "order_by.direction"),
        ({"order_by": {"direction": "asc"}}, 422, "order_by.key: missing field"),
        ({"order_by": {"key": "n", "start_from": "soon"}}, 422, "order_by.start_from"),
        ({"order_by": {"key": "n", "start_from": True}}, 422, "order_by.start_from"),
        ({"order_by": {"key": "n", "extra": 1}}, 422, "order_by.extra: unknown field"),
        ({"order_by": 5}, 422, "order_by: expected a payload key"),
        ({"order_by": "n", "limit": 0}, 422, "limit"),
    ],
)
def test_errors(indexed: TestClient, body: dict[str, Any], status: int, expected: str) -> None:
    assert expected in error(indexed.post(SCROLL, json=body), status)
