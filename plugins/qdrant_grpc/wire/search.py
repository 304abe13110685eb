"""Qdrant gRPC queries <-> the core's query requests (`vectorizer.query`).

The universal Query API (`QueryPoints`, its batch and `QueryPointGroups`) and the legacy
search family (`SearchPointGroups`, `RecommendPoints`, `DiscoverPoints`, their batches and
groups) become one `QueryRequest` (or `GroupsRequest`) each, as the REST plugin's
`wire/search.py` builds them; group results go back as `GroupsResult`. Vectors are
converted in `vectors.py`, filters in `filters.py`. MMR re-ranking and server-side inference
answer UNIMPLEMENTED naming the field.
"""

from __future__ import annotations

from typing import Any

from qdrant_client import grpc as pb

from vectorizer.errors import Unsupported
from vectorizer.models import (
    DEFAULT_VECTOR,
    SearchParams,
    Vector,
)
from vectorizer.query import (
    MMR_MAX_CANDIDATES,
    Context,
    ContextPair,
    Discover,
    Formula,
    Fusion,
    FusionMethod,
    GroupsRequest,
    LookupFrom,
    Mmr,
    Nearest,
    OrderByQuery,
    PointGroup,
    Prefetch,
    Query,
    QueryRequest,
    Recommend,
    RecommendStrategy,
    Sample,
    VectorInput,
    WithLookup,
    search_request,
)
from vectorizer.query import formula as fx
from vectorizer_qdrant_grpc.wire.filters import Reader, geo_point
from vectorizer_qdrant_grpc.wire.points import (
    filter_field,
    no_shard_key,
    order_by_in,
    record_out,
    scored_list_out,
    with_payload_in,
    with_vectors_in,
)
from vectorizer_qdrant_grpc.wire.values import (
    invalid,
    opt,
    payload_in,
    point_id_in,
    point_ids_in,
)
from vectorizer_qdrant_grpc.wire.vectors import dense_in, sparse_in, vector_in, vector_input_in

_STRATEGY_NAMES = {
    "AverageVector": RecommendStrategy.AVERAGE_VECTOR,
    "BestScore": RecommendStrategy.BEST_SCORE,
    "SumScores": RecommendStrategy.SUM_SCORES,
}
# by name: the plugin imports with the older stubs of the clients the compatibility
# matrix installs (no `SumScores` before qdrant-client 1.14)
STRATEGIES = {
    pb.RecommendStrategy.Value(name): strategy
    for name, strategy in _STRATEGY_NAMES.items()
    if name in pb.RecommendStrategy.DESCRIPTOR.values_by_name
}
FUSIONS = {pb.Fusion.RRF: FusionMethod.RRF, pb.Fusion.DBSF: FusionMethod.DBSF}


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _strategy(value: Any, where: str) -> RecommendStrategy:
    """The message's optional `strategy` (absent: average vector)."""
    if not value.HasField("strategy"):
        return RecommendStrategy.AVERAGE_VECTOR
    if value.strategy not in STRATEGIES:
        raise invalid(where, "unknown strategy (expected AverageVector, BestScore or SumScores)")
    return STRATEGIES[value.strategy]


# ----------------------------------------------------------------------------- queries


def _inputs(values: Any, where: str) -> tuple[VectorInput, ...]:
    return tuple(vector_input_in(v, f"{where}[{i}]") for i, v in enumerate(values))


def _pairs(values: Any, where: str) -> tuple[ContextPair, ...]:
    return tuple(
        ContextPair(
            vector_input_in(p.positive, f"{where}[{i}].positive"),
            vector_input_in(p.negative, f"{where}[{i}].negative"),
        )
        for i, p in enumerate(values)
    )


