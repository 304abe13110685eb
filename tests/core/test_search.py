"""Search: Qdrant's score conventions, exact vs HNSW, indexing in the background."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from core_helpers import make_config, search, search_batch

from vectorizer import Engine
from vectorizer.collection import Collection
from vectorizer.errors import BadRequest
from vectorizer.models import (
    CollectionStatus,
    CollectionUpdate,
    Distance,
    HnswConfigDiff,
    PointStruct,
    SearchParams,
    WithPayload,
)
from vectorizer.query import search_request


def _fill(col: Collection, data: np.ndarray, start: int = 0) -> None:
    for lo in range(0, len(data), 500):
        col.upsert(
            [
                PointStruct(id=start + lo + i, vectors={"": v}, payload={"n": start + lo + i})
                for i, v in enumerate(data[lo : lo + 500])
            ]
        )


def _expected(distance: Distance, data: np.ndarray, q: np.ndarray) -> np.ndarray:
    if distance is Distance.COSINE:
        d = data / np.linalg.norm(data, axis=1, keepdims=True)
        return d @ (q / np.linalg.norm(q))
    if distance is Distance.DOT:
        return data @ q
    if distance is Distance.EUCLID:
        return np.linalg.norm(data - q, axis=1)
    return np.abs(data - q).sum(axis=1)


@pytest.mark.parametrize("distance", list(Distance))
def test_exact_scores_follow_qdrant(engine: Engine, rng, distance: Distance) -> None:
    engine.create_collection("c", make_config(16, distance, indexing_threshold=0))
    col = engine.get_collection("c")
    data = rng.standard_normal((300, 16)).astype(np.float32)
    _fill(col, data)
    q = rng.standard_normal(16).astype(np.float32)
    hits = search(col, q, limit=5, with_payload=WithPayload(True))
    expected = _expected(distance, data, q)
    order = np.argsort(-expected if distance in (Distance.COSINE, Distance.DOT) else expected)
    assert [h.id for h in hits] == order[:5].tolist()
    assert np.allclose([h.score for h in hits], expected[order[:5]], atol=1e-4)
    assert hits[0].payload == {"n": hits[0].id}
    # offset skips, score_threshold cuts on the right side for the distance
    page2 = search(col, q, limit=2, offset=2)
    assert [h.id for h in page2] == order[2:4].tolist()
    cut = float(expected[order[2]] + expected[order[3]]) / 2
    kept = search(col, q, limit=10, score_threshold=cut)
    assert [h.id for h in kept] == order[:3].tolist()
    # a score equal to the threshold is left out, as the Qdrant server does
    equal = search(col, q, limit=10, score_threshold=hits[2].score)
    assert [h.id for h in equal] == order[:2].tolist()


def _recall(col: Collection, data: np.ndarray, queries: np.ndarray, **params) -> float:
    normed = data / np.linalg.norm(data, axis=1, keepdims=True)
    hit = 0
    for q in queries:
        truth = set(np.argsort(-(normed @ (q / np.linalg.norm(q))))[:10].tolist())
        got = search(col, q, limit=10, params=SearchParams(**params))
        hit += len(truth & {h.id for h in got})
    return hit / (10 * len(queries))


def test_hnsw_builds_in_background_and_stays_correct(tmp_path, rng) -> None:
    data = rng.standard_normal((4000, 32)).astype(np.float32)
    queries = rng.standard_normal((50, 32)).astype(np.float32)
    with Engine.open(tmp_path / "d") as eng:
        eng.create_collection("c", make_config(32, indexing_threshold=10))
        col = eng.get_collection("c")
        _fill(col, data)
        # while indexing: unindexed rows are scanned exactly, so recall stays high
        assert _recall(col, data, queries) >= 0.95
        assert col.wait_indexed(timeout=120)
        info = col.info()
        assert info.status is CollectionStatus.GREEN
        assert info.indexed_vectors_count == 4000
        assert _recall(col, data, queries) >= 0.95
        assert _recall(col, data, queries, exact=True) == 1.0
        assert _recall(col, data, queries, hnsw_ef=256) >= 0.97
        # updates and deletes after indexing: stale graph entries never leak
        col.delete(list(range(0, 4000, 2)))
        newer = rng.standard_normal((100, 32)).astype(np.float32)
        _fill(col, newer, start=4000)
        both = np.concatenate([data, newer])
        for q in queries[:10]:
            for hit in search(col, q, limit=10):
                assert hit.id >= 4000 or hit.id % 2 == 1
        assert col.wait_indexed(timeout=120)
        assert col.info().indexed_vectors_count == 2100
        alive = np.array([i for i in range(4100) if i >= 4000 or i % 2 == 1])
        normed = both / np.linalg.norm(both, axis=1, keepdims=True)
        hit = 0
        for q in queries:
            scores = normed[alive] @ (q / np.linalg.norm(q))
            truth = set(alive[np.argsort(-scores)[:10]].tolist())
            hit += len(truth & {h.id for h in search(col, q, limit=10)})
        assert hit / (10 * len(queries)) >= 0.95
    # restart: the saved graph is reloaded (not rebuilt) and is current
    with Engine.open(tmp_path / "d") as eng:
        col = eng.get_collection("c")
        index = col.indexes[""]
        assert index is not None and index.live == 2100
        assert col.info().status is CollectionStatus.GREEN


@contextmanager
def _graph_behind(tmp_path, data: np.ndarray) -> Iterator[Collection]:
    """A collection reopened from a saved graph, then its first 100 vectors rewritten
    (negated): the graph is behind the data."""
    with Engine.open(tmp_path / "d") as eng:
        eng.create_collection("c", make_config(data.shape[1], indexing_threshold=1))
        _fill(eng.get_collection("c"), data)
        assert eng.get_collection("c").wait_indexed(timeout=60)
    with Engine.open(tmp_path / "d") as eng:
        col = eng.get_collection("c")
        _fill(col, data[:100] * -1, start=0)
        yield col


def test_index_catches_up_after_writes_behind_a_saved_index(tmp_path, rng) -> None:
    data = rng.standard_normal((2000, 16)).astype(np.float32)
    with _graph_behind(tmp_path, data) as col:
        q = -data[7]
        assert search(col, q, limit=1)[0].id == 7
        assert col.wait_indexed(timeout=60)
        assert search(col, q, limit=1)[0].id == 7


def test_changing_hnsw_params_rebuilds_the_index(engine: Engine, rng) -> None:
    engine.create_collection("c", make_config(8, indexing_threshold=1))
    col = engine.get_collection("c")
    _fill(col, rng.standard_normal((600, 8)).astype(np.float32))
    assert col.wait_indexed(timeout=60)
    first = col.indexes[""]
    engine.update_collection(
        "c", CollectionUpdate(hnsw_config=HnswConfigDiff(m=8, ef_construct=64))
    )
    assert col.wait_indexed(timeout=60)
    rebuilt = col.indexes[""]
    assert rebuilt is not None and rebuilt is not first
    assert rebuilt.config.m == 8 and rebuilt.live == 600


def test_float16_and_uint8_datatypes(engine: Engine) -> None:
    from vectorizer.models import Datatype, VectorParams

    named = {
        "h": VectorParams(size=3, distance=Distance.DOT, datatype=Datatype.FLOAT16),
        "u": VectorParams(size=3, distance=Distance.EUCLID, datatype=Datatype.UINT8),
    }
    engine.create_collection("c", make_config(named=named))
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={"h": [0.5, 1, 2], "u": [1, 2, 300]})])
    assert col.columns["h"].data.dtype == np.float16
    assert col.columns["u"].data[col.slot_of(1)].tolist() == [1, 2, 255]
    hit = search(col, [1, 1, 1], using="h", limit=1)[0]
    assert hit.score == pytest.approx(3.5)


def _same(a: list, b: list) -> None:
    assert [(p.id, p.payload, p.vectors) for p in a] == [(p.id, p.payload, p.vectors) for p in b]
    assert np.allclose([p.score for p in a], [p.score for p in b], atol=1e-6)


def test_search_batch_answers_as_one_by_one(engine: Engine, rng, monkeypatch) -> None:
    """Plain requests sharing a space, beam and limit go to hnswlib in one call; the
    answers (ids, order, scores, offset, threshold, payload) are those of `search`."""
    engine.create_collection("c", make_config(16, indexing_threshold=1))
    col = engine.get_collection("c")
    data = rng.standard_normal((600, 16)).astype(np.float32)
    _fill(col, data)
    assert col.wait_indexed(timeout=60)
    qs = rng.standard_normal((6, 16)).astype(np.float32)
    single = search(col, qs[0], limit=10)
    cut = single[4].score
    requests = [
        search_request(q, limit=5, offset=1, with_payload=WithPayload(True)) for q in qs
    ] + [
        search_request(qs[0], limit=10, score_threshold=cut),
        search_request(qs[1], limit=10, params=SearchParams(hnsw_ef=64)),
        search_request(qs[2], limit=10, params=SearchParams(exact=True)),
        search_request(qs[3].tolist(), limit=3),
        search_request(qs[4], limit=3),
    ]
    index = col.indexes[""]
    assert index is not None
    calls = []
    knn_batch = index.knn_batch
    monkeypatch.setattr(index, "knn_batch", lambda q, k: calls.append(len(q)) or knn_batch(q, k))
    batched = search_batch(col, requests)
    assert sorted(calls) == [2, 6]  # the six of limit 5 + offset 1, the two of limit 3
    assert len(batched) == len(requests)
    for request, found in zip(requests, batched, strict=True):
        _same(found, search_batch(col, [request])[0])
    assert [p.id for p in batched[6]] == [p.id for p in single[:4]]


def test_search_batch_with_a_graph_behind_stays_exact(tmp_path, rng) -> None:
    """Rows the graph lacks (rewritten after a restart) are still found in a batch."""
    data = rng.standard_normal((800, 16)).astype(np.float32)
    with _graph_behind(tmp_path, data) as col:
        requests = [search_request(-data[i], limit=1) for i in (3, 7, 9)]
        assert [r[0].id for r in search_batch(col, requests)] == [3, 7, 9]


def test_search_batch_checks_every_request_first(engine: Engine) -> None:
    engine.create_collection("c", make_config(4))
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={"": [1.0, 0, 0, 0]})])
    with pytest.raises(BadRequest, match="dimension"):
        search_batch(col, [search_request([1.0, 0, 0, 0]), search_request([1.0, 0])])
