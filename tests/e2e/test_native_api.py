"""The native API end to end through a `vectorizer serve` process.

Every embedder: create a text collection, insert documents, search by text; restart the
server and get the same answers (fitted state reloaded); then see the same collection
through `qdrant-client` on the Qdrant REST port (one store, two views).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import numpy as np
from qdrant_client import QdrantClient, models
from servers import ServerProcess

from vectorizer.embedders import load_embedders

DOCS = [
    {"id": 1, "text": "the cat sat on the mat", "metadata": {"lang": "en"}},
    {"id": 2, "text": "a dog chased the cat around the garden", "metadata": {"lang": "en"}},
    {"id": 3, "text": "le chat dort sur le tapis", "metadata": {"lang": "fr"}},
    {"id": 4, "text": "stock markets fell sharply on monday", "metadata": {"lang": "en"}},
    {"id": 5, "text": "the garden is full of roses and tulips", "metadata": {"lang": "en"}},
    {"id": 6, "text": "cats and dogs sleep in the sun", "metadata": {"lang": "en"}},
]
QUERIES = ["cat garden", "markets monday", "sleeping cats"]

COLLECTIONS: dict[str, dict[str, Any]] = {
    "hashing": {"embedder": {"kind": "hashing"}},
    "tfidf": {"embedder": {"kind": "tfidf"}},
    "bag_of_words": {"embedder": {"kind": "bag_of_words"}},
    "char_ngram": {"embedder": {"kind": "char_ngram"}},
    "bm25": {"embedder": {"kind": "bm25"}},
    "lsa": {"embedder": {"kind": "lsa"}, "dimension": 4},
    "e5": {"embedder": {"kind": "e5"}},
    "hybrid": {
        "embedder": {"kind": "lsa", "params": {"dimension": 3}},
        "sparse_embedder": {"kind": "bm25"},
        "chunk_size": 20,
        "chunk_overlap": 4,
    },
}


def _collections() -> dict[str, dict[str, Any]]:
    """Every collection above whose embedders are registered (`e5` needs its extra)."""
    names = set(load_embedders().names())
    return {
        name: body
        for name, body in COLLECTIONS.items()
        if body["embedder"]["kind"] in names
        and body.get("sparse_embedder", {"kind": "bm25"})["kind"] in names
    }


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _searches(native: httpx.Client, name: str) -> list[list[dict[str, Any]]]:
    return [
        _ok(native.post(f"/collections/{name}/search", json={"text": q, "limit": 4}))["results"]
        for q in QUERIES
    ]


def test_every_embedder_survives_a_restart_and_is_a_qdrant_collection(tmp_path: Path) -> None:
    collections = _collections()
    assert {"hashing", "tfidf", "bag_of_words", "char_ngram", "bm25", "lsa"} <= set(collections)
    server = ServerProcess(tmp_path / "data", native=True).start()
    try:
        native = httpx.Client(
            base_url=f"http://127.0.0.1:{server.ports['vectorizer_api']}", timeout=120
        )
        before = {}
        for name, body in collections.items():
            _ok(native.post("/collections", json={"name": name, **body}), 201)
            inserted = _ok(native.post(f"/collections/{name}/documents", json={"documents": DOCS}))
            assert inserted["ids"] == [d["id"] for d in DOCS] and inserted["pending"] == {}
            results = _searches(native, name)
            assert all(results), f"{name}: a query found nothing"
            before[name] = results
        native.close()
        assert server.stop() == 0

        server.start()
        native = httpx.Client(
            base_url=f"http://127.0.0.1:{server.ports['vectorizer_api']}", timeout=120
        )
        for name in collections:
            assert _searches(native, name) == before[name], name
            doc = _ok(native.get(f"/collections/{name}/documents/2"))
            assert doc["text"] == DOCS[1]["text"]

        client = QdrantClient(url=server.rest_url, timeout=60)
        # scroll with a filter on the metadata
        for name in collections:
            points, _ = client.scroll(
                name,
                scroll_filter=models.Filter(
                    must=[
                        models.FieldCondition(
                            key="metadata.lang", match=models.MatchValue(value="fr")
                        )
                    ]
                ),
                limit=10,
            )
            assert {p.payload["document_id"] for p in points if p.payload} == {3}
        # query_points on the named vectors gives what the native search by vector gives
        for name, using in [
            ("tfidf", "sparse"),
            ("bm25", "sparse"),
            ("lsa", "dense"),
            ("e5", "dense"),
        ]:
            if name not in collections:
                continue
            (vector,) = _ok(
                native.post("/embed", json={"collection": name, "texts": ["cat garden"]})
            )["embeddings"]
            query = models.SparseVector(**vector) if using == "sparse" else vector
            got = client.query_points(name, query=query, using=using, limit=4).points
            hits = _ok(
                native.post(
                    f"/collections/{name}/search",
                    json={"vector": vector, "using": using, "limit": 4},
                )
            )["results"]
            assert [p.id for p in got] == [h["id"] for h in hits], name
            # the same float32 scores (Qdrant's REST prints them shortest, the native API
            # as float64)
            assert [np.float32(p.score) for p in got] == [np.float32(h["score"]) for h in hits]
            assert hits == before[name][0]
        # the hybrid collection: Qdrant's prefetch + RRF equals the native hybrid search
        dense, sparse = (
            _ok(
                native.post(
                    "/embed", json={"collection": "hybrid", "vector": v, "texts": ["cat garden"]}
                )
            )["embeddings"][0]
            for v in ("dense", "sparse")
        )
        fused = client.query_points(
            "hybrid",
            prefetch=[
                models.Prefetch(query=dense, using="dense", limit=50),
                models.Prefetch(query=models.SparseVector(**sparse), using="sparse", limit=50),
            ],
            query=models.FusionQuery(fusion=models.Fusion.RRF),
            limit=4,
        ).points
        assert [(p.id, np.float32(p.score)) for p in fused] == [
            (h["id"], np.float32(h["score"])) for h in before["hybrid"][0]
        ]
        info = client.get_collection("hybrid")
        assert info.config.params.sparse_vectors["sparse"].modifier == models.Modifier.IDF
        native.close()
    finally:
        if server.running:
            server.stop()


def test_a_qdrant_collection_is_searched_by_text_once_an_embedder_is_attached(
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path / "data", native=True).start()
    try:
        client = QdrantClient(url=server.rest_url, timeout=60)
        client.create_collection(
            "products",
            vectors_config={},
            sparse_vectors_config={"kw": models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        client.upsert(
            "products",
            points=[
                models.PointStruct(
                    id=d["id"], vector={}, payload={"text": d["text"], **d["metadata"]}
                )
                for d in DOCS
            ],
        )
        native = httpx.Client(
            base_url=f"http://127.0.0.1:{server.ports['vectorizer_api']}", timeout=60
        )
        attached = _ok(
            native.put(
                "/collections/products/embedder",
                json={"embedder": {"kind": "bm25"}, "vector": "kw"},
            )
        )
        assert attached["embedded_counts"] == {"kw": len(DOCS)}
        hits = _searches(native, "products")
        ids = [h["id"] for h in hits[0]]  # "cat garden": the one with both words, then the others
        assert ids[0] == 2 and set(ids) == {1, 2, 5}
        assert hits[0][0]["metadata"] == {"lang": "en"} and hits[0][0]["text"] == DOCS[1]["text"]
        native.close()
        server.stop()
        server.start()
        native = httpx.Client(
            base_url=f"http://127.0.0.1:{server.ports['vectorizer_api']}", timeout=60
        )
        assert _searches(native, "products") == hits
        native.close()
    finally:
        if server.running:
            server.stop()
