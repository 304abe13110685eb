"""msgspec Structs for the plain (non-union) request bodies of Qdrant's REST API.

Field names, requiredness and bounds follow Qdrant's OpenAPI spec (v1.14). Parts that
are untagged unions in the spec (vectors, point ids, `with_payload`, `with_vector`,
queries, filters, quantization configs, ...) are typed `Any` here: msgspec decodes
them into builtins and the other `wire/` modules turn them into domain objects by the
keys present (filters: `filters.py`, applied to every `filter` field when a body is
decoded). `decode` reads a body into its Struct; a body that is not JSON is a
`JsonError` (400), JSON of the wrong shape a `ValidationFailed` (422) naming the field
as Qdrant does.

Unknown fields are rejected (422 naming the field) rather than silently ignored, except
in the bodies of the search family and in a collection's `VectorParams` (`Lenient`):
Qdrant's serde structs for them do not deny unknown fields, and clients send some (a
stray `exact`, or a `strategy` on a query groups request) that Qdrant accepts.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from vectorizer_qdrant_rest.wire.errors import JsonError, ValidationFailed

UInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
JsonObject = dict[str, Any]


class Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body."""


class Lenient(msgspec.Struct, kw_only=True):
    """Base of the search family's bodies: unknown fields are ignored, as Qdrant does."""


# ----------------------------------------------------------------------------- collections


class HnswConfigDiff(Body):
    m: UInt | None = None
    ef_construct: Annotated[int, msgspec.Meta(ge=4)] | None = None
    full_scan_threshold: Annotated[int, msgspec.Meta(ge=10)] | None = None
    max_indexing_threads: UInt | None = None
    on_disk: bool | None = None
    payload_m: UInt | None = None


class OptimizersConfigDiff(Body):
    deleted_threshold: Annotated[float, msgspec.Meta(ge=0, le=1)] | None = None
    vacuum_min_vector_number: UInt | None = None
    default_segment_number: UInt | None = None
    max_segment_size: PositiveInt | None = None
    memmap_threshold: UInt | None = None
    indexing_threshold: UInt | None = None
    flush_interval_sec: UInt | None = None
    max_optimization_threads: UInt | Literal["auto"] | None = None


class WalConfigDiff(Body):
    wal_capacity_mb: PositiveInt | None = None
    wal_segments_ahead: UInt | None = None
    wal_retain_closed: PositiveInt | None = None


class MultiVectorConfig(Body):
    comparator: Literal["max_sim"]


class VectorParams(Lenient):
    """Qdrant's `VectorParams` does not deny unknown fields either (its suite creates a
    collection with a stray `on_disk_vectors` in them)."""

    size: PositiveInt
    distance: Literal["Cosine", "Euclid", "Dot", "Manhattan"]
    hnsw_config: HnswConfigDiff | None = None
    quantization_config: JsonObject | None = None
    quantization: JsonObject | None = None  # Qdrant's alias of `quantization_config`
    on_disk: bool | None = None
    datatype: Literal["float32", "uint8", "float16"] | None = None
    multivector_config: MultiVectorConfig | None = None


class SparseIndexParams(Body):
    full_scan_threshold: UInt | None = None
    on_disk: bool | None = None
    datatype: Literal["float32", "uint8", "float16"] | None = None


class SparseVectorParams(Body):
    index: SparseIndexParams | None = None
    modifier: Literal["none", "idf"] | None = None


class InitFrom(Body):
    collection: str


class CreateCollection(Body):
    vectors: Any = None  # VectorsConfig: one VectorParams, or a map name -> VectorParams
    shard_number: PositiveInt | None = None
    sharding_method: Literal["auto", "custom"] | None = None
    replication_factor: PositiveInt | None = None
    write_consistency_factor: PositiveInt | None = None
    on_disk_payload: bool | None = None
    hnsw_config: HnswConfigDiff | None = None
    wal_config: WalConfigDiff | None = None
    optimizers_config: OptimizersConfigDiff | None = None
    optimizer_config: OptimizersConfigDiff | None = None  # alias of `optimizers_config`
    init_from: InitFrom | None = None
    quantization_config: JsonObject | None = None
    quantization: JsonObject | None = None  # Qdrant's alias of `quantization_config`
    sparse_vectors: dict[str, SparseVectorParams] | None = None
    strict_mode_config: JsonObject | None = None


