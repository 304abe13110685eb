"""Domain types of the core: plain dataclasses, free of any wire format.

Names and defaults follow Qdrant's model, so each API plugin converts at its edge
without re-deciding semantics. The default (unnamed) vector is stored under the name
``""`` (`DEFAULT_VECTOR`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import uuid
from dataclasses import dataclass, field, fields
from typing import Any, TypeAlias

import numpy as np

from vectorizer.errors import BadRequest

log = logging.getLogger(__name__)

DEFAULT_VECTOR = ""
MAX_POINT_ID = 2**64 - 1
MAX_VECTOR_SIZE = 65_536
"""Qdrant's bound on a dense vector's dimension (`VectorParams.size`, 1 to 65,536)."""


def vector_size_problem(size: int) -> str | None:
    """Qdrant's validation message for a dense vector dimension out of bounds, or None."""
    if 1 <= size <= MAX_VECTOR_SIZE:
        return None
    return f"value {size} invalid, must be from 1 to {MAX_VECTOR_SIZE}"


PointId: TypeAlias = int | str
"""An unsigned 64-bit integer, or a UUID in canonical hyphenated lower-case form."""

Payload: TypeAlias = dict[str, Any]


class Distance(enum.StrEnum):
    COSINE = "Cosine"
    EUCLID = "Euclid"
    DOT = "Dot"
    MANHATTAN = "Manhattan"


class Datatype(enum.StrEnum):
    FLOAT32 = "float32"
    FLOAT16 = "float16"
    UINT8 = "uint8"


