"""The search family over the core's query engine: the universal Query API (`query`, its
batch and groups) and the legacy `search`, `recommend` and `discover` endpoints (with
their batches and groups), each converted once into a core query (`query.py`,
`convert.search_request`) and run by the one executor."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from litestar import post

import vectorizer
from vectorizer import query as engine_query
from vectorizer.query import GroupsRequest, QueryRequest
from vectorizer_qdrant_rest import convert, query, structs
from vectorizer_qdrant_rest.endpoint import Call, P, answer
from vectorizer_qdrant_rest.errors import ValidationFailed

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
    return [query.scored_list_out(points, unnamed) for points in results]


def _groups(call: Call, request: GroupsRequest) -> dict[str, Any]:
    """Run a grouped query against the path's collection: GroupsResult."""
    collection = call.collection()
    groups = engine_query.query_groups(collection, request, call.engine.get_collection)
    lookup_unnamed = False
    if request.with_lookup is not None:
        other: vectorizer.Collection = call.engine.get_collection(request.with_lookup.collection)
        lookup_unnamed = other.config.unnamed
    return query.groups_out(groups, collection.config.unnamed, lookup_unnamed)


# ----------------------------------------------------------------------------- query


@post(P + "/query")
@answer
def query_points(call: Call) -> dict[str, Any]:
    request = query.query_request(_decode(call, structs.QueryRequest), call.engine.condition_kinds)
    return {"points": _points(call, [request])[0]}


@post(P + "/query/batch")
@answer
def query_batch_points(call: Call) -> list[dict[str, Any]]:
    req = _decode(call, structs.QueryRequestBatch)
    kinds = call.engine.condition_kinds
    requests = [query.query_request(q, kinds, f"searches[{i}]") for i, q in enumerate(req.searches)]
    return [{"points": points} for points in _points(call, requests)]


@post(P + "/query/groups")
@answer
def query_points_groups(call: Call) -> dict[str, Any]:
    req = _decode(call, structs.QueryGroupsRequest)
    return _groups(call, query.query_groups_request(req, call.engine.condition_kinds))


# ----------------------------------------------------------------------------- legacy


@post(P + "/search")
@answer
def search_points(call: Call) -> list[dict[str, Any]]:
    return _points(call, [convert.search_request(call.decode(structs.SearchRequest))])[0]


@post(P + "/search/batch")
@answer
def search_batch_points(call: Call) -> list[list[dict[str, Any]]]:
    req = call.decode(structs.SearchRequestBatch)
    return _points(call, [convert.search_request(s) for s in req.searches])


@post(P + "/search/groups")
@answer
def search_point_groups(call: Call) -> dict[str, Any]:
    return _groups(call, query.search_groups_request(call.decode(structs.SearchGroupsRequest)))


@post(P + "/recommend")
@answer
def recommend_points(call: Call) -> list[dict[str, Any]]:
    request = query.recommend_request(_decode(call, structs.RecommendRequest))
    return _points(call, [request])[0]


@post(P + "/recommend/batch")
@answer
def recommend_batch_points(call: Call) -> list[list[dict[str, Any]]]:
    req = _decode(call, structs.RecommendRequestBatch)
    requests = [query.recommend_request(r, f"searches[{i}]") for i, r in enumerate(req.searches)]
    return _points(call, requests)


@post(P + "/recommend/groups")
@answer
def recommend_point_groups(call: Call) -> dict[str, Any]:
    req = call.decode(structs.RecommendGroupsRequest)
    return _groups(call, query.recommend_groups_request(req))


@post(P + "/discover")
@answer
def discover_points(call: Call) -> list[dict[str, Any]]:
    request = query.discover_request(call.decode(structs.DiscoverRequest))
    return _points(call, [request])[0]


@post(P + "/discover/batch")
@answer
def discover_batch_points(call: Call) -> list[list[dict[str, Any]]]:
    req = call.decode(structs.DiscoverRequestBatch)
    requests = [query.discover_request(r, f"searches[{i}]") for i, r in enumerate(req.searches)]
    return _points(call, requests)


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
]
