"""Server-side BM25 over REST: `Document`s with `model: "Qdrant/bm25"` upserted and queried
rank as Qdrant's own BM25 does (the ranking derived in `tests/fixtures/bm25_reference.py`)."""

from __future__ import annotations

import pytest
from fixtures import bm25_reference as ref
from litestar.testing import TestClient
from rest_helpers import error, ok, upsert

DOCS = ref.CORPUS["documents"]


def bm25_collection(client: TestClient) -> None:
    body = {"vectors": {}, "sparse_vectors": {"bm25": {"modifier": "idf"}}}
    assert ok(client.put("/collections/c", json=body)) is True
    points = [
        {"id": i, "vector": {"bm25": {"text": text, "model": "Qdrant/bm25"}}}
        for i, text in enumerate(DOCS)
    ]
    upsert(client, points)


@pytest.mark.parametrize("text", ref.CORPUS["queries"])
def test_query_top_10_is_qdrants(client: TestClient, text: str) -> None:
    bm25_collection(client)
    body = {"query": {"text": text, "model": "qdrant/BM25"}, "using": "bm25", "limit": 10}
    points = ok(client.post("/collections/c/points/query", json=body))["points"]
    expected = ref.ranking([ref.document(d) for d in DOCS], ref.query(text))
    assert [p["id"] for p in points] == [i for i, _ in expected]
    assert [p["score"] for p in points] == pytest.approx([s for _, s in expected], rel=1e-5)


def test_stored_vector_is_the_documents_bm25(client: TestClient) -> None:
    bm25_collection(client)
    point = ok(client.get("/collections/c/points/3"))
    sparse = point["vector"]["bm25"]
    got = dict(zip(sparse["indices"], sparse["values"], strict=True))
    assert got == pytest.approx(ref.document(DOCS[3]), rel=1e-6)


def test_options_reach_the_model(client: TestClient) -> None:
    bm25_collection(client)
    doc = {"text": DOCS[0], "model": "Qdrant/bm25", "options": {"avg_len": 5.0, "k": 1.5}}
    upsert(client, [{"id": 100, "vector": {"bm25": doc}}])
    sparse = ok(client.get("/collections/c/points/100"))["vector"]["bm25"]
    got = dict(zip(sparse["indices"], sparse["values"], strict=True))
    assert got == pytest.approx(ref.document(DOCS[0], k=1.5, avg_len=5.0), rel=1e-6)


def test_bad_option_is_a_400_naming_it(client: TestClient) -> None:
    bm25_collection(client)
    doc = {"text": "x", "model": "Qdrant/bm25", "options": {"b": 3}}
    message = error(client.put("/collections/c/points", json={"points": [
        {"id": 1, "vector": {"bm25": doc}}
    ]}), 400)  # fmt: skip
    assert "`b`" in message


def test_unbuilt_option_is_a_501(client: TestClient) -> None:
    bm25_collection(client)
    body = {
        "query": {"text": "x", "model": "Qdrant/bm25", "options": {"tokenizer": "multilingual"}},
        "using": "bm25",
    }
    assert "multilingual" in error(client.post("/collections/c/points/query", json=body), 501)


def test_a_dense_target_is_refused(client: TestClient) -> None:
    body = {"vectors": {"dense": {"size": 4, "distance": "Dot"}}}
    assert ok(client.put("/collections/d", json=body)) is True
    doc = {"text": "fox", "model": "Qdrant/bm25"}
    message = error(client.put("/collections/d/points", json={"points": [
        {"id": 1, "vector": {"dense": doc}}
    ]}), 400)  # fmt: skip
    assert "sparse" in message.lower()
