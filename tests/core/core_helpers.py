"""Builders for core tests."""

from __future__ import annotations

from typing import Any

from vectorizer import Collection
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    Distance,
    OptimizersConfig,
    ScoredPoint,
    VectorParams,
)
from vectorizer.query import QueryRequest, search_request


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


def search(col: Collection, vector: Any, **kw: Any) -> list[ScoredPoint]:
    """The legacy search of `vector` (keywords of `search_request`), run as the APIs run
    it: a query request checked as a search, through the one executor."""
    return col.query(search_request(vector, **kw))


def search_batch(col: Collection, requests: list[QueryRequest]) -> list[list[ScoredPoint]]:
    """Query requests (`search_request`s) run together, as a batch endpoint runs them."""
    return col.query_batch(requests)
