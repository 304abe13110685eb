"""What strict mode measures in a request: a filter's conditions and their sizes, the
payload keys it filters on without a fitting index, and the read cost of a search."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from vectorizer.collection.vectors.dense import kind_of
from vectorizer.filters.ast import (
    Condition,
    Custom,
    DatetimeRange,
    Filter,
    GeoBoundingBox,
    GeoPolygon,
    GeoRadius,
    HasId,
    IsEmpty,
    IsNull,
    MatchAny,
    MatchExcept,
    MatchText,
    MatchValue,
    Nested,
    Range,
    ValuesCount,
)
from vectorizer.filters.field_index import canonical_uuid
from vectorizer.query import formula

if TYPE_CHECKING:
    from vectorizer.filters.field_index import PayloadIndex

# ----------------------------------------------------------------------------- filters


def conditions(flt: Filter) -> Iterator[Condition]:
    """The conditions of one filter level: must, must_not, should, then min_should."""
    yield from flt.must
    yield from flt.must_not
    yield from flt.should
    if flt.min_should is not None:
        yield from flt.min_should.conditions


def total_conditions(flt: Filter) -> int:
    """Qdrant's `Filter::total_conditions_count`: leaf conditions, nested ones included."""
    total = 0
    for cond in conditions(flt):
        if isinstance(cond, Filter):
            total += total_conditions(cond)
        elif isinstance(cond, Nested):
            total += total_conditions(cond.filter)
        else:
            total += 1
    return total


def max_condition_size(flt: Filter) -> int:
    """Qdrant's `Filter::max_condition_input_size`: the most values one condition lists
    (`match.any`, `match.except`, `has_id`)."""
    sizes = [0]
    for cond in conditions(flt):
        if isinstance(cond, MatchAny | MatchExcept):
            sizes.append(len(cond.values))
        elif isinstance(cond, HasId):
            sizes.append(len(cond.ids))
        elif isinstance(cond, Filter):
            sizes.append(max_condition_size(cond))
        elif isinstance(cond, Nested):
            sizes.append(max_condition_size(cond.filter))
    return max(sizes)


# Qdrant's internal index capabilities (FieldIndexType) and the schema that provides each
_SCHEMA_OF = {
    "int_match": "integer",
    "int_range": "integer",
    "keyword_match": "keyword",
    "float_range": "float",
    "text": "text",
    "bool_match": "bool",
    "uuid_match": "uuid",
    "uuid_range": "uuid",
    "datetime_range": "datetime",
    "geo": "geo",
}
_ALL = tuple(_SCHEMA_OF)


def _capabilities(index: PayloadIndex) -> set[str]:
    """What an index of the collection can answer (Qdrant's `schema_capabilities`)."""
    spec = index.spec
    if spec.type == "integer":
        caps = set()
        if spec.params.get("lookup", True):
            caps.add("int_match")
        if spec.params.get("range", True):
            caps.add("int_range")
        return caps
    return {cap for cap, schema in _SCHEMA_OF.items() if schema == spec.type}


def _strings_need(values: Iterable[Any]) -> list[str]:
    strings = list(values)
    uuid = ["uuid_match"] if all(canonical_uuid(v) is not None for v in strings) else []
    return [*uuid, "keyword_match"]


def _required(cond: Condition) -> list[str] | None:
    """Index capabilities any one of which serves the condition; None when it needs none."""
    if isinstance(cond, MatchValue):
        if isinstance(cond.value, bool):
            return ["bool_match"]
        if isinstance(cond.value, int):
            return ["int_match"]
        return _strings_need([cond.value])
    if isinstance(cond, MatchAny | MatchExcept):
        if all(isinstance(v, str) for v in cond.values):
            return _strings_need(cond.values)
        return ["int_match"]
    if isinstance(cond, MatchText):
        return ["text"]
    if isinstance(cond, Range):
        return ["float_range", "int_range"]
    if isinstance(cond, DatetimeRange):
        return ["datetime_range"]
    if isinstance(cond, GeoBoundingBox | GeoRadius | GeoPolygon):
        return ["geo"]
    if isinstance(cond, ValuesCount | IsEmpty | IsNull | Custom):
        return list(_ALL)  # any index will do
    return None


