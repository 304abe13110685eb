"""Fusion of several ranked lists of hits into one (Qdrant's `rrf` and `dbsf`).

Both sum, per point, a score from each list the point is in, and rank by the sum (ties
keep the order in which points were first met, list by list).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from vectorizer.models import PointId
from vectorizer.query.model import Hit


def _ranked(totals: dict[PointId, float], limit: int) -> list[Hit]:
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    return [Hit(point_id, score) for point_id, score in ranked[:limit]]


def reciprocal_rank_fusion(
    sources: Sequence[Sequence[Hit]],
    limit: int,
    k: int = 2,
    weights: Sequence[float] | None = None,
) -> list[Hit]:
    """RRF: a point at (0-based) position `i` of a list gets 1 / (k + i) from it; with
    `weights` (one per list), 1 / ((i + 1) / w + k - 1) from a list of weight `w` (nothing
    when `w <= 0`), so a weight of 3 counts each position as a third of one, as Qdrant."""
    totals: dict[PointId, float] = {}
    for n, source in enumerate(sources):
        weight = 1.0 if weights is None else float(weights[n])
        for position, hit in enumerate(source):
            if weights is None:
                score = 1.0 / (k + position)
            else:
                score = 0.0 if weight <= 0 else 1.0 / ((position + 1) / weight + k - 1)
            totals[hit.id] = totals.get(hit.id, 0.0) + score
    return _ranked(totals, limit)


def _normalized(source: Sequence[Hit]) -> list[float]:
    """DBSF's normalisation of one list: (score - (mean - 3 sd)) / (6 sd), with the sample
    standard deviation; 0.5 for every point of a list of one, or of equal scores."""
    scores = [hit.score for hit in source]
    if len(scores) == 1:
        return [0.5]
    mean = sum(scores) / len(scores)
    variance = sum((s - mean) ** 2 for s in scores) / (len(scores) - 1)
    if variance == 0:
        return [0.5] * len(scores)
    sd = math.sqrt(variance)
    low, high = mean - 3 * sd, mean + 3 * sd
    return [(s - low) / (high - low) for s in scores]


def distribution_based_score_fusion(sources: Sequence[Sequence[Hit]], limit: int) -> list[Hit]:
    """DBSF: each list's scores normalised by their distribution (`_normalized`), summed."""
    totals: dict[PointId, float] = {}
    for source in sources:
        if not source:
            continue
        for hit, score in zip(source, _normalized(source), strict=True):
            totals[hit.id] = totals.get(hit.id, 0.0) + score
    return _ranked(totals, limit)