class VectorParamsDiff(Body):
    hnsw_config: HnswConfigDiff | None = None
    quantization_config: Any = None  # QuantizationConfigDiff: an object or "Disabled"
    on_disk: bool | None = None


class CollectionParamsDiff(Body):
    replication_factor: PositiveInt | None = None
    write_consistency_factor: PositiveInt | None = None
    read_fan_out_factor: UInt | None = None
    on_disk_payload: bool | None = None


class UpdateCollection(Body):
    vectors: dict[str, VectorParamsDiff] | None = None
    optimizers_config: OptimizersConfigDiff | None = None
    params: CollectionParamsDiff | None = None
    hnsw_config: HnswConfigDiff | None = None
    quantization_config: Any = None  # QuantizationConfigDiff: an object or "Disabled"
    sparse_vectors: dict[str, SparseVectorParams] | None = None
    strict_mode_config: JsonObject | None = None


class CreateAlias(Body):
    collection_name: str
    alias_name: str


class DeleteAlias(Body):
    alias_name: str


class RenameAlias(Body):
    old_alias_name: str
    new_alias_name: str


class AliasOperation(Body):
    """One of `create_alias`, `delete_alias`, `rename_alias` (exactly one is set)."""

    create_alias: CreateAlias | None = None
    delete_alias: DeleteAlias | None = None
    rename_alias: RenameAlias | None = None


class ChangeAliases(Body):
    actions: list[AliasOperation]


# ----------------------------------------------------------------------------- points


class PointIn(Body):
    id: Any
    vector: Any  # VectorStruct
    payload: JsonObject | None = None


class BatchIn(Body):
    ids: list[Any]
    vectors: Any  # BatchVectorStruct
    payloads: list[JsonObject | None] | None = None


class UpsertPoints(Body):
    """PointInsertOperations: `{"points": [...]}` or `{"batch": {...}}`."""

    points: list[PointIn] | None = None
    batch: BatchIn | None = None
    shard_key: Any = None
    update_filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    update_mode: Literal["upsert", "insert_only", "update_only"] | None = None


class PointsSelector(Body):
    """`{"points": [ids]}` or `{"filter": {...}}`."""

    points: list[Any] | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    shard_key: Any = None


class SetPayload(Body):
    payload: JsonObject
    points: list[Any] | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    shard_key: Any = None
    key: str | None = None


class DeletePayload(Body):
    keys: list[str]
    points: list[Any] | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    shard_key: Any = None


class PointVectorsIn(Lenient):
    """Qdrant's PointVectors: unknown fields (a `payload`, say) are ignored."""

    id: Any
    vector: Any  # VectorStruct


class UpdateVectors(Body):
    points: Annotated[list[PointVectorsIn], msgspec.Meta(min_length=1)]
    shard_key: Any = None
    update_filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)


class DeleteVectors(Body):
    vector: Annotated[list[str], msgspec.Meta(min_length=1)]
    points: list[Any] | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    shard_key: Any = None


class UpdateOperation(Body):
    """One operation of a batch update: exactly one of its fields is set (each field is
    Qdrant's `*Operation` object, e.g. `{"upsert": {...}}`)."""

    upsert: UpsertPoints | None = None
    delete: PointsSelector | None = None
    set_payload: SetPayload | None = None
    overwrite_payload: SetPayload | None = None
    delete_payload: DeletePayload | None = None
    clear_payload: PointsSelector | None = None
    update_vectors: UpdateVectors | None = None
    delete_vectors: DeleteVectors | None = None


class UpdateOperations(Body):
    operations: list[UpdateOperation]


class PointRequest(Body):
    ids: list[Any]
    with_payload: Any = None
    with_vector: Any = None
    with_vectors: Any = None  # Qdrant's alias of `with_vector`
    shard_key: Any = None


class OrderBy(Body):
    key: str
    direction: Literal["asc", "desc"] | None = None
    start_from: int | float | str | None = None  # StartFrom: a number or an RFC 3339 datetime


class ScrollRequest(Body):
    offset: Any = None
    limit: PositiveInt | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    with_payload: Any = None
    with_vector: Any = None
    with_vectors: Any = None  # Qdrant's alias of `with_vector`
    order_by: Any = None  # OrderByInterface: a payload key, or an OrderBy object
    shard_key: Any = None


class CountRequest(Body):
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    exact: bool = True
    shard_key: Any = None


# ----------------------------------------------------------------------------- search


