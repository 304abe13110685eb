"""Grouped queries: a query's points grouped by the values at a payload key.

Groups come in the order of their best point (the order of the query's results), each
with its best `group_size` points; a point whose key holds several values (an array)
is in the group of each. Only string and integer values make groups (not floats nor
booleans), as in Qdrant.

The query runs for more and more points until the first `limit` groups are known and
full, or the query has no more points: the result is what grouping all of the query's
results would give.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vectorizer.errors import BadRequest
from vectorizer.filters.evaluate import values_at
from vectorizer.models import PointId, normalize_point_id
from vectorizer.payload import parse_path
from vectorizer.query.executor import (
    CollectionLookup,
    QueryRun,
    charge_reads,
    check_strict,
    other_collection,
    validate,
)
from vectorizer.query.model import GroupsRequest, Hit, PointGroup, WithLookup

if TYPE_CHECKING:
    from vectorizer.collection import Collection

GroupKey = str | int

FIRST_FETCH = 64
"""The least number of points the first round asks the query for."""


def _group_values(payload: dict[str, Any], key: str) -> list[GroupKey]:
    """The distinct group values of a point, in payload order."""
    values = (v for v in values_at(payload, key) if isinstance(v, str | int))
    return list(dict.fromkeys(v for v in values if not isinstance(v, bool)))


def _group(
    collection: Collection, hits: list[Hit], request: GroupsRequest
) -> dict[GroupKey, list[Hit]]:
    """Hits into groups, in the order met, at most `group_size` each."""
    groups: dict[GroupKey, list[Hit]] = {}
    with collection.reading():
        for hit in hits:
            slot = collection.slot_of(hit.id)
            if slot is None:
                continue
            for value in _group_values(collection.payload_at(slot), request.group_by):
                members = groups.setdefault(value, [])
                if len(members) < request.group_size:
                    members.append(hit)
    return groups


def _settled(groups: dict[GroupKey, list[Hit]], request: GroupsRequest) -> bool:
    """Whether the first `limit` groups are known and full."""
    first = list(groups.values())[: request.limit]
    return len(first) == request.limit and all(len(g) == request.group_size for g in first)


def query_groups(
    collection: Collection, request: GroupsRequest, collections: CollectionLookup
) -> list[PointGroup]:
    """The groups a grouped query answers (see the module docstring)."""
    validate(request.query)
    parse_path(request.group_by)
    if request.limit < 1 or request.group_size < 1:
        raise BadRequest("Wrong input: limit and group_size must be at least 1")
    wanted = request.limit * request.group_size
    collection.strict.check_group_by(collection, request.group_by)
    check_strict(collection, [request.query], extra=wanted)
    run = QueryRun(collection, request.query, collections)
    charge_reads(collection, [run])
    with collection.strict.suspended():
        fetch = max(FIRST_FETCH, 2 * wanted)
        while True:
            hits = run.hits(fetch)
            groups = _group(collection, hits, request)
            if len(hits) < fetch or _settled(groups, request):
                break
            fetch *= 4
        chosen = list(groups.items())[: request.limit]
        members = list({h.id: h for _, group in chosen for h in group}.values())
        points = {p.id: p for p in run.materialize(members, request.query)}
    result = [
        PointGroup(value, [points[h.id] for h in group if h.id in points])
        for value, group in chosen
    ]
    if request.with_lookup is not None:
        _look_up(result, request.with_lookup, collections)
    return result


def _look_up(groups: list[PointGroup], spec: WithLookup, collections: CollectionLookup) -> None:
    """Attach to each group the point of `spec.collection` whose id is the group value
    (none when the value is not a point id or there is no such point)."""
    other = other_collection(collections, spec.collection)
    ids: dict[int, PointId] = {}
    for i, group in enumerate(groups):
        try:
            ids[i] = normalize_point_id(group.id)
        except BadRequest:
            continue
    with other.strict.suspended():
        records = other.retrieve(list(ids.values()), spec.with_payload, spec.with_vectors)
    by_id = {r.id: r for r in records}
    for i, point_id in ids.items():
        groups[i].lookup = by_id.get(point_id)
