"""Text collections: ordinary collections that embed their own text.

A text collection is a collection of the core like any other (one store, two views).
Its embedders are bound to named vectors: a dense embedder feeds the dense vector
`dense`, a sparse one the sparse vector `sparse` (with Qdrant's `modifier: idf` for
`bm25`). Each document is stored as one point per chunk, its payload holding `text`
(the chunk), `metadata`, `document_id`, `chunk_index` and `chunk_count`. The first
chunk's point id is the document id; chunk i > 0 has the id `uuid5(document id, i)`.

The binding (embedder kinds, params, vector names, chunking) is kept in the collection
config's `metadata` under `vectorizer_text`, so it is persisted and reported like any
config. The fitted state of each embedder is written atomically to the store's folder
for the collection (`embedder-<vector>.state`) after every fit, and read back on start.

Embedders that need fitting buffer: documents are stored unembedded until the
collection holds at least `min_texts` texts, then the embedder is fitted on all stored
texts and every one is embedded. Until then searching that vector answers `NotFitted`.
Terms first seen after a fit count only after `reindex` (refit and re-embed).

The engine owns one `TextCollections` (`engine.texts`), shared by every API that embeds
text. Modules: `binding` (what binds embedders to vectors), `chunks`, `documents` (the
types in and out), `collection` (`TextCollection`), `service` (`TextCollections`).
"""

from __future__ import annotations

from vectorizer.models import DocumentInput
from vectorizer.text.binding import (
    BINDING_KEY,
    EmbedderBinding,
    EmbedderSpec,
    TextBinding,
    TextCollectionSpec,
)
from vectorizer.text.chunks import check_chunking, chunk_id, chunk_text, join_chunks
from vectorizer.text.collection import TextCollection, state_file
from vectorizer.text.documents import (
    RESERVED_KEYS,
    Document,
    DocumentIn,
    InsertResult,
    SearchHit,
    SearchSpec,
    VectorPointIn,
)
from vectorizer.text.service import MODEL_ALIASES, TextCollections

__all__ = [
    "BINDING_KEY",
    "MODEL_ALIASES",
    "RESERVED_KEYS",
    "Document",
    "DocumentIn",
    "DocumentInput",
    "EmbedderBinding",
    "EmbedderSpec",
    "InsertResult",
    "SearchHit",
    "SearchSpec",
    "TextBinding",
    "TextCollection",
    "TextCollectionSpec",
    "TextCollections",
    "VectorPointIn",
    "check_chunking",
    "chunk_id",
    "chunk_text",
    "join_chunks",
    "state_file",
]
