"""Qdrant's score conventions per distance: how vectors are prepared, scored and ordered."""

from __future__ import annotations

import numpy as np

from vectorizer.models import Distance

_CHUNK = 8192


def higher_is_better(distance: Distance) -> bool:
    """Cosine and Dot are similarities; Euclid and Manhattan are distances."""
    return distance in (Distance.COSINE, Distance.DOT)


def prepare(distance: Distance, vectors: np.ndarray) -> np.ndarray:
    """What is stored: cosine vectors are L2-normalised on the way in, as in Qdrant."""
    if distance is not Distance.COSINE:
        return vectors
    if vectors.ndim == 1:  # one vector: the same float32 sum as below, without its overhead
        norm = np.sqrt(np.add.reduce(vectors * vectors))
        return vectors / (norm or 1.0)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def scores(
    distance: Distance, query: np.ndarray, data: np.ndarray, sqnorms: np.ndarray | None = None
) -> np.ndarray:
    """Scores of one prepared query against rows of `data` (float32 math), Qdrant's way.

    `sqnorms` (squared L2 norms of the rows) speeds up Euclid when given.
    """
    if distance in (Distance.COSINE, Distance.DOT):
        return data @ query if data.dtype == np.float32 else data.astype(np.float32) @ query
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
