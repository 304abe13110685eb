"""The universal query engine: Qdrant's Query API (and the legacy search family) in the core.

`model` holds the request as plain dataclasses, `checks` checks it (strict mode once
per request), `executor` runs it against a collection through the collection's scoring
building blocks, `groups` groups its results by a payload value; `scoring`, `fusion`,
`mmr` and `formula` hold the arithmetic of recommend, discover, context and relevance
feedback queries, of fusion, of MMR re-ranking, and of score-boosting formulas. Every
read of every API runs through here.
"""

from __future__ import annotations

from vectorizer.query.executor import CollectionLookup, query, query_batch
from vectorizer.query.groups import query_groups
from vectorizer.query.model import (
    MMR_MAX_CANDIDATES,
    CheckedAs,
    Context,
    ContextPair,
    Discover,
    FeedbackItem,
    Formula,
    Fusion,
    FusionMethod,
    GroupsRequest,
    LookupFrom,
    Mmr,
    NaiveFeedback,
    Nearest,
    OrderByQuery,
    PointGroup,
    Prefetch,
    Query,
    QueryRequest,
    Recommend,
    RecommendStrategy,
    RelevanceFeedback,
    Sample,
    VectorInput,
    WithLookup,
    search_request,
)

__all__ = [
    "MMR_MAX_CANDIDATES",
    "CheckedAs",
    "CollectionLookup",
    "Context",
    "ContextPair",
    "Discover",
    "FeedbackItem",
    "Formula",
    "Fusion",
    "FusionMethod",
    "GroupsRequest",
    "LookupFrom",
    "Mmr",
    "NaiveFeedback",
    "Nearest",
    "OrderByQuery",
    "PointGroup",
    "Prefetch",
    "Query",
    "QueryRequest",
    "Recommend",
    "RecommendStrategy",
    "RelevanceFeedback",
    "Sample",
    "VectorInput",
    "WithLookup",
    "query",
    "query_batch",
    "query_groups",
    "search_request",
]
