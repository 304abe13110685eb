"""Route handlers of the native API: text collections, documents, search, embed.

Every handler converts its body once (`convert`) and calls `vectorizer.text`; domain
errors become the native error body (`errors`).
"""

from __future__ import annotations

from litestar import Router, delete, get, post, put
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from vectorizer import BadRequest, CollectionNotFound, Engine, __version__
from vectorizer.text import EmbedderSpec
from vectorizer_api import convert
from vectorizer_api import schemas as s

ERRORS = {
    400: ResponseSpec(s.ErrorBody, description="Bad request (the message names the field)"),
    404: ResponseSpec(s.ErrorBody, description="Collection or document not found"),
}


@get("/health", sync_to_thread=False)
def health() -> s.Health:
    """Liveness and the Vectorizer version."""
    return s.Health(status="ok", version=__version__)


def router(engine: Engine) -> Router:
    """Every native API route; the handlers close over the engine and its text collections."""
    texts = engine.texts

    # ------------------------------------------------------------------ collections

    @get("/collections", sync_to_thread=True, tags=["collections"])
    def list_collections() -> s.CollectionList:
        """Every collection (text or not): name, points count, embedder kinds."""
        summaries = []
        for name in engine.list_collections():
            try:
                collection = engine.get_collection(name)
                points = collection.info().points_count
            except CollectionNotFound:  # deleted since it was listed
                continue
            binding = texts.binding(collection)
            kinds_ = [b.kind for b in binding.embedders] if binding else []
            summaries.append(s.CollectionSummary(name=name, points_count=points, embedders=kinds_))
        return s.CollectionList(collections=summaries)

    @post("/collections", sync_to_thread=True, tags=["collections"], responses=ERRORS)
    def create_collection(data: JSONBody[s.CreateCollection]) -> s.CollectionDetail:
        """Create a text collection: its embedders feed the named vectors `dense`/`sparse`."""
        return convert.collection_detail(texts.create(convert.collection_spec(data)))

    @get("/collections/{name:str}", sync_to_thread=True, tags=["collections"], responses=ERRORS)
    def get_collection(name: FromPath[str]) -> s.CollectionDetail:
        """Counts, embedders and their fitted state."""
        return convert.collection_detail(texts.get(name))

    @delete(
        "/collections/{name:str}",
        sync_to_thread=True,
        status_code=200,
        tags=["collections"],
        responses=ERRORS,
    )
    def delete_collection(name: FromPath[str]) -> s.Deleted:
        """Delete a collection (its points, vectors and embedder state)."""
        real = engine.get_collection(name).name
        deleted = engine.delete_collection(real)
        texts.forget(real)
        return s.Deleted(deleted=int(deleted))

    @post(
        "/collections/{name:str}/reindex",
        sync_to_thread=True,
        status_code=200,
        tags=["collections"],
        responses=ERRORS,
    )
    def reindex(name: FromPath[str]) -> s.CollectionDetail:
        """Refit every embedder on the stored texts and re-embed them all."""
        text = texts.get(name)
        text.reindex()
        return convert.collection_detail(text)

    @put(
        "/collections/{name:str}/embedder",
        sync_to_thread=True,
        status_code=200,
        tags=["collections"],
        responses=ERRORS,
    )
    def attach_embedder(
        name: FromPath[str], data: JSONBody[s.AttachEmbedder]
    ) -> s.CollectionDetail:
        """Bind an embedder to a vector of any collection, so it can be searched by text."""
        spec = EmbedderSpec(data.embedder.kind, dict(data.embedder.params))
        return convert.collection_detail(texts.attach(name, spec, data.vector))

    # ------------------------------------------------------------------ documents

    @post(
        "/collections/{name:str}/documents",
        sync_to_thread=True,
        status_code=200,
        tags=["documents"],
        responses=ERRORS,
    )
    def insert_documents(name: FromPath[str], data: JSONBody[s.InsertDocuments]) -> s.InsertResult:
        """Insert one document or a batch: chunked, embedded, stored (an id replaces)."""
        text = texts.get(name)
        result = text.insert(convert.documents_in(data), data.chunk_size, data.chunk_overlap)
        return convert.insert_out(result)

    @post(
        "/collections/{name:str}/vectors",
        sync_to_thread=True,
        status_code=200,
        tags=["documents"],
        responses=ERRORS,
    )
    def insert_vectors(name: FromPath[str], data: JSONBody[s.InsertVectors]) -> s.InsertResult:
        """Insert points with vectors computed by the client (text and metadata optional)."""
        return convert.insert_out(texts.get(name).insert_vectors(convert.vector_points_in(data)))

    @get("/collections/{name:str}/documents", sync_to_thread=True, tags=["documents"])
    def list_documents(
        name: FromPath[str], offset: FromQuery[str | None] = None, limit: FromQuery[int] = 10
    ) -> s.DocumentPage:
        """A page of documents in id order; pass `next_offset` as `offset` for the next."""
        start = None if offset is None else convert.path_id(offset)
        docs, next_offset = texts.get(name).list_documents(start, limit)
        return s.DocumentPage([convert.document_out(d) for d in docs], next_offset)

    @get(
        "/collections/{name:str}/documents/{doc_id:str}",
        sync_to_thread=True,
        tags=["documents"],
        responses=ERRORS,
    )
    def get_document(name: FromPath[str], doc_id: FromPath[str]) -> s.DocumentOut:
        """A document, reassembled from its chunks."""
        return convert.document_out(texts.get(name).get_document(convert.path_id(doc_id)))

    @delete(
        "/collections/{name:str}/documents/{doc_id:str}",
        sync_to_thread=True,
        status_code=200,
        tags=["documents"],
        responses=ERRORS,
    )
    def delete_document(name: FromPath[str], doc_id: FromPath[str]) -> s.Deleted:
        """Delete a document and its chunks (`deleted`: 0 when there was none)."""
        return s.Deleted(texts.get(name).delete_documents([convert.path_id(doc_id)]))

    @post(
        "/collections/{name:str}/documents/delete",
        sync_to_thread=True,
        status_code=200,
        tags=["documents"],
        responses=ERRORS,
    )
    def delete_documents(name: FromPath[str], data: JSONBody[s.DeleteDocuments]) -> s.Deleted:
        """Delete documents by id; `deleted` counts those that existed."""
        return s.Deleted(texts.get(name).delete_documents(data.ids))

    # ------------------------------------------------------------------ search

    @post(
        "/collections/{name:str}/search",
        sync_to_thread=True,
        status_code=200,
        tags=["search"],
        responses=ERRORS,
    )
    def search(name: FromPath[str], data: JSONBody[s.SearchIn]) -> s.SearchResult:
        """Search by text or vector; hybrid (fused) when the collection has two embedders."""
        text = texts.get(name)
        return s.SearchResult(
            convert.hits_out(text.search(convert.search_spec(data, engine.condition_kinds)))
        )

    @post(
        "/collections/{name:str}/search/batch",
        sync_to_thread=True,
        status_code=200,
        tags=["search"],
        responses=ERRORS,
    )
    def search_batch(name: FromPath[str], data: JSONBody[s.BatchSearchIn]) -> s.BatchSearchResult:
        """Several searches at once, answered in order."""
        text = texts.get(name)
        specs = [
            convert.search_spec(q, engine.condition_kinds, f"searches[{i}].")
            for i, q in enumerate(data.searches)
        ]
        return s.BatchSearchResult([convert.hits_out(text.search(spec)) for spec in specs])

    # ------------------------------------------------------------------ embed, stats

    @post("/embed", sync_to_thread=True, status_code=200, tags=["embed"], responses=ERRORS)
    def embed(data: JSONBody[s.EmbedIn]) -> s.EmbedOut:
        """Text to vectors: as a collection embeds, or with a fresh (stateless) embedder."""
        if (data.collection is None) == (data.embedder is None):
            raise BadRequest("Wrong input: give either `collection` or `embedder`")
        if data.collection is not None:
            _, out = texts.get(data.collection).embed(data.texts, data.vector, data.query)
        else:
            assert data.embedder is not None
            embedder = texts.registry.build(data.embedder.kind, data.embedder.params)
            out = (
                embedder.embed_query(data.texts)
                if data.query
                else embedder.embed_documents(data.texts)
            )
        output = "dense" if not isinstance(out, list) else "sparse"
        return s.EmbedOut(output=output, embeddings=[convert.vector_out(v) for v in out])

    @get("/stats", sync_to_thread=True)
    def stats() -> s.Stats:
        """Collections, points and documents on this server."""
        names = engine.list_collections()
        points = documents = text_collections = 0
        for name in names:
            try:
                collection = engine.get_collection(name)
                points += collection.info().points_count
                if texts.binding(collection) is not None:
                    text_collections += 1
                    documents += texts.get(name).counts()["documents"]
            except CollectionNotFound:
                continue
        return s.Stats(
            version=__version__,
            collections=len(names),
            text_collections=text_collections,
            points=points,
            documents=documents,
        )

    return Router(
        path="/",
        route_handlers=[
            health,
            stats,
            list_collections,
            create_collection,
            get_collection,
            delete_collection,
            reindex,
            insert_documents,
            insert_vectors,
            list_documents,
            get_document,
            delete_document,
            delete_documents,
            search,
            search_batch,
            embed,
            attach_embedder,
        ],
    )
