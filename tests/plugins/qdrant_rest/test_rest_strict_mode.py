"""Strict mode over the Qdrant REST API: Qdrant's status codes, error bodies and headers."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

C = "/collections/c"
P = C + "/points"
CITY = {"must": [{"key": "city", "match": {"value": "Berlin"}}]}


def setup(client: TestClient, **strict: Any) -> None:
    """Collection `c` with 10 points (ids 0-9, all in Berlin), then strict mode `strict`."""
    create(client)
    upsert(
        client,
        [
            {"id": i, "vector": [1.0, float(i), 0.0, 0.0], "payload": {"city": "Berlin"}}
            for i in range(10)
        ],
    )
    patch(client, {"enabled": True, **strict})


def patch(client: TestClient, strict: dict[str, Any]) -> None:
    assert ok(client.patch(C, json={"strict_mode_config": strict})) is True


def search(client: TestClient, query: str = "", **body: Any) -> Any:
    return client.post(P + "/search" + query, json={"vector": [1, 0, 0, 0], **body})


def count(client: TestClient) -> int:
    return ok(client.post(P + "/count", json={}))["count"]


def test_query_limit_is_400_with_qdrants_message(client: TestClient) -> None:
    setup(client, max_query_limit=4)
    assert len(ok(search(client, limit=4))) == 4
    assert error(search(client, limit=5), 400) == (
        'Limit exceeded 5 > 4 for "limit". Help: Reduce the "limit" parameter to or below 4.'
    )
    assert "5 > 4" in error(client.post(P + "/scroll", json={"limit": 5}), 400)
    batch = {
        "searches": [{"vector": [1, 0, 0, 0], "limit": 2}, {"vector": [1, 0, 0, 0], "limit": 9}]
    }
    assert "9 > 4" in error(client.post(P + "/search/batch", json=batch), 400)
    query = {"query": [1, 0, 0, 0], "limit": 5}
    assert "5 > 4" in error(client.post(P + "/query", json=query), 400)
    # a query by point id asks the core for one more internally: the user's limit counts
    by_id = ok(client.post(P + "/query", json={"query": 3, "limit": 4}))["points"]
    assert len(by_id) == 4 and 3 not in [p["id"] for p in by_id]


def test_timeout_parameter_against_max_timeout(client: TestClient) -> None:
    setup(client, max_timeout=2)
    ok(search(client, "?timeout=2", limit=3))
    assert error(search(client, "?timeout=3", limit=3), 400) == (
        'Limit exceeded 3 > 2 for "timeout". Help: Reduce the "timeout" parameter to or below 2.'
    )
    assert "timeout" in error(client.post(P + "/count?timeout=30", json={}), 400)
    assert "timeout" in error(client.post(P + "/scroll?timeout=30", json={}), 400)
    assert "timeout" in error(client.post(P + "?timeout=30", json={"ids": [1]}), 400)
    # not a point read: collection operations take their own timeout
    ok(client.patch(C + "?timeout=30", json={"strict_mode_config": {"max_timeout": 2}}))
    assert "timeout" in error(search(client, "?timeout=x", limit=3), 400)


def test_unindexed_filter_then_index(client: TestClient) -> None:
    setup(client, unindexed_filtering_retrieve=False)
    assert error(search(client, limit=3, filter=CITY), 400) == (
        'Index required but not found for "city" of one of the following types: '
        "[keyword]. Help: Create an index for this key or use a different filter."
    )
    index = {"field_name": "city", "field_schema": "keyword"}
    ok(client.put(C + "/index?wait=true", json=index))
    assert len(ok(search(client, limit=3, filter=CITY))) == 3


def test_refused_writes_leave_data_intact(client: TestClient) -> None:
    setup(client, upsert_max_batchsize=2, unindexed_filtering_update=False)
    points = [{"id": i, "vector": [0.0, 0.0, 1.0, 0.0]} for i in range(100, 103)]
    message = error(client.put(P + "?wait=true", json={"points": points}), 400)
    assert message == (
        'Limit exceeded 3 > 2 for "upsert limit". '
        'Help: Reduce the "upsert limit" parameter to or below 2.'
    )
    batch = {"batch": {"ids": [5, 6, 7], "vectors": [[0, 0, 1, 0]] * 3}}
    assert "upsert limit" in error(client.put(P + "?wait=true", json=batch), 400)
    assert '"city"' in error(client.post(P + "/delete?wait=true", json={"filter": CITY}), 400)
    set_payload = {"payload": {"city": "Paris"}, "filter": CITY}
    assert '"city"' in error(client.post(P + "/payload?wait=true", json=set_payload), 400)
    assert count(client) == 10
    point = ok(client.get(P + "/5"))
    assert point["vector"] == [1.0, 5.0, 0.0, 0.0] and point["payload"] == {"city": "Berlin"}


def test_collection_size_limits_are_400(client: TestClient) -> None:
    setup(client, max_points_count=10)
    more = [{"id": 50, "vector": [0.0, 1.0, 0.0, 0.0]}]
    assert error(client.put(P + "?wait=true", json={"points": more}), 400) == (
        "Bad request: Max points count limit of 10 reached!"
    )
    assert count(client) == 10


def test_read_rate_limit_is_429_with_retry_after(client: TestClient) -> None:
    setup(client, read_rate_limit=1)
    ok(search(client, limit=1))
    response = search(client, limit=1)
    assert error(response, 429) == (
        "Rate limiting exceeded: Read rate limit exceeded: Operation requires 1 tokens but "
        "only 0.0 were available. Retry after 60s"
    )
    assert response.headers["retry-after"] == "60"
    # turning strict mode off lifts the limit
    patch(client, {"enabled": False})
    for _ in range(3):
        ok(search(client, limit=1))


def test_write_rate_limit_counts_points(client: TestClient) -> None:
    setup(client, write_rate_limit=5)
    points = [{"id": i, "vector": [0.0, 0.0, 1.0, 0.0]} for i in range(100, 104)]
    ok(client.put(P + "?wait=true", json={"points": points}))  # 4 of 5 tokens
    response = client.put(P + "?wait=true", json={"points": points[:2]})
    assert "Write rate limit exceeded: Operation requires 2 tokens" in error(response, 429)
    assert response.headers["retry-after"] == "12"  # 1.0 token missing at 5 a minute
    too_big = [{"id": i, "vector": [0.0, 0.0, 1.0, 0.0]} for i in range(200, 206)]
    response = client.put(P + "?wait=true", json={"points": too_big})
    assert "request larger than rate limiter capacity" in error(response, 429)
    assert "retry-after" not in response.headers
    assert count(client) == 14


def test_search_params_and_filter_limits(client: TestClient) -> None:
    setup(
        client,
        search_allow_exact=False,
        search_max_hnsw_ef=16,
        search_max_oversampling=2.0,
        filter_max_conditions=1,
        condition_max_size=2,
    )
    assert error(search(client, limit=1, params={"exact": True}), 400) == (
        "Exact search disabled!. Help: Set exact=false."
    )
    assert '"hnsw_ef"' in error(search(client, limit=1, params={"hnsw_ef": 32}), 400)
    high = {"quantization": {"oversampling": 3.0}}
    assert "Limit exceeded 3 > 2 for" in error(search(client, limit=1, params=high), 400)
    two = {"must": [{"key": "a", "match": {"value": 1}}, {"key": "b", "match": {"value": 2}}]}
    assert "Filter condition limit reached (2 > 1)" in error(
        search(client, limit=1, filter=two), 400
    )
    many = {"must": [{"key": "a", "match": {"any": [1, 2, 3]}}]}
    assert "Condition size limit reached (3 > 2)" in error(
        search(client, limit=1, filter=many), 400
    )
    ok(search(client, limit=1, params={"hnsw_ef": 16, "quantization": {"oversampling": 2}}))


def test_collection_info_reports_the_config(client: TestClient) -> None:
    strict = {
        "enabled": True,
        "max_query_limit": 10,
        "multivector_config": {"m": {"max_vectors": 2}},
    }
    create(client, strict_mode_config=strict)
    info = ok(client.get(C))
    assert info["config"]["strict_mode_config"] == strict
    warnings = [w["message"] for w in info["warnings"] if "strict_mode_config" in w["message"]]
    assert warnings == []  # multivector_config is enforced (tests/core/test_multivectors.py)
    patch(client, {"max_query_limit": 3})
    assert ok(client.get(C))["config"]["strict_mode_config"]["max_query_limit"] == 3
    message = error(client.patch(C, json={"strict_mode_config": {"max_points_count": 0}}), 400)
    assert "strict_mode_config.max_points_count" in message
