"""The distance matrix of a random sample of points (Qdrant's `/points/search/matrix/*`).

Semantics are Qdrant 1.14's (`lib/collection/src/collection/distance_matrix.rs`): take
`sample` points at random among those matching the filter that have the vector `using`;
fewer than two make no matrix (an empty answer). The sample is ordered by point id
(integers first, then uuids); for each sampled point, its `limit` nearest other sampled
points, best first, scored with the vector space's distance (cosine and dot: higher is
better; euclid and manhattan: lower is better). Defaults: sample 10, limit 3.

Built only on the collection's scoring building blocks (`slots_with_vector`,
`vector_at`, `prepare_query`, `score`, `distance`), so it serves any vector kind those
serve.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorizer.collection.vectors import distance as dist
from vectorizer.errors import BadRequest
from vectorizer.models import DEFAULT_VECTOR, PointId

if TYPE_CHECKING:
    from vectorizer.collection import Collection

DEFAULT_SAMPLE = 10
DEFAULT_LIMIT = 3


@dataclass(frozen=True)
class DistanceMatrix:
    """The sampled points in id order and, for each, its nearest others: `rows[i]` holds
    (offset into `ids`, score) pairs, best first."""

    ids: list[PointId]
    rows: list[list[tuple[int, float]]]

    def pairs(self) -> list[tuple[PointId, PointId, float]]:
        """(a, b, score) for each neighbour b of each sampled point a, row by row."""
        return [(self.ids[i], self.ids[j], s) for i, row in enumerate(self.rows) for j, s in row]

    def offsets(self) -> tuple[list[int], list[int], list[float]]:
        """The matrix in coordinate form: (row offsets, column offsets, scores)."""
        cells = [(i, j, s) for i, row in enumerate(self.rows) for j, s in row]
        return [c[0] for c in cells], [c[1] for c in cells], [c[2] for c in cells]


def _id_order(point_id: PointId) -> tuple[int, int]:
    """Qdrant's point id order: integers first, then uuids, each ascending."""
    return (0, point_id) if isinstance(point_id, int) else (1, uuid.UUID(point_id).int)


def _check_strict_mode(
    collection: Collection, sample: int | None, limit: int | None, flt: Any
) -> None:
    """Qdrant's checks: `limit` times `sample` (of those given) against `max_query_limit`,
    the filter; read cost: the sampling scroll's (1, plus the filter's conditions and
    the `has_vector` condition it adds). Each neighbour search is charged in `_charge`."""
    strict = collection.strict
    if not strict.active:
        return
    given = [n for n in (sample, limit) if n is not None]
    if given:
        strict.check_scroll(collection, math.prod(given), flt)
    else:
        strict.check_count(collection, flt)
    strict.charge_read(1)


def search_matrix(
    collection: Collection,
    *,
    using: str = DEFAULT_VECTOR,
    filter: Any = None,
    sample: int | None = None,
    limit: int | None = None,
    rng: np.random.Generator | None = None,
) -> DistanceMatrix:
    """The distance matrix of up to `sample` random points (default 10) matching `filter`
    that have the vector `using`, with `limit` neighbours (default 3) per point."""
    _check_strict_mode(collection, sample, limit, filter)
    size = DEFAULT_SAMPLE if sample is None else sample
    per_row = DEFAULT_LIMIT if limit is None else limit
    if size < 2:
        raise BadRequest("Wrong input: sample must be at least 2")
    if per_row < 1:
        raise BadRequest("Wrong input: limit must be at least 1")
    rng = rng if rng is not None else np.random.default_rng()
    distance = collection.distance(using)
    with collection.reading():
        candidates = collection.slots_with_vector(using, filter)
        if len(candidates) < 2:
            return DistanceMatrix([], [])
        picked = rng.choice(candidates, size=min(size, len(candidates)), replace=False)
        ids = [collection.point_id_at(s) for s in picked.tolist()]
        order = sorted(range(len(ids)), key=lambda i: _id_order(ids[i]))
        slots = picked[order]
        ids = [ids[i] for i in order]
        # Qdrant runs one search per sampled point: 1 for the search, 1 for its id filter
        collection.strict.charge_read(2 * len(ids))
        rows = []
        for i, slot in enumerate(slots.tolist()):
            query = collection.prepare_query(using, collection.vector_at(slot, using))
            others = np.delete(np.arange(len(slots)), i)
            scores = collection.score(using, query, slots[others])
            best = dist.top_k(distance, scores, per_row)
            rows.append(list(zip(others[best].tolist(), scores[best].tolist(), strict=True)))
    return DistanceMatrix(ids, rows)