class CollectionStatus(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    GREY = "grey"
    RED = "red"


def normalize_point_id(value: object) -> PointId:
    """Validate a point id: an unsigned 64-bit int or a UUID string (any accepted form)."""
    if isinstance(value, bool):
        raise BadRequest(f"Bad point id {value!r}: must be an unsigned integer or a UUID")
    if isinstance(value, int):
        if 0 <= value <= MAX_POINT_ID:
            return value
        raise BadRequest(f"Bad point id {value}: must be between 0 and {MAX_POINT_ID}")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise BadRequest(
                f"Unable to parse UUID: {value}: point id must be an unsigned integer or a UUID"
            ) from None
    raise BadRequest(f"Bad point id {value!r}: must be an unsigned integer or a UUID")


# ----------------------------------------------------------------------------- config


def missing_vector(name: str) -> BadRequest:
    """Qdrant's error for a vector name the collection does not have."""
    shown = name or "default (unnamed)"
    return BadRequest(f"Wrong input: Not existing vector name error: {shown}")


@dataclass
class HnswConfig:
    """HNSW graph parameters (collection level; per-vector overrides are diffs)."""

    m: int = 16
    ef_construct: int = 100
    full_scan_threshold: int = 10000
    max_indexing_threads: int = 0
    on_disk: bool | None = False
    payload_m: int | None = None


@dataclass
class OptimizersConfig:
    """Optimizer parameters. `indexing_threshold` (KB of vectors) decides when HNSW is built."""

    deleted_threshold: float = 0.2
    vacuum_min_vector_number: int = 1000
    default_segment_number: int = 0
    max_segment_size: int | None = None
    memmap_threshold: int | None = None
    indexing_threshold: int | None = 20000
    flush_interval_sec: int = 5
    max_optimization_threads: int | None = None


@dataclass
class WalConfig:
    wal_capacity_mb: int = 32
    wal_segments_ahead: int = 0
    wal_retain_closed: int | None = None
    """Qdrant 1.16+: closed WAL segments to keep (None: not given). Stored and reported;
    Vectorizer's store has no WAL segments to keep."""


class Modifier(enum.StrEnum):
    """A sparse vector's modifier: `idf` scales each index by its inverse document frequency."""

    NONE = "none"
    IDF = "idf"


class MultiVectorComparator(enum.StrEnum):
    MAX_SIM = "max_sim"


def given_fields(obj: Any) -> dict[str, Any]:
    """The fields of a dataclass that are set (not None)."""
    return {f.name: v for f in fields(obj) if (v := getattr(obj, f.name)) is not None}


@dataclass(frozen=True)
class HnswConfigDiff:
    """HNSW parameters that override the collection's for one vector (None: not set)."""

    m: int | None = None
    ef_construct: int | None = None
    full_scan_threshold: int | None = None
    max_indexing_threads: int | None = None
    on_disk: bool | None = None
    payload_m: int | None = None

    def given(self) -> dict[str, Any]:
        """The fields set, by name."""
        return given_fields(self)

    def merged(self, diff: HnswConfigDiff | None) -> HnswConfigDiff:
        """This diff with the set fields of `diff` replacing theirs."""
        if diff is None:
            return self
        return HnswConfigDiff(**{**self.given(), **diff.given()})


@dataclass(frozen=True)
class MultiVectorConfig:
    """Each point holds a matrix of vectors, compared by `comparator` (Qdrant's MaxSim)."""

    comparator: MultiVectorComparator = MultiVectorComparator.MAX_SIM


@dataclass(frozen=True)
class SparseIndexParams:
    """The inverted index of a sparse vector (None: not set, Qdrant's default)."""

    full_scan_threshold: int | None = None
    on_disk: bool | None = None
    datatype: Datatype | None = None

    def given(self) -> dict[str, Any]:
        return given_fields(self)


@dataclass(frozen=True)
class SparseVectorParams:
    """One sparse vector space: its index params and modifier, as given (None: not given;
    an `index` given empty is kept, and reported back, as given)."""

    index: SparseIndexParams | None = None
    modifier: Modifier | None = None

    def merged(self, diff: SparseVectorParams) -> SparseVectorParams:
        """These params with a diff applied as Qdrant's update does: a given `modifier`
        replaces it, the given `index` fields replace theirs."""
        index = self.index
        if diff.index is not None:
            base = self.index.given() if self.index is not None else {}
            index = SparseIndexParams(**{**base, **diff.index.given()})
        modifier = diff.modifier if diff.modifier is not None else self.modifier
        return SparseVectorParams(index=index, modifier=modifier)


class ScalarType(enum.StrEnum):
    INT8 = "int8"


class CompressionRatio(enum.StrEnum):
    X4 = "x4"
    X8 = "x8"
    X16 = "x16"
    X32 = "x32"
    X64 = "x64"


class BinaryEncoding(enum.StrEnum):
    ONE_BIT = "one_bit"
    TWO_BITS = "two_bits"
    ONE_AND_HALF_BITS = "one_and_half_bits"


class BinaryQueryEncoding(enum.StrEnum):
    DEFAULT = "default"
    BINARY = "binary"
    SCALAR4BITS = "scalar4bits"
    SCALAR8BITS = "scalar8bits"


@dataclass(frozen=True)
class ScalarQuantization:
    """Qdrant's scalar quantization (stored and reported back; not implemented). None:
    not given, so the config is reported back as it was given."""

    type: ScalarType | None = None
    quantile: float | None = None
    always_ram: bool | None = None


@dataclass(frozen=True)
class ProductQuantization:
    """Qdrant's product quantization (stored and reported back; not implemented)."""

    compression: CompressionRatio | None = None
    always_ram: bool | None = None


@dataclass(frozen=True)
class BinaryQuantization:
    """Qdrant's binary quantization (stored and reported back; not implemented)."""

    always_ram: bool | None = None
    encoding: BinaryEncoding | None = None
    query_encoding: BinaryQueryEncoding | None = None


@dataclass(frozen=True)
class QuantizationConfig:
    """A quantization config: exactly one of `scalar`, `product` or `binary` is set (the
    shape of Qdrant's JSON). Stored and reported back as given; not implemented."""

    scalar: ScalarQuantization | None = None
    product: ProductQuantization | None = None
    binary: BinaryQuantization | None = None

    @property
    def kind(self) -> str:
        """ "scalar", "product" or "binary"."""
        return next(iter(given_fields(self)))


@dataclass
class VectorParams:
    """One dense vector space of a collection; with `multivector_config` each point holds
    a matrix of such vectors."""

    size: int
    distance: Distance
    hnsw_config: HnswConfigDiff | None = None
    quantization_config: QuantizationConfig | None = None
    on_disk: bool | None = None
    datatype: Datatype | None = None
    multivector_config: MultiVectorConfig | None = None


@dataclass(frozen=True)
class VectorParamsDiff:
    """A partial update of one vector's params; `disable_quantization` drops the vector's
    own quantization (Qdrant's `"Disabled"`)."""

    hnsw_config: HnswConfigDiff | None = None
    quantization_config: QuantizationConfig | None = None
    on_disk: bool | None = None
    disable_quantization: bool = False


@dataclass(frozen=True)
class StrictModeMultivector:
    max_vectors: int | None = None


@dataclass(frozen=True)
class StrictModeSparse:
    max_length: int | None = None


@dataclass(frozen=True)
class StrictModeConfig:
    """Qdrant 1.14's strict mode settings, plus the later `max_payload_index_count`
    (None: not set). Nothing is enforced unless `enabled` is true.

    `unknown` keeps the settings given that Qdrant 1.14 does not have, as given: they are
    stored, reported back and named in the collection info's warnings.
    """

    enabled: bool | None = None
    max_query_limit: int | None = None
    max_timeout: int | None = None
    unindexed_filtering_retrieve: bool | None = None
    unindexed_filtering_update: bool | None = None
    search_max_hnsw_ef: int | None = None
    search_allow_exact: bool | None = None
    search_max_oversampling: float | None = None
    upsert_max_batchsize: int | None = None
    max_collection_vector_size_bytes: int | None = None
    read_rate_limit: int | None = None
    write_rate_limit: int | None = None
    max_collection_payload_size_bytes: int | None = None
    max_points_count: int | None = None
    filter_max_conditions: int | None = None
    condition_max_size: int | None = None
    multivector_config: dict[str, StrictModeMultivector] | None = None
    sparse_config: dict[str, StrictModeSparse] | None = None
    max_payload_index_count: int | None = None
    unknown: dict[str, Any] = field(default_factory=dict)

    def merged(self, diff: StrictModeConfig) -> StrictModeConfig:
        """These settings with the ones `diff` sets replacing theirs (a null leaves a
        setting as it was, as in Qdrant)."""
        changes = {
            f.name: v
            for f in fields(diff)
            if f.name != "unknown" and (v := getattr(diff, f.name)) is not None
        }
        unknown = {**self.unknown, **{k: v for k, v in diff.unknown.items() if v is not None}}
        return dataclasses.replace(self, **changes, unknown=unknown)


@dataclass
class CollectionParams:
    """`vectors` maps vector name to params; the unnamed vector is `DEFAULT_VECTOR`."""

    vectors: dict[str, VectorParams] = field(default_factory=dict)
    shard_number: int = 1
    sharding_method: str | None = None
    replication_factor: int = 1
    write_consistency_factor: int = 1
    read_fan_out_factor: int | None = None
    on_disk_payload: bool = True
    sparse_vectors: dict[str, SparseVectorParams] | None = None
    """Sparse vector spaces by name."""
    vectors_as_map: bool = False
    """True when `vectors` was given as a map of names, even one holding only the default
    name `""` (LangChain's default): the config is reported back as that map, as Qdrant
    does, not as the params of an unnamed vector."""


@dataclass
class CollectionConfig:
    """Everything a collection is created with, stored and reported back as given."""

    params: CollectionParams = field(default_factory=CollectionParams)
    hnsw_config: HnswConfig = field(default_factory=HnswConfig)
    optimizer_config: OptimizersConfig = field(default_factory=OptimizersConfig)
    wal_config: WalConfig = field(default_factory=WalConfig)
    quantization_config: QuantizationConfig | None = None
    strict_mode_config: StrictModeConfig | None = None
    metadata: dict[str, Any] | None = None
    payload_indexes: dict[str, str | dict[str, Any]] = field(default_factory=dict)
    """Payload field indexes: field name -> its `field_schema` as created (type or params)."""

    @property
    def unnamed(self) -> bool:
        """True when the collection has the single unnamed dense vector (points report it
        as a bare vector, whichever form the config was given in)."""
        return list(self.params.vectors) == [DEFAULT_VECTOR]

    @property
    def single_vector_params(self) -> bool:
        """True when the config reports its vectors as one VectorParams (not a map): the
        unnamed vector, given in that form."""
        return self.unnamed and not self.params.vectors_as_map

    def vector_params(self, name: str) -> VectorParams:
        """The params of dense (or multi) vector `name`; Qdrant's error for any other name."""
        try:
            return self.params.vectors[name]
        except KeyError:
            raise missing_vector(name) from None

    @property
    def sparse_vectors(self) -> dict[str, SparseVectorParams]:
        """Sparse vector params by name."""
        return self.params.sparse_vectors or {}

    def hnsw_for(self, name: str) -> HnswConfig:
        """The effective HNSW config of one vector: collection config plus its diff."""
        base = self.hnsw_config
        diff = self.vector_params(name).hnsw_config
        if diff is None:
            return base
        return dataclasses.replace(base, **diff.given())


@dataclass
class CollectionUpdate:
    """A partial update of a collection's config; `None` leaves a part unchanged.

    `vectors` maps a vector name to a diff of its params; `sparse_vectors` maps a sparse
    vector name to a diff of its params (the `index` fields and `modifier` given); the
    other parts are diffs of the sections.
    """

    vectors: dict[str, VectorParamsDiff] | None = None
    sparse_vectors: dict[str, SparseVectorParams] | None = None
    params: dict[str, Any] | None = None
    hnsw_config: HnswConfigDiff | None = None
    optimizers_config: dict[str, Any] | None = None
    quantization_config: QuantizationConfig | None = None
    disable_quantization: bool = False
    strict_mode_config: StrictModeConfig | None = None
    metadata: dict[str, Any] | None = None


@dataclass
class CollectionInfo:
    """A collection's state and config, as `GET /collections/{name}` reports it.

    `warnings` names every config field that is stored but whose effect is not
    implemented, so nothing is silently ignored.
    """

    status: CollectionStatus
    optimizer_status: str
    points_count: int
    vectors_count: int
    indexed_vectors_count: int
    segments_count: int
    config: CollectionConfig
    payload_schema: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- aliases


@dataclass
class CreateAlias:
    collection_name: str
    alias_name: str


@dataclass
class DeleteAlias:
    alias_name: str


@dataclass
class RenameAlias:
    old_alias_name: str
    new_alias_name: str


AliasAction: TypeAlias = CreateAlias | DeleteAlias | RenameAlias


# ----------------------------------------------------------------------------- points


@dataclass(eq=False)
class SparseVector:
    """A sparse vector: `indices` (unsigned 32-bit, unique) and the `values` at them.

    As given by a client the arrays are in any order; stored and prepared ones are sorted
    by index (`vectorizer.collection.vectors.sparse`), as Qdrant keeps them.
    """

    indices: np.ndarray
    values: np.ndarray


Vector: TypeAlias = np.ndarray | SparseVector
"""A vector of one kind: dense (a 1-D float array), multi (a 2-D float array, one row per
vector of the matrix) or sparse (a `SparseVector`)."""

VectorStruct: TypeAlias = dict[str, Vector]
"""A point's vectors by name; the unnamed vector is under `DEFAULT_VECTOR`."""


@dataclass(frozen=True)
class DocumentInput:
    """Qdrant's `Document` input (`{"text", "model", "options"}`) in place of a vector:
    text the server embeds with the embedder kind `model` (server-side inference; see
    `vectorizer.text.TextCollections.infer`)."""

    text: str
    model: str
    options: dict[str, Any] | None = None


@dataclass
class PointStruct:
    id: PointId
    vectors: VectorStruct
    payload: Payload | None = None


@dataclass
class PointVectors:
    """Vectors to set on an existing point (update_vectors)."""

    id: PointId
    vectors: VectorStruct


@dataclass
class WithPayload:
    """Which payload to return: none, all, only `include` keys, or all but `exclude`."""

    enabled: bool = False
    include: list[str] | None = None
    exclude: list[str] | None = None


@dataclass
class WithVectors:
    """Which vectors to return: none, all, or only the named ones."""

    enabled: bool = False
    names: list[str] | None = None


@dataclass
class Record:
    """A point as read back: id, selected payload and vectors.

    `order_value` is the payload value a scroll `order_by` placed it by (else None).
    """

    id: PointId
    payload: Payload | None = None
    vectors: VectorStruct | None = None
    order_value: int | float | None = None


@dataclass
class ScoredPoint:
    """A point found by a search or query; `order_value` is set by an `order_by` query."""

    id: PointId
    version: int
    score: float
    payload: Payload | None = None
    vectors: VectorStruct | None = None
    order_value: int | float | None = None


ACORN_MAX_SELECTIVITY = 0.4
"""Qdrant's default `acorn.max_selectivity`."""


@dataclass(frozen=True)
class AcornParams:
    """Qdrant's ACORN: for a filtered HNSW search whose filter keeps at most
    `max_selectivity` of the points (None: `ACORN_MAX_SELECTIVITY`), a search built for
    recall under restrictive filters. Vectorizer answers such a search exactly over the
    filtered points: the recall ACORN aims at, all of it."""

    enable: bool = False
    max_selectivity: float | None = None

    def applies(self, selected: int, total: int) -> bool:
        """Whether a filter keeping `selected` of `total` points is searched this way."""
        if not self.enable or total <= 0:
            return False
        limit = ACORN_MAX_SELECTIVITY if self.max_selectivity is None else self.max_selectivity
        return selected / total <= limit


@dataclass
class SearchParams:
    """`oversampling` is the `quantization.oversampling` asked for (only strict mode reads
    it: quantization is not implemented); `acorn`: see `AcornParams`."""

    hnsw_ef: int | None = None
    exact: bool = False
    indexed_only: bool = False
    oversampling: float | None = None
    acorn: AcornParams | None = None


class Direction(enum.StrEnum):
    ASC = "asc"
    DESC = "desc"


@dataclass
class OrderBy:
    """Scroll in the order of the values at payload `key` (Qdrant's `order_by`).

    `start_from` is the first value to return (inclusive; the lowest for `ASC`, the
    highest for `DESC` when None); a datetime counts as its microseconds since the epoch.
    """

    key: str
    direction: Direction = Direction.ASC
    start_from: int | float | dt.datetime | None = None


@dataclass
class ScrollResult:
    points: list[Record]
    next_page_offset: PointId | None


@dataclass
class UpdateResult:
    operation_id: int
    completed: bool = True
