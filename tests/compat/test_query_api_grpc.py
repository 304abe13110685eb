"""The Query API, the legacy search family, facets and the distance matrix through
qdrant-client over gRPC (`prefer_grpc=True`), against local mode.

The tests of `test_query_api_client.py` and `test_facet_matrix_client.py` run here again
with `remote` the official client preferring gRPC against a `vectorizer serve` process
(`grpc_fixtures.py`); the REST-only error checks are replaced by their gRPC form (status
codes instead of HTTP statuses).
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from grpc_fixtures import grpc_servers, remote_grpc
from qdrant_client import QdrantClient, models
from test_facet_matrix_client import (
    FACET,
    test_facet_matches_local_mode,
    test_matrix_over_every_candidate_matches_local_mode,
    test_matrix_samples_hold_the_true_nearest,
    test_matrix_with_too_few_points_is_empty,
)
from test_query_api_client import (
    QA,
    setup,
    test_context_queries_rank_every_point_alike,
    test_discover_queries,
    test_formula_rescoring,
    test_fusion_of_prefetches,
    test_legacy_discover,
    test_legacy_recommend,
    test_lookup_from_another_collection,
    test_nearest_by_vector_and_by_id_with_filters,
    test_nested_prefetches_rescored_by_vectors,
    test_offset_is_not_passed_on_to_prefetches,
    test_order_by_and_plain_listing,
    test_query_batch_points,
    test_query_points_groups,
    test_recommend_queries,
    test_sample_draws_distinct_matching_points,
    test_search_groups,
    trials,
)

__all__ = [  # fixtures and the tests reused from the REST suites, run here over gRPC
    "grpc_servers",
    "remote_grpc",
    "test_context_queries_rank_every_point_alike",
    "test_discover_queries",
    "test_facet_matches_local_mode",
    "test_formula_rescoring",
    "test_fusion_of_prefetches",
    "test_legacy_discover",
    "test_legacy_recommend",
    "test_lookup_from_another_collection",
    "test_matrix_over_every_candidate_matches_local_mode",
    "test_matrix_samples_hold_the_true_nearest",
    "test_matrix_with_too_few_points_is_empty",
    "test_nearest_by_vector_and_by_id_with_filters",
    "test_nested_prefetches_rescored_by_vectors",
    "test_offset_is_not_passed_on_to_prefetches",
    "test_order_by_and_plain_listing",
    "test_query_batch_points",
    "test_query_points_groups",
    "test_recommend_queries",
    "test_sample_draws_distinct_matching_points",
    "test_search_groups",
    "trials",
]

pytestmark = pytest.mark.grpc_server


@pytest.fixture
def remote(remote_grpc: QdrantClient) -> QdrantClient:
    """The reused tests' `remote`: the official client over gRPC."""
    return remote_grpc


def rpc_code(call: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code()  # type: ignore[attr-defined, no-any-return]


@pytest.mark.client_model("FormulaQuery")
def test_formula_errors_reach_the_client(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    prefetch = models.Prefetch(query=QA[0].tolist(), using="a", limit=30)
    bad = [
        models.FormulaQuery(formula=models.SumExpression(sum=["$score", "x"])),  # x is missing
        models.FormulaQuery(formula=models.DivExpression(div=models.DivParams(left=1, right=0))),
        models.FormulaQuery(formula=models.LnExpression(ln=-1.0)),
    ]
    for query in bad:
        code = rpc_code(lambda q=query: remote.query_points("q", prefetch=prefetch, query=q))
        assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_errors_of_the_query_api(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    cases: list[tuple[dict[str, Any], grpc.StatusCode]] = [
        ({"query": QA[0].tolist(), "using": "nope"}, grpc.StatusCode.INVALID_ARGUMENT),
        ({"query": [1.0, 2.0], "using": "a"}, grpc.StatusCode.INVALID_ARGUMENT),
        ({"query": 123456789, "using": "a"}, grpc.StatusCode.NOT_FOUND),
    ]
    for kwargs, status in cases:
        assert rpc_code(lambda kw=kwargs: remote.query_points("q", **kw)) == status, kwargs
    assert rpc_code(lambda: remote.query_points("missing", query=[1.0])) == (
        grpc.StatusCode.NOT_FOUND
    )


@FACET
def test_facet_without_an_index_is_invalid(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    code = rpc_code(lambda: remote.facet("q", key="color"))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
