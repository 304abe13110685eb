"""Wire <-> domain: the native API's Structs to `vectorizer.text` types and back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from vectorizer import BadRequest
from vectorizer.filters.ast import ConditionKind, Filter
from vectorizer.filters.parse import filter_in
from vectorizer.models import Distance, PointId, SparseVector
from vectorizer.text import (
    Document,
    EmbedderSpec,
    SearchHit,
    SearchSpec,
    TextCollection,
    TextCollectionSpec,
    VectorPointIn,
)
from vectorizer.text import DocumentIn as DomainDocument
from vectorizer.text import InsertResult as DomainInsert
from vectorizer_api import schemas as s


def collection_spec(body: s.CreateCollection) -> TextCollectionSpec:
    second = body.sparse_embedder
    return TextCollectionSpec(
        name=body.name,
        embedder=EmbedderSpec(body.embedder.kind, dict(body.embedder.params)),
        sparse_embedder=None if second is None else EmbedderSpec(second.kind, dict(second.params)),
        distance=Distance(body.distance),
        dimension=body.dimension,
        chunk_size=body.chunk_size,
        chunk_overlap=body.chunk_overlap,
        metadata=body.metadata,
    )


def collection_detail(text: TextCollection) -> s.CollectionDetail:
    counts = text.counts()
    pending = text.pending()
    return s.CollectionDetail(
        name=text.name,
        points_count=counts["points"],
        documents_count=counts["documents"],
        chunks_count=counts["chunks"],
        embedders=[
            s.EmbedderOut(
                vector=vector,
                kind=e.kind,
                params=e.params,
                output=e.output,
                dimension=e.dimension,
                fitted=e.fitted,
                min_texts=e.min_texts,
                pending=pending.get(vector),
            )
            for vector, e in text.embedders.items()
        ],
        chunk_size=text.binding.chunk_size,
        chunk_overlap=text.binding.chunk_overlap,
        embedded_counts={v: counts[f"embedded_{v}"] for v in text.embedders},
    )


def documents_in(body: s.InsertDocuments) -> list[DomainDocument]:
    if (body.documents is None) == (body.text is None):
        raise BadRequest("Wrong input: give either `text` (one document) or `documents`")
    if body.documents is None:
        assert body.text is not None
        return [DomainDocument(body.text, body.id, body.metadata)]
    if body.id is not None or body.metadata is not None:
        raise BadRequest("Wrong input: `id` and `metadata` go inside each of `documents`")
    return [DomainDocument(d.text, d.id, d.metadata) for d in body.documents]


def vector_in(value: s.VectorJson, where: str) -> Any:
    """A dense list to a float32 array, `{indices, values}` to a `SparseVector`."""
    if isinstance(value, s.SparseVectorJson):
        if len(value.indices) != len(value.values):
            raise BadRequest(f"Wrong input: {where}: indices and values differ in length")
        if any(i < 0 or i > 2**32 - 1 for i in value.indices):
            raise BadRequest(f"Wrong input: {where}.indices: must be unsigned 32-bit integers")
        return SparseVector(
            np.asarray(value.indices, dtype=np.uint32), np.asarray(value.values, dtype=np.float32)
        )
    if not value:
        raise BadRequest(f"Wrong input: {where}: empty vector")
    return np.asarray(value, dtype=np.float32)


def vector_points_in(body: s.InsertVectors) -> list[VectorPointIn]:
    return [
        VectorPointIn(
            id=p.id,
            vectors={k: vector_in(v, f"points[{i}].vectors.{k}") for k, v in p.vectors.items()},
            text=p.text,
            metadata=p.metadata,
        )
        for i, p in enumerate(body.points)
    ]


def vector_out(value: Any) -> s.VectorJson:
    if isinstance(value, SparseVector):
        return s.SparseVectorJson(value.indices.tolist(), value.values.tolist())
    return np.asarray(value, dtype=np.float32).tolist()  # type: ignore[no-any-return]


def insert_out(result: DomainInsert) -> s.InsertResult:
    return s.InsertResult(ids=list(result.ids), points=result.points, pending=result.pending)


def document_out(doc: Document) -> s.DocumentOut:
    return s.DocumentOut(
        id=doc.id, text=doc.text, metadata=doc.metadata, chunk_count=doc.chunk_count
    )


def search_spec(
    body: s.SearchIn, kinds: Mapping[str, ConditionKind], where: str = ""
) -> SearchSpec:
    flt: Filter | None = None
    if body.filter is not None:
        flt = filter_in(body.filter, f"{where}filter", kinds)
    return SearchSpec(
        text=body.text,
        vector=None if body.vector is None else vector_in(body.vector, f"{where}vector"),
        using=body.using,
        limit=body.limit,
        filter=flt,
        score_threshold=body.score_threshold,
        fusion=body.fusion,
        alpha=body.alpha,
    )


def hits_out(hits: list[SearchHit]) -> list[s.SearchHitOut]:
    return [
        s.SearchHitOut(
            id=h.id,
            score=h.score,
            document_id=h.document_id,
            chunk_index=h.chunk_index,
            text=h.text,
            metadata=h.metadata,
        )
        for h in hits
    ]


def path_id(value: str) -> PointId:
    """A point id from a URL segment: digits are an integer id, anything else a UUID."""
    return int(value) if value.isdigit() else value
