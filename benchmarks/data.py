"""The data every part measures on: words-e5 slices, or seeded random vectors for 1M.

words-e5 (``../shared/datasets/words-e5``, or ``VECTORIZER_DATASET_DIR``) holds 100,000
real 384-dimension embeddings, 1,000 queries and their exact top-100. A slice of it gets
exact ground truth from numpy. Nothing is downloaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATASET = Path(os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared/datasets/words-e5"))
DIM = 384
K = 10
BUCKETS = 100  # payload "bucket": an integer in [0, 100), 1 % of the points each


@dataclass
class Dataset:
    """Points (row i has id i), queries, exact top-10 ids, and a payload column."""

    name: str
    vectors: np.ndarray  # (n, dim) float32, L2-normalised
    queries: np.ndarray  # (q, dim) float32
    truth: np.ndarray  # (q, K) int64: exact nearest ids by cosine
    bucket: np.ndarray  # (n,) int64 payload values
    random: bool = False

    @property
    def n(self) -> int:
        return len(self.vectors)


def load(n: int, n_queries: int, random: bool = False) -> Dataset:
    """`n` points of words-e5 (or, `random`, seeded unit vectors of the same dimension)."""
    rng = np.random.default_rng(0)
    if random:
        vectors = _unit(rng.standard_normal((n, DIM), dtype=np.float32))
        queries = _unit(rng.standard_normal((n_queries, DIM), dtype=np.float32))
        name = f"random {n:,} x {DIM} (not words-e5)"
    else:
        vectors = np.load(DATASET / "base.npy", mmap_mode="r")[:n].astype(np.float32)
        queries = np.load(DATASET / "queries.npy")[:n_queries].astype(np.float32)
        name = f"words-e5 {n:,} x {DIM}"
    if not random and n == 100_000:
        truth = np.load(DATASET / "gt_ids.npy")[:n_queries, :K].astype(np.int64)
    else:
        truth = exact_top(vectors, queries)
    bucket = np.random.default_rng(1).integers(0, BUCKETS, n)
    return Dataset(name, vectors, queries, truth, bucket, random)


def _unit(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def exact_top(
    vectors: np.ndarray, queries: np.ndarray, allowed: np.ndarray | None = None
) -> np.ndarray:
    """Exact top-K ids (among `allowed` rows) by cosine (dot of unit vectors), in chunks."""
    out = np.empty((len(queries), K), dtype=np.int64)
    rows = vectors if allowed is None else vectors[allowed]
    if allowed is None:
        allowed = np.arange(len(vectors))
    for lo in range(0, len(queries), 100):
        scores = queries[lo : lo + 100] @ rows.T
        best = np.argpartition(-scores, K, axis=1)[:, :K]
        order = np.take_along_axis(scores, best, 1).argsort(axis=1)[:, ::-1]
        out[lo : lo + 100] = allowed[np.take_along_axis(best, order, 1)]
    return out


def recall(got: list[list[Any]], truth: np.ndarray) -> float:
    """Mean recall@K (= precision@K at limit K) of result id lists against `truth` rows."""
    hits = sum(len(set(g[:K]) & set(t.tolist())) for g, t in zip(got, truth, strict=False))
    return hits / (K * max(1, len(got)))


FILTERS = {"bucket = 3 (1%)": ("eq", 3), "bucket < 10 (10%)": ("lt", 10)}
"""Filtered search: name -> (op, value) on the integer payload field `bucket`."""


def filter_mask(data: Dataset, spec: tuple[str, int]) -> np.ndarray:
    op, value = spec
    return data.bucket == value if op == "eq" else data.bucket < value
