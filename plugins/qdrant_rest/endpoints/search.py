"""The search family over the core's query engine: the universal Query API (`query`, its
batch and groups) and the legacy `search`, `recommend` and `discover` endpoints (with
their batches and groups), each converted once into a core query (`wire/search.py`) and
run by the one executor; facets and the distance matrix (`pairs`, `offsets`), the core's
`facet` and `search_matrix`."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from litestar import post

import vectorizer
from vectorizer import query as engine_query
from vectorizer.facet import facet as facet_counts
from vectorizer.matrix import DistanceMatrix, search_matrix
from vectorizer.models import DEFAULT_VECTOR
from vectorizer.query import GroupsRequest, QueryRequest
from vectorizer_qdrant_rest.endpoints.base import C, Call, P, answer
from vectorizer_qdrant_rest.wire import numbers, points, structs
from vectorizer_qdrant_rest.wire import search as wire_search
from vectorizer_qdrant_rest.wire.errors import ValidationFailed

T = TypeVar("T")

_GROUP_FIELDS = frozenset({"group_by", "group_size", "limit", "with_lookup"})

_FLATTENED: dict[type, Any] = {
    structs.QueryRequest: lambda name: "internal",
    structs.RecommendRequest: lambda name: "recommend_request",
    structs.QueryGroupsRequest: lambda name: (
        "search_group_request.group_request" if name in _GROUP_FIELDS else "search_group_request"
    ),
}
"""Qdrant's request types wrap their fields in a `#[serde(flatten)]` struct (all but
`shard_key`), and its validation errors name that struct in the path: `internal.limit`.
Per body type, the path before a field of a given name."""

_BATCHED = {
    structs.QueryRequestBatch: structs.QueryRequest,
    structs.RecommendRequestBatch: structs.RecommendRequest,
}
_FIELD_PATH = re.compile(r"^(?P<batch>searches\[\d+\]\.)?(?P<name>[^.\[]+)(?P<rest>.*)$")


def _decode(call: Call, type_: type[T]) -> T:
    """The body as `type_`, a validation error naming the field as Qdrant does."""
    try:
        return call.decode(type_)
    except ValidationFailed as exc:
        match = _FIELD_PATH.match(exc.field)
        flattened = _FLATTENED.get(_BATCHED.get(type_, type_))
        if match is None or flattened is None or match["name"] == "shard_key":
            raise
        name = match["name"]
        path = f"{match['batch'] or ''}{flattened(name)}.{name}{match['rest']}"
        raise ValidationFailed(path, exc.detail) from None


def _points(call: Call, requests: list[QueryRequest]) -> list[list[dict[str, Any]]]:
    """Run query requests against the path's collection: each one's scored points."""
    collection = call.collection()
    results = engine_query.query_batch(collection, requests, call.engine.get_collection)
    unnamed = collection.config.unnamed
    return [points.scored_list_out(hits, unnamed) for hits in results]


def _groups(call: Call, request: GroupsRequest) -> dict[str, Any]:
    """Run a grouped query against the path's collection: GroupsResult."""
    collection = call.collection()
    groups = engine_query.query_groups(collection, request, call.engine.get_collection)
    lookup_unnamed = False
    if request.with_lookup is not None:
        other: vectorizer.Collection = call.engine.get_collection(request.with_lookup.collection)
        lookup_unnamed = other.config.unnamed
    return wire_search.groups_out(groups, collection.config.unnamed, lookup_unnamed)


# ----------------------------------------------------------------------------- query


@post(P + "/query")
@answer
def query_points(call: Call) -> dict[str, Any]:
    request = wire_search.query_request(
        _decode(call, structs.QueryRequest), call.engine.condition_kinds
    )
    return {"points": _points(call, [request])[0]}


@post(P + "/query/batch")
@answer
def query_batch_points(call: Call) -> list[dict[str, Any]]:
    req = _decode(call, structs.QueryRequestBatch)
    kinds = call.engine.condition_kinds
    requests = [
        wire_search.query_request(q, kinds, f"searches[{i}]") for i, q in enumerate(req.searches)
    ]
    return [{"points": points} for points in _points(call, requests)]


