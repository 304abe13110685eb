"""Grouped queries: a query's points grouped by the values at a payload key, as Qdrant's
`lib/collection/src/grouping` does it.

A point whose key holds several values (an array) is in the group of each; only string
and integer values make groups (not floats nor booleans). The query runs in rounds, each
for `limit * group_size` points, every prefetch's limit multiplied by `limit` (the number
of groups), with the points lacking the key filtered out: first up to
`MAX_GET_GROUPS_REQUESTS` rounds leaving out the points already grouped and the groups
already full, until the `limit` best groups are full; then up to
`MAX_GROUP_FILLING_REQUESTS` rounds only among the best groups not full yet. The best
groups are those with the best best-hit, each with its best `group_size` hits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vectorizer.errors import BadRequest
from vectorizer.filters.ast import Filter, HasId, IsEmpty, MatchAny, MatchExcept
from vectorizer.filters.evaluate import values_at
from vectorizer.models import PointId, normalize_point_id
from vectorizer.payload import parse_path
from vectorizer.query.checks import check_strict, validate
from vectorizer.query.executor import (
    CollectionLookup,
    QueryRun,
    charge_reads,
    other_collection,
    run_hooks,
)
from vectorizer.query.model import GroupsRequest, Hit, PointGroup, Prefetch, WithLookup

if TYPE_CHECKING:
    from vectorizer.collection import Collection

GroupKey = str | int

MAX_GET_GROUPS_REQUESTS = 5
MAX_GROUP_FILLING_REQUESTS = 5


def _group_values(payload: dict[str, Any], key: str) -> list[GroupKey]:
    """The distinct group values of a point, in payload order."""
    values = (v for v in values_at(payload, key) if isinstance(v, str | int))
    return list(dict.fromkeys(v for v in values if not isinstance(v, bool)))


class _Aggregator:
    """The groups found so far (Qdrant's `GroupsAggregator`); `better(hit)` is larger for
    a better hit."""

    def __init__(self, request: GroupsRequest, better: Callable[[Hit], float]) -> None:
        self.limit, self.size, self.key = request.limit, request.group_size, request.group_by
        self.better = better
        self.groups: dict[GroupKey, dict[PointId, Hit]] = {}
        self.full: set[GroupKey] = set()
        self.best: dict[GroupKey, float] = {}
        self.ids: set[PointId] = set()

    def add(self, collection: Collection, hits: list[Hit]) -> None:
        with collection.reading():
            for hit in hits:
                slot = collection.slot_of(hit.id)
                if slot is None:
                    continue
                for value in _group_values(collection.payload_at(slot), self.key):
                    group = self.groups.setdefault(value, {})
                    if hit.id not in group:
                        group[hit.id] = hit
                        self.ids.add(hit.id)
                    if len(group) >= self.size:
                        self.full.add(value)
                    score = self.better(hit)
                    self.best[value] = max(self.best.get(value, score), score)

    def best_keys(self) -> list[GroupKey]:
        """The `limit` groups with the best best-hit (ties: the first found first)."""
        return sorted(self.best, key=lambda k: -self.best[k])[: self.limit]

    def filled_best(self) -> int:
        return sum(1 for k in self.best_keys() if k in self.full)

    def unfilled_best(self) -> list[GroupKey]:
        return [k for k in self.best_keys() if k not in self.full]

    def distill(self) -> list[tuple[GroupKey, list[Hit]]]:
        """The best groups, best first, each with its best `group_size` hits."""
        return [
            (k, sorted(self.groups[k].values(), key=lambda h: -self.better(h))[: self.size])
            for k in self.best_keys()
        ]


def _by_type(values: list[GroupKey]) -> list[tuple[GroupKey, ...]]:
    """Group values split as Qdrant's match conditions take them: integers, strings."""
    ints = tuple(v for v in values if isinstance(v, int))
    strings = tuple(v for v in values if isinstance(v, str))
    return [part for part in (ints, strings) if part]


def _round_filter(aggregator: _Aggregator, key: str, filling: bool) -> Filter | None:
    """What a round adds to the query's filter: the points already grouped left out, and
    the full groups left out (`filling`: only the best groups not full yet)."""
    if filling:
        must = tuple(MatchAny(key, part) for part in _by_type(aggregator.unfilled_best()))
    else:
        must = tuple(MatchExcept(key, part) for part in _by_type(list(aggregator.full)))
    must_not = (HasId(frozenset(aggregator.ids)),) if aggregator.ids else ()
    return Filter(must=must, must_not=must_not) if must or must_not else None


def _scaled(stage: Prefetch, groups: int) -> list[Prefetch]:
    """The stage's prefetches (nested too) with their limits times `groups`."""
    return [
        dataclasses.replace(p, limit=p.limit * groups, prefetch=_scaled(p, groups))
        for p in stage.prefetch
    ]


def query_groups(
    collection: Collection, request: GroupsRequest, collections: CollectionLookup
) -> list[PointGroup]:
    """The groups a grouped query answers (see the module docstring)."""
    run_hooks(collection, [request.query])
    validate(request.query)
    parse_path(request.group_by)
    if request.limit < 1 or request.group_size < 1:
        raise BadRequest("Wrong input: limit and group_size must be at least 1")
    wanted = request.limit * request.group_size
    collection.strict.check_group_by(collection, request.group_by)
    check_strict(collection, [request.query], extra=wanted)
    query = dataclasses.replace(
        request.query,
        prefetch=_scaled(request.query, request.limit),
        limit=wanted,
        offset=0,
        filter=Filter(
            must=() if request.query.filter is None else (request.query.filter,),
            must_not=(IsEmpty(request.group_by),),
        ),
    )
    run = QueryRun(collection, query, collections)
    charge_reads(collection, [run])
    aggregator = _Aggregator(request, run.better)
    for filling, rounds in (
        (False, MAX_GET_GROUPS_REQUESTS),
        (True, MAX_GROUP_FILLING_REQUESTS),
    ):
        for _ in range(rounds):
            hits = run.hits(wanted, _round_filter(aggregator, request.group_by, filling))
            if not hits:
                break
            aggregator.add(collection, hits)
            if aggregator.filled_best() >= request.limit:
                break
        if aggregator.filled_best() >= request.limit:
            break
    chosen = aggregator.distill()
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
    records = other.records(list(ids.values()), spec.with_payload, spec.with_vectors)
    by_id = {r.id: r for r in records}
    for i, point_id in ids.items():
        groups[i].lookup = by_id.get(point_id)