class SearchParams(Lenient):
    hnsw_ef: UInt | None = None
    exact: bool = False
    quantization: JsonObject | None = None
    indexed_only: bool = False
    acorn: Any = None  # AcornSearchParams (1.16+), converted in wire/search.py
    idf: Any = None  # IdfParams (1.18+): "global" or {"corpus": Filter}


class SearchRequest(Lenient):
    vector: Any  # NamedVectorStruct
    limit: PositiveInt
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    params: SearchParams | None = None
    offset: UInt | None = None
    with_payload: Any = None
    with_vector: Any = None
    with_vectors: Any = None  # Qdrant's alias of `with_vector`
    score_threshold: float | None = None
    shard_key: Any = None


class SearchRequestBatch(Lenient):
    searches: list[SearchRequest]


class QueryRequest(Lenient):
    query: Any = None  # QueryInterface
    prefetch: Any = None
    using: str | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    params: SearchParams | None = None
    score_threshold: float | None = None
    limit: PositiveInt | None = None
    offset: UInt | None = None
    with_vector: Any = None
    with_vectors: Any = None  # Qdrant's alias of `with_vector`
    with_payload: Any = None
    lookup_from: Any = None
    shard_key: Any = None


class QueryRequestBatch(Lenient):
    searches: list[QueryRequest]


class Prefetch(Lenient):
    """Decoded by `search.py` from `prefetch` (an object or a list, nested), filter too."""

    prefetch: Any = None
    query: Any = None  # QueryInterface
    using: str | None = None
    filter: Any = None
    params: SearchParams | None = None
    score_threshold: float | None = None
    limit: PositiveInt | None = None
    lookup_from: Any = None


class LookupLocation(Lenient):
    collection: str
    vector: str | None = None
    shard_key: Any = None


class WithLookup(Lenient):
    collection: str
    with_payload: Any = None
    with_vectors: Any = None
    with_vector: Any = None  # Qdrant's alias of `with_vectors`


GroupBy = Annotated[str, msgspec.Meta(min_length=1)]


class QueryGroupsRequest(Lenient):
    group_by: GroupBy
    query: Any = None  # QueryInterface
    prefetch: Any = None
    using: str | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    params: SearchParams | None = None
    score_threshold: float | None = None
    with_vector: Any = None
    with_vectors: Any = None  # Qdrant's alias of `with_vector`
    with_payload: Any = None
    lookup_from: Any = None
    group_size: PositiveInt | None = None
    limit: PositiveInt | None = None
    with_lookup: Any = None  # WithLookupInterface: a collection name or a WithLookup
    shard_key: Any = None


class SearchGroupsRequest(Lenient):
    vector: Any  # NamedVectorStruct
    group_by: GroupBy
    group_size: PositiveInt
    limit: PositiveInt
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    params: SearchParams | None = None
    with_payload: Any = None
    with_vector: Any = None
    with_vectors: Any = None  # Qdrant's alias of `with_vector`
    score_threshold: float | None = None
    with_lookup: Any = None  # WithLookupInterface: a collection name or a WithLookup
    shard_key: Any = None


Strategy = Literal["average_vector", "best_score", "sum_scores"]


class RecommendRequest(Lenient):
    limit: PositiveInt
    positive: list[Any] = msgspec.field(default_factory=list)  # RecommendExample
    negative: list[Any] = msgspec.field(default_factory=list)
    strategy: Strategy | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    params: SearchParams | None = None
    offset: UInt | None = None
    with_payload: Any = None
    with_vector: Any = None
    with_vectors: Any = None  # Qdrant's alias of `with_vector`
    score_threshold: float | None = None
    using: str | None = None
    lookup_from: LookupLocation | None = None
    shard_key: Any = None


class RecommendRequestBatch(Lenient):
    searches: list[RecommendRequest]


class RecommendGroupsRequest(Lenient):
    group_by: GroupBy
    group_size: PositiveInt
    limit: PositiveInt
    positive: list[Any] = msgspec.field(default_factory=list)  # RecommendExample
    negative: list[Any] = msgspec.field(default_factory=list)
    strategy: Strategy | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    params: SearchParams | None = None
    with_payload: Any = None
    with_vector: Any = None
    with_vectors: Any = None  # Qdrant's alias of `with_vector`
    score_threshold: float | None = None
    using: str | None = None
    lookup_from: LookupLocation | None = None
    with_lookup: Any = None  # WithLookupInterface: a collection name or a WithLookup
    shard_key: Any = None