def query_in(value: pb.Query, where: str) -> Query:
    """Query: one of its variants."""
    kind = value.WhichOneof("variant")
    here = _at(where, kind or "")
    if kind is None:
        raise invalid(where, "Query is empty: expected one of its variants")
    if kind == "nearest":
        return Nearest(vector_input_in(value.nearest, here))
    if kind == "recommend":
        rec = value.recommend
        return Recommend(
            _inputs(rec.positive, f"{here}.positive"),
            _inputs(rec.negative, f"{here}.negative"),
            _strategy(rec, f"{here}.strategy"),
        )
    if kind == "discover":
        if not value.discover.HasField("target"):
            raise invalid(f"{here}.target", "target is expected")
        target = vector_input_in(value.discover.target, f"{here}.target")
        return Discover(target, _pairs(value.discover.context.pairs, f"{here}.context.pairs"))
    if kind == "context":
        return Context(_pairs(value.context.pairs, f"{here}.pairs"))
    if kind == "order_by":
        return OrderByQuery(order_by_in(value.order_by, here))
    if kind == "fusion":
        if value.fusion not in FUSIONS:
            raise invalid(here, "unknown fusion (expected RRF or DBSF)")
        return Fusion(FUSIONS[value.fusion])
    if kind == "rrf":  # Qdrant 1.16+ messages: RRF with its `k` and per-prefetch `weights`
        rrf = value.rrf
        k = rrf.k if rrf.HasField("k") else 2
        if k < 1:
            raise invalid(f"{here}.k", "expected a positive integer")
        return Fusion(FusionMethod.RRF, k, tuple(rrf.weights) or None)
    if kind == "sample":
        if value.sample != pb.Sample.Random:
            raise invalid(here, "unknown sample (expected Random)")
        return Sample()
    if kind == "formula":
        return Formula(
            expression_in(value.formula.expression, f"{here}.expression"),
            payload_in(value.formula.defaults),
        )
    if kind == "nearest_with_mmr":
        return _nearest_with_mmr(value.nearest_with_mmr, here)
    raise Unsupported(f"{kind} queries ({here})")


def _nearest_with_mmr(value: pb.NearestInputWithMmr, where: str) -> Nearest:
    """NearestInputWithMmr: a nearest query re-ranked by MMR (`diversity` absent: 0.5;
    `candidates_limit` absent: the request's limit)."""
    mmr = Mmr()
    if value.HasField("mmr"):
        params = value.mmr
        diversity = params.diversity if params.HasField("diversity") else 0.5
        if not 0.0 <= diversity <= 1.0:
            raise invalid(f"{where}.mmr.diversity", "must be from 0.0 to 1.0")
        candidates = params.candidates_limit if params.HasField("candidates_limit") else None
        if candidates is not None and candidates > MMR_MAX_CANDIDATES:
            raise invalid(f"{where}.mmr.candidates_limit", f"must be at most {MMR_MAX_CANDIDATES}")
        mmr = Mmr(diversity, candidates)
    return Nearest(vector_input_in(value.nearest, f"{where}.nearest"), mmr)


# ----------------------------------------------------------------------------- formulas


def expression_in(value: pb.Expression, where: str) -> fx.Expression:
    """Expression: a constant, a variable, a condition or an operation."""
    kind = value.WhichOneof("variant")
    if kind is None:
        raise invalid(where, "Expression is empty: expected one of its variants")
    body, here = getattr(value, kind), _at(where, kind)
    if kind == "constant":
        return fx.Constant(float(body))
    if kind == "variable":
        return fx.Variable(body)
    if kind == "condition":
        return fx.ConditionExpr(Reader().condition(body, here))
    if kind == "geo_distance":
        return fx.GeoDistance(geo_point(body.origin, f"{here}.origin"), body.to)
    if kind == "datetime":
        return fx.DatetimeConst(body)
    if kind == "datetime_key":
        return fx.DatetimeKey(body)
    if kind in ("mult", "sum"):
        items = getattr(body, kind)
        parts = tuple(expression_in(e, f"{here}.{kind}[{i}]") for i, e in enumerate(items))
        return fx.Mult(parts) if kind == "mult" else fx.Sum(parts)
    if kind in fx.UNARY:
        return fx.UNARY[kind](expression_in(body, here))
    if kind == "div":
        return fx.Div(
            expression_in(body.left, f"{here}.left"),
            expression_in(body.right, f"{here}.right"),
            opt(body, "by_zero_default"),
        )
    if kind == "pow":
        return fx.Pow(
            expression_in(body.base, f"{here}.base"),
            expression_in(body.exponent, f"{here}.exponent"),
        )
    if kind in fx.DECAYS:
        return fx.Decay(
            fx.DECAYS[kind],
            expression_in(body.x, f"{here}.x"),
            expression_in(body.target, f"{here}.target") if body.HasField("target") else None,
            opt(body, "midpoint"),
            opt(body, "scale"),
        )
    raise Unsupported(f"formula expression {kind!r} ({here})")


# ----------------------------------------------------------------------------- requests


def lookup_from_in(value: Any, where: str) -> LookupFrom | None:
    """The message's optional LookupLocation."""
    if not value.HasField("lookup_from"):
        return None
    location = value.lookup_from
    no_shard_key(location)
    return LookupFrom(location.collection_name, opt(location, "vector_name"))


def _filter(value: Any, where: str) -> Any:
    return filter_field(value, where=_at(where, "filter"))


