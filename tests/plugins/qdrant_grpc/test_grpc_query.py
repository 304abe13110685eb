"""gRPC query messages -> the core's query requests (`vectorizer_qdrant_grpc.query`), and
group results back."""

from __future__ import annotations

import numpy as np
import pytest
from qdrant_client import grpc as pb

from vectorizer.errors import BadRequest, Unsupported
from vectorizer.models import ScoredPoint, SparseVector
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
    PointGroup,
    Recommend,
    RecommendStrategy,
    Sample,
)
from vectorizer.query import formula as fx
from vectorizer_qdrant_grpc.wire import search

UUID = "6f2de94a-03c3-4641-809d-f374a0c13c0e"


def dense(*values: float) -> pb.VectorInput:
    return pb.VectorInput(dense=pb.DenseVector(data=values))


def by_id(num: int) -> pb.VectorInput:
    return pb.VectorInput(id=pb.PointId(num=num))


def test_query_points_with_nested_prefetches() -> None:
    inner = pb.PrefetchQuery(query=pb.Query(nearest=by_id(3)), using="b", limit=7)
    outer = pb.PrefetchQuery(
        prefetch=[inner],
        query=pb.Query(nearest=dense(1.0, 2.0)),
        using="a",
        score_threshold=0.5,
        lookup_from=pb.LookupLocation(collection_name="other", vector_name="v"),
    )
    request = search.query_request_in(
        pb.QueryPoints(
            prefetch=[outer],
            query=pb.Query(fusion=pb.Fusion.DBSF),
            limit=4,
            offset=2,
            with_payload=pb.WithPayloadSelector(enable=True),
        )
    )
    assert request.query == Fusion(FusionMethod.DBSF)
    assert (request.limit, request.offset, request.using) == (4, 2, "")
    assert request.with_payload.enabled and not request.with_vectors.enabled
    (stage,) = request.prefetch
    assert (stage.using, stage.limit, stage.score_threshold) == ("a", 10, 0.5)
    assert stage.lookup_from == LookupFrom("other", "v")
    assert isinstance(stage.query, Nearest)
    np.testing.assert_array_equal(stage.query.vector, [1.0, 2.0])
    (deep,) = stage.prefetch
    assert (deep.query, deep.using, deep.limit) == (Nearest(3), "b", 7)


def test_no_query_lists_points() -> None:
    request = search.query_request_in(pb.QueryPoints())
    assert (request.query, request.prefetch, request.limit) == (None, [], 10)


def test_every_query_kind() -> None:
    recommend = pb.Query(
        recommend=pb.RecommendInput(
            positive=[by_id(1), dense(0.5)],
            negative=[pb.VectorInput(id=pb.PointId(uuid=UUID))],
            strategy=pb.RecommendStrategy.BestScore,
        )
    )
    got = search.query_in(recommend, "query")
    assert isinstance(got, Recommend)
    assert got.positive[0] == 1 and got.negative == (UUID,)
    assert got.strategy is RecommendStrategy.BEST_SCORE
    pair = pb.ContextInputPair(positive=by_id(1), negative=by_id(2))
    discover = pb.Query(
        discover=pb.DiscoverInput(target=by_id(5), context=pb.ContextInput(pairs=[pair]))
    )
    assert search.query_in(discover, "q") == Discover(5, (ContextPair(1, 2),))
    context = pb.Query(context=pb.ContextInput(pairs=[pair]))
    assert search.query_in(context, "q") == Context((ContextPair(1, 2),))
    order = search.query_in(pb.Query(order_by=pb.OrderBy(key="n")), "q")
    assert isinstance(order, OrderByQuery) and order.order_by.key == "n"
    assert search.query_in(pb.Query(sample=pb.Sample.Random), "q") == Sample()
    assert search.query_in(pb.Query(fusion=pb.Fusion.RRF), "q") == Fusion(FusionMethod.RRF)
    sparse = search.query_in(
        pb.Query(nearest=pb.VectorInput(sparse=pb.SparseVector(indices=[4], values=[1.5]))), "q"
    )
    assert isinstance(sparse, Nearest) and isinstance(sparse.vector, SparseVector)
    multi = search.query_in(
        pb.Query(
            nearest=pb.VectorInput(
                multi_dense=pb.MultiDenseVector(vectors=[pb.DenseVector(data=[1.0, 2.0])] * 2)
            )
        ),
        "q",
    )
    assert isinstance(multi, Nearest) and multi.vector.shape == (2, 2)


