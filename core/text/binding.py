"""What makes a collection a text collection: its embedders bound to named vectors.

The binding is kept in the collection config's `metadata` under `BINDING_KEY`, so it is
persisted and reported like any config. The specs say what to create.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vectorizer.models import Distance

BINDING_KEY = "vectorizer_text"
"""The key of the binding in the collection config's `metadata`."""


@dataclass
class EmbedderBinding:
    """One embedder and the named vector it feeds."""

    kind: str
    params: dict[str, Any]
    vector: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": self.params, "vector": self.vector}


@dataclass
class TextBinding:
    """What makes a collection a text collection (stored in its config metadata)."""

    embedders: list[EmbedderBinding]
    chunk_size: int | None = None
    chunk_overlap: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "embedders": [e.to_dict() for e in self.embedders],
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TextBinding:
        return cls(
            embedders=[
                EmbedderBinding(e["kind"], dict(e.get("params") or {}), e["vector"])
                for e in data["embedders"]
            ],
            chunk_size=data.get("chunk_size"),
            chunk_overlap=int(data.get("chunk_overlap") or 0),
        )


@dataclass
class EmbedderSpec:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TextCollectionSpec:
    """A text collection to create: its embedder, an optional second (sparse) one."""

    name: str
    embedder: EmbedderSpec
    sparse_embedder: EmbedderSpec | None = None
    distance: Distance = Distance.COSINE
    dimension: int | None = None
    chunk_size: int | None = None
    chunk_overlap: int = 0
    metadata: dict[str, Any] | None = None