class DiscoverRequest(Lenient):
    limit: PositiveInt
    target: Any = None  # RecommendExample
    context: list[Any] | None = None  # ContextExamplePair objects
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    params: SearchParams | None = None
    offset: UInt | None = None
    with_payload: Any = None
    with_vector: Any = None
    with_vectors: Any = None  # Qdrant's alias of `with_vector`
    using: str | None = None
    lookup_from: LookupLocation | None = None
    shard_key: Any = None


class DiscoverRequestBatch(Lenient):
    searches: list[DiscoverRequest]


# ----------------------------------------------------------------------------- payload indexes


class CreateFieldIndex(Body):
    field_name: str
    field_schema: Any = None  # PayloadFieldSchema: a type name or a params object


# ----------------------------------------------------------------------------- facet, matrix


class FacetRequest(Body):
    key: str
    limit: PositiveInt | None = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    exact: bool | None = None
    shard_key: Any = None


class SearchMatrixRequest(Body):
    shard_key: Any = None
    filter: Any = None  # Filter: becomes the AST when the body is decoded (filters.py)
    sample: Annotated[int, msgspec.Meta(ge=2)] | None = None
    limit: PositiveInt | None = None
    using: str | None = None


# ----------------------------------------------------------------------------- decoding

T = TypeVar("T")

# ----------------------------------------------------------------------------- decoding

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_FIELD = re.compile(r"^Object (?P<what>missing required|contains unknown) field `(?P<name>[^`]*)`$")
_BOUND = re.compile(r"^Expected `\w+` (?P<op>>=|<=|>|<) (?P<bound>[-\d.e+]+)$")
_LENGTH = re.compile(r"^Expected `\w+` of length (?P<op>>=|<=) (?P<bound>\d+)$")
_TOKEN = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def decode(body: bytes, type_: type[T]) -> T:
    """Decode a JSON request body into the msgspec Struct `type_`.

    Not JSON -> `JsonError` (400); JSON of the wrong shape -> `ValidationFailed` (422).
    """
    if not body.strip():
        raise JsonError("EOF while parsing a value at line 1 column 0 (the body is empty)")
    try:
        return msgspec.json.decode(body, type=type_)
    except msgspec.ValidationError as exc:
        raise _validation_failed(str(exc), lambda: msgspec.json.decode(body)) from None
    except msgspec.DecodeError as exc:
        raise JsonError(str(exc)) from None


def convert_struct(value: Any, type_: type[T], where: str) -> T:
    """Validate an already decoded part of a body against a Struct; errors say `where`."""
    try:
        return msgspec.convert(value, type_)
    except msgspec.ValidationError as exc:
        raise _validation_failed(str(exc), lambda: value, where) from None


def _validation_failed(message: str, data: Any, prefix: str = "") -> ValidationFailed:
    """Turn msgspec's message into one naming the field as a dotted path."""
    match = _AT.match(message)
    assert match is not None
    msg, raw_path = match["msg"], match["path"] or ""
    path = join_path(prefix, raw_path.lstrip("."))
    field = _FIELD.match(msg)
    if field:
        detail = "missing field" if field["what"] == "missing required" else "unknown field"
        return ValidationFailed(join_path(path, field["name"]), detail)
    bound = _BOUND.match(msg)
    if bound:
        words = {">=": "or larger", "<=": "or smaller", ">": "exclusive minimum"}
        shown = _value_at(data, raw_path)
        value = f"value {shown} invalid, " if shown is not None else ""
        bound_value = bound["bound"]
        return ValidationFailed(
            path, f"{value}must be {bound_value} {words.get(bound['op'], 'exclusive maximum')}"
        )
    length = _LENGTH.match(msg)
    if length:
        more = "at least" if length["op"] == ">=" else "at most"
        return ValidationFailed(path, f"must have {more} {length['bound']} item(s)")
    return ValidationFailed(path, msg)


def join_path(prefix: str, name: str) -> str:
    if not prefix:
        return name
    if not name:
        return prefix
    return f"{prefix}{name}" if name.startswith("[") else f"{prefix}.{name}"


def _value_at(data: Any, path: str) -> Any:
    """The value at msgspec's path (`.a[0].b`) in the decoded body, or None."""
    try:
        value = data()
        for key, index in _TOKEN.findall(path):
            value = value[int(index)] if index else value[key]
    except Exception:
        return None
    return msgspec.json.encode(value).decode() if value is not None else None
