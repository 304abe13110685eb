"""Maximal marginal relevance (MMR): re-rank nearest candidates for diversity, as Qdrant.

Qdrant's algorithm (`lib/collection/src/collection/mmr`): the first point picked is the
candidate most similar to the query; then, while fewer than `limit` are picked, the
candidate maximising

    lambda * sim(query, c) - (1 - lambda) * max(sim(c, s) for s picked)

with `lambda = 1 - diversity`. Similarities are the space's raw ones (`scoring.similarity`:
cosine and dot as they are, Euclid the negated squared distance, Manhattan the negated
distance; a sparse dot product; MaxSim for multivectors), in float32. The pending
candidates are kept as Qdrant's insertion-ordered set is (a pick is swap-removed) and a
tie goes to the last of them, as Rust's `max_by_key` does. Each point keeps its score
from the candidate search: MMR only chooses and orders.

The similarity matrix is lazy: one row per picked point, as Qdrant's `LazyMatrix`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SimilarityRow = Callable[[int], np.ndarray]
"""The similarities of candidate `i` to every candidate (float32, one per candidate)."""


def select(relevance: np.ndarray, row: SimilarityRow, diversity: float, limit: int) -> list[int]:
    """The positions of the candidates MMR picks, in the order it picks them."""
    count = len(relevance)
    if count == 0 or limit <= 0:
        return []
    relevance = np.asarray(relevance, dtype=np.float32)
    lam = np.float32(1.0) - np.float32(diversity)
    pending = np.arange(count)
    picked: list[int] = []
    max_sim = np.full(count, -np.inf, dtype=np.float32)
    scores = relevance
    while len(picked) < limit and len(pending):
        values = scores[pending]
        position = len(values) - 1 - int(np.argmax(values[::-1]))  # the last maximum
        chosen = int(pending[position])
        pending[position] = pending[-1]
        pending = pending[:-1]
        picked.append(chosen)
        if len(picked) >= limit or not len(pending):
            break
        max_sim = np.maximum(max_sim, np.asarray(row(chosen), dtype=np.float32))
        scores = (lam * relevance - (np.float32(1.0) - lam) * max_sim).astype(np.float32)
    return picked
