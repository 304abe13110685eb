"""Acknowledged writes survive SIGKILL, and the whole collection comes back on restart."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient, models
from servers import DATASET, ServerProcess


def _load(n: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    base = np.load(DATASET / "base.npy", mmap_mode="r")[:n].astype(np.float32)
    words = (DATASET / "base_words.txt").read_text().splitlines()[:n]
    queries = np.load(DATASET / "queries.npy")[:100].astype(np.float32)
    return base, words, queries


def _recall(client: QdrantClient, base: np.ndarray, queries: np.ndarray) -> float:
    truth = np.argsort(-(queries @ base.T), axis=1)[:, :10]
    hits = 0
    for q, expected in zip(queries, truth, strict=True):
        got = client.query_points("words", query=q.tolist(), limit=10).points
        hits += len({p.id for p in got} & set(expected.tolist()))
    return hits / (10 * len(queries))


def test_sigkill_loses_no_acknowledged_write(tmp_path: Path) -> None:
    n = 10_000
    base, words, queries = _load(n)
    server = ServerProcess(tmp_path / "data").start()
    client = QdrantClient(url=server.rest_url, timeout=60)
    client.create_collection(
        "words",
        vectors_config=models.VectorParams(size=384, distance=models.Distance.COSINE),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1000),
    )
    acknowledged: list[int] = []
    stop = threading.Event()

    def batch_of(ids: list[int]) -> models.Batch:
        payloads = [{"word": words[i], "rank": i} for i in ids]
        return models.Batch(ids=ids, vectors=base[ids].tolist(), payloads=payloads)

    def writer() -> None:
        batch = 250
        for lo in range(0, n, batch):
            if stop.is_set():
                return
            ids = list(range(lo, min(lo + batch, n)))
            try:
                client.upsert("words", points=batch_of(ids), wait=True)
            except Exception:
                return  # the server died mid-request: this batch was never acknowledged
            acknowledged.extend(ids)

    thread = threading.Thread(target=writer)
    thread.start()
    while len(acknowledged) < n // 2 and thread.is_alive():
        threading.Event().wait(0.01)
    server.kill()  # SIGKILL in the middle of the writes
    stop.set()
    thread.join()
    assert len(acknowledged) >= n // 2

    server.start()
    client = QdrantClient(url=server.rest_url, timeout=60)
    assert client.count("words").count >= len(acknowledged)
    for lo in range(0, len(acknowledged), 1000):
        ids = acknowledged[lo : lo + 1000]
        records = client.retrieve("words", ids=ids, with_payload=True, with_vectors=True)
        assert sorted(r.id for r in records) == ids
        for r in records:
            assert r.payload == {"word": words[r.id], "rank": r.id}
            assert np.allclose(r.vector, base[r.id], atol=1e-3)

    # finish the load, wait for the index, check recall, and survive one more SIGKILL
    done = set(acknowledged)
    rest = [i for i in range(n) if i not in done]
    for lo in range(0, len(rest), 1000):
        client.upsert("words", points=batch_of(rest[lo : lo + 1000]), wait=True)
    assert client.count("words").count == n
    assert _recall(client, base, queries) >= 0.95
    for _ in range(600):
        if client.get_collection("words").status == models.CollectionStatus.GREEN:
            break
        threading.Event().wait(0.1)
    info = client.get_collection("words")
    assert info.status == models.CollectionStatus.GREEN
    assert info.indexed_vectors_count == n
    assert _recall(client, base, queries) >= 0.95
    server.kill()
    server.start()
    client = QdrantClient(url=server.rest_url, timeout=60)
    assert client.count("words").count == n
    assert _recall(client, base, queries) >= 0.95
    server.stop()
