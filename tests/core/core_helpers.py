"""Builders for core tests."""

from __future__ import annotations

from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    Distance,
    OptimizersConfig,
    VectorParams,
)


def make_config(
    size: int = 4,
    distance: Distance = Distance.COSINE,
    *,
    indexing_threshold: int | None = None,
    named: dict[str, VectorParams] | None = None,
) -> CollectionConfig:
    vectors = named if named is not None else {"": VectorParams(size=size, distance=distance)}
    return CollectionConfig(
        params=CollectionParams(vectors=vectors),
        optimizer_config=OptimizersConfig(indexing_threshold=indexing_threshold),
    )
