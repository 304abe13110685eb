"""One collection: its points in memory, written through a durable store, searchable.

Points live in slots (rows of the vector columns); a slot is stable for a point's
life and persisted, so a saved HNSW graph (labels = slots) stays valid on restart.
Writes are validated completely, made durable, and only then applied in memory, so a
bad request or a failed write leaves the collection as it was.
"""

from __future__ import annotations

from vectorizer.collection.facade import ORDER_BY_WITH_OFFSET, Collection, Inference

__all__ = ["ORDER_BY_WITH_OFFSET", "Collection", "Inference"]
