"""The Query API and the legacy search family over REST: request shapes, conversion into
core queries, response shapes, and errors naming the field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

from vectorizer.errors import Unsupported
from vectorizer.filters.ast import Filter, MatchValue
from vectorizer.query import (
    Context,
    ContextPair,
    Discover,
    Formula,
    Fusion,
    FusionMethod,
    LookupFrom,
    Nearest,
    OrderByQuery,
    Recommend,
    RecommendStrategy,
    Sample,
)
from vectorizer.query import formula as fx
from vectorizer_qdrant_rest.wire import search, structs
from vectorizer_qdrant_rest.wire.errors import ValidationFailed

# ----------------------------------------------------------------------------- conversion


def convert(body: dict[str, Any]) -> Any:
    return search.query_request(structs.QueryRequest(**body), {})


def test_defaults_and_the_nearest_forms() -> None:
    request = convert({"query": [1.0, 2.0]})
    assert isinstance(request.query, Nearest)
    assert request.query.vector.tolist() == [1.0, 2.0]
    assert (request.limit, request.offset, request.using) == (10, 0, "")
    assert request.with_payload.enabled is False and request.with_vectors.enabled is False
    request = convert({"query": {"nearest": 7}, "using": "img", "limit": 3, "offset": 2})
    assert request.query == Nearest(7)
    assert (request.limit, request.offset, request.using) == (3, 2, "img")
    assert convert({"query": "9a3c4d8e-0000-4000-8000-000000000001"}).query == Nearest(
        "9a3c4d8e-0000-4000-8000-000000000001"
    )
    assert convert({}).query is None


def test_query_objects() -> None:
    recommend = convert(
        {"query": {"recommend": {"positive": [1, [0.5, 0.5]], "strategy": "best_score"}}}
    ).query
    assert isinstance(recommend, Recommend)
    assert recommend.positive[0] == 1 and recommend.positive[1].tolist() == [0.5, 0.5]
    assert (recommend.negative, recommend.strategy) == ((), RecommendStrategy.BEST_SCORE)
    assert convert({"query": {"recommend": {}}}).query == Recommend()
    pair = {"positive": 1, "negative": 2}
    assert convert({"query": {"discover": {"target": 3, "context": pair}}}).query == Discover(
        3, (ContextPair(1, 2),)
    )
    assert convert({"query": {"discover": {"target": 3, "context": None}}}).query == Discover(3)
    assert convert({"query": {"context": [pair, pair]}}).query == Context(
        (ContextPair(1, 2), ContextPair(1, 2))
    )
    order = convert({"query": {"order_by": "x"}}).query
    assert isinstance(order, OrderByQuery) and order.order_by.key == "x"
    assert convert({"query": {"fusion": "dbsf"}}).query == Fusion(FusionMethod.DBSF)
    assert convert({"query": {"rrf": {"k": 60}}}).query == Fusion(FusionMethod.RRF, 60)
    assert convert({"query": {"rrf": {}}}).query == Fusion(FusionMethod.RRF)
    assert convert({"query": {"sample": "random"}}).query == Sample()


def test_formula_expressions() -> None:
    formula = {
        "sum": [
            "$score",
            {"mult": [0.5, {"key": "tag", "match": {"value": "a"}}]},
            {"div": {"left": "x", "right": 2, "by_zero_default": 0}},
            {"pow": {"base": {"neg": 1}, "exponent": {"abs": -2}}},
            {"sqrt": {"exp": {"ln": {"log10": 10}}}},
            {"gauss_decay": {"x": {"datetime_key": "t"}, "target": {"datetime": "2024-01-01"}}},
            {"lin_decay": {"x": "x", "scale": 2, "midpoint": 0.25}},
            {"exp_decay": {"x": {"geo_distance": {"origin": {"lon": 1, "lat": 2}, "to": "g"}}}},
        ]
    }
    got = convert({"query": {"formula": formula, "defaults": {"x": 1}}}).query
    assert isinstance(got, Formula)
    assert got.defaults == {"x": 1}
    assert isinstance(got.expression, fx.Sum)
    score, mult, div, power, sqrt, gauss, lin, exp = got.expression.items
    assert score == fx.Variable("$score")
    assert mult == fx.Mult((fx.Constant(0.5), fx.ConditionExpr(MatchValue("tag", "a"))))
    assert div == fx.Div(fx.Variable("x"), fx.Constant(2.0), 0.0)
    assert power == fx.Pow(fx.Neg(fx.Constant(1.0)), fx.Abs(fx.Constant(-2.0)))
    assert sqrt == fx.Sqrt(fx.Exp(fx.Ln(fx.Log10(fx.Constant(10.0)))))
    assert gauss == fx.Decay("gauss", fx.DatetimeKey("t"), fx.DatetimeConst("2024-01-01"))
    assert lin == fx.Decay("lin", fx.Variable("x"), None, 0.25, 2.0)
    geo = fx.GeoDistance(fx.GeoPoint(lon=1.0, lat=2.0), "g")
    assert exp == fx.Decay("exp", geo)


def test_prefetch_nesting_and_lookup_from() -> None:
    request = search.query_request(
        structs.QueryRequest(
            query={"fusion": "rrf"},
            prefetch=[
                {"query": [1.0], "using": "a", "limit": 5, "filter": {"must": [{"has_id": [1]}]}},
                {"prefetch": {"query": 4, "lookup_from": {"collection": "o", "vector": "v"}}},
            ],
        ),
        {},
    )
    first, second = request.prefetch
    assert (first.using, first.limit) == ("a", 5)
    assert isinstance(first.filter, Filter)
    assert second.query is None and second.limit == 10
    (inner,) = second.prefetch
    assert inner.query == Nearest(4)
    assert inner.lookup_from == LookupFrom("o", "v")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": {"nearest": [1.0], "bogus": 1}}, "query.bogus"),
        ({"query": {"whatever": 1}}, "query"),
        ({"query": {"recommend": {"positive": 1}}}, "query.recommend.positive"),
        ({"query": {"recommend": {"strategy": "best"}}}, "query.recommend.strategy"),
        ({"query": {"discover": {"target": 1}}}, "query.discover.context"),
        ({"query": {"context": [{"positive": 1}]}}, "query.context[0].negative"),
        ({"query": {"fusion": "max"}}, "query.fusion"),
        ({"query": {"rrf": {"k": 0}}}, "query.rrf.k"),
        ({"query": {"sample": "first"}}, "query.sample"),
        ({"query": {"formula": {"div": {"left": 1}}}}, "query.formula.div.right"),
        ({"query": {"formula": {"sum": [1, True]}}}, "query.formula.sum[1]"),
        ({"query": {"formula": 1, "defaults": []}}, "query.defaults"),
        ({"prefetch": [{}, {"limit": 0}]}, "prefetch[1].limit"),
        ({"prefetch": {"prefetch": {"query": {"x": 1}}}}, "prefetch.prefetch.query"),
        ({"lookup_from": {"vector": "v"}}, "lookup_from.collection"),
    ],
)
def test_bad_shapes_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        convert(body)
    assert caught.value.field == field


def test_a_bad_prefetch_filter_names_its_path() -> None:
    with pytest.raises(Exception, match=r"prefetch\[0\]\.filter\.must\[0\]"):
        convert({"prefetch": [{"filter": {"must": [{"nope": 1}]}}]})


def test_features_not_built_are_unsupported() -> None:
    with pytest.raises(Unsupported, match=r"IDF statistics over a corpus filter"):
        params = structs.SearchParams(idf={"corpus": {"must": []}})
        convert({"query": [1.0], "params": params})
    with pytest.raises(Unsupported, match="server-side inference"):
        convert({"query": {"image": "x.png", "model": "m"}})
    with pytest.raises(Unsupported, match="shard keys"):
        convert({"query": [1.0], "lookup_from": {"collection": "o", "shard_key": "s"}})


# ----------------------------------------------------------------------------- endpoints

DATA = np.random.default_rng(3).normal(size=(20, 4)).astype(np.float32)


def load(client: TestClient) -> None:
    create(client, size=4, distance="Cosine")
    upsert(
        client,
        [
            {"id": i, "vector": DATA[i].tolist(), "payload": {"g": i % 3, "x": i}}
            for i in range(len(DATA))
        ],
    )


def post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/collections/c/points/{path}", json=body)


def test_recommend_and_discover_answer_lists(client: TestClient) -> None:
    load(client)
    result = ok(post(client, "recommend", {"positive": [1, 2], "negative": [3], "limit": 4}))
    assert len(result) == 4 and {p["id"] for p in result}.isdisjoint({1, 2, 3})
    assert set(result[0]) == {"id", "version", "score", "payload", "vector"}
    batch = ok(
        post(
            client,
            "recommend/batch",
            {
                "searches": [
                    {"positive": [1], "limit": 2},
                    {"negative": [1], "limit": 3, "strategy": "sum_scores"},
                ]
            },
        )
    )
    assert [len(r) for r in batch] == [2, 3]
    context = [{"positive": 1, "negative": 2}]
    found = ok(post(client, "discover", {"target": 5, "context": context, "limit": 3}))
    scores = [p["score"] for p in found]  # one pair: a rank of -1, 0 or 1, plus a fraction
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert all(-1 < s < 2 for s in scores)
    batch = ok(
        post(
            client,
            "discover/batch",
            {"searches": [{"context": context, "limit": 20}, {"target": [1, 0, 0, 0], "limit": 1}]},
        )
    )
    assert [len(r) for r in batch] == [18, 1]
    assert max(p["score"] for p in batch[0]) == 0.0


def test_groups_answer_groups_result(client: TestClient) -> None:
    load(client)
    create(client, name="l", size=1, distance="Dot")
    upsert(client, [{"id": 1, "vector": [1.0], "payload": {"name": "one"}}], name="l")
    body = {"vector": DATA[0].tolist(), "group_by": "g", "group_size": 2, "limit": 3}
    result = ok(post(client, "search/groups", {**body, "with_lookup": "l"}))
    assert [len(g["hits"]) for g in result["groups"]] == [2, 2, 2]
    assert result["groups"][0]["id"] == 0 and result["groups"][0]["hits"][0]["id"] == 0
    lookups = {g["id"]: g.get("lookup") for g in result["groups"]}
    assert lookups == {0: None, 1: {"id": 1, "payload": {"name": "one"}, "vector": None}, 2: None}
    result = ok(
        post(
            client,
            "recommend/groups",
            {"positive": [0], "group_by": "g", "group_size": 1, "limit": 3, "with_payload": ["g"]},
        )
    )
    assert sorted(g["id"] for g in result["groups"]) == [0, 1, 2]
    assert all(g["hits"][0]["payload"]["g"] == g["id"] for g in result["groups"])
    result = ok(post(client, "query/groups", {"query": 0, "group_by": "g"}))
    assert len(result["groups"]) == 3 and all(len(g["hits"]) == 3 for g in result["groups"])


def test_order_by_results_show_their_order_value(client: TestClient) -> None:
    load(client)
    ok(client.put("/collections/c/index", json={"field_name": "x", "field_schema": "integer"}))
    body = {"query": {"order_by": {"key": "x", "direction": "desc"}}, "limit": 2}
    points = ok(post(client, "query", body))["points"]
    assert [(p["id"], p["order_value"]) for p in points] == [(19, 19), (18, 18)]


def test_errors_of_the_search_family(client: TestClient) -> None:
    load(client)
    assert "limit" in error(post(client, "recommend", {"positive": [1]}), 422)
    assert "group_size" in error(
        post(client, "search/groups", {"vector": [1, 0, 0, 0], "group_by": "g", "limit": 1}), 422
    )
    message = error(post(client, "recommend", {"negative": [1], "limit": 1}), 400)
    assert message == "Bad request: At least one positive vector ID required with this strategy"
    assert error(post(client, "discover", {"target": 99, "limit": 1}), 404) == (
        "Not found: No point with id 99 found"
    )
    message = error(post(client, "query", {"query": {"fusion": "rrf"}}), 400)
    assert message == "Bad request: cannot apply Fusion without prefetches"
    missing = client.post("/collections/nope/points/recommend", json={"positive": [1], "limit": 1})
    assert "doesn't exist" in error(missing, 404)


def test_unknown_fields_of_search_bodies_are_ignored_as_qdrant_does(client: TestClient) -> None:
    load(client)
    body = {"positive": [1, 2], "negative": [3], "limit": 4}
    plain = ok(post(client, "recommend", body))
    assert ok(post(client, "recommend", {**body, "exact": True})) == plain
    batch = {"searches": [{**body, "exact": True}]}
    assert ok(post(client, "recommend/batch", batch)) == [plain]
    groups = {"query": 0, "group_by": "g", "group_size": 1, "strategy": "best_score"}
    assert len(ok(post(client, "query/groups", groups))["groups"]) == 3
    # `with_vectors` is Qdrant's alias of `with_vector`
    found = ok(post(client, "recommend", {**body, "with_vectors": True}))
    assert all(len(p["vector"]) == 4 for p in found)


def test_validation_errors_name_qdrants_flattened_struct(client: TestClient) -> None:
    load(client)
    message = error(post(client, "query", {"query": [1, 0, 0, 0], "limit": 0}), 422)
    assert message == (
        "Validation error in JSON body: [internal.limit: value 0 invalid, must be 1 or larger]"
    )
    batch = {"searches": [{"query": [1, 0, 0, 0], "limit": 0}]}
    assert "[searches[0].internal.limit: value 0" in error(post(client, "query/batch", batch), 422)
    message = error(post(client, "recommend", {"positive": [1], "limit": 0}), 422)
    assert "[recommend_request.limit: value 0 invalid" in message
    groups = {"query": 0, "group_by": "g", "limit": 0}
    assert "[search_group_request.group_request.limit: value 0" in error(
        post(client, "query/groups", groups), 422
    )


def test_lookup_collections_that_do_not_exist_are_404s_in_qdrants_words(
    client: TestClient,
) -> None:
    load(client)
    lookup = {"collection": "nope", "vector": "v"}
    body = {"query": {"recommend": {"positive": [1]}}, "lookup_from": lookup}
    assert error(post(client, "query", body), 404) == "Not found: Collection nope not found"
    # the ids are resolved before the query is checked, as in Qdrant
    nested = {
        "prefetch": [{"query": {"recommend": {"positive": [1]}}, "lookup_from": lookup}],
        "query": {"fusion": "rrf"},
        "using": "other",
    }
    assert error(post(client, "query", nested), 404) == "Not found: Collection nope not found"
    message = error(post(client, "query", {**nested, "prefetch": [{"query": 1}]}), 400)
    assert message == "Bad request: Fusion queries cannot be combined with the 'using' field."
    groups = {"vector": DATA[0].tolist(), "group_by": "g", "group_size": 1, "limit": 2}
    with_lookup = {"collection": "nope", "with_payload": True, "with_vector": True}
    message = error(post(client, "search/groups", {**groups, "with_lookup": with_lookup}), 404)
    assert message == "Not found: Collection nope not found"


def test_with_lookup_takes_with_vector_as_an_alias(client: TestClient) -> None:
    load(client)
    create(client, name="l", size=1, distance="Dot")
    upsert(client, [{"id": 1, "vector": [1.0], "payload": {"name": "one"}}], name="l")
    groups = {"vector": DATA[0].tolist(), "group_by": "g", "group_size": 1, "limit": 3}
    for alias in ("with_vector", "with_vectors"):
        with_lookup = {"collection": "l", "with_payload": False, alias: True}
        result = ok(post(client, "search/groups", {**groups, "with_lookup": with_lookup}))
        lookups = {g["id"]: g.get("lookup") for g in result["groups"]}
        assert lookups[1] == {"id": 1, "payload": None, "vector": [1.0]}


def test_a_formula_reads_an_indexed_key_from_its_index(client: TestClient) -> None:
    """A payload index holds no `null`: the formula's default applies there, as in Qdrant;
    without an index the null is a value that is not a number."""
    create(client, size=2, distance="Dot")
    prices = {1: 10.0, 2: None, 3: [], 4: [2.5]}
    upsert(
        client,
        [{"id": i, "vector": [1.0, 0.0], "payload": {"price": p}} for i, p in prices.items()],
    )
    body = {
        "prefetch": {"query": [1.0, 0.0], "limit": 10},
        "query": {"formula": {"sum": ["$score", "price"]}, "defaults": {"price": 0.5}},
    }
    message = error(post(client, "query", body), 400)
    assert "Expected number value for price in the payload and/or in the formula defaults" in (
        message
    )
    ok(
        client.put(
            "/collections/c/index?wait=true", json={"field_name": "price", "field_schema": "float"}
        )
    )
    scores = {p["id"]: p["score"] for p in ok(post(client, "query", body))["points"]}
    assert scores == {1: 11.0, 2: 1.5, 3: 1.5, 4: 3.5}


def test_query_groups_with_a_prefetch_fill_every_group(client: TestClient) -> None:
    create(client, size=2, distance="Dot")
    upsert(
        client,
        [{"id": i, "vector": [30.0 - i, 0.0], "payload": {"k": i % 3}} for i in range(30)],
    )
    body = {
        "prefetch": {"query": [1.0, 0.0], "limit": 2},
        "query": [0.5, 0.0],
        "group_by": "k",
        "group_size": 2,
        "limit": 3,
    }
    found = ok(post(client, "query/groups", body))["groups"]
    assert [(g["id"], [(h["id"], h["score"]) for h in g["hits"]]) for g in found] == [
        (0, [(0, 15.0), (3, 13.5)]),
        (1, [(1, 14.5), (4, 13.0)]),
        (2, [(2, 14.0), (5, 12.5)]),
    ]


def euclid_context_case() -> tuple[np.ndarray, dict[int, float]]:
    """Points far from the origin (Euclid, 32 dims) and the context loss of the pair
    (1, 2) for each other point, as Qdrant computes it: squared distances summed from the
    differences."""
    data = (1000.0 + np.random.default_rng(7).normal(scale=0.1, size=(40, 32))).astype(np.float32)

    def similarity(example: np.ndarray) -> np.ndarray:
        return -np.square(data - example, dtype=np.float32).sum(axis=1, dtype=np.float32)

    diff = similarity(data[1]) - similarity(data[2]) - np.float32(1.1920929e-7)
    loss = np.minimum(diff, 0) / (1 + np.abs(np.minimum(diff, 0)))
    return data, {i: float(loss[i]) for i in range(len(data)) if i not in (1, 2)}


def test_euclid_context_scores_as_qdrant(client: TestClient) -> None:
    data, expected = euclid_context_case()
    create(client, size=32, distance="Euclid")
    upsert(client, [{"id": i, "vector": v.tolist()} for i, v in enumerate(data)])
    body = {"query": {"context": {"positive": 1, "negative": 2}}, "limit": 40}
    got = {p["id"]: p["score"] for p in ok(post(client, "query", body))["points"]}
    assert got == {i: pytest.approx(s, rel=1e-5, abs=1e-6) for i, s in expected.items()}
    assert any(s < 0 for s in got.values())
