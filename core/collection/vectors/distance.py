"""Qdrant's score conventions per distance: how vectors are prepared, scored and ordered."""

from __future__ import annotations

import numpy as np

from vectorizer.models import Distance

_CHUNK = 8192


def higher_is_better(distance: Distance) -> bool:
    """Cosine and Dot are similarities; Euclid and Manhattan are distances."""
    return distance in (Distance.COSINE, Distance.DOT)


SEQUENTIAL_BELOW = 16
"""Qdrant's `MIN_DIM_SIZE_SIMD`: vectors of fewer dimensions are scored (and normalised)
one number at a time, summed left to right in float32. Doing the same below this size
gives the very scores Qdrant gives; above it Qdrant's SIMD order is not reproduced (BLAS
sums differ from it in the last bits)."""

_EPSILON = float(np.finfo(np.float32).eps)


def _sequential_sum(terms: np.ndarray) -> np.ndarray:
    """Sums along the last axis, left to right in float32 (Qdrant's plain loop)."""
    total = terms[..., 0].astype(np.float32, copy=True)
    for j in range(1, terms.shape[-1]):
        total += terms[..., j]
    return total


def squared_lengths(vectors: np.ndarray) -> np.ndarray:
    """The squared L2 length of each vector (the last axis), in float32, summed as Qdrant
    sums it below `SEQUENTIAL_BELOW` dimensions."""
    as32 = vectors.astype(np.float32, copy=False)
    if 0 < as32.shape[-1] < SEQUENTIAL_BELOW:
        return _sequential_sum(as32 * as32)
    return np.einsum("...i,...i->...", as32, as32, dtype=np.float32)


def prepare(distance: Distance, vectors: np.ndarray) -> np.ndarray:
    """What is stored: cosine vectors (one, or one per row) are L2-normalised on the way
    in, as in Qdrant, but for a zero vector and one whose squared length is within 1e-6
    of 1 already (Qdrant's `is_length_zero_or_normalized`: normalising again is stable)."""
    if distance is not Distance.COSINE:
        return vectors
    vectors = vectors.astype(np.float32, copy=False)
    length = squared_lengths(vectors)
    if vectors.ndim == 1:  # one vector: the same float32 math, without the array overhead
        if length < _EPSILON or abs(length - np.float32(1.0)) <= np.float32(1e-6):
            return vectors
        return vectors / np.sqrt(length)
    keep = (length < _EPSILON) | (np.abs(length - np.float32(1.0)) <= 1e-6)
    norms = np.where(keep, np.float32(1.0), np.sqrt(length))
    return vectors / norms[:, None]


def scores(
    distance: Distance, query: np.ndarray, data: np.ndarray, sqnorms: np.ndarray | None = None
) -> np.ndarray:
    """Scores of one prepared query against rows of `data` (float32 math), Qdrant's way.

    `sqnorms` (squared L2 norms of the rows) speeds up Euclid when given. Rows of fewer
    than `SEQUENTIAL_BELOW` dimensions are scored as Qdrant does, number by number. Cosine
    over uint8 rows (stored as given, not normalised, as in Qdrant) divides the dot
    product by both lengths; a zero vector scores 0.
    """
    if data.shape[-1] < SEQUENTIAL_BELOW and len(data):
        return _scores_sequential(distance, query, data)
    if distance in (Distance.COSINE, Distance.DOT):
        dots = data @ query if data.dtype == np.float32 else data.astype(np.float32) @ query
        if distance is Distance.COSINE and data.dtype == np.uint8:
            if sqnorms is None:
                sqnorms = squared_lengths(data)
            return _cosine_of(dots, sqnorms, squared_lengths(query))
        return dots
    if distance is Distance.EUCLID:
        if sqnorms is None:
            sqnorms = np.einsum("ij,ij->i", data, data, dtype=np.float32)
        dots = data @ query if data.dtype == np.float32 else data.astype(np.float32) @ query
        sq = sqnorms - 2.0 * dots + float(query @ query)
        return np.sqrt(np.maximum(sq, 0.0, out=sq), out=sq)
    out = np.empty(len(data), dtype=np.float32)
    for start in range(0, len(data), _CHUNK):
        block = data[start : start + _CHUNK].astype(np.float32, copy=False)
        out[start : start + len(block)] = np.abs(block - query).sum(axis=1)
    return out


def _cosine_of(dots: np.ndarray, sqnorms: np.ndarray, query_sqnorm: np.ndarray) -> np.ndarray:
    """Qdrant's cosine of unnormalised (uint8) vectors: dot / sqrt(|a|^2 |b|^2), 0 when
    either is a zero vector."""
    product = (sqnorms * np.float32(query_sqnorm)).astype(np.float32, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (dots / np.sqrt(product)).astype(np.float32, copy=False)
    out[product == 0] = 0.0
    return out


def _scores_sequential(distance: Distance, query: np.ndarray, data: np.ndarray) -> np.ndarray:
    """`scores` for short rows, summed left to right in float32 as Qdrant's plain loop:
    the very score Qdrant computes (uint8 values, integers, sum exactly either way)."""
    rows = data.astype(np.float32, copy=False)
    q = query.astype(np.float32, copy=False)
    if distance in (Distance.COSINE, Distance.DOT):
        total = rows[:, 0] * q[0]
        for j in range(1, rows.shape[1]):
            total += rows[:, j] * q[j]
        if distance is Distance.COSINE and data.dtype == np.uint8:
            return _cosine_of(total, squared_lengths(rows), squared_lengths(q))
        return total
    total = np.zeros(len(rows), dtype=np.float32)
    for j in range(rows.shape[1]):
        diff = rows[:, j] - q[j]
        total += diff * diff if distance is Distance.EUCLID else np.abs(diff)
    return np.sqrt(total, out=total) if distance is Distance.EUCLID else total


def passes_threshold(distance: Distance, score: np.ndarray, threshold: float) -> np.ndarray:
    """`score_threshold` keeps scores strictly better than it, as the Qdrant server does
    (qdrant/qdrant-client#1386): > for similarities, < for distances."""
    return score > threshold if higher_is_better(distance) else score < threshold


def top_k(distance: Distance, score: np.ndarray, k: int) -> np.ndarray:
    """Positions of the best `k` scores, best first."""
    if k <= 0 or len(score) == 0:
        return np.empty(0, dtype=np.int64)
    keyed = -score if higher_is_better(distance) else score
    if k < len(keyed):
        part = np.argpartition(keyed, k - 1)[:k]
        return part[np.argsort(keyed[part], kind="stable")]
    return np.argsort(keyed, kind="stable")


def hnsw_space(distance: Distance) -> str | None:
    """The hnswlib space for a distance, or None where hnswlib has none (Manhattan)."""
    return {Distance.COSINE: "ip", Distance.DOT: "ip", Distance.EUCLID: "l2"}.get(distance)


def from_hnsw(distance: Distance, raw: np.ndarray) -> np.ndarray:
    """Turn hnswlib's distances into Qdrant scores."""
    if distance is Distance.EUCLID:
        return np.sqrt(np.maximum(raw, 0.0))
    return 1.0 - raw
