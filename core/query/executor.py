"""Runs query requests against a collection, through its scoring building blocks only.

The one read path: the Query API and the legacy search, recommend and discover, from
every API, arrive here as `QueryRequest`s. A request runs as Qdrant plans it (one shard):

1. The `prepare_query` hooks change it in place; it is checked once (`checks`: its
   shape, strict mode), and strict mode charged for every stage once its ids resolve.
2. Point ids used as examples are resolved to their vectors: in `lookup_from`'s
   collection and vector when given, else in the searched collection and `using`. A
   missing point is a 404. The ids resolved in the searched collection itself are left
   out of the results (the root filter gets `must_not: has_id`).
3. Stages run depth first. The root filter applies to every prefetch (merged with the
   prefetch's own), so it holds for everything a stage merges. A stage without prefetches
   reads the collection: a vector query searches (`Collection.nearest`: HNSW when built,
   exact otherwise), no query lists points by id, `order_by` by a payload value, `sample`
   draws at random. A stage with prefetches re-scores the union of their results: a
   vector query scores them exactly, `fusion` fuses the lists, `formula` evaluates the
   expression per point, `order_by` and `sample` as above among them.
4. The root keeps `limit + offset` points, drops the first `offset`, and reads their
   payload and vectors.

A nearest query with `mmr` searches its `candidates_limit` best points, then MMR picks
and orders `limit` of them (`mmr.py`), each keeping its similarity as its score.

Recommend (`best_score`, `sum_scores`), discover, context and relevance feedback queries
score every candidate exactly (every point with the vector, or the prefetched ones): correct
results first, and right while the HNSW index is still building. `average_vector`
recommendation is a nearest search of the averaged vector.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from vectorizer.collection import measures
from vectorizer.collection.vectors import distance as dist
from vectorizer.errors import CollectionNotFound, NotFound, PointNotFound
from vectorizer.filters.ast import Filter, HasId
from vectorizer.models import (
    Direction,
    Distance,
    PointId,
    ScoredPoint,
    SearchParams,
    SparseVector,
    WithPayload,
    normalize_point_id,
)
from vectorizer.query import fusion, mmr, scoring
from vectorizer.query.checks import bad, check_query, check_strict, stages, validate
from vectorizer.query.formula import CompiledFormula, PointContext
from vectorizer.query.model import (
    QUERIES,
    VECTOR_QUERIES,
    Context,
    ContextPair,
    Discover,
    Formula,
    Fusion,
    FusionMethod,
    Hit,
    Mmr,
    NaiveFeedback,
    Nearest,
    OrderByQuery,
    Prefetch,
    QueryRequest,
    Recommend,
    RecommendStrategy,
    RelevanceFeedback,
    Sample,
    VectorInput,
    is_point_id,
)
from vectorizer.segment import FILTERED_PLAIN, UNFILTERED_PLAIN

if TYPE_CHECKING:
    from vectorizer.collection import Collection

CollectionLookup = Callable[[str], "Collection"]
"""The collection of a name (the engine's `get_collection`): for `lookup_from` and
`with_lookup`."""


def other_collection(collections: CollectionLookup, name: str) -> Collection:
    """The collection a `lookup_from` or `with_lookup` names; a 404 in Qdrant's words for
    a lookup ("Collection x not found", not the path's "doesn't exist!")."""
    try:
        return collections(name)
    except CollectionNotFound:
        raise NotFound(f"Not found: Collection {name} not found") from None


# ----------------------------------------------------------------------------- hooks and costs


def run_hooks(collection: Collection, requests: list[QueryRequest]) -> None:
    """The `prepare_query` hooks, once for each request, before it is checked."""
    plugins = collection.plugins
    if plugins is None:
        return
    for request in requests:
        plugins.hook.prepare_query(collection=collection, request=request)


def charge_reads(collection: Collection, runs: list[QueryRun]) -> None:
    """Strict mode's read tokens of resolved requests, as Qdrant charges them: the point
    ids looked up (one each, from the collection they are looked up in), then every
    search and scroll of the plans at once."""
    lookups: dict[int, tuple[Collection, set[PointId]]] = {}
    for run in runs:
        for source, ids in run.lookups.values():
            lookups.setdefault(id(source), (source, set()))[1].update(ids)
    for source, ids in lookups.values():
        source.strict.charge_read(len(ids))
    collection.strict.charge_read(sum(run.read_cost() for run in runs))


# ----------------------------------------------------------------------------- filters


def and_filters(*filters: Filter | None) -> Filter | None:
    """All the given filters at once (None when none is given)."""
    given = tuple(f for f in filters if f is not None)
    if not given:
        return None
    return given[0] if len(given) == 1 else Filter(must=given)


def ids_filter(ids: Iterator[PointId] | list[PointId]) -> Filter:
    """The points with these ids."""
    return Filter(must=(HasId(frozenset(ids)),))


# ----------------------------------------------------------------------------- prepared queries

ScoringKind = Literal[
    "nearest", "mmr", "best_score", "sum_scores", "discover", "context", "feedback"
]


@dataclass
class _Scoring:
    """A vector query with its vectors prepared for the space `using`."""

    kind: ScoringKind
    using: str
    query: Any = None  # nearest, mmr
    positive: list[Any] = field(default_factory=list)
    negative: list[Any] = field(default_factory=list)
    target: Any = None  # discover, feedback
    pairs: list[tuple[Any, Any]] = field(default_factory=list)  # discover, context
    mmr: Mmr | None = None
    feedback: list[tuple[Any, float]] = field(default_factory=list)  # (vector, its score)
    strategy: NaiveFeedback | None = None  # feedback

    def scores(self, collection: Collection, slots: np.ndarray) -> np.ndarray:
        """Exact scores of the candidates `slots` (a custom query; not `nearest`)."""
        examples = self._examples()
        sims = collection.euclid_similarities(self.using, examples, slots)
        if sims is None:
            space = collection.distance(self.using)
            sims = [
                scoring.similarity(space, raw)
                for raw in collection.score_many(self.using, examples, slots)
            ]
        if self.kind in ("best_score", "sum_scores"):
            combine = scoring.best_score if self.kind == "best_score" else scoring.sum_scores
            return combine(sims[: len(self.positive)], sims[len(self.positive) :])
        if self.kind == "discover":
            target, sims = sims[0], sims[1:]
            return scoring.discover(target, list(zip(sims[::2], sims[1::2], strict=True)))
        if self.kind == "feedback":
            items = [(sim, score) for sim, (_, score) in zip(sims[1:], self.feedback, strict=True)]
            strategy = self.strategy
            assert strategy is not None
            return scoring.naive_feedback(sims[0], items, strategy.a, strategy.b, strategy.c)
        return scoring.context(list(zip(sims[::2], sims[1::2], strict=True)))

    def _examples(self) -> list[Any]:
        """The prepared vectors `scores` compares the candidates with, in its order:
        positives then negatives; or the target (discover, feedback) then each pair's two
        (discover, context) or each feedback example (feedback)."""
        if self.kind in ("best_score", "sum_scores"):
            return [*self.positive, *self.negative]
        if self.kind == "feedback":
            return [self.target, *(vector for vector, _ in self.feedback)]
        flat = [vector for pair in self.pairs for vector in pair]
        return [self.target, *flat] if self.kind == "discover" else flat

    def vectors(self) -> list[Any]:
        """Every prepared vector of the query (what strict mode's read cost counts)."""
        return [self.query] if self.kind in ("nearest", "mmr") else self._examples()


# ----------------------------------------------------------------------------- one request


class QueryRun:
    """One request, resolved and prepared; `hits(limit)` runs it, `points()` answers it.

    Call outside `collection.reading()`: each step takes the lock it needs.
    """

    def __init__(
        self, collection: Collection, request: QueryRequest, collections: CollectionLookup
    ) -> None:
        self.collection = collection
        self.request = request
        self.collections = collections
        self._vectors: dict[tuple[int, str, PointId], Any] = {}
        self._excluded: set[PointId] = set()
        self.lookups: dict[int, tuple[Collection, set[PointId]]] = {}
        """The point ids resolved, by the collection they were looked up in."""
        self._scoring: dict[int, _Scoring] = {}
        self._formulas: dict[int, CompiledFormula] = {}
        for stage in stages(request):
            self._resolve(stage)
        check_query(request)
        for stage in stages(request):
            self._prepare(stage)

    # ------------------------------------------------------------------ resolving ids

    def _source(self, stage: Prefetch) -> tuple[Collection, str]:
        """Where the stage's example ids are looked up: collection and vector name."""
        lookup = stage.lookup_from
        if lookup is None:
            return self.collection, stage.using
        source = other_collection(self.collections, lookup.collection)
        return source, lookup.vector if lookup.vector is not None else stage.using

    def _resolve(self, stage: Prefetch) -> None:
        query = stage.query
        if not isinstance(query, VECTOR_QUERIES):
            return
        ids = [normalize_point_id(v) for v in _inputs(query) if is_point_id(v)]
        if not ids:
            return
        source, name = self._source(stage)
        with source.reading():
            for point_id in ids:
                slot = source.slot_of(point_id)
                if slot is None:
                    raise PointNotFound(point_id)
                self._vectors[(id(source), name, point_id)] = source.vector_at(slot, name)
        self.lookups.setdefault(id(source), (source, set()))[1].update(ids)
        if source is self.collection:
            self._excluded.update(ids)

    def _vector(self, stage: Prefetch, value: VectorInput, required: bool = True) -> Any:
        """The raw vector of an input: itself, or the resolved vector of a point id (None
        for a point without that vector when not `required`)."""
        if not is_point_id(value):
            return value
        source, name = self._source(stage)
        point_id = normalize_point_id(value)
        vector = self._vectors[(id(source), name, point_id)]
        if vector is None and required:
            raise NotFound(f'Not found: Vector with name "{name}" for point {point_id}')
        return vector

    # ------------------------------------------------------------------ preparing

    def _prepare(self, stage: Prefetch) -> None:
        query = stage.query
        if query is not None and not isinstance(query, QUERIES):
            raise bad(f"unknown query kind {type(query).__name__} (a vector goes in Nearest)")
        if isinstance(query, Formula):
            indexed = {
                key: index.spec.type for key, index in self.collection.payload_indexes.items()
            }
            self._formulas[id(stage)] = CompiledFormula(query.expression, query.defaults, indexed)
        if not isinstance(query, VECTOR_QUERIES):
            return
        using = stage.using

        def prepare(value: VectorInput, where: str) -> Any:
            return self.collection.prepare_query(using, self._vector(stage, value), where)

        def pair(p: ContextPair, i: int) -> tuple[Any, Any]:
            return prepare(p.positive, f"context[{i}].positive"), prepare(
                p.negative, f"context[{i}].negative"
            )

        if isinstance(query, Nearest):
            kind: ScoringKind = "nearest" if query.mmr is None else "mmr"
            vector = prepare(query.vector, "query vector")
            scoring_ = _Scoring(kind, using, query=vector, mmr=query.mmr)
        elif isinstance(query, Recommend):
            scoring_ = self._recommend(stage, query)
        elif isinstance(query, RelevanceFeedback):
            scoring_ = _Scoring(
                "feedback",
                using,
                target=prepare(query.target, "target"),
                feedback=[
                    (prepare(item.example, f"feedback[{i}].example"), item.score)
                    for i, item in enumerate(query.feedback)
                ],
                strategy=query.strategy,
            )
        elif isinstance(query, Discover):
            scoring_ = _Scoring(
                "discover",
                using,
                target=prepare(query.target, "target"),
                pairs=[pair(p, i) for i, p in enumerate(query.context)],
            )
        else:
            scoring_ = _Scoring(
                "context", using, pairs=[pair(p, i) for i, p in enumerate(query.pairs)]
            )
        self._scoring[id(stage)] = scoring_

    def _recommend(self, stage: Prefetch, query: Recommend) -> _Scoring:
        """Examples whose point lacks the vector are left out, as Qdrant does."""
        using = stage.using
        positive = [
            v for v in (self._vector(stage, x, False) for x in query.positive) if v is not None
        ]
        negative = [
            v for v in (self._vector(stage, x, False) for x in query.negative) if v is not None
        ]
        if query.strategy is RecommendStrategy.AVERAGE_VECTOR:
            average = scoring.average_vector(positive, negative)
            return _Scoring("nearest", using, query=self.collection.prepare_query(using, average))
        if not positive and not negative:
            raise bad("At least one positive or negative vector ID required with this strategy")

        def prepare(values: list[Any], where: str) -> list[Any]:
            return [
                self.collection.prepare_query(using, v, f"{where}[{i}]")
                for i, v in enumerate(values)
            ]

        kind: ScoringKind = (
            "best_score" if query.strategy is RecommendStrategy.BEST_SCORE else "sum_scores"
        )
        return _Scoring(
            kind,
            using,
            positive=prepare(positive, "positive"),
            negative=prepare(negative, "negative"),
        )

    # ------------------------------------------------------------------ running

    def root_filter(self) -> Filter | None:
        """The request's filter, leaving out the points whose ids are its examples."""
        excluded = None
        if self._excluded:
            excluded = Filter(must_not=(HasId(frozenset(self._excluded)),))
        return and_filters(self.request.filter, excluded)

    def read_cost(self) -> int:
        """Strict mode's read tokens for running the request (Qdrant's planned query): each
        stage read from the collection (no prefetches) is a search costing its query
        vectors' comparisons, or a scroll costing 1, plus the conditions of its filter
        and its ancestors' (the ids the query leaves out count as one)."""
        return self._cost(self.request, self.root_filter())

    def _cost(self, stage: Prefetch, flt: Filter | None) -> int:
        if stage.prefetch:
            return sum(
                self._cost(inner, and_filters(flt, inner.filter)) for inner in stage.prefetch
            )
        prepared = self._scoring.get(id(stage))
        if prepared is None:
            return measures.scroll_cost(flt)
        return measures.search_cost(prepared.vectors(), flt)

    def hits(self, limit: int, extra: Filter | None = None) -> list[Hit]:
        """The root stage's best `limit` points (ids left out already, no offset); `extra`:
        a filter more, for every stage (as the request's own filter is)."""
        return self._stage(self.request, and_filters(self.root_filter(), extra), limit)

    def better(self, hit: Hit) -> float:
        """A number larger for a better hit of the root query: its score, negated where a
        smaller one is better (a distance), or its order value for `order_by`."""
        query = self.request.query
        if isinstance(query, OrderByQuery):
            value = float(hit.order_value) if hit.order_value is not None else 0.0
            return value if query.order_by.direction is Direction.DESC else -value
        prepared = self._scoring.get(id(self.request))
        if prepared is None or prepared.kind not in ("nearest", "mmr"):
            return hit.score
        if not dist.higher_is_better(self.collection.distance(prepared.using)):
            return -hit.score
        return hit.score

    def points(self) -> list[ScoredPoint]:
        """The answer: the page `offset`..`offset + limit` with payload and vectors."""
        request = self.request
        offset = request.offset
        if isinstance(request.query, Sample) and not request.prefetch:
            offset = 0  # random points have no stable order to page through
        hits = self.hits(request.limit + offset)[offset:]
        return self.materialize(hits, request)

    def materialize(self, hits: list[Hit], request: QueryRequest) -> list[ScoredPoint]:
        """Result points for hits (points deleted meanwhile are dropped)."""
        collection = self.collection
        with collection.reading():
            kept = [(h, s) for h in hits if (s := collection.slot_of(h.id)) is not None]
            return collection.scored(
                [s for _, s in kept],
                [h.score for h, _ in kept],
                request.with_payload,
                request.with_vectors,
                order_values=[h.order_value for h, _ in kept],
            )

    def _stage(self, stage: Prefetch, flt: Filter | None, limit: int) -> list[Hit]:
        if not stage.prefetch:
            return self._read(stage, flt, limit)
        sources = [
            self._stage(inner, and_filters(flt, inner.filter), inner.limit)
            for inner in stage.prefetch
        ]
        return self._rescore(stage, sources, limit)

    def _read(self, stage: Prefetch, flt: Filter | None, limit: int) -> list[Hit]:
        """A stage without prefetches: straight from the collection."""
        query = stage.query
        if query is None or isinstance(query, OrderByQuery):
            return self._scroll(flt, limit, query)
        if isinstance(query, Sample):
            with self.collection.reading():
                return self._sample(self.collection.matching_slots(flt), limit)
        return self._search(stage, flt, limit)

    def _rescore(self, stage: Prefetch, sources: list[list[Hit]], limit: int) -> list[Hit]:
        """A stage with prefetches: its query over the points they found. `score_threshold`
        keeps fused scores at or above it (as Qdrant's fusion does), other scores strictly
        better than it."""
        query = stage.query
        threshold = stage.score_threshold
        if isinstance(query, Fusion):
            if query.method is FusionMethod.RRF:
                fused = fusion.reciprocal_rank_fusion(sources, limit, query.k, query.weights)
            else:
                fused = fusion.distribution_based_score_fusion(sources, limit)
            return [h for h in fused if threshold is None or h.score >= threshold]
        if isinstance(query, Formula):
            return self._formula(stage, sources, limit)
        candidates = list(dict.fromkeys(h.id for source in sources for h in source))
        if not candidates:
            return []
        if isinstance(query, OrderByQuery):
            return self._scroll(ids_filter(candidates), limit, query)
        if isinstance(query, Sample):
            with self.collection.reading():
                slots = self.collection.matching_slots(ids_filter(candidates))
                return self._sample(slots, limit)
        return self._search(stage, ids_filter(candidates), limit)

    def _scroll(self, flt: Filter | None, limit: int, query: OrderByQuery | None) -> list[Hit]:
        page = self.collection.scan(
            limit=limit,
            with_payload=WithPayload(enabled=False),
            filter=flt,
            order_by=query.order_by if query is not None else None,
        )
        return [Hit(r.id, 0.0, r.order_value) for r in page.points]

    def _sample(self, slots: np.ndarray, limit: int) -> list[Hit]:
        """`limit` random points of `slots` (call under the lock)."""
        chosen = np.random.default_rng().permutation(slots)[:limit]
        return [Hit(self.collection.point_id_at(int(s)), 0.0) for s in chosen]

    def plain(self) -> _Scoring | None:
        """The prepared query of a plain search (a nearest query without prefetches, the
        common case), else None: `query_batch` runs those slots straight to points."""
        request = self.request
        prepared = self._scoring.get(id(request))
        if request.prefetch or prepared is None or prepared.kind != "nearest":
            return None
        return prepared

    def _search(self, stage: Prefetch, flt: Filter | None, limit: int) -> list[Hit]:
        """A vector query over the points matching `flt`, best first."""
        collection = self.collection
        prepared = self._scoring[id(stage)]
        threshold = stage.score_threshold
        with collection.reading():
            if prepared.kind in ("nearest", "mmr"):
                mmr_ = prepared.mmr
                wanted = limit
                if mmr_ is not None:
                    given = mmr_.candidates_limit
                    wanted = stage.limit if given is None else given
                slots, scores = collection.nearest(
                    prepared.using,
                    prepared.query,
                    wanted,
                    filter=flt,
                    params=stage.params,
                    score_threshold=threshold,
                )
                if mmr_ is not None:
                    chosen = self._mmr(prepared, mmr_, slots, limit)
                    slots, scores = slots[chosen], scores[chosen]
            else:  # a scan scoring every candidate: a plain search, as Qdrant counts it
                started = time.perf_counter()
                slots = collection.slots_with_vector(prepared.using, flt)
                scores = prepared.scores(collection, slots)
                if threshold is not None:
                    keep = scores > threshold
                    slots, scores = slots[keep], scores[keep]
                best = dist.top_k(Distance.DOT, scores, limit)  # higher is better
                slots, scores = slots[best], scores[best]
                category = UNFILTERED_PLAIN if flt is None else FILTERED_PLAIN
                collection.searches.record(prepared.using, category, time.perf_counter() - started)
            return [
                Hit(collection.point_id_at(int(s)), float(v))
                for s, v in zip(slots.tolist(), scores.tolist(), strict=True)
            ]

    def _mmr(self, prepared: _Scoring, params: Mmr, slots: np.ndarray, limit: int) -> np.ndarray:
        """The positions among the candidates `slots` that MMR picks, in its order (call
        under the lock)."""
        collection, using = self.collection, prepared.using
        vectors = [
            collection.prepare_query(using, collection.vector_at(int(slot), using))
            for slot in slots.tolist()
        ]
        relevance = _similarities(collection, using, prepared.query, vectors, slots)
        space = collection.distance(using)

        def row(i: int) -> np.ndarray:
            """sim(c, candidate i) for each candidate c, c the query as in Qdrant's matrix
            (MaxSim is not symmetric: each candidate's matrix scored against i's)."""
            if isinstance(vectors[i], np.ndarray) and vectors[i].ndim == 2:
                one = slots[i : i + 1]
                raw = [r[0] for r in collection.score_many(using, vectors, one)]
                return scoring.similarity(space, np.array(raw, dtype=np.float32))
            return _similarities(collection, using, vectors[i], vectors, slots)

        return np.array(mmr.select(relevance, row, params.diversity, limit), dtype=np.int64)

    def _formula(self, stage: Prefetch, sources: list[list[Hit]], limit: int) -> list[Hit]:
        """Every prefetched point scored by the formula, best first."""
        formula = self._formulas[id(stage)]
        collection = self.collection
        by_prefetch = [{h.id: h.score for h in source} for source in sources]
        candidates = list(dict.fromkeys(h.id for source in sources for h in source))
        found: list[Hit] = []
        with collection.reading():
            located = [(p, s) for p in candidates if (s := collection.slot_of(p)) is not None]
            slots = np.array([s for _, s in located], dtype=np.int64)
            matches = [
                np.isin(slots, collection.matching_slots(Filter(must=(condition,)), among=slots))
                for condition in formula.conditions
            ]
            for i, (point_id, slot) in enumerate(located):
                point = PointContext(
                    point_id,
                    collection.payload_at(slot),
                    by_prefetch,
                    [bool(m[i]) for m in matches],
                )
                found.append(Hit(point_id, float(np.float32(formula.score(point)))))
        found.sort(key=lambda h: h.score, reverse=True)
        threshold = stage.score_threshold
        return [h for h in found if threshold is None or h.score > threshold][:limit]


def _similarities(
    collection: Collection, using: str, query: Any, vectors: list[Any], slots: np.ndarray
) -> np.ndarray:
    """Qdrant's raw similarities of a prepared vector to each candidate: a sparse dot
    product (of the vectors as they are: MMR scores without the IDF modifier, as Qdrant's
    scorer of the candidates' vectors does), else the space's (`scoring.similarity`)."""
    if isinstance(query, SparseVector):
        return np.array([scoring.sparse_dot(query, v) for v in vectors], dtype=np.float32)
    sims = collection.euclid_similarities(using, [query], slots)
    if sims is not None:
        return sims[0]
    raw = collection.score_many(using, [query], slots)[0]
    return scoring.similarity(collection.distance(using), raw)


def _inputs(
    query: Nearest | Recommend | Discover | Context | RelevanceFeedback,
) -> Iterator[VectorInput]:
    """Every vector input of a vector query."""
    if isinstance(query, Nearest):
        yield query.vector
    elif isinstance(query, Recommend):
        yield from itertools.chain(query.positive, query.negative)
    elif isinstance(query, RelevanceFeedback):
        yield query.target
        yield from (item.example for item in query.feedback)
    else:
        if isinstance(query, Discover):
            yield query.target
        pairs = query.context if isinstance(query, Discover) else query.pairs
        for p in pairs:
            yield p.positive
            yield p.negative


# ----------------------------------------------------------------------------- plain searches


def _plain_points(
    collection: Collection, runs: dict[int, QueryRun]
) -> dict[int, list[ScoredPoint]]:
    """The answers of plain searches (`QueryRun.plain`), by position: under one read lock,
    those sharing a space, beam and limit without a filter in one batched graph search
    (`Collection.nearest_batch`), the others one by one."""
    out: dict[int, list[ScoredPoint]] = {}
    if not runs:
        return out
    with collection.reading():
        found = _batched(collection, runs)
        for i, run in runs.items():
            request = run.request
            if i in found:
                slots, scores = found[i]
            else:
                prepared = run.plain()
                assert prepared is not None
                slots, scores = collection.nearest(
                    prepared.using,
                    prepared.query,
                    request.limit + request.offset,
                    filter=run.root_filter(),
                    params=request.params,
                    score_threshold=request.score_threshold,
                )
            keep = slice(request.offset, None)
            out[i] = collection.scored(
                slots[keep], scores[keep], request.with_payload, request.with_vectors
            )
    return out


def _batched(
    collection: Collection, runs: dict[int, QueryRun]
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """(slots, scores) of the plain searches answered together, by position (call under
    the lock); a search left out runs alone."""
    groups: dict[tuple[str, int | None, bool, int], list[tuple[int, _Scoring]]] = {}
    for i, run in runs.items():
        request = run.request
        prepared = run.plain()
        if prepared is None or run.root_filter() is not None:
            continue
        params = request.params or SearchParams()
        key = (prepared.using, params.hnsw_ef, params.exact, request.limit + request.offset)
        groups.setdefault(key, []).append((i, prepared))
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for (using, _, _, want), members in groups.items():
        if len(members) < 2:
            continue
        requests = [runs[i].request for i, _ in members]
        found = collection.nearest_batch(
            using,
            [prepared.query for _, prepared in members],
            want,
            params=requests[0].params,
            score_thresholds=[r.score_threshold for r in requests],
        )
        if found is not None:
            out.update(zip((i for i, _ in members), found, strict=True))
    return out


# ----------------------------------------------------------------------------- entry points


def query_batch(
    collection: Collection, requests: list[QueryRequest], collections: CollectionLookup
) -> list[list[ScoredPoint]]:
    """Each request's points (see the module docstring): the hooks run, then strict mode
    checks them all first. The plain searches among them run together."""
    run_hooks(collection, requests)
    for request in requests:
        validate(request)
    check_strict(collection, requests)
    runs = [QueryRun(collection, r, collections) for r in requests]
    charge_reads(collection, runs)
    plain = _plain_points(collection, {i: r for i, r in enumerate(runs) if r.plain()})
    return [plain[i] if i in plain else run.points() for i, run in enumerate(runs)]


def query(
    collection: Collection, request: QueryRequest, collections: CollectionLookup
) -> list[ScoredPoint]:
    """The points a query request answers."""
    return query_batch(collection, [request], collections)[0]
