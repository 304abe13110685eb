"""Qdrant 1.16+ conditional writes over REST: `update_filter` and `update_mode` on upserts
(also inside `points/batch`) and `update_filter` on vector updates."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

POINTS = "/collections/c/points?wait=true"


def _state(client: TestClient) -> dict[Any, Any]:
    page = ok(client.post("/collections/c/points/scroll", json={"limit": 100, "with_vector": True}))
    return {p["id"]: (p["payload"], p["vector"]) for p in page["points"]}


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    create(client, size=2)
    upsert(client, [{"id": i, "vector": [i, 1], "payload": {"v": 1}} for i in (1, 2)])
    ok(
        client.post(
            "/collections/c/points/payload?wait=true", json={"payload": {"v": 2}, "points": [2]}
        )
    )
    return client


def _newer(i: int) -> dict[str, Any]:
    return {"id": i, "vector": [i, 5], "payload": {"v": 9}}


def test_update_filter_replaces_only_matching_points_and_inserts_new_ones(
    seeded: TestClient,
) -> None:
    body = {
        "points": [_newer(1), _newer(2), _newer(3)],
        "update_filter": {"must": [{"key": "v", "match": {"value": 1}}]},
    }
    ok(seeded.put(POINTS, json=body))
    assert _state(seeded) == {
        1: ({"v": 9}, [1.0, 5.0]),  # matched: replaced
        2: ({"v": 2}, [2.0, 1.0]),  # did not match: kept as it was
        3: ({"v": 9}, [3.0, 5.0]),  # new: inserted regardless of the filter
    }


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("upsert", {1: 9, 2: 9, 3: 9}),
        ("insert_only", {1: 1, 2: 2, 3: 9}),
        ("update_only", {1: 9, 2: 9}),
    ],
)
def test_update_mode(seeded: TestClient, mode: str, expected: dict[int, int]) -> None:
    ok(seeded.put(POINTS, json={"points": [_newer(1), _newer(2), _newer(3)], "update_mode": mode}))
    assert {i: payload["v"] for i, (payload, _) in _state(seeded).items()} == expected


def test_the_batch_form_and_a_bad_mode(seeded: TestClient) -> None:
    flt = {"must": [{"key": "v", "match": {"value": 2}}]}
    operations = [{"upsert": {"points": [_newer(1), _newer(2)], "update_filter": flt}}]
    ok(seeded.post("/collections/c/points/batch?wait=true", json={"operations": operations}))
    assert {i: p["v"] for i, (p, _) in _state(seeded).items()} == {1: 1, 2: 9}
    message = error(
        seeded.put(POINTS, json={"points": [_newer(4)], "update_mode": "sometimes"}), 422
    )
    assert "update_mode" in message
    bad_filter = {"points": [_newer(4)], "update_filter": {"must": [{"nonsense": 1}]}}
    assert "update_filter" in error(seeded.put(POINTS, json=bad_filter), 400)
    assert 4 not in _state(seeded)


def test_update_vectors_with_update_filter(seeded: TestClient) -> None:
    body = {
        "points": [{"id": 1, "vector": [7, 7]}, {"id": 2, "vector": [8, 8]}],
        "update_filter": {"must": [{"key": "v", "match": {"value": 2}}]},
    }
    ok(seeded.put("/collections/c/points/vectors?wait=true", json=body))
    state = _state(seeded)
    assert state[1][1] == [1.0, 1.0] and state[2][1] == [8.0, 8.0]