def test_formula_expressions() -> None:
    condition = pb.Condition(field=pb.FieldCondition(key="tag", match=pb.Match(keyword="a")))
    expression = pb.Expression(
        sum=pb.SumExpression(
            sum=[
                pb.Expression(variable="$score"),
                pb.Expression(
                    mult=pb.MultExpression(
                        mult=[pb.Expression(constant=0.5), pb.Expression(condition=condition)]
                    )
                ),
                pb.Expression(
                    div=pb.DivExpression(
                        left=pb.Expression(constant=1.0),
                        right=pb.Expression(variable="x"),
                        by_zero_default=3.0,
                    )
                ),
                pb.Expression(
                    gauss_decay=pb.DecayParamsExpression(x=pb.Expression(variable="x"), scale=2.0)
                ),
                pb.Expression(ln=pb.Expression(constant=2.0)),
            ]
        )
    )
    formula = pb.Formula(expression=expression, defaults={"x": pb.Value(double_value=1.5)})
    got = search.query_in(pb.Query(formula=formula), "query")
    assert isinstance(got, Formula)
    assert got.defaults == {"x": 1.5}
    assert isinstance(got.expression, fx.Sum)
    score, mult, div, decay, ln = got.expression.items
    assert score == fx.Variable("$score")
    assert isinstance(mult, fx.Mult) and isinstance(mult.items[1], fx.ConditionExpr)
    assert div == fx.Div(fx.Constant(1.0), fx.Variable("x"), 3.0)
    assert decay == fx.Decay("gauss", fx.Variable("x"), None, None, 2.0)
    assert ln == fx.Ln(fx.Constant(2.0))


def test_errors_name_the_field() -> None:
    with pytest.raises(BadRequest, match=r"^query_points\[1\]\.query: Query is empty"):
        search.query_request_in(pb.QueryPoints(query=pb.Query()), "query_points[1]")
    empty = pb.Formula(expression=pb.Expression(sum=pb.SumExpression(sum=[pb.Expression()])))
    with pytest.raises(BadRequest, match=r"^query\.formula\.expression\.sum\.sum\[0\]: "):
        search.query_request_in(pb.QueryPoints(query=pb.Query(formula=empty)))
    with pytest.raises(BadRequest, match=r"query\.recommend\.positive\[0\]\.sparse\.values"):
        bad = pb.VectorInput(sparse=pb.SparseVector(indices=[1, 2], values=[1.0]))
        search.query_in(pb.Query(recommend=pb.RecommendInput(positive=[bad])), "query")
    too_many = pb.NearestInputWithMmr(nearest=dense(1.0), mmr=pb.Mmr(candidates_limit=16385))
    with pytest.raises(BadRequest, match=r"query\.nearest_with_mmr\.mmr\.candidates_limit"):
        search.query_in(pb.Query(nearest_with_mmr=too_many), "query")
    with pytest.raises(Unsupported, match="shard keys"):
        search.query_request_in(pb.QueryPoints(shard_key_selector=pb.ShardKeySelector()))


def test_legacy_requests() -> None:
    recommend = search.recommend_in(
        pb.RecommendPoints(
            positive=[pb.PointId(num=1)],
            positive_vectors=[pb.Vector(data=[1.0, 0.0])],
            negative=[pb.PointId(num=2)],
            strategy=pb.RecommendStrategy.SumScores,
            using="a",
            limit=3,
            offset=1,
            score_threshold=0.2,
        )
    )
    assert isinstance(recommend.query, Recommend)
    assert recommend.query.positive[0] == 1 and recommend.query.negative == (2,)
    np.testing.assert_array_equal(recommend.query.positive[1], [1.0, 0.0])
    assert recommend.query.strategy is RecommendStrategy.SUM_SCORES
    assert (recommend.using, recommend.limit, recommend.offset) == ("a", 3, 1)
    assert recommend.score_threshold == pytest.approx(0.2)
    pair = pb.ContextExamplePair(
        positive=pb.VectorExample(id=pb.PointId(num=1)),
        negative=pb.VectorExample(vector=pb.Vector(data=[0.0, 1.0])),
    )
    context = search.discover_in(pb.DiscoverPoints(context=[pair], limit=5))
    assert isinstance(context.query, Context) and context.limit == 5
    target = pb.TargetVector(single=pb.VectorExample(id=pb.PointId(num=9)))
    discover = search.discover_in(pb.DiscoverPoints(target=target, context=[pair], limit=5))
    assert isinstance(discover.query, Discover) and discover.query.target == 9
    groups = search.search_groups_in(
        pb.SearchPointGroups(
            vector=[0.5, 2.0],
            sparse_indices=pb.SparseIndices(data=[3, 8]),
            vector_name="s",
            group_by="tag",
            group_size=2,
            limit=4,
            with_lookup=pb.WithLookup(collection="other"),
        )
    )
    assert (groups.group_by, groups.group_size, groups.limit) == ("tag", 2, 4)
    assert groups.with_lookup is not None and groups.with_lookup.collection == "other"
    assert groups.with_lookup.with_payload.enabled
    assert isinstance(groups.query.query, Nearest) and groups.query.using == "s"
    assert isinstance(groups.query.query.vector, SparseVector)


def test_groups_out() -> None:
    hit = ScoredPoint(id=UUID, version=0, score=0.5, payload={"a": 1})
    out = search.groups_out(
        [PointGroup("x", [hit]), PointGroup(7, []), PointGroup(-2, [])],
        unnamed=True,
        lookup_unnamed=True,
    )
    ids = [g.id for g in out.groups]
    assert ids == [
        pb.GroupId(string_value="x"),
        pb.GroupId(unsigned_value=7),
        pb.GroupId(integer_value=-2),
    ]
    assert out.groups[0].hits[0].id.uuid == UUID
    assert not out.groups[0].HasField("lookup")
