"""Qdrant REST queries <-> the core's query requests (`vectorizer.query`).

The universal Query API (`points/query`, its batch and groups) and the legacy search
family (`search/groups`, `recommend`, `discover`, their batches and groups) become one
`QueryRequest` (or `GroupsRequest`) each. The spec's untagged unions (QueryInterface,
VectorInput, RecommendExample, ContextInput, Expression, a prefetch or a list of them,
WithLookupInterface) arrive as builtins and are told apart by their type and the keys
present; errors name the offending field (`ValidationFailed`, 422), a valid request
using a feature not built yet answers 501 naming it (`Unsupported`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vectorizer import query as engine_query
from vectorizer.errors import Unsupported
from vectorizer.filters.ast import ConditionKind, GeoPoint
from vectorizer.models import (
    DEFAULT_VECTOR,
    AcornParams,
    SearchParams,
    Vector,
)
from vectorizer.query import (
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
)
from vectorizer.query import formula as fx
from vectorizer_qdrant_rest.wire import structs
from vectorizer_qdrant_rest.wire.errors import ValidationFailed
from vectorizer_qdrant_rest.wire.filters import condition_in, filter_in
from vectorizer_qdrant_rest.wire.points import (
    no_shard_key,
    order_by,
    record_out,
    scored_list_out,
    with_payload,
    with_vectors,
)
from vectorizer_qdrant_rest.wire.structs import convert_struct
from vectorizer_qdrant_rest.wire.values import point_id
from vectorizer_qdrant_rest.wire.vectors import dense, query_vector, sparse

Kinds = Mapping[str, ConditionKind]
"""The filter condition kinds plugins add (the engine's `condition_kinds`)."""


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _object(value: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationFailed(where, f"expected {what}")
    return value


def _only(obj: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for name in obj:
        if name not in allowed:
            raise ValidationFailed(_at(where, name), "unknown field")


def _required(obj: dict[str, Any], names: tuple[str, ...], where: str) -> None:
    for name in names:
        if name not in obj:
            raise ValidationFailed(_at(where, name), "missing field")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(where, "expected a number")
    return float(value)


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(where, "expected a string")
    return value


# ----------------------------------------------------------------------------- vectors


def vector_input(value: Any, where: str) -> VectorInput:
    """VectorInput / RecommendExample: a point id, or a vector of any kind."""
    if isinstance(value, int | str) and not isinstance(value, bool):
        return point_id(value, where)
    return query_vector(value, where)


def _inputs(value: Any, where: str) -> tuple[VectorInput, ...]:
    """A list of VectorInput (null: none)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValidationFailed(where, "expected a list of point ids or vectors")
    return tuple(vector_input(v, f"{where}[{i}]") for i, v in enumerate(value))


def _pair(value: Any, where: str) -> ContextPair:
    obj = _object(value, where, 'a context pair {"positive": ..., "negative": ...}')
    _only(obj, ("positive", "negative"), where)
    _required(obj, ("positive", "negative"), where)
    return ContextPair(
        vector_input(obj["positive"], f"{where}.positive"),
        vector_input(obj["negative"], f"{where}.negative"),
    )


def _pairs(value: Any, where: str) -> tuple[ContextPair, ...]:
    """ContextInput: one pair, a list of pairs, or null (none)."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(_pair(p, f"{where}[{i}]") for i, p in enumerate(value))
    return (_pair(value, where),)


def _strategy(value: Any, where: str) -> RecommendStrategy:
    if value is None:
        return RecommendStrategy.AVERAGE_VECTOR
    try:
        return RecommendStrategy(value)
    except ValueError:
        names = ", ".join(s.value for s in RecommendStrategy)
        raise ValidationFailed(where, f"expected one of {names}") from None


# ----------------------------------------------------------------------------- queries

_QUERY_FIELDS: dict[str, tuple[str, ...]] = {
    "nearest": ("nearest", "mmr"),
    "recommend": ("recommend",),
    "discover": ("discover",),
    "context": ("context",),
    "order_by": ("order_by",),
    "fusion": ("fusion",),
    "rrf": ("rrf",),
    "formula": ("formula", "defaults"),
    "sample": ("sample",),
    "relevance_feedback": ("relevance_feedback",),
}
"""Each query object's tag and the fields it may have."""


def query_interface(value: Any, where: str, kinds: Kinds) -> Query:
    """QueryInterface: a VectorInput (nearest), or a query object told by its tag."""
    if not isinstance(value, dict):
        return Nearest(vector_input(value, where))
    tags = [tag for tag in _QUERY_FIELDS if tag in value]
    if not tags:
        if not value.keys() & {"indices", "values", "model", "text", "image", "object"}:
            raise ValidationFailed(
                where, 'expected a vector, a point id, or a query object such as {"nearest": ...}'
            )
        return Nearest(vector_input(value, where))
    tag = tags[0]
    _only(value, _QUERY_FIELDS[tag], where)
    body, here = value[tag], _at(where, tag)
    if tag == "nearest":
        return Nearest(vector_input(body, here), _mmr(value.get("mmr"), _at(where, "mmr")))
    if tag == "relevance_feedback":
        return _relevance_feedback(body, here)
    if tag == "recommend":
        obj = _object(body, here, "a recommend input {positive, negative, strategy}")
        _only(obj, ("positive", "negative", "strategy"), here)
        return Recommend(
            _inputs(obj.get("positive"), f"{here}.positive"),
            _inputs(obj.get("negative"), f"{here}.negative"),
            _strategy(obj.get("strategy"), f"{here}.strategy"),
        )
    if tag == "discover":
        obj = _object(body, here, "a discover input {target, context}")
        _only(obj, ("target", "context"), here)
        _required(obj, ("target", "context"), here)
        target = vector_input(obj["target"], f"{here}.target")
        return Discover(target, _pairs(obj["context"], f"{here}.context"))
    if tag == "context":
        return Context(_pairs(body, here))
    if tag == "order_by":
        return OrderByQuery(order_by(body, here))
    if tag in ("fusion", "rrf"):
        return _fusion(tag, body, here)
    if tag == "formula":
        defaults = value.get("defaults")
        if defaults is not None and not isinstance(defaults, dict):
            raise ValidationFailed(_at(where, "defaults"), "expected an object")
        return Formula(expression(body, here, kinds), dict(defaults or {}))
    if body != "random":
        raise ValidationFailed(here, 'expected "random"')
    return Sample()


def _mmr(value: Any, where: str) -> Mmr | None:
    """Mmr `{diversity, candidates_limit}` (null: no re-ranking)."""
    if value is None:
        return None
    obj = _object(value, where, "an MMR object {diversity, candidates_limit}")
    _only(obj, ("diversity", "candidates_limit"), where)
    diversity, candidates = obj.get("diversity"), obj.get("candidates_limit")
    mmr = Mmr()
    if diversity is not None:
        number = _number(diversity, f"{where}.diversity")
        if not 0.0 <= number <= 1.0:
            raise ValidationFailed(
                f"{where}.diversity", f"value {diversity} invalid, must be from 0.0 to 1.0"
            )
        mmr = Mmr(diversity=number)
    if candidates is not None:
        if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 0:
            raise ValidationFailed(f"{where}.candidates_limit", "expected a non-negative integer")
        if candidates > engine_query.MMR_MAX_CANDIDATES:
            raise ValidationFailed(
                f"{where}.candidates_limit",
                f"value {candidates} invalid, must be from 0 to {engine_query.MMR_MAX_CANDIDATES}",
            )
        mmr = Mmr(diversity=mmr.diversity, candidates_limit=candidates)
    return mmr


def _relevance_feedback(body: Any, where: str) -> RelevanceFeedback:
    """RelevanceFeedbackInput `{target, feedback: [{example, score}], strategy}`."""
    obj = _object(body, where, "a relevance feedback input {target, feedback, strategy}")
    _only(obj, ("target", "feedback", "strategy"), where)
    _required(obj, ("target", "feedback", "strategy"), where)
    target = vector_input(obj["target"], f"{where}.target")
    items = obj["feedback"]
    if not isinstance(items, list):
        raise ValidationFailed(f"{where}.feedback", "expected a list of {example, score}")
    feedback = []
    for i, item in enumerate(items):
        here = f"{where}.feedback[{i}]"
        entry = _object(item, here, "a feedback item {example, score}")
        _only(entry, ("example", "score"), here)
        _required(entry, ("example", "score"), here)
        feedback.append(
            FeedbackItem(
                vector_input(entry["example"], f"{here}.example"),
                _number(entry["score"], f"{here}.score"),
            )
        )
    return RelevanceFeedback(target, tuple(feedback), _strategy_feedback(obj["strategy"], where))


def _strategy_feedback(value: Any, where: str) -> NaiveFeedback:
    """FeedbackStrategy: `{"naive": {a, b, c}}` (the one strategy Qdrant has)."""
    here = f"{where}.strategy"
    obj = _object(value, here, 'a feedback strategy {"naive": {"a", "b", "c"}}')
    if "naive" not in obj:
        raise ValidationFailed(here, 'expected {"naive": {"a": ..., "b": ..., "c": ...}}')
    _only(obj, ("naive",), here)
    here = f"{here}.naive"
    params = _object(obj["naive"], here, "{a, b, c}")
    _only(params, ("a", "b", "c"), here)
    _required(params, ("a", "b", "c"), here)
    a, b, c = (_number(params[name], f"{here}.{name}") for name in ("a", "b", "c"))
    if b < 0:
        raise ValidationFailed(f"{here}.b", f"value {params['b']} invalid, must be 0.0 or more")
    return NaiveFeedback(a, b, c)


def _fusion(tag: str, body: Any, where: str) -> Fusion:
    """`{"fusion": "rrf" | "dbsf"}`, or `{"rrf": {"k": ..., "weights": [...]}}` (newer
    clients)."""
    if tag == "fusion":
        try:
            return Fusion(FusionMethod(body))
        except ValueError:
            raise ValidationFailed(where, 'expected "rrf" or "dbsf"') from None
    obj = _object(body, where, 'an RRF object {"k": ..., "weights": [...]}')
    _only(obj, ("k", "weights"), where)
    k, weights = obj.get("k"), obj.get("weights")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
        raise ValidationFailed(f"{where}.k", "expected a positive integer")
    if weights is not None:
        if not isinstance(weights, list):
            raise ValidationFailed(f"{where}.weights", "expected a list of numbers")
        weights = tuple(_number(w, f"{where}.weights[{i}]") for i, w in enumerate(weights))
    return Fusion(FusionMethod.RRF, 2 if k is None else k, weights)


# ----------------------------------------------------------------------------- formulas

_EXPRESSION_TAGS = (
    "mult", "sum", *fx.UNARY, "div", "pow", *fx.DECAYS, "geo_distance", "datetime", "datetime_key",
)  # fmt: skip


def expression(value: Any, where: str, kinds: Kinds) -> fx.Expression:
    """Expression: a number, a variable name, an operation object, or a filter condition."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fx.Constant(float(value))
    if isinstance(value, str):
        return fx.Variable(value)
    obj = _object(value, where, "a number, a variable, an expression object or a condition")
    tag = next((t for t in _EXPRESSION_TAGS if t in obj), None)
    if tag is None:
        return fx.ConditionExpr(condition_in(obj, where, kinds))
    _only(obj, (tag,), where)
    body, here = obj[tag], _at(where, tag)
    if tag in ("mult", "sum"):
        if not isinstance(body, list):
            raise ValidationFailed(here, "expected a list of expressions")
        items = tuple(expression(e, f"{here}[{i}]", kinds) for i, e in enumerate(body))
        return fx.Mult(items) if tag == "mult" else fx.Sum(items)
    if tag in fx.UNARY:
        return fx.UNARY[tag](expression(body, here, kinds))
    if tag == "div":
        params = _object(body, here, "{left, right, by_zero_default}")
        _only(params, ("left", "right", "by_zero_default"), here)
        _required(params, ("left", "right"), here)
        default = params.get("by_zero_default")
        return fx.Div(
            expression(params["left"], f"{here}.left", kinds),
            expression(params["right"], f"{here}.right", kinds),
            _number(default, f"{here}.by_zero_default") if default is not None else None,
        )
    if tag == "pow":
        params = _object(body, here, "{base, exponent}")
        _only(params, ("base", "exponent"), here)
        _required(params, ("base", "exponent"), here)
        return fx.Pow(
            expression(params["base"], f"{here}.base", kinds),
            expression(params["exponent"], f"{here}.exponent", kinds),
        )
    if tag in fx.DECAYS:
        return _decay(fx.DECAYS[tag], body, here, kinds)
    if tag == "geo_distance":
        params = _object(body, here, "{origin, to}")
        _only(params, ("origin", "to"), here)
        _required(params, ("origin", "to"), here)
        return fx.GeoDistance(
            _geo_point(params["origin"], f"{here}.origin"), _string(params["to"], f"{here}.to")
        )
    if tag == "datetime":
        return fx.DatetimeConst(_string(body, here))
    return fx.DatetimeKey(_string(body, here))


def _decay(kind: fx.DecayKind, body: Any, where: str, kinds: Kinds) -> fx.Decay:
    params = _object(body, where, "{x, target, scale, midpoint}")
    _only(params, ("x", "target", "scale", "midpoint"), where)
    _required(params, ("x",), where)
    target, scale, midpoint = params.get("target"), params.get("scale"), params.get("midpoint")
    return fx.Decay(
        kind,
        expression(params["x"], f"{where}.x", kinds),
        expression(target, f"{where}.target", kinds) if target is not None else None,
        _number(midpoint, f"{where}.midpoint") if midpoint is not None else None,
        _number(scale, f"{where}.scale") if scale is not None else None,
    )


def _geo_point(value: Any, where: str) -> GeoPoint:
    obj = _object(value, where, 'a geo point {"lon": ..., "lat": ...}')
    _only(obj, ("lon", "lat"), where)
    _required(obj, ("lon", "lat"), where)
    return GeoPoint(
        lon=_number(obj["lon"], f"{where}.lon"), lat=_number(obj["lat"], f"{where}.lat")
    )


# ----------------------------------------------------------------------------- requests


def lookup_from(value: Any, where: str) -> LookupFrom | None:
    """LookupLocation (decoded, or still builtins)."""
    if value is None:
        return None
    if not isinstance(value, structs.LookupLocation):
        value = convert_struct(value, structs.LookupLocation, where)
    no_shard_key(value.shard_key)
    return LookupFrom(value.collection, value.vector)


def prefetches(value: Any, where: str, kinds: Kinds) -> list[Prefetch]:
    """`prefetch`: one Prefetch object, a list of them, or null; nested to any depth."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]" if isinstance(value, list) else where
        req = convert_struct(item, structs.Prefetch, here)
        out.append(
            Prefetch(
                query=_query(req.query, _at(here, "query"), kinds),
                prefetch=prefetches(req.prefetch, _at(here, "prefetch"), kinds),
                using=req.using if req.using is not None else DEFAULT_VECTOR,
                filter=filter_in(req.filter, _at(here, "filter"), kinds)
                if req.filter is not None
                else None,
                params=search_params(req.params),
                score_threshold=req.score_threshold,
                limit=req.limit if req.limit is not None else 10,
                lookup_from=lookup_from(req.lookup_from, _at(here, "lookup_from")),
            )
        )
    return out


def _with_vector(req: Any) -> Any:
    """`with_vector`, or its alias `with_vectors`."""
    return req.with_vector if req.with_vector is not None else req.with_vectors


def _query(value: Any, where: str, kinds: Kinds) -> Query | None:
    return query_interface(value, where, kinds) if value is not None else None


def query_request(
    req: structs.QueryRequest | structs.QueryGroupsRequest, kinds: Kinds, where: str = ""
) -> QueryRequest:
    """QueryRequest (or the query part of QueryGroupsRequest); `where` prefixes error
    paths (``searches[2]`` in a batch)."""
    no_shard_key(req.shard_key)
    limit = offset = None
    if isinstance(req, structs.QueryRequest):
        limit, offset = req.limit, req.offset
    return QueryRequest(
        query=_query(req.query, _at(where, "query"), kinds),
        prefetch=prefetches(req.prefetch, _at(where, "prefetch"), kinds),
        using=req.using if req.using is not None else DEFAULT_VECTOR,
        filter=req.filter,
        params=search_params(req.params),
        score_threshold=req.score_threshold,
        limit=limit if limit is not None else 10,
        offset=offset or 0,
        with_payload=with_payload(req.with_payload, default=False),
        with_vectors=with_vectors(_with_vector(req), default=False),
        lookup_from=lookup_from(req.lookup_from, _at(where, "lookup_from")),
    )


def with_lookup(value: Any, where: str = "with_lookup") -> WithLookup | None:
    """WithLookupInterface: a collection name, or `{collection, with_payload, with_vectors}`."""
    if value is None:
        return None
    if isinstance(value, str):
        return WithLookup(value)
    req = convert_struct(value, structs.WithLookup, where)
    vectors = req.with_vectors if req.with_vectors is not None else req.with_vector
    return WithLookup(
        req.collection,
        with_payload(req.with_payload, default=True, where=f"{where}.with_payload"),
        with_vectors(vectors, default=False, where=f"{where}.with_vectors"),
    )


def query_groups_request(req: structs.QueryGroupsRequest, kinds: Kinds) -> GroupsRequest:
    return GroupsRequest(
        query=query_request(req, kinds),
        group_by=req.group_by,
        group_size=req.group_size if req.group_size is not None else 3,
        limit=req.limit if req.limit is not None else 10,
        with_lookup=with_lookup(req.with_lookup),
    )


# ----------------------------------------------------------------------------- legacy requests


def search_groups_request(req: structs.SearchGroupsRequest) -> GroupsRequest:
    """SearchGroupsRequest: a nearest query of a NamedVectorStruct, grouped."""
    no_shard_key(req.shard_key)
    using, vector = named_vector(req.vector)
    query = QueryRequest(
        query=Nearest(vector),
        using=using,
        filter=req.filter,
        params=search_params(req.params),
        score_threshold=req.score_threshold,
        with_payload=with_payload(req.with_payload, default=False),
        with_vectors=with_vectors(_with_vector(req), default=False),
    )
    return GroupsRequest(
        query, req.group_by, req.group_size, req.limit, with_lookup(req.with_lookup)
    )


def _recommend_query(
    req: structs.RecommendRequest | structs.RecommendGroupsRequest, where: str
) -> QueryRequest:
    no_shard_key(req.shard_key)
    recommend = Recommend(
        _inputs(req.positive, _at(where, "positive")),
        _inputs(req.negative, _at(where, "negative")),
        _strategy(req.strategy, _at(where, "strategy")),
    )
    return QueryRequest(
        query=recommend,
        using=req.using if req.using is not None else DEFAULT_VECTOR,
        filter=req.filter,
        params=search_params(req.params),
        score_threshold=req.score_threshold,
        with_payload=with_payload(req.with_payload, default=False),
        with_vectors=with_vectors(_with_vector(req), default=False),
        lookup_from=lookup_from(req.lookup_from, _at(where, "lookup_from")),
    )


def recommend_request(req: structs.RecommendRequest, where: str = "") -> QueryRequest:
    """RecommendRequest: a recommend query (its ids left out of the results)."""
    query = _recommend_query(req, where)
    query.limit, query.offset = req.limit, req.offset or 0
    return query


def recommend_groups_request(req: structs.RecommendGroupsRequest) -> GroupsRequest:
    query = _recommend_query(req, "")
    return GroupsRequest(
        query, req.group_by, req.group_size, req.limit, with_lookup(req.with_lookup)
    )


def discover_request(req: structs.DiscoverRequest, where: str = "") -> QueryRequest:
    """DiscoverRequest: discovery with a target, context search without one."""
    no_shard_key(req.shard_key)
    pairs = _pairs(req.context, _at(where, "context"))
    target = req.target
    query: Discover | Context = (
        Context(pairs)
        if target is None
        else Discover(vector_input(target, _at(where, "target")), pairs)
    )
    return QueryRequest(
        query=query,
        using=req.using if req.using is not None else DEFAULT_VECTOR,
        filter=req.filter,
        params=search_params(req.params),
        limit=req.limit,
        offset=req.offset or 0,
        with_payload=with_payload(req.with_payload, default=False),
        with_vectors=with_vectors(_with_vector(req), default=False),
        lookup_from=lookup_from(req.lookup_from, _at(where, "lookup_from")),
    )


# ----------------------------------------------------------------------------- results


def groups_out(groups: list[PointGroup], unnamed: bool, lookup_unnamed: bool) -> dict[str, Any]:
    """GroupsResult; `lookup_unnamed`: whether the lookup collection's vector is unnamed."""
    out = []
    for group in groups:
        entry: dict[str, Any] = {"id": group.id, "hits": scored_list_out(group.hits, unnamed)}
        if group.lookup is not None:
            entry["lookup"] = record_out(group.lookup, lookup_unnamed)
        out.append(entry)
    return {"groups": out}


def search_params(params: structs.SearchParams | None) -> SearchParams:
    """SearchParams: `acorn` honoured (see `AcornParams`); `idf` "global" is what every
    IDF search does, an IDF corpus filter is not built (501)."""
    if params is None:
        return SearchParams()
    oversampling = (params.quantization or {}).get("oversampling")
    if oversampling is not None and (
        isinstance(oversampling, bool) or not isinstance(oversampling, int | float)
    ):
        raise ValidationFailed("params.quantization.oversampling", "expected a number")
    _idf(params.idf)
    return SearchParams(
        hnsw_ef=params.hnsw_ef,
        exact=params.exact,
        indexed_only=params.indexed_only,
        oversampling=oversampling,
        acorn=_acorn(params.acorn),
    )


def _acorn(value: Any, where: str = "params.acorn") -> AcornParams | None:
    """AcornSearchParams `{enable, max_selectivity}` (null: none)."""
    if value is None:
        return None
    obj = _object(value, where, "{enable, max_selectivity}")
    _only(obj, ("enable", "max_selectivity"), where)
    enable = obj.get("enable", False)
    if not isinstance(enable, bool):
        raise ValidationFailed(f"{where}.enable", "expected a boolean")
    selectivity = obj.get("max_selectivity")
    if selectivity is not None:
        selectivity = _number(selectivity, f"{where}.max_selectivity")
        if not 0.0 <= selectivity <= 1.0:
            raise ValidationFailed(
                f"{where}.max_selectivity",
                f"value {obj['max_selectivity']} invalid, must be from 0.0 to 1.0",
            )
    return AcornParams(enable, selectivity)


def _idf(value: Any, where: str = "params.idf") -> None:
    """IdfParams: "global" (the default, accepted) or `{"corpus": Filter}` (501)."""
    if value is None or value == "global":
        return
    if isinstance(value, dict) and "corpus" in value:
        _only(value, ("corpus",), where)
        raise Unsupported(f"IDF statistics over a corpus filter ({where}.corpus)")
    raise ValidationFailed(where, 'expected "global" or {"corpus": <filter>}')


def named_vector(value: Any, where: str = "vector") -> tuple[str, Vector]:
    """NamedVectorStruct: a plain dense vector, `{"name": ..., "vector": [...]}` (dense) or
    `{"name": ..., "vector": {"indices": [...], "values": [...]}}` (sparse)."""
    if isinstance(value, list):
        return DEFAULT_VECTOR, dense(value, where)
    if isinstance(value, dict) and "name" in value and "vector" in value:
        name = value["name"]
        if not isinstance(name, str):
            raise ValidationFailed(f"{where}.name", "expected a string")
        extra = set(value) - {"name", "vector"}
        if extra:
            raise ValidationFailed(f"{where}.{sorted(extra)[0]}", "unknown field")
        given = value["vector"]
        here = f"{where}.vector"
        return name, sparse(given, here) if isinstance(given, dict) else dense(given, here)
    raise ValidationFailed(
        where, 'expected a vector (an array of numbers) or {"name": ..., "vector": ...}'
    )


def search_request(req: structs.SearchRequest) -> engine_query.QueryRequest:
    """SearchRequest: the legacy search, a nearest query checked as a search."""
    no_shard_key(req.shard_key)
    using, vector = named_vector(req.vector)
    return engine_query.search_request(
        vector,
        using=using,
        limit=req.limit,
        offset=req.offset or 0,
        score_threshold=req.score_threshold,
        params=search_params(req.params),
        with_payload=with_payload(req.with_payload, default=False),
        with_vectors=with_vectors(
            req.with_vector if req.with_vector is not None else req.with_vectors, default=False
        ),
        filter=req.filter,
    )
