"""Search and nearest-neighbour queries over the Qdrant REST API."""

from __future__ import annotations

import numpy as np
import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

RNG = np.random.default_rng(7)
DATA = RNG.normal(size=(40, 8)).astype(np.float32)
QUERY = RNG.normal(size=8).astype(np.float32)


def expected(distance: str, data: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Qdrant's scores and best-first order, computed with numpy."""
    if distance == "Cosine":
        d = data / np.linalg.norm(data, axis=1, keepdims=True)
        scores = d @ (query / np.linalg.norm(query))
        return np.argsort(-scores, kind="stable"), scores
    if distance == "Dot":
        scores = data @ query
        return np.argsort(-scores, kind="stable"), scores
    if distance == "Euclid":
        scores = np.linalg.norm(data - query, axis=1)
    else:
        scores = np.abs(data - query).sum(axis=1)
    return np.argsort(scores, kind="stable"), scores


def load(client: TestClient, distance: str) -> None:
    create(client, size=8, distance=distance)
    upsert(
        client,
        [{"id": i, "vector": DATA[i].tolist(), "payload": {"i": i}} for i in range(len(DATA))],
    )


@pytest.mark.parametrize("distance", ["Cosine", "Dot", "Euclid", "Manhattan"])
def test_search_matches_numpy(client: TestClient, distance: str) -> None:
    load(client, distance)
    order, scores = expected(distance, DATA, QUERY)
    result = ok(
        client.post("/collections/c/points/search", json={"vector": QUERY.tolist(), "limit": 5})
    )
    assert [p["id"] for p in result] == order[:5].tolist()
    for point in result:
        assert point["score"] == pytest.approx(float(scores[point["id"]]), abs=1e-4)
        assert point["payload"] is None
        assert point["vector"] is None
        assert point["version"] >= 0
    query = ok(
        client.post(
            "/collections/c/points/query",
            json={"query": {"nearest": QUERY.tolist()}, "limit": 5, "with_payload": True},
        )
    )
    assert [p["id"] for p in query["points"]] == order[:5].tolist()
    assert query["points"][0]["payload"] == {"i": int(order[0])}


def test_search_offset_threshold_and_selectors(client: TestClient) -> None:
    load(client, "Euclid")
    order, scores = expected("Euclid", DATA, QUERY)
    body = {
        "vector": QUERY.tolist(),
        "limit": 3,
        "offset": 2,
        "with_payload": ["i"],
        "with_vector": True,
        "params": {"hnsw_ef": 64, "exact": True},
    }
    result = ok(client.post("/collections/c/points/search", json=body))
    assert [p["id"] for p in result] == order[2:5].tolist()
    assert result[0]["payload"] == {"i": int(order[2])}
    assert result[0]["vector"] == pytest.approx(DATA[order[2]].tolist(), abs=1e-6)
    threshold = float(np.sort(scores)[4]) + 1e-6  # distance: keep scores <= threshold
    body = {"vector": QUERY.tolist(), "limit": 40, "score_threshold": threshold}
    result = ok(client.post("/collections/c/points/search", json=body))
    assert [p["id"] for p in result] == order[:5].tolist()


def test_search_batch_and_query_batch(client: TestClient) -> None:
    load(client, "Dot")
    q2 = -QUERY
    order1, _ = expected("Dot", DATA, QUERY)
    order2, _ = expected("Dot", DATA, q2)
    body = {
        "searches": [
            {"vector": QUERY.tolist(), "limit": 2},
            {"vector": q2.tolist(), "limit": 3},
        ]
    }
    result = ok(client.post("/collections/c/points/search/batch", json=body))
    assert [[p["id"] for p in r] for r in result] == [order1[:2].tolist(), order2[:3].tolist()]
    body = {
        "searches": [{"query": QUERY.tolist(), "limit": 2}, {"query": {"nearest": q2.tolist()}}]
    }
    result = ok(client.post("/collections/c/points/query/batch", json=body))
    assert [[p["id"] for p in r["points"]] for r in result] == [
        order1[:2].tolist(),
        order2[:10].tolist(),
    ]


def test_query_by_point_id_uses_its_vector_and_leaves_it_out(client: TestClient) -> None:
    load(client, "Cosine")
    order, _ = expected("Cosine", DATA, DATA[3])
    assert order[0] == 3
    for query in (3, {"nearest": 3}):
        result = ok(client.post("/collections/c/points/query", json={"query": query, "limit": 4}))
        assert [p["id"] for p in result["points"]] == order[1:5].tolist()
    result = ok(
        client.post("/collections/c/points/query", json={"query": 3, "limit": 2, "offset": 1})
    )
    assert [p["id"] for p in result["points"]] == order[2:4].tolist()
    assert "No point with id 999" in error(
        client.post("/collections/c/points/query", json={"query": 999}), 404
    )


def test_query_and_search_named_vectors(client: TestClient) -> None:
    body = {
        "vectors": {
            "a": {"size": 8, "distance": "Dot"},
            "b": {"size": 8, "distance": "Euclid"},
        }
    }
    ok(client.put("/collections/n", json=body))
    other = DATA[::-1].copy()
    points = [
        {"id": i, "vector": {"a": DATA[i].tolist(), "b": other[i].tolist()}}
        for i in range(len(DATA))
    ]
    ok(client.put("/collections/n/points?wait=true", json={"points": points}))
    order_a, _ = expected("Dot", DATA, QUERY)
    order_b, _ = expected("Euclid", other, QUERY)
    search = {"vector": {"name": "b", "vector": QUERY.tolist()}, "limit": 3, "with_vector": ["b"]}
    result = ok(client.post("/collections/n/points/search", json=search))
    assert [p["id"] for p in result] == order_b[:3].tolist()
    assert set(result[0]["vector"]) == {"b"}
    query = {"query": QUERY.tolist(), "using": "a", "limit": 3, "with_vector": True}
    result = ok(client.post("/collections/n/points/query", json=query))["points"]
    assert [p["id"] for p in result] == order_a[:3].tolist()
    assert set(result[0]["vector"]) == {"a", "b"}
    # the unnamed vector does not exist in a named collection
    message = error(client.post("/collections/n/points/query", json={"query": QUERY.tolist()}), 400)
    assert "vector name" in message.lower() or "not existing" in message.lower()
    message = error(
        client.post(
            "/collections/n/points/search",
            json={"vector": {"name": "zzz", "vector": QUERY.tolist()}, "limit": 1},
        ),
        400,
    )
    assert "zzz" in message


def test_query_default_limit_is_10(client: TestClient) -> None:
    load(client, "Dot")
    result = ok(client.post("/collections/c/points/query", json={"query": QUERY.tolist()}))
    assert len(result["points"]) == 10
    assert result["points"][0]["payload"] is None
