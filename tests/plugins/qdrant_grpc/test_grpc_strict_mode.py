"""Strict mode and vector updates over gRPC against a real engine: the behaviours the REST
tests show, with gRPC's status codes (RESOURCE_EXHAUSTED for rate limits, INVALID_ARGUMENT
for strict mode and validation, NOT_FOUND for a missing point)."""

from __future__ import annotations

import grpc
from qdrant_client import grpc as pb
from test_grpc_services import Stubs, create, point, rpc_error, served, stubs, upsert

__all__ = ["served", "stubs"]  # fixtures, shared with test_grpc_services


def strict(stubs: Stubs, **settings: object) -> None:
    config = pb.StrictModeConfig(enabled=True, **settings)
    stubs.collections.Update(pb.UpdateCollection(collection_name="c", strict_mode_config=config))


def ten_points(stubs: Stubs) -> None:
    create(stubs)
    upsert(stubs, *(point(i, [1.0, i, 0.0, 0.0], city="Berlin", doc=i % 3) for i in range(10)))


def test_read_cost_counts_looked_up_ids_and_capacity(stubs: Stubs) -> None:
    ten_points(stubs)
    strict(stubs, read_rate_limit=4)
    ids = [pb.VectorInput(id=pb.PointId(num=n)) for n in range(5)]
    best = pb.RecommendInput(positive=ids, strategy=pb.RecommendStrategy.BestScore)
    request = pb.QueryPoints(collection_name="c", query=pb.Query(recommend=best))
    error = rpc_error(stubs.points.Query, request)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.details() == (
        "Rate limiting exceeded: Read rate limit exceeded, request larger than rate limiter "
        "capacity, please try to split your request"
    )
    strict(stubs, read_rate_limit=1000)
    assert len(stubs.points.Query(request).result) == 5


def test_filtered_write_costs_the_expected_cardinality(stubs: Stubs) -> None:
    ten_points(stubs)
    strict(stubs, write_rate_limit=7)
    unindexed = pb.Filter(
        must=[pb.Condition(field=pb.FieldCondition(key="City", match=pb.Match(keyword="x")))]
    )
    selector = pb.PointsSelector(filter=unindexed)
    request = pb.SetPayloadPoints(
        collection_name="c",
        wait=True,
        payload={"a": pb.Value(integer_value=1)},
        points_selector=selector,
    )
    stubs.points.SetPayload(request)  # half the points expected: 5 of 7 tokens
    error = rpc_error(stubs.points.SetPayload, request)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.details().startswith(
        "Rate limiting exceeded: Write rate limit exceeded: Operation requires 5 tokens but "
        "only 2.0 were available"
    )


def test_group_by_needs_a_match_index(stubs: Stubs) -> None:
    ten_points(stubs)
    strict(stubs, unindexed_filtering_retrieve=False)
    groups = pb.SearchPointGroups(
        collection_name="c", vector=[1, 0, 0, 0], group_by="doc", group_size=2, limit=3
    )
    error = rpc_error(stubs.points.SearchGroups, groups)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == (
        'Index required but not found for "doc". '
        "Help: Create an index supporting `match` for this key."
    )
    stubs.points.CreateFieldIndex(
        pb.CreateFieldIndexCollection(
            collection_name="c",
            wait=True,
            field_name="doc",
            field_type=pb.FieldType.FieldTypeInteger,
        )
    )
    assert len(stubs.points.SearchGroups(groups).result.groups) == 3


def test_update_vectors_of_an_unknown_point_or_with_no_vectors(stubs: Stubs) -> None:
    ten_points(stubs)
    vectors = pb.Vectors(vector=pb.Vector(data=[1.0, 1.0, 1.0, 1.0]))
    unknown = pb.UpdatePointVectors(
        collection_name="c",
        wait=True,
        points=[
            pb.PointVectors(id=pb.PointId(num=1), vectors=vectors),
            pb.PointVectors(id=pb.PointId(num=424242424242424242), vectors=vectors),
        ],
    )
    error = rpc_error(stubs.points.UpdateVectors, unknown)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "Not found: No point with id 424242424242424242 found"
    empty = pb.UpdatePointVectors(
        collection_name="c",
        wait=True,
        points=[pb.PointVectors(id=pb.PointId(num=1), vectors=pb.Vectors())],
    )
    error = rpc_error(stubs.points.UpdateVectors, empty)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "points[0].vectors: must specify vectors to update for point" in error.details()


def test_an_integer_index_needs_lookup_or_range(stubs: Stubs) -> None:
    ten_points(stubs)
    params = pb.PayloadIndexParams(
        integer_index_params=pb.IntegerIndexParams(lookup=False, range=False)
    )
    request = pb.CreateFieldIndexCollection(
        collection_name="c",
        wait=True,
        field_name="n",
        field_type=pb.FieldType.FieldTypeInteger,
        field_index_params=params,
    )
    error = rpc_error(stubs.points.CreateFieldIndex, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "the 'lookup' and 'range' capabilities can't be both disabled" in error.details()
