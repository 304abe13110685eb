"""What goes into a text collection and what comes out: documents, points, searches, hits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vectorizer.filters.ast import Filter
from vectorizer.models import PointId

RESERVED_KEYS = frozenset(
    {"text", "metadata", "document_id", "chunk_index", "chunk_count", "chunk_overlap"}
)
"""Payload keys a text collection writes beside the document's `metadata`."""


@dataclass
class DocumentIn:
    text: str
    id: PointId | None = None
    metadata: dict[str, Any] | None = None


@dataclass
class Document:
    id: PointId
    text: str
    metadata: dict[str, Any] | None
    chunk_count: int


@dataclass
class VectorPointIn:
    """A point with vectors given by the client (by vector name), text optional."""

    id: PointId | None
    vectors: dict[str, Any]
    text: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass
class InsertResult:
    ids: list[PointId]
    points: int
    pending: dict[str, str]
    """Vector name -> why its embedder has not embedded the stored texts yet."""


@dataclass
class SearchSpec:
    """One search: by `text` (embedded with the collection's embedders) or by `vector`.

    With two embedders and no `using`, the search is hybrid: the dense and sparse
    results are fused by `fusion` (`rrf`, or `weighted`: `alpha` * dense + (1 - alpha) *
    sparse after min-max normalising each list)."""

    text: str | None = None
    vector: Any = None
    using: str | None = None
    limit: int = 10
    filter: Filter | None = None
    score_threshold: float | None = None
    fusion: str | None = None
    alpha: float | None = None


@dataclass
class SearchHit:
    id: PointId
    score: float
    document_id: PointId | None
    chunk_index: int | None
    text: str | None
    metadata: dict[str, Any] | None
