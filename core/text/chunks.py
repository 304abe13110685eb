"""Documents cut into chunks, and put back together.

Each document is stored as one point per chunk. The first chunk's point id is the
document id; chunk i > 0 has the id `uuid5(document id, i)`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from vectorizer.errors import BadRequest
from vectorizer.models import PointId

CHUNK_NAMESPACE = uuid.UUID("6f1c3c52-6a52-4d49-9a0f-0c7f6b1e5d21")


def check_chunking(chunk_size: int | None, chunk_overlap: int, where: str = "") -> None:
    """`chunk_size` >= 1 (or None: no chunking) and 0 <= `chunk_overlap` < `chunk_size`."""
    if chunk_size is not None and chunk_size < 1:
        raise BadRequest(f"Wrong input: {where}chunk_size must be at least 1, got {chunk_size}")
    if chunk_overlap < 0:
        raise BadRequest(f"Wrong input: {where}chunk_overlap must be >= 0, got {chunk_overlap}")
    if chunk_overlap and (chunk_size is None or chunk_overlap >= chunk_size):
        raise BadRequest(
            f"Wrong input: {where}chunk_overlap ({chunk_overlap}) must be smaller than "
            f"chunk_size ({chunk_size})"
        )


def chunk_text(text: str, chunk_size: int | None, chunk_overlap: int) -> list[str]:
    """`text` cut into chunks of `chunk_size` characters, each overlapping the previous
    by `chunk_overlap` (one chunk when `chunk_size` is None or the text fits)."""
    if chunk_size is None or len(text) <= chunk_size:
        return [text]
    step = chunk_size - chunk_overlap
    chunks = []
    for start in range(0, len(text), step):
        chunks.append(text[start : start + chunk_size])
        if start + chunk_size >= len(text):
            break
    return chunks


def join_chunks(chunks: Sequence[str], chunk_overlap: int) -> str:
    """The text `chunk_text` cut (exact inverse)."""
    return "".join([chunks[0], *(c[chunk_overlap:] for c in chunks[1:])]) if chunks else ""


def chunk_id(document_id: PointId, index: int) -> PointId:
    """The point id of chunk `index` of a document: the document id for the first."""
    if index == 0:
        return document_id
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{document_id}/{index}"))
