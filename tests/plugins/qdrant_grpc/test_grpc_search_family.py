"""The search family over gRPC against a real engine: the behaviours the REST tests of
`test_rest_query.py` show, with gRPC's status codes (lookups of collections that do not
exist, Qdrant's order of checks, formulas over indexed keys)."""

from __future__ import annotations

import grpc
import numpy as np
import pytest
from qdrant_client import grpc as pb
from test_grpc_services import Stubs, create, point, rpc_error, served, stubs, upsert

__all__ = ["served", "stubs"]  # fixtures, shared with test_grpc_services


def recommend(*positive: int) -> pb.Query:
    ids = [pb.VectorInput(id=pb.PointId(num=n)) for n in positive]
    return pb.Query(recommend=pb.RecommendInput(positive=ids))


def test_lookup_collections_that_do_not_exist_are_not_found(stubs: Stubs) -> None:
    create(stubs)
    upsert(stubs, *(point(i, [i, 1, 0, 0], g=i % 3) for i in range(6)))
    lookup = pb.LookupLocation(collection_name="nope", vector_name="v")
    request = pb.QueryPoints(collection_name="c", query=recommend(1), lookup_from=lookup)
    error = rpc_error(stubs.points.Query, request)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "Not found: Collection nope not found"
    # the ids are resolved before the query is checked, as in Qdrant
    nested = pb.QueryPoints(
        collection_name="c",
        prefetch=[pb.PrefetchQuery(query=recommend(1), lookup_from=lookup)],
        query=pb.Query(fusion=pb.Fusion.RRF),
        using="other",
    )
    assert rpc_error(stubs.points.Query, nested).details() == "Not found: Collection nope not found"
    nested.prefetch[0].ClearField("lookup_from")
    error = rpc_error(stubs.points.Query, nested)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (
        error.details() == "Bad request: Fusion queries cannot be combined with the 'using' field."
    )
    groups = pb.SearchPointGroups(
        collection_name="c",
        vector=[1, 0, 0, 0],
        group_by="g",
        group_size=1,
        limit=2,
        with_lookup=pb.WithLookup(collection="nope"),
    )
    error = rpc_error(stubs.points.SearchGroups, groups)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "Not found: Collection nope not found"


def test_a_formula_reads_an_indexed_key_from_its_index(stubs: Stubs) -> None:
    create(stubs, size=2)
    prices = {1: 10.0, 2: None, 3: [], 4: [2.5]}
    upsert(stubs, *(point(i, [1.0, 0.0], price=p) for i, p in prices.items()))
    formula = pb.Formula(
        expression=pb.Expression(
            sum=pb.SumExpression(
                sum=[pb.Expression(variable="$score"), pb.Expression(variable="price")]
            )
        ),
        defaults={"price": pb.Value(double_value=0.5)},
    )
    request = pb.QueryPoints(
        collection_name="c",
        prefetch=[
            pb.PrefetchQuery(
                query=pb.Query(nearest=pb.VectorInput(dense=pb.DenseVector(data=[1.0, 0.0]))),
                limit=10,
            )
        ],
        query=pb.Query(formula=formula),
    )
    error = rpc_error(stubs.points.Query, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Expected number value for price in the payload" in error.details()
    stubs.points.CreateFieldIndex(
        pb.CreateFieldIndexCollection(
            collection_name="c",
            field_name="price",
            field_type=pb.FieldType.FieldTypeFloat,
            wait=True,
        )
    )
    got = stubs.points.Query(request).result
    assert {p.id.num: p.score for p in got} == {1: 11.0, 2: 1.5, 3: 1.5, 4: 3.5}


def test_query_groups_with_a_prefetch_fill_every_group(stubs: Stubs) -> None:
    create(stubs, size=2)
    upsert(stubs, *(point(i, [30.0 - i, 0.0], k=i % 3) for i in range(30)))

    def dense(*values: float) -> pb.Query:
        return pb.Query(nearest=pb.VectorInput(dense=pb.DenseVector(data=values)))

    request = pb.QueryPointGroups(
        collection_name="c",
        prefetch=[pb.PrefetchQuery(query=dense(1.0, 0.0), limit=2)],
        query=dense(0.5, 0.0),
        group_by="k",
        group_size=2,
        limit=3,
    )
    found = stubs.points.QueryGroups(request).result.groups
    assert [(g.id.unsigned_value, [(h.id.num, h.score) for h in g.hits]) for g in found] == [
        (0, [(0, 15.0), (3, 13.5)]),
        (1, [(1, 14.5), (4, 13.0)]),
        (2, [(2, 14.0), (5, 12.5)]),
    ]


def test_euclid_context_scores_as_qdrant(stubs: Stubs) -> None:
    """As `test_rest_query.test_euclid_context_scores_as_qdrant`: points far from the
    origin, the context loss from squared distances summed from the differences."""
    data = (1000.0 + np.random.default_rng(7).normal(scale=0.1, size=(40, 32))).astype(np.float32)

    def similarity(example: np.ndarray) -> np.ndarray:
        return -np.square(data - example, dtype=np.float32).sum(axis=1, dtype=np.float32)

    diff = np.minimum(similarity(data[1]) - similarity(data[2]) - np.float32(1.1920929e-7), 0)
    loss = diff / (1 + np.abs(diff))
    expected = {i: float(loss[i]) for i in range(len(data)) if i not in (1, 2)}
    params = pb.VectorParams(size=32, distance=pb.Distance.Euclid)
    stubs.collections.Create(
        pb.CreateCollection(collection_name="c", vectors_config=pb.VectorsConfig(params=params))
    )
    upsert(stubs, *(point(i, v.tolist()) for i, v in enumerate(data)))
    pair = pb.ContextInputPair(
        positive=pb.VectorInput(id=pb.PointId(num=1)),
        negative=pb.VectorInput(id=pb.PointId(num=2)),
    )
    request = pb.QueryPoints(
        collection_name="c", query=pb.Query(context=pb.ContextInput(pairs=[pair])), limit=40
    )
    got = {p.id.num: p.score for p in stubs.points.Query(request).result}
    assert got == {i: pytest.approx(s, rel=1e-5, abs=1e-6) for i, s in expected.items()}
