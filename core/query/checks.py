"""The checks of a query request before it runs: its shape, Qdrant's rules for its
queries, and strict mode (checked here once per request, whichever API sent it).

Read tokens are charged later, once the example ids are resolved
(`executor.charge_reads`): what a request costs depends on the vectors it found.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from vectorizer.errors import BadRequest, InvalidInput
from vectorizer.models import DEFAULT_VECTOR, SearchParams
from vectorizer.query.model import (
    MMR_MAX_CANDIDATES,
    VECTOR_QUERIES,
    Context,
    Formula,
    Fusion,
    Nearest,
    OrderByQuery,
    Prefetch,
    QueryRequest,
    Recommend,
    RecommendStrategy,
    RelevanceFeedback,
)

if TYPE_CHECKING:
    from vectorizer.collection import Collection

MAX_PREFETCH_DEPTH = 64


def bad(message: str) -> BadRequest:
    """Qdrant's "Bad request: ..." error."""
    return BadRequest(f"Bad request: {message}")


def stages(stage: Prefetch) -> Iterator[Prefetch]:
    """The stage and its prefetches, nested ones included, depth first."""
    yield stage
    for inner in stage.prefetch:
        yield from stages(inner)


def validate(stage: Prefetch, depth: int = 0) -> None:
    """The checks of a request's shape (and each prefetch's), before anything runs; the
    rest of Qdrant's checks (`check_query`) come once the example ids are resolved."""
    if depth > MAX_PREFETCH_DEPTH:
        raise bad(f"prefetches depth {depth} exceeds max depth {MAX_PREFETCH_DEPTH}")
    if stage.limit < 1:
        raise BadRequest("Wrong input: limit must be at least 1")
    _validate_query(stage.query)
    if isinstance(stage, QueryRequest) and stage.offset < 0:
        raise BadRequest("Wrong input: offset must not be negative")
    for inner in stage.prefetch:
        validate(inner, depth + 1)


def _validate_query(query: object) -> None:
    """The ranges Qdrant's request validation sets on the newer queries' parameters."""
    if isinstance(query, Nearest) and query.mmr is not None:
        diversity, candidates = query.mmr.diversity, query.mmr.candidates_limit
        if not 0.0 <= diversity <= 1.0:
            raise _invalid("mmr.diversity", f"value {diversity} invalid, must be from 0.0 to 1.0")
        if candidates is not None and not 0 <= candidates <= MMR_MAX_CANDIDATES:
            raise _invalid(
                "mmr.candidates_limit",
                f"value {candidates} invalid, must be from 0 to {MMR_MAX_CANDIDATES}",
            )
    if isinstance(query, Fusion) and query.k < 1:
        raise _invalid("rrf.k", f"value {query.k} invalid, must be 1 or more")
    if isinstance(query, RelevanceFeedback) and query.strategy.b < 0:
        raise _invalid(
            "relevance_feedback.strategy.naive.b",
            f"value {query.strategy.b} invalid, must be 0.0 or more",
        )


def _invalid(field: str, message: str) -> InvalidInput:
    """Qdrant's validation error of a query field."""
    return InvalidInput(f"query.{field}", message)


def check_query(stage: Prefetch) -> None:
    """Qdrant's checks of a request's queries (and each prefetch's), made as Qdrant makes
    them: after the ids used as examples are resolved, so a missing point or lookup
    collection is what a request with both faults answers."""
    query = stage.query
    if stage.prefetch and query is None:
        raise bad(
            "A query is needed to merge the prefetches. Can't have prefetches without "
            "defining a query."
        )
    if stage.score_threshold is not None and isinstance(query, OrderByQuery):
        raise bad("Can't use score_threshold with an order_by query.")
    if stage.score_threshold is not None and query is None:
        raise bad(
            "A query is needed to use the score_threshold. Can't have score_threshold "
            "without defining a query."
        )
    if isinstance(query, Fusion) and stage.using != DEFAULT_VECTOR:
        raise bad("Fusion queries cannot be combined with the 'using' field.")
    if isinstance(query, Fusion | Formula) and not stage.prefetch:
        raise bad(f"cannot apply {type(query).__name__} without prefetches")
    weights = query.weights if isinstance(query, Fusion) else None
    if weights is not None and len(weights) != len(stage.prefetch):
        raise bad(
            "Number of weights in RRF should match number of pre-fetches: "
            f"got {len(weights)}, expected {len(stage.prefetch)}"
        )
    if isinstance(query, Recommend):
        _check_examples(query)
    if isinstance(query, Context) and not query.pairs:
        raise bad("a context query needs at least one pair of examples")
    for inner in stage.prefetch:
        check_query(inner)


def _check_examples(query: Recommend) -> None:
    if query.strategy is RecommendStrategy.AVERAGE_VECTOR and not query.positive:
        raise bad("At least one positive vector ID required with this strategy")
    if not query.positive and not query.negative:
        raise bad("At least one positive or negative vector ID required with this strategy")


def check_strict(collection: Collection, requests: list[QueryRequest], extra: int = 0) -> None:
    """Strict mode: every stage of every request checked as a search, its formula's keys,
    and the full scans of the stages that do not rescore prefetched points (`extra`: more
    root results than `limit + offset`, as grouping needs); a request `checked_as`
    "search" limits its `limit` alone, and may scan. Nothing is charged here."""
    strict = collection.strict
    if not strict.active:
        return
    searches: list[tuple[int, Any, SearchParams]] = []
    for request in requests:
        legacy = request.checked_as == "search"
        for stage in stages(request):
            limit = stage.limit
            if stage is request and not legacy:
                limit = max(request.limit + request.offset, extra)
            searches.append((limit, stage.filter, stage.params or SearchParams()))
            query = stage.query
            rescores = stage is request and bool(stage.prefetch)
            if isinstance(query, VECTOR_QUERIES) and not legacy and not rescores:
                strict.check_full_scan(collection, stage.using, stage.filter)
            if isinstance(query, Formula):
                strict.check_formula(collection, query.expression)
    for limit, flt, params in searches:
        strict.verify_search(collection, limit, flt, params)
