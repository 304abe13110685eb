"""Text collections over the native API (TestClient on a real engine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

import vectorizer_api
from vectorizer import Engine
from vectorizer.models import Modifier, SparseVectorParams
from vectorizer.text import BINDING_KEY, chunk_text, join_chunks

DOCS = [
    {"id": 1, "text": "the cat sat on the mat", "metadata": {"lang": "en", "n": 1}},
    {"id": 2, "text": "a dog chased the cat around the garden", "metadata": {"lang": "en", "n": 2}},
    {"id": 3, "text": "le chat dort sur le tapis", "metadata": {"lang": "fr", "n": 3}},
    {"id": 4, "text": "stock markets fell sharply on monday", "metadata": {"lang": "en", "n": 4}},
    {"id": 5, "text": "the garden is full of roses and tulips", "metadata": {"lang": "en", "n": 5}},
]


def app_for(engine: Engine) -> Litestar:
    (api,) = vectorizer_api.register_http_apis(engine=engine, settings=None)
    return Litestar(route_handlers=api.route_handlers, **api.app_options)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = Engine.open(tmp_path / "data")
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient[Litestar]]:
    with TestClient(app_for(engine)) as test_client:
        yield test_client


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["message"])


def create(client: TestClient[Litestar], name: str, kind: str, **extra: Any) -> Any:
    body = {"name": name, "embedder": {"kind": kind, "params": extra.pop("params", {})}, **extra}
    return ok(client.post("/collections", json=body), 201)


def search(client: TestClient[Litestar], name: str, **body: Any) -> list[dict[str, Any]]:
    return ok(client.post(f"/collections/{name}/search", json=body))["results"]  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- collections


def test_create_reports_embedder_and_named_vector(
    client: TestClient[Litestar], engine: Engine
) -> None:
    detail = create(client, "docs", "tfidf")
    assert detail["name"] == "docs"
    (embedder,) = detail["embedders"]
    assert (embedder["vector"], embedder["kind"], embedder["output"]) == (
        "sparse",
        "tfidf",
        "sparse",
    )
    assert embedder["fitted"] is False and embedder["min_texts"] == 1
    assert "not fitted yet" in embedder["pending"]
    config = engine.get_collection("docs").config
    assert config.params.vectors == {}
    assert config.sparse_vectors == {"sparse": SparseVectorParams()}
    assert (
        config.metadata is not None
        and config.metadata[BINDING_KEY]["embedders"][0]["kind"] == "tfidf"
    )


def test_hybrid_collection_has_dense_and_idf_sparse_vectors(
    client: TestClient[Litestar], engine: Engine
) -> None:
    create(
        client, "hy", "hashing", params={"output": "dense", "dimension": 32},
        sparse_embedder={"kind": "bm25"}, distance="Dot",
    )  # fmt: skip
    params = engine.get_collection("hy").config.params
    assert params.vectors["dense"].size == 32 and params.vectors["dense"].distance == "Dot"
    assert params.sparse_vectors == {"sparse": SparseVectorParams(modifier=Modifier.IDF)}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "x", "embedder": {"kind": "nope"}}, "embedder: Unknown embedder `nope`"),
        (
            {"name": "x", "embedder": {"kind": "tfidf", "params": {"bogus": 1}}},
            "parameter `bogus`",
        ),
        (
            {"name": "x", "embedder": {"kind": "lsa"}, "dimension": 8, "chunk_size": 0},
            "chunk_size must be at least 1",
        ),
        (
            {"name": "x", "embedder": {"kind": "tfidf"}, "chunk_size": 10, "chunk_overlap": 10},
            "chunk_overlap (10) must be smaller than chunk_size (10)",
        ),
        (
            {"name": "x", "embedder": {"kind": "e5", "params": {}}, "dimension": 10},
            "",  # either the e5 extra is missing or its dimension is not 10
        ),
        (
            {"name": "x", "embedder": {"kind": "tfidf"}, "sparse_embedder": {"kind": "bm25"}},
            "sparse_embedder: a hybrid collection needs a dense `embedder`",
        ),
        (
            {
                "name": "x",
                "embedder": {"kind": "lsa"},
                "sparse_embedder": {"kind": "lsa"},
            },
            "the second embedder of a hybrid collection must be sparse",
        ),
    ],
)
def test_bad_create_names_the_field_and_creates_nothing(
    client: TestClient[Litestar], engine: Engine, body: dict[str, Any], fragment: str
) -> None:
    assert fragment in error(client.post("/collections", json=body), 400)
    assert not engine.collection_exists("x")


def test_dimension_sets_the_embedder_dimension(client: TestClient[Litestar]) -> None:
    detail = create(client, "l", "lsa", dimension=4)
    assert detail["embedders"][0]["dimension"] == 4
    assert detail["embedders"][0]["params"]["dimension"] == 4


def test_duplicate_and_missing_collections(client: TestClient[Litestar]) -> None:
    create(client, "docs", "hashing")
    assert "already exists" in error(
        client.post("/collections", json={"name": "docs", "embedder": {"kind": "hashing"}}), 409
    )
    assert (
        error(client.get("/collections/none"), 404) == "Not found: Collection `none` doesn't exist!"
    )
    assert "doesn't exist" in error(
        client.post("/collections/none/search", json={"text": "a"}), 404
    )


def test_delete_collection(client: TestClient[Litestar], engine: Engine) -> None:
    create(client, "docs", "hashing")
    assert ok(client.delete("/collections/docs")) == {"deleted": 1}
    assert not engine.collection_exists("docs")
    error(client.delete("/collections/docs"), 404)


def test_a_plain_qdrant_collection_is_listed_but_has_no_embedder(
    client: TestClient[Litestar], engine: Engine
) -> None:
    from vectorizer.models import CollectionConfig, CollectionParams, Distance, VectorParams

    vectors = {"": VectorParams(size=2, distance=Distance.DOT)}
    engine.create_collection("plain", CollectionConfig(CollectionParams(vectors=vectors)))
    create(client, "docs", "bm25")
    listed = ok(client.get("/collections"))["collections"]
    assert sorted(listed, key=lambda c: c["name"]) == [
        {"name": "docs", "points_count": 0, "embedders": ["bm25"]},
        {"name": "plain", "points_count": 0},
    ]
    assert "has no embedder" in error(client.get("/collections/plain"), 400)


# ----------------------------------------------------------------------------- documents


def test_insert_and_search_by_text(client: TestClient[Litestar]) -> None:
    create(client, "docs", "tfidf")
    result = ok(client.post("/collections/docs/documents", json={"documents": DOCS}))
    assert result == {"ids": [1, 2, 3, 4, 5], "points": 5, "pending": {}}
    hits = search(client, "docs", text="cat on a mat", limit=3)
    assert [h["id"] for h in hits][:1] == [1]
    assert hits[0] == {
        "id": 1,
        "score": pytest.approx(hits[0]["score"]),
        "document_id": 1,
        "chunk_index": 0,
        "text": "the cat sat on the mat",
        "metadata": {"lang": "en", "n": 1},
    }
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_filter_on_metadata_and_score_threshold(client: TestClient[Litestar]) -> None:
    create(client, "docs", "tfidf")
    ok(client.post("/collections/docs/documents", json={"documents": DOCS}))
    flt = {"must": [{"key": "metadata.n", "range": {"gte": 2}}]}
    hits = search(client, "docs", text="the cat garden", filter=flt)
    assert hits and all(h["metadata"]["n"] >= 2 for h in hits)
    assert 1 not in [h["id"] for h in hits]
    everything = search(client, "docs", text="the cat garden")
    cut = everything[1]["score"] - 1e-6  # just under the second score (float32 scores)
    kept = search(client, "docs", text="the cat garden", score_threshold=cut)
    assert [h["id"] for h in kept] == [h["id"] for h in everything if h["score"] >= cut]
    message = error(
        client.post(
            "/collections/docs/search",
            json={"text": "cat", "filter": {"must": [{"key": "metadata.n", "range": {"gt": "x"}}]}},
        ),
        400,
    )
    assert "filter.must[0].range.gt" in message


def test_single_document_with_generated_id(client: TestClient[Litestar]) -> None:
    create(client, "docs", "hashing")
    (doc_id,) = ok(client.post("/collections/docs/documents", json={"text": "hello world"}))["ids"]
    assert isinstance(doc_id, str) and len(doc_id) == 36
    assert ok(client.get(f"/collections/docs/documents/{doc_id}"))["text"] == "hello world"


def test_bad_documents_change_nothing(client: TestClient[Litestar], engine: Engine) -> None:
    create(client, "docs", "hashing")
    ok(client.post("/collections/docs/documents", json={"documents": DOCS[:2]}))
    bad_bodies = [
        {"documents": [{"text": "ok", "id": 9}, {"text": ""}]},
        {"documents": [{"text": "ok", "id": -1}]},
        {"documents": [{"text": "a", "id": 9}, {"text": "b", "id": 9}]},
        {"text": "a", "documents": [{"text": "b"}]},
        {"documents": [{"txt": "b"}]},
        {"text": "a", "chunk_size": 4, "chunk_overlap": 5},
    ]
    for body in bad_bodies:
        error(client.post("/collections/docs/documents", json=body), 400)
    assert engine.get_collection("docs").count() == 2


def test_chunking_reassembles_and_links_chunks(
    client: TestClient[Litestar], engine: Engine
) -> None:
    create(client, "docs", "hashing", chunk_size=12, chunk_overlap=4)
    text = "the quick brown fox jumps over the lazy dog again and again"
    ok(
        client.post(
            "/collections/docs/documents", json={"text": text, "id": 7, "metadata": {"k": 1}}
        )
    )
    doc = ok(client.get("/collections/docs/documents/7"))
    chunks = chunk_text(text, 12, 4)
    assert doc == {"id": 7, "text": text, "metadata": {"k": 1}, "chunk_count": len(chunks)}
    records = engine.get_collection("docs").scroll(limit=100).points
    assert sorted(r.payload["chunk_index"] for r in records if r.payload) == list(
        range(len(chunks))
    )
    assert all(r.payload and r.payload["document_id"] == 7 for r in records)
    hit = search(client, "docs", text="lazy dog", limit=1)[0]
    assert hit["document_id"] == 7 and "lazy" in hit["text"]
    # replaced by a shorter version: the old chunks go
    ok(client.post("/collections/docs/documents", json={"text": "short", "id": 7}))
    assert engine.get_collection("docs").count() == 1
    assert ok(client.get("/collections/docs/documents/7"))["text"] == "short"


@pytest.mark.parametrize("size", [1, 2, 5, 13])
@pytest.mark.parametrize("overlap", [0, 1, 4])
def test_chunks_join_back_exactly(size: int, overlap: int) -> None:
    if overlap >= size:
        overlap = size - 1
    for text in ["", "a", "abcdefghij", "x" * 37, "héllo wörld, chunked"]:
        chunks = chunk_text(text, size, overlap)
        assert all(len(c) <= size for c in chunks)
        assert join_chunks(chunks, overlap) == text


def test_document_list_pages_through_every_document(client: TestClient[Litestar]) -> None:
    create(client, "docs", "hashing", chunk_size=10)
    ok(client.post("/collections/docs/documents", json={"documents": DOCS}))
    seen: list[Any] = []
    offset = None
    while True:
        url = "/collections/docs/documents?limit=2" + (f"&offset={offset}" if offset else "")
        page = ok(client.get(url))
        seen += page["documents"]
        offset = page["next_offset"]
        if offset is None:
            break
    assert [d["id"] for d in seen] == [1, 2, 3, 4, 5]
    assert [d["text"] for d in seen] == [d["text"] for d in DOCS]


def test_delete_documents(client: TestClient[Litestar], engine: Engine) -> None:
    create(client, "docs", "hashing", chunk_size=10)
    ok(client.post("/collections/docs/documents", json={"documents": DOCS}))
    assert ok(client.delete("/collections/docs/documents/2")) == {"deleted": 1}
    assert ok(client.delete("/collections/docs/documents/2")) == {"deleted": 0}
    error(client.get("/collections/docs/documents/2"), 404)
    assert ok(client.post("/collections/docs/documents/delete", json={"ids": [1, 3, 99]})) == {
        "deleted": 2
    }
    remaining = {
        r.payload["document_id"]
        for r in engine.get_collection("docs").scroll(limit=99).points
        if r.payload
    }
    assert remaining == {4, 5}


# ----------------------------------------------------------------------------- fitting


def test_lsa_buffers_until_it_can_fit(client: TestClient[Litestar]) -> None:
    create(client, "l", "lsa", dimension=2)
    first = ok(client.post("/collections/l/documents", json={"documents": DOCS[:2]}))
    assert "holds at least 3 texts" in first["pending"]["dense"]
    assert "not fitted yet" in error(
        client.post("/collections/l/search", json={"text": "cat"}), 400
    )
    detail = ok(client.get("/collections/l"))
    assert detail["embedded_counts"] == {"dense": 0} and detail["chunks_count"] == 2
    assert (
        ok(client.post("/collections/l/documents", json={"documents": DOCS[2:]}))["pending"] == {}
    )
    detail = ok(client.get("/collections/l"))
    assert detail["embedded_counts"] == {"dense": 5} and detail["embedders"][0]["fitted"]
    assert len(search(client, "l", text="cat garden", limit=5)) == 5


def test_reindex_learns_new_terms(client: TestClient[Litestar]) -> None:
    create(client, "docs", "tfidf")
    ok(client.post("/collections/docs/documents", json={"documents": DOCS[:2]}))
    ok(client.post("/collections/docs/documents", json={"text": "zebras graze", "id": 9}))
    assert search(client, "docs", text="zebras") == []  # unseen at fit time
    detail = ok(client.post("/collections/docs/reindex"))
    assert detail["embedded_counts"] == {"sparse": 3}
    assert [h["id"] for h in search(client, "docs", text="zebras")] == [9]


def test_reindex_without_texts_fails_and_keeps_the_embedder(client: TestClient[Litestar]) -> None:
    create(client, "docs", "tfidf")
    assert "cannot fit on 0 texts" in error(client.post("/collections/docs/reindex"), 400)


def test_fitted_state_survives_reopening(tmp_path: Path) -> None:
    engine = Engine.open(tmp_path / "d")
    with TestClient(app_for(engine)) as client:
        create(client, "l", "lsa", dimension=3, sparse_embedder={"kind": "bm25"})
        ok(client.post("/collections/l/documents", json={"documents": DOCS}))
        before = search(client, "l", text="the cat in the garden")
    engine.close()
    engine = Engine.open(tmp_path / "d")
    try:
        with TestClient(app_for(engine)) as client:
            assert ok(client.get("/collections/l"))["embedders"][0]["fitted"] is True
            assert search(client, "l", text="the cat in the garden") == before
    finally:
        engine.close()


# ----------------------------------------------------------------------------- search kinds


@pytest.fixture
def hybrid(client: TestClient[Litestar]) -> TestClient[Litestar]:
    create(
        client, "hy", "hashing", params={"output": "dense", "dimension": 64, "analyzer": "char_wb",
        "ngram_range": [2, 3]}, sparse_embedder={"kind": "bm25"},
    )  # fmt: skip
    ok(client.post("/collections/hy/documents", json={"documents": DOCS}))
    return client


def test_hybrid_rrf_fuses_both_lists(hybrid: TestClient[Litestar]) -> None:
    dense = search(hybrid, "hy", text="cat garden", using="dense", limit=5)
    sparse = search(hybrid, "hy", text="cat garden", using="sparse", limit=5)
    fused = search(hybrid, "hy", text="cat garden", limit=5)
    assert fused == search(hybrid, "hy", text="cat garden", fusion="rrf", limit=5)
    ranks: dict[Any, float] = {}
    for hits in (dense, sparse):
        for rank, h in enumerate(hits):
            ranks[h["id"]] = ranks.get(h["id"], 0.0) + 1 / (rank + 2)
    assert [h["score"] for h in fused] == pytest.approx(sorted(ranks.values(), reverse=True)[:5])


def test_hybrid_weighted_alpha(hybrid: TestClient[Litestar]) -> None:
    dense = search(hybrid, "hy", text="cat garden", using="dense", limit=5)
    only_dense = search(hybrid, "hy", text="cat garden", alpha=1.0, limit=5)
    assert [h["id"] for h in only_dense][:1] == [dense[0]["id"]]
    assert only_dense[0]["score"] == pytest.approx(1.0)
    sparse = search(hybrid, "hy", text="cat garden", using="sparse", limit=5)
    only_sparse = search(hybrid, "hy", text="cat garden", fusion="weighted", alpha=0.0, limit=5)
    assert only_sparse[0]["id"] == sparse[0]["id"]
    assert "alpha must be between 0 and 1" in error(
        hybrid.post("/collections/hy/search", json={"text": "cat", "alpha": 2}), 400
    )


def test_batch_search_answers_in_order(hybrid: TestClient[Litestar]) -> None:
    queries = [
        {"text": "cat"},
        {"text": "roses", "using": "sparse"},
        {"text": "markets", "limit": 1},
    ]
    batch = ok(hybrid.post("/collections/hy/search/batch", json={"searches": queries}))["results"]
    assert batch == [search(hybrid, "hy", **q) for q in queries]
    message = error(
        hybrid.post(
            "/collections/hy/search/batch",
            json={"searches": [{"text": "a"}, {"text": "b", "filter": {"must": [{"nope": 1}]}}]},
        ),
        400,
    )
    assert "searches[1].filter" in message


def test_search_by_vector_and_embed(hybrid: TestClient[Litestar]) -> None:
    embedded = ok(hybrid.post("/embed", json={"collection": "hy", "texts": ["cat garden"]}))
    assert embedded["output"] == "dense" and len(embedded["embeddings"][0]) == 64
    by_vector = search(hybrid, "hy", vector=embedded["embeddings"][0], using="dense", limit=5)
    assert by_vector == search(hybrid, "hy", text="cat garden", using="dense", limit=5)
    sparse = ok(
        hybrid.post("/embed", json={"collection": "hy", "vector": "sparse", "texts": ["cat"]})
    )
    assert sparse["output"] == "sparse" and sparse["embeddings"][0]["values"] == [1.0]
    hits = search(hybrid, "hy", vector=sparse["embeddings"][0], using="sparse")
    assert {h["id"] for h in hits} == {1, 2}
    assert "needs `using`" in error(
        hybrid.post("/collections/hy/search", json={"vector": [0.0] * 64}), 400
    )
    assert "exactly one of `text` and `vector`" in error(
        hybrid.post("/collections/hy/search", json={}), 400
    )


def test_embed_with_a_fresh_embedder(client: TestClient[Litestar]) -> None:
    out = ok(
        client.post(
            "/embed",
            json={
                "texts": ["a b", "b"],
                "embedder": {"kind": "hashing", "params": {"output": "dense", "dimension": 8}},
            },
        )
    )
    assert out["output"] == "dense" and [len(v) for v in out["embeddings"]] == [8, 8]
    assert "not fitted yet" in error(
        client.post("/embed", json={"texts": ["a"], "embedder": {"kind": "tfidf"}}), 400
    )
    error(client.post("/embed", json={"texts": ["a"]}), 400)


def test_insert_raw_vectors(hybrid: TestClient[Litestar]) -> None:
    body = {
        "points": [
            {
                "id": 100,
                "vectors": {
                    "dense": [1.0] + [0.0] * 63,
                    "sparse": {"indices": [5], "values": [2.0]},
                },
                "text": "raw",
                "metadata": {"raw": True},
            }
        ]
    }
    assert ok(hybrid.post("/collections/hy/vectors", json=body))["ids"] == [100]
    hits = search(hybrid, "hy", vector=[1.0] + [0.0] * 63, using="dense", limit=1)
    assert hits[0]["id"] == 100 and hits[0]["metadata"] == {"raw": True}
    bad = {"points": [{"vectors": {"nope": [1.0]}}]}
    assert "points[0].vectors: no vector `nope`" in error(
        hybrid.post("/collections/hy/vectors", json=bad), 400
    )
    wrong_size = {"points": [{"id": 101, "vectors": {"dense": [1.0, 2.0]}}]}
    error(hybrid.post("/collections/hy/vectors", json=wrong_size), 400)
    assert hybrid.get("/collections/hy/documents/101").status_code == 404


def test_stats(hybrid: TestClient[Litestar]) -> None:
    stats = ok(hybrid.get("/stats"))
    assert stats["collections"] == 1 and stats["text_collections"] == 1
    assert stats["points"] == 5 and stats["documents"] == 5


# ----------------------------------------------------------------------------- a Qdrant collection


def _qdrant_collection(engine: Engine) -> None:
    """A collection made through the Qdrant side: dense 8-d `d`, sparse `kw`."""
    from vectorizer.models import (
        CollectionConfig,
        CollectionParams,
        Distance,
        Modifier,
        PointStruct,
        SparseVectorParams,
        VectorParams,
    )

    params = CollectionParams(
        vectors={"d": VectorParams(size=8, distance=Distance.COSINE)},
        sparse_vectors={"kw": SparseVectorParams(modifier=Modifier.IDF)},
    )
    engine.create_collection("plain", CollectionConfig(params))
    engine.get_collection("plain").upsert(
        [
            PointStruct(
                id=i, vectors={}, payload={"text": d["text"], "lang": d["metadata"]["lang"]}
            )
            for i, d in enumerate(DOCS, start=10)
        ]
    )


def test_attach_an_embedder_to_a_qdrant_collection(
    client: TestClient[Litestar], engine: Engine
) -> None:
    _qdrant_collection(engine)
    hashing = {"kind": "hashing", "params": {"output": "dense", "dimension": 8}}
    detail = ok(
        client.put("/collections/plain/embedder", json={"embedder": hashing, "vector": "d"})
    )
    assert [e["vector"] for e in detail["embedders"]] == ["d"]
    bm25 = {"embedder": {"kind": "bm25"}, "vector": "kw"}
    detail = ok(client.put("/collections/plain/embedder", json=bm25))
    # bm25 needs fitting: it is fitted at once on the stored texts, which it embeds
    assert detail["embedded_counts"] == {"d": 0, "kw": 5}
    hits = search(client, "plain", text="roses", using="kw")
    assert [(h["id"], h["document_id"], h["metadata"]) for h in hits] == [(14, 14, {"lang": "en"})]
    ok(client.post("/collections/plain/reindex"))
    assert search(client, "plain", text="roses tulips", using="d", limit=1)[0]["id"] == 14
    config = engine.get_collection("plain").config
    assert config.params.vectors["d"].size == 8  # the Qdrant config is untouched


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"embedder": {"kind": "hashing"}, "vector": "nope"}, "no sparse vector `nope`"),
        (
            {"embedder": {"kind": "lsa", "params": {"dimension": 8}}, "vector": "kw"},
            "no dense vector `kw`",
        ),
        (
            {"embedder": {"kind": "lsa"}, "vector": "d"},
            "`d` has dimension 8, the embedder `lsa` gives 128",
        ),
        ({"embedder": {"kind": "nope"}, "vector": "d"}, "Unknown embedder `nope`"),
    ],
)
def test_attach_checks_the_vector(
    client: TestClient[Litestar], engine: Engine, body: dict[str, Any], fragment: str
) -> None:
    _qdrant_collection(engine)
    assert fragment in error(client.put("/collections/plain/embedder", json=body), 400)
    assert BINDING_KEY not in (engine.get_collection("plain").config.metadata or {})


def test_the_engine_owns_its_text_collections_without_being_kept_alive(tmp_path: Path) -> None:
    import gc
    import weakref

    from vectorizer import text

    engine = Engine.open(tmp_path / "e")
    texts = engine.texts
    assert isinstance(texts, text.TextCollections) and texts.engine is engine
    docs = texts.create(text.TextCollectionSpec("docs", text.EmbedderSpec("hashing")))
    docs.insert([text.DocumentIn("a b")])
    engine.close()
    gone = weakref.ref(engine)
    del engine, texts, docs
    gc.collect()
    assert gone() is None


# ----------------------------------------------------------------------------- inference (core)


def test_infer_uses_the_bound_embedder_or_a_fresh_one(
    client: TestClient[Litestar], engine: Engine
) -> None:
    import numpy as np

    from vectorizer import BadRequest
    from vectorizer.text import DocumentInput

    create(client, "docs", "tfidf", sparse_embedder=None)
    ok(client.post("/collections/docs/documents", json={"documents": DOCS}))
    texts = engine.texts
    (bound,) = texts.infer("docs", "sparse", [DocumentInput("cat garden", "tfidf")], query=True)
    embedded = ok(client.post("/embed", json={"collection": "docs", "texts": ["cat garden"]}))
    assert bound.indices.tolist() == embedded["embeddings"][0]["indices"]
    assert bound.values.tolist() == pytest.approx(embedded["embeddings"][0]["values"])
    # options, or another kind: a fresh embedder, which must need no fitting
    with pytest.raises(BadRequest, match="not fitted yet"):
        texts.infer("docs", "sparse", [DocumentInput("cat", "tfidf", {"norm": None})], query=True)
    # Qdrant's own BM25 (`qdrant_bm25`) needs no fitting
    (bm25,) = texts.infer("docs", "sparse", [DocumentInput("cats", "Qdrant/bm25")], query=True)
    assert bm25.values.tolist() == [1.0]
    options = {"output": "dense", "dimension": 8}
    (fresh,) = texts.infer("docs", "x", [DocumentInput("cat", "hashing", options)], query=False)
    stateless = ok(
        client.post(
            "/embed",
            json={"texts": ["cat"], "embedder": {"kind": "hashing", "params": options}},
        )
    )
    assert np.asarray(fresh).tolist() == pytest.approx(stateless["embeddings"][0])
    with pytest.raises(BadRequest, match="Unknown embedder `nope`"):
        texts.infer("docs", "sparse", [DocumentInput("cat", "nope")], query=True)


def test_infer_maps_qdrant_model_names(client: TestClient[Litestar], engine: Engine) -> None:
    from vectorizer.text import DocumentInput

    create(client, "kw", "bm25")
    ok(client.post("/collections/kw/documents", json={"documents": DOCS}))
    (vector,) = engine.texts.infer(
        "kw", "sparse", [DocumentInput("garden roses", "Qdrant/bm25")], query=True
    )
    assert vector.values.tolist() == [1.0, 1.0]  # a bm25 query: 1 per term


def test_a_failed_fit_keeps_buffering_and_says_why(client: TestClient[Litestar]) -> None:
    create(client, "l", "lsa", dimension=8)
    same = [{"text": "spam spam", "id": i} for i in range(1, 11)]  # 10 texts, 1 term
    pending = ok(client.post("/collections/l/documents", json={"documents": same}))["pending"]
    assert "the last fit failed" in pending["dense"]
    detail = ok(client.get("/collections/l"))
    assert detail["embedders"][0]["fitted"] is False and detail["chunks_count"] == 10
    ok(client.post("/collections/l/documents", json={"documents": [
        {"text": f"word{i} other{i} more{i}", "id": 100 + i} for i in range(8)
    ]}))  # fmt: skip
    assert ok(client.get("/collections/l"))["embedded_counts"] == {"dense": 18}
