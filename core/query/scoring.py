"""The score arithmetic of recommend, discover, context and relevance feedback queries, as
Qdrant computes it.

These queries compare each candidate with several example vectors through the raw
similarity of the space (`similarity`: cosine and dot as they are, Euclid the negated
squared distance, Manhattan the negated distance), and combine the similarities into one
score where higher is always better. Arrays are float32, as in Qdrant.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from vectorizer.errors import BadRequest
from vectorizer.models import Distance, SparseVector, Vector

EPSILON = np.float32(1.1920929e-7)
"""f32 machine epsilon: context queries need a positive example strictly closer."""


def similarity(distance: Distance, scores: np.ndarray) -> np.ndarray:
    """Qdrant's raw similarity from the scores a search reports in space `distance`."""
    scores = np.asarray(scores, dtype=np.float32)
    if distance is Distance.EUCLID:
        return -(scores * scores)
    if distance is Distance.MANHATTAN:
        return -scores
    return scores


def fast_sigmoid(x: np.ndarray) -> np.ndarray:
    """x / (1 + |x|): a sigmoid onto (-1, 1)."""
    x = np.asarray(x, dtype=np.float32)
    return x / (np.float32(1.0) + np.abs(x))


def scaled_fast_sigmoid(x: np.ndarray) -> np.ndarray:
    """`fast_sigmoid` moved onto (0, 1)."""
    return np.float32(0.5) * (fast_sigmoid(x) + np.float32(1.0))


def best_score(positive: Sequence[np.ndarray], negative: Sequence[np.ndarray]) -> np.ndarray:
    """`best_score` recommendation: the best similarity to a positive, sigmoid-scaled into
    (0, 1), when it beats the best similarity to a negative; else that negative one,
    sigmoid-scaled and negated into (-1, 0)."""
    size = len(positive[0]) if positive else len(negative[0])
    best_pos = np.max(positive, axis=0) if positive else np.full(size, -np.inf, np.float32)
    best_neg = np.max(negative, axis=0) if negative else np.full(size, -np.inf, np.float32)
    with np.errstate(invalid="ignore"):
        return np.where(
            best_pos > best_neg, scaled_fast_sigmoid(best_pos), -scaled_fast_sigmoid(best_neg)
        ).astype(np.float32)


def sum_scores(positive: Sequence[np.ndarray], negative: Sequence[np.ndarray]) -> np.ndarray:
    """`sum_scores` recommendation: the similarities to the positives summed, minus those
    to the negatives."""
    size = len(positive[0]) if positive else len(negative[0])
    pos = np.sum(positive, axis=0, dtype=np.float32) if positive else np.zeros(size, np.float32)
    neg = np.sum(negative, axis=0, dtype=np.float32) if negative else np.zeros(size, np.float32)
    return np.asarray(pos - neg, dtype=np.float32)


def context_ranks(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """For each candidate, the number of pairs whose positive is more similar than their
    negative, minus the number where it is less (ties count 0)."""
    ranks = np.zeros(len(pairs[0][0]), dtype=np.int64)
    for pos, neg in pairs:
        ranks += np.sign(pos - neg).astype(np.int64)
    return ranks


def discover(target: np.ndarray, pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Discovery: the context rank as the integer part, the sigmoid-scaled similarity to
    the target as the fraction."""
    closeness = scaled_fast_sigmoid(target)
    if not pairs:
        return closeness
    return (context_ranks(pairs).astype(np.float32) + closeness).astype(np.float32)


def context(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Context search: a loss summed over the pairs, 0 where the positive is (by more
    than epsilon) more similar than the negative, negative otherwise; 0 is the best."""
    total = np.zeros(len(pairs[0][0]), dtype=np.float32)
    for pos, neg in pairs:
        difference = (pos - neg - EPSILON).astype(np.float32)
        total += fast_sigmoid(np.minimum(difference, np.float32(0.0)))
    return total


def average_vector(positive: Sequence[Vector], negative: Sequence[Vector]) -> Vector:
    """`average_vector` recommendation's query: avg(positive), or
    avg(positive) + (avg(positive) - avg(negative)) when there are negatives. Sparse
    vectors average index by index (a missing index counts 0); multivectors cannot be
    averaged, so the query is every positive row and every negative row negated."""
    if not positive:
        raise BadRequest("Bad request: At least one positive vector ID required with this strategy")
    given = [*positive, *negative]
    if all(isinstance(v, SparseVector) for v in given):
        return _average_sparse(positive, negative)
    if not all(isinstance(v, np.ndarray) for v in given):
        raise BadRequest("Wrong input: Can't average vectors with different types")
    if any(v.ndim == 2 for v in given):
        rows = [np.atleast_2d(v) for v in positive] + [-np.atleast_2d(v) for v in negative]
        return np.concatenate(rows).astype(np.float32)
    if len({len(v) for v in given}) > 1:
        raise BadRequest(
            "Wrong input: Positive and negative vectors must have the same dimension for "
            "average-vector recommend"
        )
    avg_pos = np.mean(np.asarray(positive, dtype=np.float64), axis=0)
    if not negative:
        return avg_pos.astype(np.float32)
    avg_neg = np.mean(np.asarray(negative, dtype=np.float64), axis=0)
    return (avg_pos + avg_pos - avg_neg).astype(np.float32)


def _sparse_mean(vectors: Sequence[SparseVector]) -> dict[int, float]:
    total: dict[int, float] = {}
    for v in vectors:
        for index, value in zip(v.indices.tolist(), v.values.tolist(), strict=True):
            total[index] = total.get(index, 0.0) + value
    return {index: value / len(vectors) for index, value in total.items()}


def _average_sparse(
    positive: Sequence[SparseVector], negative: Sequence[SparseVector]
) -> SparseVector:
    avg = _sparse_mean(positive)
    if negative:
        avg_neg = _sparse_mean(negative)
        avg = {
            i: 2 * avg.get(i, 0.0) - avg_neg.get(i, 0.0)
            for i in sorted(avg.keys() | avg_neg.keys())
        }
    indices = sorted(avg)
    return SparseVector(
        np.asarray(indices, dtype=np.int64), np.asarray([avg[i] for i in indices], np.float32)
    )


def naive_feedback(
    target: np.ndarray, items: Sequence[tuple[np.ndarray, float]], a: float, b: float, c: float
) -> np.ndarray:
    """Relevance feedback's `naive` strategy: `a * sim(target)` plus, for each ordered pair
    of feedback examples whose scores differ by `d > 0` (more relevant first),
    `d ** b * c * (sim(more relevant) - sim(less relevant))`. `items`: each example's
    similarities to the candidates with its feedback score."""
    total = (np.float32(a) * np.asarray(target, dtype=np.float32)).astype(np.float32)
    for (better, high), (worse, low) in itertools.permutations(items, 2):
        confidence = np.float32(high) - np.float32(low)
        if confidence <= 0:
            continue
        weight = np.float32(np.power(confidence, np.float32(b)) * np.float32(c))
        total += weight * (better - worse).astype(np.float32)
    return total


def sparse_dot(a: SparseVector, b: SparseVector) -> float:
    """The dot product of two sparse vectors sorted by index (float32)."""
    _, left, right = np.intersect1d(a.indices, b.indices, assume_unique=True, return_indices=True)
    if not len(left):
        return 0.0
    products = a.values[left].astype(np.float32) * b.values[right].astype(np.float32)
    return float(products.sum(dtype=np.float32))
