"""The search family of `qdrant.Points` over the core: search, the universal Query API,
recommend and discover (with their batches and groups), facets and the distance matrix.

Each RPC body converts its request once (`wire/search.py`), runs it on the core
(`vectorizer.query`, the one executor of every read by vector, as the REST plugin does;
`vectorizer.facet`, `vectorizer.matrix`) and builds the response; the servicer
(`points.py`) runs them in worker threads.
"""

from __future__ import annotations

from typing import Any

from qdrant_client import grpc as pb

from vectorizer import Engine
from vectorizer import query as engine_query
from vectorizer.facet import facet as facet_counts
from vectorizer.matrix import DistanceMatrix, search_matrix
from vectorizer.models import DEFAULT_VECTOR
from vectorizer.query import GroupsRequest, QueryRequest
from vectorizer_qdrant_grpc.wire.points import filter_field, no_shard_key, scored_list_out
from vectorizer_qdrant_grpc.wire.search import (
    discover_in,
    groups_out,
    query_groups_in,
    query_request_in,
    recommend_groups_in,
    recommend_in,
    search_groups_in,
    search_in,
)
from vectorizer_qdrant_grpc.wire.values import opt, point_id_out


def _points(engine: Engine, name: str, requests: list[QueryRequest]) -> list[list[pb.ScoredPoint]]:
    """Run query requests on collection `name`: each one's scored points."""
    collection = engine.get_collection(name)
    results = engine_query.query_batch(collection, requests, engine.get_collection)
    unnamed = collection.config.unnamed
    return [scored_list_out(points, unnamed) for points in results]


def _groups(engine: Engine, name: str, request: GroupsRequest) -> pb.GroupsResult:
    """Run a grouped query on collection `name`: GroupsResult."""
    collection = engine.get_collection(name)
    groups = engine_query.query_groups(collection, request, engine.get_collection)
    lookup_unnamed = False
    if request.with_lookup is not None:
        lookup_unnamed = engine.get_collection(request.with_lookup.collection).config.unnamed
    return groups_out(groups, collection.config.unnamed, lookup_unnamed)


def _batch(results: list[list[pb.ScoredPoint]]) -> list[pb.BatchResult]:
    return [pb.BatchResult(result=points) for points in results]


# ----------------------------------------------------------------------------- search


def search(engine: Engine, request: pb.SearchPoints) -> Any:
    found = _points(engine, request.collection_name, [search_in(request)])
    return pb.SearchResponse(result=found[0])


def search_batch(engine: Engine, request: pb.SearchBatchPoints) -> Any:
    """Every search runs on the batch's collection (their own `collection_name` is unused,
    as in Qdrant)."""
    searches = [search_in(s, f"search_points[{i}]") for i, s in enumerate(request.search_points)]
    found = _points(engine, request.collection_name, searches)
    return pb.SearchBatchResponse(result=_batch(found))


def search_groups(engine: Engine, request: pb.SearchPointGroups) -> Any:
    groups = _groups(engine, request.collection_name, search_groups_in(request))
    return pb.SearchGroupsResponse(result=groups)


# ----------------------------------------------------------------------------- query


def query_points(engine: Engine, request: pb.QueryPoints) -> Any:
    found = _points(engine, request.collection_name, [query_request_in(request)])
    return pb.QueryResponse(result=found[0])


def query_batch(engine: Engine, request: pb.QueryBatchPoints) -> Any:
    """Every query runs on the batch's collection."""
    requests = [
        query_request_in(q, f"query_points[{i}]") for i, q in enumerate(request.query_points)
    ]
    return pb.QueryBatchResponse(result=_batch(_points(engine, request.collection_name, requests)))


def query_groups(engine: Engine, request: pb.QueryPointGroups) -> Any:
    groups = _groups(engine, request.collection_name, query_groups_in(request))
    return pb.QueryGroupsResponse(result=groups)


# ----------------------------------------------------------------------------- recommend, discover


def recommend(engine: Engine, request: pb.RecommendPoints) -> Any:
    found = _points(engine, request.collection_name, [recommend_in(request)])
    return pb.RecommendResponse(result=found[0])


def recommend_batch(engine: Engine, request: pb.RecommendBatchPoints) -> Any:
    """Every recommendation runs on the batch's collection."""
    requests = [
        recommend_in(r, f"recommend_points[{i}]") for i, r in enumerate(request.recommend_points)
    ]
    found = _points(engine, request.collection_name, requests)
    return pb.RecommendBatchResponse(result=_batch(found))


def recommend_groups(engine: Engine, request: pb.RecommendPointGroups) -> Any:
    groups = _groups(engine, request.collection_name, recommend_groups_in(request))
    return pb.RecommendGroupsResponse(result=groups)


def discover(engine: Engine, request: pb.DiscoverPoints) -> Any:
    found = _points(engine, request.collection_name, [discover_in(request)])
    return pb.DiscoverResponse(result=found[0])


def discover_batch(engine: Engine, request: pb.DiscoverBatchPoints) -> Any:
    """Every discovery runs on the batch's collection."""
    requests = [
        discover_in(d, f"discover_points[{i}]") for i, d in enumerate(request.discover_points)
    ]
    found = _points(engine, request.collection_name, requests)
    return pb.DiscoverBatchResponse(result=_batch(found))


# ----------------------------------------------------------------------------- facet, matrix


def _facet_value_out(value: str | int | bool) -> pb.FacetValue:
    if isinstance(value, bool):
        return pb.FacetValue(bool_value=value)
    if isinstance(value, int):
        return pb.FacetValue(integer_value=value)
    return pb.FacetValue(string_value=value)


def facet(engine: Engine, request: pb.FacetCounts) -> Any:
    no_shard_key(request)
    hits = facet_counts(
        engine.get_collection(request.collection_name),
        request.key,
        filter=filter_field(request),
        limit=opt(request, "limit"),
        exact=opt(request, "exact"),
    )
    return pb.FacetResponse(
        hits=[pb.FacetHit(value=_facet_value_out(h.value), count=h.count) for h in hits]
    )


def _matrix(engine: Engine, request: pb.SearchMatrixPoints) -> DistanceMatrix:
    no_shard_key(request)
    return search_matrix(
        engine.get_collection(request.collection_name),
        using=request.using if request.HasField("using") else DEFAULT_VECTOR,
        filter=filter_field(request),
        sample=opt(request, "sample"),
        limit=opt(request, "limit"),
    )


def search_matrix_pairs(engine: Engine, request: pb.SearchMatrixPoints) -> Any:
    pairs = [
        pb.SearchMatrixPair(a=point_id_out(a), b=point_id_out(b), score=score)
        for a, b, score in _matrix(engine, request).pairs()
    ]
    return pb.SearchMatrixPairsResponse(result=pb.SearchMatrixPairs(pairs=pairs))


def search_matrix_offsets(engine: Engine, request: pb.SearchMatrixPoints) -> Any:
    matrix = _matrix(engine, request)
    rows, cols, scores = matrix.offsets()
    return pb.SearchMatrixOffsetsResponse(
        result=pb.SearchMatrixOffsets(
            offsets_row=rows,
            offsets_col=cols,
            scores=scores,
            ids=[point_id_out(i) for i in matrix.ids],
        )
    )