def _params(value: Any) -> Any:
    return search_params_in(opt(value, "params"))


def prefetch_in(value: pb.PrefetchQuery, where: str) -> Prefetch:
    """PrefetchQuery, nested to any depth."""
    return Prefetch(
        query=query_in(value.query, _at(where, "query")) if value.HasField("query") else None,
        prefetch=prefetches_in(value.prefetch, _at(where, "prefetch")),
        using=value.using if value.HasField("using") else DEFAULT_VECTOR,
        filter=_filter(value, where),
        params=_params(value),
        score_threshold=opt(value, "score_threshold"),
        limit=int(value.limit) if value.HasField("limit") else 10,
        lookup_from=lookup_from_in(value, _at(where, "lookup_from")),
    )


def prefetches_in(values: Any, where: str) -> list[Prefetch]:
    return [prefetch_in(p, f"{where}[{i}]") for i, p in enumerate(values)]


def query_request_in(value: pb.QueryPoints | pb.QueryPointGroups, where: str = "") -> QueryRequest:
    """QueryPoints (or the query part of QueryPointGroups); `where` prefixes error paths
    (``query_points[2]`` in a batch)."""
    no_shard_key(value)
    grouped = isinstance(value, pb.QueryPointGroups)
    return QueryRequest(
        query=query_in(value.query, _at(where, "query")) if value.HasField("query") else None,
        prefetch=prefetches_in(value.prefetch, _at(where, "prefetch")),
        using=value.using if value.HasField("using") else DEFAULT_VECTOR,
        filter=_filter(value, where),
        params=_params(value),
        score_threshold=opt(value, "score_threshold"),
        limit=int(value.limit) if not grouped and value.HasField("limit") else 10,
        offset=int(value.offset) if not grouped and value.HasField("offset") else 0,
        with_payload=with_payload_in(opt(value, "with_payload"), default=False),
        with_vectors=with_vectors_in(opt(value, "with_vectors")),
        lookup_from=lookup_from_in(value, _at(where, "lookup_from")),
    )


def with_lookup_in(value: Any) -> WithLookup | None:
    """The message's optional WithLookup."""
    if not value.HasField("with_lookup"):
        return None
    lookup = value.with_lookup
    return WithLookup(
        lookup.collection,
        with_payload_in(opt(lookup, "with_payload"), default=True),
        with_vectors_in(opt(lookup, "with_vectors")),
    )


def query_groups_in(value: pb.QueryPointGroups) -> GroupsRequest:
    return GroupsRequest(
        query=query_request_in(value),
        group_by=value.group_by,
        group_size=int(value.group_size) if value.HasField("group_size") else 3,
        limit=int(value.limit) if value.HasField("limit") else 10,
        with_lookup=with_lookup_in(value),
    )


# ----------------------------------------------------------------------------- legacy requests


def _has(value: Any, name: str) -> bool:
    """Whether the message type has field `name` and the message sets it."""
    return name in value.DESCRIPTOR.fields_by_name and value.HasField(name)


def _legacy(value: Any, query: Query, using: str, where: str) -> QueryRequest:
    """The parts the legacy requests share, around their query."""
    no_shard_key(value)
    return QueryRequest(
        query=query,
        using=using,
        filter=_filter(value, where),
        params=_params(value),
        score_threshold=value.score_threshold if _has(value, "score_threshold") else None,
        with_payload=with_payload_in(opt(value, "with_payload"), default=False),
        with_vectors=with_vectors_in(opt(value, "with_vectors")),
        lookup_from=lookup_from_in(value, _at(where, "lookup_from"))
        if _has(value, "lookup_from")
        else None,
    )


def _groups(value: Any, query: QueryRequest) -> GroupsRequest:
    return GroupsRequest(
        query, value.group_by, int(value.group_size), int(value.limit), with_lookup_in(value)
    )


def search_in(value: pb.SearchPoints, where: str = "") -> QueryRequest:
    """SearchPoints: the legacy search, a nearest query of `vector` (sparse with
    `sparse_indices`) checked as a search (`collection_name` is the caller's to read)."""
    at = f"{where}." if where else ""
    no_shard_key(value)
    return search_request(
        search_vector_in(value, f"{at}vector"),
        using=value.vector_name if value.HasField("vector_name") else DEFAULT_VECTOR,
        limit=int(value.limit),
        offset=int(value.offset) if value.HasField("offset") else 0,
        score_threshold=opt(value, "score_threshold"),
        params=search_params_in(opt(value, "params")),
        with_payload=with_payload_in(opt(value, "with_payload"), default=False),
        with_vectors=with_vectors_in(opt(value, "with_vectors")),
        filter=filter_field(value, where=f"{at}filter"),
    )


