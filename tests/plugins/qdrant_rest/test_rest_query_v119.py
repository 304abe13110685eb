"""The Query API's additions since Qdrant 1.14 over REST: `nearest` with `mmr`, `rrf` with
`k` and `weights`, `relevance_feedback`, and the search params `acorn` and `idf`; their
conversion into core queries, the answers, and errors naming the field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

from vectorizer.models import AcornParams
from vectorizer.query import (
    FeedbackItem,
    Fusion,
    FusionMethod,
    Mmr,
    NaiveFeedback,
    Nearest,
    RelevanceFeedback,
)
from vectorizer_qdrant_rest.wire import search, structs
from vectorizer_qdrant_rest.wire.errors import ValidationFailed


def convert(body: dict[str, Any]) -> Any:
    return search.query_request(structs.QueryRequest(**body), {})


# ----------------------------------------------------------------------------- conversion


def test_mmr_rrf_and_feedback_convert() -> None:
    request = convert({"query": {"nearest": [1.0, 2.0], "mmr": {"diversity": 0.2}}})
    assert isinstance(request.query, Nearest) and request.query.mmr == Mmr(0.2, None)
    request = convert({"query": {"nearest": 3, "mmr": {"candidates_limit": 50}}})
    assert request.query.vector == 3 and request.query.mmr == Mmr(0.5, 50)
    request = convert({"query": {"nearest": [1.0], "mmr": None}})
    assert request.query.mmr is None
    request = convert({"query": {"rrf": {"k": 5, "weights": [2, 0.5]}}})
    assert request.query == Fusion(FusionMethod.RRF, 5, (2.0, 0.5))
    assert convert({"query": {"rrf": {}}}).query == Fusion(FusionMethod.RRF, 2)
    body = {
        "relevance_feedback": {
            "target": [1.0, 0.0],
            "feedback": [{"example": 4, "score": 0.9}, {"example": [0.0, 1.0], "score": 0.1}],
            "strategy": {"naive": {"a": 1, "b": 2, "c": 0.5}},
        }
    }
    query = convert({"query": body}).query
    assert isinstance(query, RelevanceFeedback)
    assert query.strategy == NaiveFeedback(1.0, 2.0, 0.5)
    assert query.feedback[0] == FeedbackItem(4, 0.9) and query.feedback[1].score == 0.1


def test_search_params_acorn_and_idf_convert() -> None:
    params = search.search_params(
        structs.SearchParams(acorn={"enable": True, "max_selectivity": 0.1}, idf="global")
    )
    assert params.acorn == AcornParams(True, 0.1)
    assert search.search_params(structs.SearchParams(acorn={})).acorn == AcornParams()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"nearest": [1.0], "mmr": {"diversity": 1.5}}, "query.mmr.diversity"),
        ({"nearest": [1.0], "mmr": {"diversity": "x"}}, "query.mmr.diversity"),
        ({"nearest": [1.0], "mmr": {"candidates_limit": 16385}}, "query.mmr.candidates_limit"),
        ({"nearest": [1.0], "mmr": {"candidates_limit": -1}}, "query.mmr.candidates_limit"),
        ({"nearest": [1.0], "mmr": {"lambda": 0.5}}, "query.mmr.lambda"),
        ({"nearest": [1.0], "mmr": 3}, "query.mmr"),
        ({"rrf": {"weights": "x"}}, "query.rrf.weights"),
        ({"rrf": {"weights": [1, "a"]}}, "query.rrf.weights[1]"),
        ({"rrf": {"k": 0}}, "query.rrf.k"),
        ({"relevance_feedback": {"target": [1.0]}}, "query.relevance_feedback.feedback"),
        (
            {"relevance_feedback": {"target": [1.0], "feedback": [{"example": 1}], "strategy": {}}},
            "query.relevance_feedback.feedback[0].score",
        ),
        (
            {"relevance_feedback": {"target": [1.0], "feedback": [], "strategy": {"x": {}}}},
            "query.relevance_feedback.strategy",
        ),
        (
            {
                "relevance_feedback": {
                    "target": [1.0],
                    "feedback": [],
                    "strategy": {"naive": {"a": 1, "b": -1, "c": 1}},
                }
            },
            "query.relevance_feedback.strategy.naive.b",
        ),
    ],
)
def test_bad_new_queries_name_the_field(query: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        convert({"query": query})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"acorn": {"enable": "yes"}}, "params.acorn.enable"),
        ({"acorn": {"max_selectivity": 2}}, "params.acorn.max_selectivity"),
        ({"acorn": {"other": 1}}, "params.acorn.other"),
        ({"idf": "local"}, "params.idf"),
    ],
)
def test_bad_search_params_name_the_field(params: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        search.search_params(structs.SearchParams(**params))
    assert caught.value.field == field


# ----------------------------------------------------------------------------- over HTTP


def points(client: TestClient) -> None:
    create(client, size=2, distance="Cosine")
    upsert(
        client,
        [
            {"id": 1, "vector": [1.0, 0.01], "payload": {"t": "a"}},
            {"id": 2, "vector": [1.0, 0.02], "payload": {"t": "a"}},
            {"id": 3, "vector": [0.7, 0.7], "payload": {"t": "b"}},
            {"id": 4, "vector": [0.0, 1.0], "payload": {"t": "c"}},
        ],
    )


def query(client: TestClient, body: dict[str, Any]) -> list[tuple[Any, float]]:
    result = ok(client.post("/collections/c/points/query", json=body))
    return [(p["id"], p["score"]) for p in result["points"]]


def test_mmr_over_rest_as_langchain_sends_it(client: TestClient) -> None:
    """langchain-qdrant's max_marginal_relevance_search: a nearest query with `mmr`
    (diversity, candidates_limit = fetch_k), payload on, the vector name in `using`."""
    points(client)
    plain = query(client, {"query": [1.0, 0.0], "limit": 4})
    assert [i for i, _ in plain] == [1, 2, 3, 4]
    body = {
        "query": {"nearest": [1.0, 0.0], "mmr": {"diversity": 0.7, "candidates_limit": 20}},
        "limit": 3,
        "with_payload": True,
        "using": "",
    }
    result = ok(client.post("/collections/c/points/query", json=body))["points"]
    # after 1, the orthogonal 4 beats 3, and 3 the near-duplicate 2
    assert [p["id"] for p in result] == [1, 4, 3]
    assert [p["payload"]["t"] for p in result] == ["a", "c", "b"]
    scores = dict(plain)
    assert all(p["score"] == scores[p["id"]] for p in result)  # the similarity, not MMR's
    # in a batch, and grouped
    batch = ok(client.post("/collections/c/points/query/batch", json={"searches": [body]}))
    assert [p["id"] for p in batch[0]["points"]] == [1, 4, 3]
    body["query"]["mmr"]["candidates_limit"] = 3  # among 1, 2, 3: 3 before 2
    assert [i for i, _ in query(client, body)] == [1, 3, 2]
    groups = ok(client.post("/collections/c/points/query/groups", json={**body, "group_by": "t"}))[
        "groups"
    ]
    assert sorted(g["id"] for g in groups) == ["a", "b", "c"]


def test_weighted_rrf_over_rest(client: TestClient) -> None:
    points(client)
    prefetch = [{"query": [1.0, 0.0], "limit": 3}, {"query": [0.0, 1.0], "limit": 3}]
    got = query(client, {"prefetch": prefetch, "query": {"rrf": {"weights": [3, 1]}}})
    first, second = [1, 2, 3], [4, 3, 2]

    def rrf(weights: tuple[float, float], k: int = 2) -> dict[int, float]:
        totals: dict[int, float] = {}
        for ranked, w in zip((first, second), weights, strict=True):
            for rank, i in enumerate(ranked):
                totals[i] = totals.get(i, 0.0) + 1 / ((rank + 1) / w + k - 1)
        return totals

    expected = rrf((3.0, 1.0))
    assert [i for i, _ in got] == sorted(expected, key=lambda i: -expected[i])
    assert all(s == pytest.approx(expected[i]) for i, s in got)
    message = error(
        client.post(
            "/collections/c/points/query",
            json={"prefetch": prefetch, "query": {"rrf": {"weights": [1]}}},
        ),
        400,
    )
    assert "Number of weights in RRF should match number of pre-fetches: got 1, expected 2" in (
        message
    )


def test_relevance_feedback_over_rest(client: TestClient) -> None:
    points(client)
    body = {
        "query": {
            "relevance_feedback": {
                "target": [1.0, 0.0],
                "feedback": [{"example": 4, "score": 1.0}, {"example": 1, "score": 0.0}],
                "strategy": {"naive": {"a": 1.0, "b": 1.0, "c": 2.0}},
            }
        },
        "limit": 5,
    }
    got = query(client, body)
    assert [i for i, _ in got] == [3, 2]  # the examples' ids are left out
    unit = {2: np.array([1.0, 0.02]), 3: np.array([0.7, 0.7])}
    ex4, ex1 = np.array([0.0, 1.0]), np.array([1.0, 0.01]) / np.linalg.norm([1.0, 0.01])
    for i, score in got:
        v = unit[i] / np.linalg.norm(unit[i])
        assert score == pytest.approx(v @ [1.0, 0.0] + 2.0 * (v @ ex4 - v @ ex1), abs=1e-5)


def test_acorn_and_idf_params_over_rest(client: TestClient) -> None:
    points(client)
    params = {"acorn": {"enable": True, "max_selectivity": 0.5}, "idf": "global"}
    got = query(
        client,
        {
            "query": [1.0, 0.0],
            "filter": {"must": [{"key": "t", "match": {"value": "b"}}]},
            "params": params,
        },
    )
    assert [i for i, _ in got] == [3]
    message = error(
        client.post(
            "/collections/c/points/query",
            json={"query": [1.0, 0.0], "params": {"acorn": {"max_selectivity": 3}}},
        ),
        422,
    )
    assert "params.acorn.max_selectivity" in message
    message = error(
        client.post(
            "/collections/c/points/search",
            json={"vector": [1.0, 0.0], "limit": 2, "params": {"idf": {"corpus": {}}}},
        ),
        501,
    )
    assert "IDF statistics over a corpus filter (params.idf.corpus)" in message
