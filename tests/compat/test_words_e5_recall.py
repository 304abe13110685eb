"""Acceptance: real text embeddings through qdrant-client over REST, recall@10 >= 0.95.

The first 10,000 rows of the words-e5 dataset (384-d, cosine) are upserted with their
words as payload; 100 held-out queries are answered by `query_points`, and compared with
exact ground truth computed here with numpy over the same 10,000 rows. Once with the
default indexing threshold (exact search at this size), once with a tiny threshold so the
HNSW index is really built and searched.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from compat_helpers import DATASET_DIR
from qdrant_client import QdrantClient, models

N_BASE = 10_000
N_QUERIES = 100
K = 10
BATCH = 500


@pytest.fixture(scope="module")
def dataset() -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """(base vectors, their words, queries, exact top-K ids per query)."""
    base_file = DATASET_DIR / "base.npy"
    assert base_file.exists(), (
        f"words-e5 dataset not found at {DATASET_DIR}; set VECTORIZER_DATASET_DIR"
    )
    base = np.load(base_file, mmap_mode="r")[:N_BASE].astype(np.float32)
    queries = np.load(DATASET_DIR / "queries.npy", mmap_mode="r")[:N_QUERIES].astype(np.float32)
    with (DATASET_DIR / "base_words.txt").open(encoding="utf-8") as f:
        words = [next(f).rstrip("\n") for _ in range(N_BASE)]
    unit = base / np.linalg.norm(base, axis=1, keepdims=True)
    q_unit = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    truth = np.argsort(-(q_unit @ unit.T), axis=1, kind="stable")[:, :K]
    return base, words, queries, truth


def load(client: QdrantClient, name: str, base: np.ndarray, words: list[str], **config) -> None:
    client.create_collection(
        name,
        vectors_config=models.VectorParams(size=base.shape[1], distance=models.Distance.COSINE),
        **config,
    )
    for start in range(0, len(base), BATCH):
        rows = range(start, min(start + BATCH, len(base)))
        client.upsert(
            name,
            points=[
                models.PointStruct(id=i, vector=base[i].tolist(), payload={"word": words[i]})
                for i in rows
            ],
            wait=True,
        )
    assert client.count(name).count == len(base)


def recall(client: QdrantClient, name: str, queries: np.ndarray, truth: np.ndarray) -> float:
    hits = 0
    for q, expected in zip(queries, truth, strict=True):
        points = client.query_points(name, query=q.tolist(), limit=K, with_payload=True).points
        assert len(points) == K
        assert all(isinstance((p.payload or {}).get("word"), str) for p in points)
        hits += len({p.id for p in points} & set(expected.tolist()))
    value = hits / (len(queries) * K)
    print(f"recall@{K} of {name}: {value:.4f}")
    return value


@pytest.mark.slow
def test_recall_at_10_exact_and_with_hnsw_index(
    remote: QdrantClient, dataset: tuple[np.ndarray, list[str], np.ndarray, np.ndarray]
) -> None:
    base, words, queries, truth = dataset

    load(remote, "words", base, words)
    first = remote.retrieve("words", [0, N_BASE - 1], with_payload=True)
    assert [(r.payload or {}).get("word") for r in first] == [words[0], words[N_BASE - 1]]
    assert recall(remote, "words", queries, truth) >= 0.95

    load(
        remote,
        "words_hnsw",
        base,
        words,
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=100),
    )
    deadline = time.monotonic() + 240
    info = remote.get_collection("words_hnsw")
    while info.status != models.CollectionStatus.GREEN:
        assert time.monotonic() < deadline, f"index not built in time: {info.status}"
        time.sleep(0.5)
        info = remote.get_collection("words_hnsw")
    assert info.indexed_vectors_count == N_BASE
    assert info.points_count == N_BASE
    assert recall(remote, "words_hnsw", queries, truth) >= 0.95