def search_groups_in(value: pb.SearchPointGroups) -> GroupsRequest:
    """SearchPointGroups: a nearest query of `vector` (sparse with `sparse_indices`)."""
    using = value.vector_name if value.HasField("vector_name") else DEFAULT_VECTOR
    nearest = Nearest(search_vector_in(value, "vector"))
    return _groups(value, _legacy(value, nearest, using, ""))


def _recommend_query(value: pb.RecommendPoints | pb.RecommendPointGroups, where: str) -> Recommend:
    """Positive and negative examples: ids, then vectors."""
    ids = (
        point_ids_in(value.positive, _at(where, "positive")),
        point_ids_in(value.negative, _at(where, "negative")),
    )
    vectors = [
        [vector_in(v, f"{_at(where, name)}[{i}]") for i, v in enumerate(values)]
        for name, values in (
            ("positive_vectors", value.positive_vectors),
            ("negative_vectors", value.negative_vectors),
        )
    ]
    return Recommend(
        (*ids[0], *vectors[0]), (*ids[1], *vectors[1]), _strategy(value, _at(where, "strategy"))
    )


def _using(value: Any) -> str:
    return value.using if value.HasField("using") else DEFAULT_VECTOR


def recommend_in(value: pb.RecommendPoints, where: str = "") -> QueryRequest:
    """RecommendPoints: a recommend query (its ids left out of the results)."""
    request = _legacy(value, _recommend_query(value, where), _using(value), where)
    request.limit = int(value.limit)
    request.offset = int(value.offset) if value.HasField("offset") else 0
    return request


def recommend_groups_in(value: pb.RecommendPointGroups) -> GroupsRequest:
    return _groups(value, _legacy(value, _recommend_query(value, ""), _using(value), ""))


def _example(value: pb.VectorExample, where: str) -> VectorInput:
    """VectorExample: a point id or a vector."""
    kind = value.WhichOneof("example")
    if kind == "id":
        return point_id_in(value.id, f"{where}.id")
    if kind == "vector":
        return vector_in(value.vector, f"{where}.vector")
    raise invalid(where, "VectorExample is empty: expected an id or a vector")


def discover_in(value: pb.DiscoverPoints, where: str = "") -> QueryRequest:
    """DiscoverPoints: discovery with a target, context search without one."""
    here = _at(where, "context")
    pairs = tuple(
        ContextPair(
            _example(p.positive, f"{here}[{i}].positive"),
            _example(p.negative, f"{here}[{i}].negative"),
        )
        for i, p in enumerate(value.context)
    )
    query: Discover | Context = Context(pairs)
    if value.HasField("target") and value.target.HasField("single"):
        query = Discover(_example(value.target.single, _at(where, "target.single")), pairs)
    request = _legacy(value, query, _using(value), where)
    request.limit = int(value.limit)
    request.offset = int(value.offset) if value.HasField("offset") else 0
    return request


# ----------------------------------------------------------------------------- results


def group_id_out(value: str | int) -> pb.GroupId:
    if isinstance(value, str):
        return pb.GroupId(string_value=value)
    if value >= 0:
        return pb.GroupId(unsigned_value=value)
    return pb.GroupId(integer_value=value)


def groups_out(groups: list[PointGroup], unnamed: bool, lookup_unnamed: bool) -> pb.GroupsResult:
    """GroupsResult; `lookup_unnamed`: whether the lookup collection's vector is unnamed."""
    out = pb.GroupsResult()
    for group in groups:
        entry = out.groups.add(id=group_id_out(group.id), hits=scored_list_out(group.hits, unnamed))
        if group.lookup is not None:
            entry.lookup.CopyFrom(record_out(group.lookup, lookup_unnamed))
    return out


def search_params_in(value: pb.SearchParams | None) -> SearchParams:
    """SearchParams (`quantization` has no effect: Vectorizer keeps no quantized vectors)."""
    if value is None:
        return SearchParams()
    return SearchParams(
        hnsw_ef=opt(value, "hnsw_ef"),
        exact=bool(value.exact),
        indexed_only=bool(value.indexed_only),
    )


def search_vector_in(value: pb.SearchPoints | pb.SearchPointGroups, where: str) -> Vector:
    """The query vector of a legacy search: `vector`, sparse when `sparse_indices` is set."""
    if value.HasField("sparse_indices"):
        return sparse_in(value.sparse_indices.data, value.vector, where)
    return dense_in(value.vector)