@post(P + "/query/groups")
@answer
def query_points_groups(call: Call) -> dict[str, Any]:
    req = _decode(call, structs.QueryGroupsRequest)
    return _groups(call, wire_search.query_groups_request(req, call.engine.condition_kinds))


# ----------------------------------------------------------------------------- legacy


@post(P + "/search")
@answer
def search_points(call: Call) -> list[dict[str, Any]]:
    return _points(call, [wire_search.search_request(call.decode(structs.SearchRequest))])[0]


@post(P + "/search/batch")
@answer
def search_batch_points(call: Call) -> list[list[dict[str, Any]]]:
    req = call.decode(structs.SearchRequestBatch)
    return _points(call, [wire_search.search_request(s) for s in req.searches])


@post(P + "/search/groups")
@answer
def search_point_groups(call: Call) -> dict[str, Any]:
    return _groups(
        call, wire_search.search_groups_request(call.decode(structs.SearchGroupsRequest))
    )


@post(P + "/recommend")
@answer
def recommend_points(call: Call) -> list[dict[str, Any]]:
    request = wire_search.recommend_request(_decode(call, structs.RecommendRequest))
    return _points(call, [request])[0]


@post(P + "/recommend/batch")
@answer
def recommend_batch_points(call: Call) -> list[list[dict[str, Any]]]:
    req = _decode(call, structs.RecommendRequestBatch)
    requests = [
        wire_search.recommend_request(r, f"searches[{i}]") for i, r in enumerate(req.searches)
    ]
    return _points(call, requests)


@post(P + "/recommend/groups")
@answer
def recommend_point_groups(call: Call) -> dict[str, Any]:
    req = call.decode(structs.RecommendGroupsRequest)
    return _groups(call, wire_search.recommend_groups_request(req))


@post(P + "/discover")
@answer
def discover_points(call: Call) -> list[dict[str, Any]]:
    request = wire_search.discover_request(call.decode(structs.DiscoverRequest))
    return _points(call, [request])[0]


@post(P + "/discover/batch")
@answer
def discover_batch_points(call: Call) -> list[list[dict[str, Any]]]:
    req = call.decode(structs.DiscoverRequestBatch)
    requests = [
        wire_search.discover_request(r, f"searches[{i}]") for i, r in enumerate(req.searches)
    ]
    return _points(call, requests)


# ----------------------------------------------------------------------------- facet, matrix


@post(C + "/facet")
@answer
def facet(call: Call) -> dict[str, Any]:
    req = call.decode(structs.FacetRequest)
    points.no_shard_key(req.shard_key)
    hits = facet_counts(
        call.collection(), req.key, filter=req.filter, limit=req.limit, exact=req.exact
    )
    return {"hits": [{"value": h.value, "count": h.count} for h in hits]}


def _matrix(call: Call) -> DistanceMatrix:
    req = call.decode(structs.SearchMatrixRequest)
    points.no_shard_key(req.shard_key)
    return search_matrix(
        call.collection(),
        using=req.using if req.using is not None else DEFAULT_VECTOR,
        filter=req.filter,
        sample=req.sample,
        limit=req.limit,
    )


@post(P + "/search/matrix/pairs")
@answer
def search_matrix_pairs(call: Call) -> dict[str, Any]:
    pairs = _matrix(call).pairs()
    scores = numbers.shortest([score for _, _, score in pairs])
    return {
        "pairs": [
            {"a": a, "b": b, "score": score} for (a, b, _), score in zip(pairs, scores, strict=True)
        ]
    }


@post(P + "/search/matrix/offsets")
@answer
def search_matrix_offsets(call: Call) -> dict[str, Any]:
    matrix = _matrix(call)
    rows, cols, scores = matrix.offsets()
    return {
        "offsets_row": rows,
        "offsets_col": cols,
        "scores": numbers.shortest(scores),
        "ids": matrix.ids,
    }


HANDLERS = [
    query_points,
    query_batch_points,
    query_points_groups,
    search_points,
    search_batch_points,
    search_point_groups,
    recommend_points,
    recommend_batch_points,
    recommend_point_groups,
    discover_points,
    discover_batch_points,
    facet,
    search_matrix_pairs,
    search_matrix_offsets,
]
