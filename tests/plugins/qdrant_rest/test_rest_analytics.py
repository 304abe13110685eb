"""`/facet` and `/points/search/matrix/{pairs,offsets}` over REST: Qdrant 1.14's shapes,
status codes and messages."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

from vectorizer.facet import NO_FACET_INDEX

C = "/collections/c"
P = C + "/points"


X = [0.0, 1.0, 3.0, 6.0, 10.0, 15.0]
"""Where point `i` lies on a line: the gaps differ, so no two distances tie."""


def _setup(client: TestClient) -> None:
    """Points 0-5 at `X` (Euclid), `k` keyword-indexed ("even"/"odd"), `n` = id."""
    create(client, size=2, distance="Euclid")
    upsert(
        client,
        [
            {"id": i, "vector": [x, 0.0], "payload": {"k": ["even", "odd"][i % 2], "n": i}}
            for i, x in enumerate(X)
        ],
    )
    assert ok(client.put(C + "/index", json={"field_name": "k", "field_schema": "keyword"}))


def _facet(client: TestClient, query: str = "", **body: Any) -> Any:
    return client.post(C + "/facet" + query, json=body)


def test_facet_answers_hits(client: TestClient) -> None:
    _setup(client)
    assert ok(_facet(client, key="k")) == {
        "hits": [{"value": "even", "count": 3}, {"value": "odd", "count": 3}]
    }
    small = {"must": [{"key": "n", "range": {"lt": 3}}]}
    assert ok(_facet(client, key="k", filter=small, limit=1, exact=True)) == {
        "hits": [{"value": "even", "count": 2}]
    }


def test_facet_errors(client: TestClient) -> None:
    _setup(client)
    assert error(_facet(client, key="n"), 400) == NO_FACET_INDEX.format(key="n")
    assert "limit" in error(_facet(client, key="k", limit=0), 422)
    assert "key" in error(_facet(client), 422)
    assert "filter.must[0]" in error(_facet(client, key="k", filter={"must": [{"x": 1}]}), 400)
    assert "shard keys" in error(_facet(client, key="k", shard_key="a"), 501)
    assert "doesn't exist" in error(client.post("/collections/x/facet", json={"key": "k"}), 404)


def test_facet_timeout_is_checked_against_max_timeout(client: TestClient) -> None:
    _setup(client)
    ok(client.patch(C, json={"strict_mode_config": {"enabled": True, "max_timeout": 2}}))
    ok(_facet(client, "?timeout=2", key="k"))
    assert 'for "timeout"' in error(_facet(client, "?timeout=3", key="k"), 400)


def test_matrix_pairs_and_offsets(client: TestClient) -> None:
    _setup(client)
    body = {"sample": 6, "limit": 2, "filter": {"must": [{"key": "n", "range": {"gte": 2}}]}}
    pairs = ok(client.post(P + "/search/matrix/pairs", json=body))
    expected = [
        (2, 3, 3),
        (2, 4, 7),
        (3, 2, 3),
        (3, 4, 4),
        (4, 3, 4),
        (4, 5, 5),
        (5, 4, 5),
        (5, 3, 9),
    ]
    assert pairs == {"pairs": [{"a": a, "b": b, "score": score} for a, b, score in expected]}
    offsets = ok(client.post(P + "/search/matrix/offsets", json=body))
    assert offsets == {
        "offsets_row": [0, 0, 1, 1, 2, 2, 3, 3],
        "offsets_col": [1, 2, 0, 2, 1, 3, 2, 1],
        "scores": [score for _, _, score in expected],
        "ids": [2, 3, 4, 5],
    }


def test_matrix_defaults_and_small_samples(client: TestClient) -> None:
    _setup(client)
    full = ok(client.post(P + "/search/matrix/offsets", json={}))
    assert full["ids"] == list(range(6)) and len(full["scores"]) == 6 * 3
    one = {"filter": {"must": [{"key": "n", "match": {"value": 1}}]}}
    assert ok(client.post(P + "/search/matrix/pairs", json=one)) == {"pairs": []}
    assert ok(client.post(P + "/search/matrix/offsets", json=one)) == {
        "offsets_row": [],
        "offsets_col": [],
        "scores": [],
        "ids": [],
    }


def test_matrix_errors(client: TestClient) -> None:
    _setup(client)
    url = P + "/search/matrix/pairs"
    assert error(client.post(url, json={"sample": 1}), 422) == (
        "Validation error in JSON body: [sample: value 1 invalid, must be 2 or larger]"
    )
    assert "limit" in error(client.post(url, json={"limit": 0}), 422)
    assert "Not existing vector name error: v" in error(client.post(url, json={"using": "v"}), 400)
    ok(client.patch(C, json={"strict_mode_config": {"enabled": True, "max_query_limit": 5}}))
    assert "6 > 5" in error(client.post(url, json={"sample": 3, "limit": 2}), 400)