def unindexed_key(
    flt: Filter, indexes: Mapping[str, PayloadIndex], prefix: str = ""
) -> tuple[str, list[str]] | None:
    """The first payload key the filter uses without an index able to serve it, with the
    index types that would (Qdrant's `Collection::one_unindexed_key`)."""
    for cond in conditions(flt):
        if isinstance(cond, Filter):
            found = unindexed_key(cond, indexes, prefix)
        elif isinstance(cond, Nested):
            found = unindexed_key(cond.filter, indexes, f"{prefix}{cond.key}.")
        else:
            found = None
            needed = _required(cond)
            key = getattr(cond, "key", None)
            if needed is not None and isinstance(key, str):
                full = prefix + key
                index = indexes.get(full)
                if index is None or not _capabilities(index) & set(needed):
                    found = (full, sorted({_SCHEMA_OF[n] for n in needed}))
        if found is not None:
            return found
    return None


def unindexed_expression_key(
    expression: Any, indexes: Mapping[str, PayloadIndex]
) -> tuple[str, list[str]] | None:
    """The first payload key a formula expression reads without an index able to serve
    it, with the index types that would (Qdrant's `one_unindexed_expression_key`): a
    payload variable needs a numeric index, a geo distance a geo index, a datetime key
    a datetime index, a condition what it needs in a filter."""
    needed: list[str] | None = None
    key: str | None = None
    if isinstance(expression, formula.Variable):
        parsed = formula.parse_variable(expression.name)
        if isinstance(parsed, str):
            key, needed = parsed, ["int_match", "int_range", "float_range"]
    elif isinstance(expression, formula.GeoDistance):
        key, needed = expression.to, ["geo"]
    elif isinstance(expression, formula.DatetimeKey):
        key, needed = expression.key, ["datetime_range"]
    elif isinstance(expression, formula.ConditionExpr):
        return unindexed_key(Filter(must=(expression.condition,)), indexes)
    else:
        for inner in _sub_expressions(expression):
            found = unindexed_expression_key(inner, indexes)
            if found is not None:
                return found
        return None
    if key is None or needed is None:
        return None
    index = indexes.get(key)
    if index is None or not _capabilities(index) & set(needed):
        return key, sorted({_SCHEMA_OF[n] for n in needed})
    return None


def _sub_expressions(expression: Any) -> list[Any]:
    """The operands of a compound formula expression (none for a leaf)."""
    if isinstance(expression, formula.Mult | formula.Sum):
        return list(expression.items)
    if isinstance(expression, formula.Div):
        return [expression.left, expression.right]
    if isinstance(expression, formula.Pow):
        return [expression.base, expression.exponent]
    if isinstance(expression, formula.Decay):
        return [expression.x] + ([expression.target] if expression.target is not None else [])
    inner = getattr(expression, "expr", None)
    return [inner] if inner is not None else []


def supports_match(index: PayloadIndex) -> bool:
    """Whether an index answers `match` (Qdrant's `PayloadFieldSchema::supports_match`): an
    integer index given with params must say `lookup: true`."""
    spec = index.spec
    if spec.type == "integer":
        return spec.given is None or spec.given.get("lookup") is True
    return spec.type in ("keyword", "uuid", "bool")


# ----------------------------------------------------------------------------- read costs

SPARSE_DIMS_COST_UNIT = 64
"""Dimensions of a sparse query vector that count as one comparison (Qdrant's unit)."""


def similarity_cost(vector: Any) -> int:
    """Comparisons a query vector makes against one point (Qdrant's `similarity_cost`):
    1 for a dense vector, one per row of a multivector, one per 64 dimensions of a
    sparse vector."""
    kind = kind_of(vector)
    if kind == "sparse":
        return math.ceil(len(vector.indices) / SPARSE_DIMS_COST_UNIT)
    if kind == "multi":
        return len(vector)
    return 1


def filter_cost(flt: Any) -> int:
    """Read tokens a filter adds to a request: one per condition."""
    return total_conditions(flt) if isinstance(flt, Filter) else 0


def search_cost(vectors: Iterable[Any], flt: Any) -> int:
    """Read tokens of one search: its query vectors' comparisons plus its filter's
    conditions (Qdrant's `search_rate_cost`)."""
    return sum(similarity_cost(v) for v in vectors) + filter_cost(flt)


def scroll_cost(flt: Any) -> int:
    """Read tokens of a scroll, count or facet: 1 plus its filter's conditions."""
    return 1 + filter_cost(flt)
