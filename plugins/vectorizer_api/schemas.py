"""The native API's JSON bodies (msgspec Structs)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

PointIdJson = int | str
DistanceName = Literal["Cosine", "Dot", "Euclid", "Manhattan"]


class Health(msgspec.Struct):
    status: str
    version: str


class Stats(msgspec.Struct):
    version: str
    collections: int
    text_collections: int
    points: int
    documents: Annotated[int, Meta(description="Documents of the text collections.")]


class CollectionSummary(msgspec.Struct, omit_defaults=True):
    name: str
    points_count: int
    embedders: Annotated[
        list[str],
        Meta(
            description="Kinds of the collection's embedders (none: an ordinary Qdrant collection)."
        ),
    ] = []


class CollectionList(msgspec.Struct):
    collections: list[CollectionSummary]


# ----------------------------------------------------------------------------- collections


class EmbedderIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Annotated[
        str,
        Meta(
            description=(
                "An embedder kind: `hashing`, `tfidf`, `bag_of_words`, `char_ngram`, "
                "`bm25`, `lsa`, `e5`."
            )
        ),
    ]
    params: dict[str, Any] = {}


class CreateCollection(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    embedder: EmbedderIn
    sparse_embedder: Annotated[
        EmbedderIn | None,
        Meta(
            description=(
                "A second, sparse embedder (e.g. `bm25`) next to a dense `embedder`: hybrid search."
            )
        ),
    ] = None
    distance: Annotated[DistanceName, Meta(description="Distance of the dense vector.")] = "Cosine"
    dimension: Annotated[
        int | None,
        Meta(
            description=(
                "The dense dimension (must match the embedder's; sets its `dimension` "
                "param if unset)."
            )
        ),
    ] = None
    chunk_size: Annotated[
        int | None,
        Meta(
            description=(
                "Cut documents into chunks of this many characters (null: one chunk per document)."
            )
        ),
    ] = None
    chunk_overlap: int = 0
    metadata: dict[str, Any] | None = None


class AttachEmbedder(msgspec.Struct, forbid_unknown_fields=True):
    embedder: EmbedderIn
    vector: Annotated[
        str,
        Meta(
            description=(
                "The collection's vector it feeds: a dense vector of its dimension, or "
                'a sparse one ("" is the unnamed vector).'
            )
        ),
    ]


class EmbedderOut(msgspec.Struct):
    vector: Annotated[
        str, Meta(description="The named vector of the collection it feeds (`dense` or `sparse`).")
    ]
    kind: str
    params: dict[str, Any]
    output: str
    dimension: int | None
    fitted: bool
    min_texts: Annotated[int, Meta(description="Texts it needs to fit (0: it needs no fitting).")]
    pending: Annotated[
        str | None,
        Meta(description="Why the stored texts are not embedded yet (null when they are)."),
    ]


class CollectionDetail(msgspec.Struct):
    name: str
    points_count: int
    documents_count: int | None
    chunks_count: int | None
    embedders: list[EmbedderOut]
    chunk_size: int | None
    chunk_overlap: int
    embedded_counts: Annotated[
        dict[str, int], Meta(description="Vector name -> texts embedded into it.")
    ]


# ----------------------------------------------------------------------------- documents


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    id: PointIdJson | None = None
    metadata: dict[str, Any] | None = None


class InsertDocuments(msgspec.Struct, forbid_unknown_fields=True):
    """One document (`text`, `id`, `metadata`) or a batch (`documents`)."""

    documents: list[DocumentIn] | None = None
    text: str | None = None
    id: PointIdJson | None = None
    metadata: dict[str, Any] | None = None
    chunk_size: Annotated[
        int | None, Meta(description="Overrides the collection's chunking for these documents.")
    ] = None
    chunk_overlap: int | None = None


class InsertResult(msgspec.Struct):
    ids: Annotated[
        list[PointIdJson], Meta(description="The document (or point) ids, in the order given.")
    ]
    points: Annotated[int, Meta(description="Points written (one per chunk).")]
    pending: Annotated[
        dict[str, str],
        Meta(description="Vector name -> why its embedder has not embedded the stored texts yet."),
    ]


class SparseVectorJson(msgspec.Struct, forbid_unknown_fields=True):
    indices: list[int]
    values: list[float]


VectorJson = list[float] | SparseVectorJson


class VectorPoint(msgspec.Struct, forbid_unknown_fields=True):
    vectors: Annotated[
        dict[str, VectorJson],
        Meta(description="Vector name (`dense`, `sparse`) -> a dense list or `{indices, values}`."),
    ]
    id: PointIdJson | None = None
    text: str | None = None
    metadata: dict[str, Any] | None = None


class InsertVectors(msgspec.Struct, forbid_unknown_fields=True):
    points: list[VectorPoint]


class DocumentOut(msgspec.Struct):
    id: PointIdJson
    text: str
    metadata: dict[str, Any] | None
    chunk_count: int


class DocumentPage(msgspec.Struct):
    documents: list[DocumentOut]
    next_offset: PointIdJson | None


class Deleted(msgspec.Struct):
    deleted: int


class DeleteDocuments(msgspec.Struct, forbid_unknown_fields=True):
    ids: list[PointIdJson]


# ----------------------------------------------------------------------------- search


class SearchIn(msgspec.Struct, forbid_unknown_fields=True):
    text: str | None = None
    vector: VectorJson | None = None
    using: Annotated[
        str | None,
        Meta(
            description=(
                "The vector to search (`dense` or `sparse`); with two and none given: hybrid."
            )
        ),
    ] = None
    limit: int = 10
    filter: Annotated[
        dict[str, Any] | None,
        Meta(
            description=(
                "A Qdrant filter over the payload (`metadata.<key>`, `document_id`, `text`...)."
            )
        ),
    ] = None
    score_threshold: float | None = None
    fusion: Annotated[
        Literal["rrf", "weighted"] | None,
        Meta(description="Hybrid fusion: `rrf` (default) or `weighted` (`alpha`)."),
    ] = None
    alpha: Annotated[
        float | None,
        Meta(description="Weight of the dense scores in a `weighted` fusion (0..1, default 0.5)."),
    ] = None


class SearchHitOut(msgspec.Struct):
    id: PointIdJson
    score: float
    document_id: PointIdJson | None
    chunk_index: int | None
    text: str | None
    metadata: dict[str, Any] | None


class SearchResult(msgspec.Struct):
    results: list[SearchHitOut]


class BatchSearchIn(msgspec.Struct, forbid_unknown_fields=True):
    searches: list[SearchIn]


class BatchSearchResult(msgspec.Struct):
    results: list[list[SearchHitOut]]


# ----------------------------------------------------------------------------- embed


class EmbedIn(msgspec.Struct, forbid_unknown_fields=True):
    texts: list[str]
    collection: Annotated[
        str | None, Meta(description="Embed as this collection does (its fitted embedders).")
    ] = None
    vector: Annotated[
        str | None, Meta(description="Which of the collection's vectors (default: its first).")
    ] = None
    embedder: Annotated[
        EmbedderIn | None, Meta(description="Or a fresh embedder (kinds that need no fitting).")
    ] = None
    query: Annotated[bool, Meta(description="Embed as search queries (true) or as documents.")] = (
        True
    )


class EmbedOut(msgspec.Struct):
    output: str
    embeddings: list[VectorJson]


# ----------------------------------------------------------------------------- errors


class ErrorDetail(msgspec.Struct, omit_defaults=True):
    code: Annotated[
        str,
        Meta(
            description=(
                "A stable slug derived from the HTTP status: `not_found`, `not_implemented`, ..."
            )
        ),
    ]
    message: str
    details: Annotated[
        Any,
        Meta(
            description=(
                "Extra context when there is some (e.g. which request fields failed validation)."
            )
        ),
    ] = None


class ErrorBody(msgspec.Struct):
    """Every error the native API answers with: `{"error": {"code": ..., "message": ...}}`."""

    error: ErrorDetail
