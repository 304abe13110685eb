"""The universal query request as plain dataclasses (Qdrant's Query API).

A `QueryRequest` holds one `Query` (or none: points in id order), optional `Prefetch`
stages nested to any depth whose results the query re-scores, and the paging and
selection of the answer. The legacy endpoints (search groups, recommend, discover) are
expressed with the same types.

A `VectorInput` is either a point id (an `int` or a `str`: the vector of that stored
point, looked up in `lookup_from` or the searched collection) or a raw query vector as
the collection's `prepare_query` takes it (a dense vector is a 1-D numpy array).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from vectorizer.filters.ast import Filter
from vectorizer.models import (
    DEFAULT_VECTOR,
    OrderBy,
    PointId,
    Record,
    ScoredPoint,
    SearchParams,
    WithPayload,
    WithVectors,
)
from vectorizer.query.formula import Expression

VectorInput: TypeAlias = Any
"""A point id (`int` or `str`) or a raw query vector (see the module docstring)."""


def is_point_id(value: VectorInput) -> bool:
    """Whether a `VectorInput` names a stored point rather than giving a vector."""
    return isinstance(value, int | str) and not isinstance(value, bool)


class RecommendStrategy(enum.StrEnum):
    AVERAGE_VECTOR = "average_vector"
    BEST_SCORE = "best_score"
    SUM_SCORES = "sum_scores"


class FusionMethod(enum.StrEnum):
    RRF = "rrf"
    DBSF = "dbsf"


# ----------------------------------------------------------------------------- queries


MMR_MAX_CANDIDATES = 16384
"""The largest `Mmr.candidates_limit` Qdrant accepts."""


@dataclass(frozen=True)
class Mmr:
    """Maximal marginal relevance re-ranking of a nearest search: the best
    `candidates_limit` points (None: the stage's limit) picked from greedily, each time
    the one maximising `(1 - diversity) * sim(query, p) - diversity * max sim(p, picked)`."""

    diversity: float = 0.5
    candidates_limit: int | None = None


@dataclass(frozen=True)
class Nearest:
    """Nearest neighbours of a vector (or of a stored point's vector, the point left out);
    with `mmr`, the nearest candidates re-ranked for diversity (scores stay similarities)."""

    vector: VectorInput
    mmr: Mmr | None = None


@dataclass(frozen=True)
class Recommend:
    """Points like the `positive` examples and unlike the `negative` ones."""

    positive: tuple[VectorInput, ...] = ()
    negative: tuple[VectorInput, ...] = ()
    strategy: RecommendStrategy = RecommendStrategy.AVERAGE_VECTOR


@dataclass(frozen=True)
class ContextPair:
    positive: VectorInput
    negative: VectorInput


@dataclass(frozen=True)
class Discover:
    """Points close to `target` within the zones the context pairs allow."""

    target: VectorInput
    context: tuple[ContextPair, ...] = ()


@dataclass(frozen=True)
class Context:
    """Points in the zone where the pairs' positives are closer than their negatives."""

    pairs: tuple[ContextPair, ...]


@dataclass(frozen=True)
class FeedbackItem:
    """An example with the relevance a feedback model gave it (higher: more relevant)."""

    example: VectorInput
    score: float


@dataclass(frozen=True)
class NaiveFeedback:
    """Qdrant's `naive` feedback strategy: `a * sim(target, p)` plus, for each ordered pair
    of examples whose feedback scores differ by `d > 0`, `d ** b * c * (sim(better, p) -
    sim(worse, p))`."""

    a: float
    b: float
    c: float


@dataclass(frozen=True)
class RelevanceFeedback:
    """Points near `target`, steered by scored examples (Qdrant's relevance feedback)."""

    target: VectorInput
    feedback: tuple[FeedbackItem, ...]
    strategy: NaiveFeedback


@dataclass(frozen=True)
class OrderByQuery:
    """Points in the order of a payload value (needs a range index on the key)."""

    order_by: OrderBy


@dataclass(frozen=True)
class Fusion:
    """Merge the prefetches' results: reciprocal rank fusion (`k`: its ranking constant;
    `weights`: one per prefetch, None for equal weights) or distribution-based score
    fusion."""

    method: FusionMethod
    k: int = 2
    weights: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Sample:
    """Random points."""


@dataclass(frozen=True)
class Formula:
    """Re-score the prefetched points with an expression (`$score[i]`, payload values,
    conditions...); `defaults` gives values for variables a point lacks."""

    expression: Expression
    defaults: dict[str, Any] = field(default_factory=dict)


Query: TypeAlias = (
    Nearest
    | Recommend
    | Discover
    | Context
    | RelevanceFeedback
    | OrderByQuery
    | Fusion
    | Sample
    | Formula
)

VECTOR_QUERIES = (Nearest, Recommend, Discover, Context, RelevanceFeedback)
"""The queries that score points against vectors of the space `using`."""

QUERIES = (*VECTOR_QUERIES, OrderByQuery, Fusion, Sample, Formula)
"""Every query kind (`Query`), for checking at run time what a caller built."""


# ----------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class LookupFrom:
    """Where point ids of the examples are looked up: another collection, and its vector
    `vector` (None: the `using` vector of the request)."""

    collection: str
    vector: str | None = None


@dataclass
class Prefetch:
    """One stage: `query` over the results of its own `prefetch` stages, or over the
    whole collection when it has none; at most `limit` points come out."""

    query: Query | None = None
    prefetch: list[Prefetch] = field(default_factory=list)
    using: str = DEFAULT_VECTOR
    filter: Filter | None = None
    params: SearchParams | None = None
    score_threshold: float | None = None
    limit: int = 10
    lookup_from: LookupFrom | None = None


CheckedAs: TypeAlias = Literal["query", "search"]
"""How strict mode checks a request, as Qdrant checks each API's request type."""


@dataclass
class QueryRequest(Prefetch):
    """The root stage, with the page of its results to answer and what to show of them.

    `checked_as`: "query" (the Query API, recommend, discover) has strict mode limit
    `limit + offset` and refuse full scans; "search" (the legacy search) limits `limit`
    alone and allows them, as Qdrant verifies a `SearchRequest`."""

    offset: int = 0
    with_payload: WithPayload = field(default_factory=WithPayload)
    with_vectors: WithVectors = field(default_factory=WithVectors)
    checked_as: CheckedAs = "query"


def search_request(
    vector: VectorInput,
    *,
    using: str = DEFAULT_VECTOR,
    limit: int = 10,
    offset: int = 0,
    score_threshold: float | None = None,
    params: SearchParams | None = None,
    with_payload: WithPayload | None = None,
    with_vectors: WithVectors | None = None,
    filter: Filter | None = None,
) -> QueryRequest:
    """Qdrant's legacy search (REST `points/search`, gRPC `Search`, their batches) as a
    query: the nearest points to `vector` in the space `using`, checked as a search."""
    return QueryRequest(
        query=Nearest(vector),
        using=using,
        filter=filter,
        params=params,
        score_threshold=score_threshold,
        limit=limit,
        offset=offset,
        with_payload=with_payload or WithPayload(),
        with_vectors=with_vectors or WithVectors(),
        checked_as="search",
    )


@dataclass(frozen=True)
class WithLookup:
    """Show, with each group, the point of `collection` whose id is the group's value."""

    collection: str
    with_payload: WithPayload = field(default_factory=lambda: WithPayload(enabled=True))
    with_vectors: WithVectors = field(default_factory=WithVectors)


@dataclass
class GroupsRequest:
    """`query` (its own limit and offset unused), its points grouped by the values at the
    payload key `group_by`: the first `limit` groups, `group_size` points each at most."""

    query: QueryRequest
    group_by: str
    group_size: int = 3
    limit: int = 10
    with_lookup: WithLookup | None = None


@dataclass
class PointGroup:
    id: str | int
    hits: list[ScoredPoint]
    lookup: Record | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A point a stage found: its id, score, and the value an `order_by` placed it by."""

    id: PointId
    score: float
    order_value: int | float | None = None
