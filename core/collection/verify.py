"""Qdrant's strict mode: the limits a collection's `strict_mode_config` puts on requests.

Nothing is enforced unless `enabled` is true. Checks follow Qdrant 1.14
(`lib/collection/src/operations/verification/`): a request over a limit fails with
`StrictModeViolation` (400, "<problem>. Help: <solution>"), a collection over a size limit
refuses inserts with `BadRequest` ("Bad request: Max ... reached!"), and the read and
write rate limits are token buckets refilled per minute (`rate_limit`) that answer
`RateLimited` (429) with the seconds to wait. Read costs: 1 per search, scroll or count
plus one per filter condition, one per id retrieved; write cost: the number of points a
write touches (1 at least).

Strict mode checks a request once, where it enters the core (the query engine checks a
query request and every stage of it); what carries out a checked request does not
check again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorizer.collection.measures import (
    conditions,
    max_condition_size,
    scroll_cost,
    supports_match,
    total_conditions,
    unindexed_expression_key,
    unindexed_key,
)
from vectorizer.collection.vectors.dense import kind_of
from vectorizer.errors import BadRequest, StrictModeViolation
from vectorizer.filters.ast import Filter
from vectorizer.models import DEFAULT_VECTOR, SparseVector, StrictModeConfig
from vectorizer.operations import (
    ClearPayload,
    CreateFieldIndex,
    DeleteFieldIndex,
    DeletePayload,
    DeletePoints,
    DeleteVectors,
    Operation,
    OverwritePayload,
    SetPayload,
    UpdateVectors,
    Upsert,
)
from vectorizer.rate_limit import Clock, TokenBucket, rate_limited

if TYPE_CHECKING:
    from vectorizer.collection import Collection
    from vectorizer.models import SearchParams

NO_EFFECT: dict[str, str] = {}
"""Settings stored and reported but without effect, and why."""


def unenforced_settings(config: StrictModeConfig | None) -> list[tuple[str, str]]:
    """(setting, why) for each stored strict mode setting that has no effect."""
    if config is None:
        return []
    notes = [(f"strict_mode_config.{k}", why) for k, why in NO_EFFECT.items() if getattr(config, k)]
    notes += [
        (f"strict_mode_config.{k}", "not a strict mode setting of Qdrant 1.14")
        for k in config.unknown
    ]
    return notes


# ----------------------------------------------------------------------------- messages


def _num(value: float) -> str:
    """A number as Rust's `Display` writes it (no exponent, no trailing `.0`)."""
    if isinstance(value, int):
        return str(value)
    return np.format_float_positional(value, trim="-")


def _forbidden(problem: str, solution: str) -> StrictModeViolation:
    """Qdrant's `CollectionError::strict_mode(problem, solution)`."""
    return StrictModeViolation(f"{problem}. Help: {solution}")


def _check_limit(value: float | None, limit: float | None, name: str) -> None:
    if value is not None and limit is not None and value > limit:
        raise _forbidden(
            f'Limit exceeded {_num(value)} > {_num(limit)} for "{name}"',
            f'Reduce the "{name}" parameter to or below {_num(limit)}.',
        )


# ----------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class _Stats:
    points: int
    vector_bytes: int
    payload_bytes: int


def _stats(collection: Collection, payloads: bool) -> _Stats:
    """Points, vector and (when asked) payload bytes of a collection, read under its lock."""
    with collection.reading():
        points = collection.points.count
        vector_bytes = sum(c.stored_bytes() for c in collection.columns.values())
        payload_bytes = 0
        if payloads:
            payload_bytes = collection.payloads.encoded_bytes(empty=False)
    return _Stats(points, vector_bytes, payload_bytes)


def _mb(size_bytes: int) -> str:
    """Bytes as MB the way Qdrant writes its `f32` (shortest form that reads back)."""
    return np.format_float_positional(np.float32(size_bytes / (1024 * 1024)), trim="-")


# ----------------------------------------------------------------------------- the checks


class StrictMode:
    """The strict mode of one collection, built from its `strict_mode_config`.

    Holds the rate limiters, so it is rebuilt (buckets full again) only when the strict
    mode config changes, as Qdrant does.
    """

    def __init__(self, config: StrictModeConfig | None, clock: Clock = time.monotonic) -> None:
        self.settings = config if config is not None else StrictModeConfig()
        self.enabled = self.settings.enabled is True
        read, write = self.settings.read_rate_limit, self.settings.write_rate_limit
        self.read_limiter = TokenBucket(read, clock) if self.enabled and read else None
        self.write_limiter = TokenBucket(write, clock) if self.enabled and write else None

    @property
    def active(self) -> bool:
        """Whether the checks run (the config's `enabled`)."""
        return self.enabled

    # ---------------------------------------------------------------- rate limits

    def charge_read(self, cost: int) -> None:
        """Take `cost` tokens from the read bucket, else RateLimited."""
        if self.read_limiter is not None and self.active:
            denied = self.read_limiter.take(cost)
            if denied is not None:
                raise rate_limited("Read", cost, denied)

    @property
    def charges_writes(self) -> bool:
        """Whether writes are charged to a write rate limiter now."""
        return self.write_limiter is not None and self.active

    def charge_write(self, cost: int) -> None:
        """Take `cost` tokens (at least 1) from the write bucket, else RateLimited."""
        if self.write_limiter is not None and self.active:
            cost = max(1, cost)
            denied = self.write_limiter.take(cost)
            if denied is not None:
                raise rate_limited("Write", cost, denied)

    # ---------------------------------------------------------------- filters

    def _check_filter(self, collection: Collection, flt: Any, allow_unindexed: bool | None) -> None:
        if not isinstance(flt, Filter):
            return
        s = self.settings
        if s.filter_max_conditions is not None:
            count = total_conditions(flt)
            if count > s.filter_max_conditions:
                raise _forbidden(
                    f"Filter condition limit reached ({count} > {s.filter_max_conditions})",
                    "Reduce the amount of conditions of your filter.",
                )
        if s.condition_max_size is not None:
            size = max_condition_size(flt)
            if size > s.condition_max_size:
                raise _forbidden(
                    f"Condition size limit reached ({size} > {s.condition_max_size})",
                    "Reduce the size of your condition.",
                )
        if allow_unindexed is False:
            found = unindexed_key(flt, collection.payload_indexes)
            if found is not None:
                key, schemas = found
                raise _forbidden(
                    f'Index required but not found for "{key}" of one of the following '
                    f"types: [{', '.join(schemas)}]",
                    "Create an index for this key or use a different filter.",
                )

    # ---------------------------------------------------------------- reads

    def check_timeout(self, timeout: int) -> None:
        """The `timeout` request parameter (seconds) against `max_timeout`."""
        if self.active:
            _check_limit(timeout, self.settings.max_timeout, "timeout")

    def verify_search(
        self, collection: Collection, limit: int, flt: Any, params: SearchParams
    ) -> None:
        """The limits of one search (or query stage), without charging it."""
        if not self.active:
            return
        s = self.settings
        _check_limit(limit, s.max_query_limit, "limit")
        self._check_filter(collection, flt, s.unindexed_filtering_retrieve)
        _check_limit(params.oversampling, s.search_max_oversampling, "oversampling")
        _check_limit(params.hnsw_ef, s.search_max_hnsw_ef, "hnsw_ef")
        if params.exact and s.search_allow_exact is False:
            raise _forbidden("Exact search disabled!", "Set exact=false.")

    def check_full_scan(self, collection: Collection, using: str, flt: Any) -> None:
        """A vector search not rescoring prefetched points, when `search_allow_exact` is
        false: refused on a dense vector without a global HNSW graph (`m` = 0), unless
        the filter uses a tenant index and the vector has a payload graph (`payload_m`)."""
        if not self.active or self.settings.search_allow_exact is not False:
            return
        config = collection.config
        if using in config.sparse_vectors:
            return  # sparse vectors are always indexed
        hnsw = config.hnsw_for(using)
        if hnsw.m > 0:
            return
        where = "" if using == DEFAULT_VECTOR else f" on '{using}'"
        indexes = collection.payload_indexes
        tenant = isinstance(flt, Filter) and any(
            isinstance(key := getattr(cond, "key", None), str)
            and key in indexes
            and indexes[key].spec.params.get("is_tenant") is True
            for cond in conditions(flt)
        )
        if not tenant:
            raise _forbidden(
                f"Request is forbidden{where} because global vector indexing is disabled "
                "(hnsw_config.m = 0)",
                "Use tenant-specific filter, enable global vector indexing or enable strict "
                "mode `search_allow_exact` option",
            )
        payload_m = hnsw.payload_m if hnsw.payload_m is not None else hnsw.m
        if payload_m == 0:
            raise _forbidden(
                f"Request is forbidden{where} because vector indexing is disabled "
                "(hnsw_config.m = 0 and hnsw_config.payload_m = 0)",
                "Enable vector indexing, use a prefetch query with indexed vectors or enable "
                "strict mode `search_allow_exact` option",
            )

    def check_formula(self, collection: Collection, expression: Any) -> None:
        """A formula's payload keys need indexes when unindexed retrieval is off."""
        if not self.active or self.settings.unindexed_filtering_retrieve is not False:
            return
        found = unindexed_expression_key(expression, collection.payload_indexes)
        if found is not None:
            key, schemas = found
            raise _forbidden(
                f'Index required but not found for "{key}" of one of the following types: '
                f"[{', '.join(schemas)}]",
                "Create an index for this key or use a different formula expression.",
            )

    def check_group_by(self, collection: Collection, key: str) -> None:
        """Grouping by an unindexed key (or one whose index cannot `match`) is refused when
        unindexed retrieval is off (Qdrant's `check_grouping_field`)."""
        if not self.active or self.settings.unindexed_filtering_retrieve is not False:
            return
        index = collection.payload_indexes.get(key)
        if index is None:
            raise _forbidden(
                f'Index required but not found for "{key}"',
                "Create an index supporting `match` for this key.",
            )
        if not supports_match(index):
            raise _forbidden(
                f'Index of type "{index.spec.type.capitalize()}" found for "{key}"',
                "Create an index supporting `match` for this key.",
            )

    def check_scroll(self, collection: Collection, limit: int, flt: Any) -> None:
        if self.active:
            _check_limit(limit, self.settings.max_query_limit, "limit")
            self._check_filter(collection, flt, self.settings.unindexed_filtering_retrieve)
            self.charge_read(scroll_cost(flt))

    def check_count(self, collection: Collection, flt: Any) -> None:
        if self.active:
            self._check_filter(collection, flt, self.settings.unindexed_filtering_retrieve)
            self.charge_read(scroll_cost(flt))

    def check_retrieve(self, ids: int) -> None:
        """Retrieving points by id costs one read token per id."""
        self.charge_read(ids)

    # ---------------------------------------------------------------- writes

    def _check_sizes(self, collection: Collection) -> None:
        s = self.settings
        vector_limit = s.max_collection_vector_size_bytes
        payload_limit = s.max_collection_payload_size_bytes
        points_limit = s.max_points_count
        if vector_limit is None and payload_limit is None and points_limit is None:
            return
        stats = _stats(collection, payloads=payload_limit is not None)
        if vector_limit is not None and stats.vector_bytes >= vector_limit:
            raise BadRequest(
                f"Bad request: Max vector storage size limit of {_mb(vector_limit)}MB reached!"
            )
        if payload_limit is not None and stats.payload_bytes >= payload_limit:
            raise BadRequest(
                f"Bad request: Max payload storage size limit of {_mb(payload_limit)}MB reached!"
            )
        if points_limit is not None and stats.points >= points_limit:
            raise BadRequest(f"Bad request: Max points count limit of {points_limit} reached!")

    def check_upsert(self, collection: Collection, count: int) -> None:
        """An upsert of `count` points: the batch size, the collection's size limits, then
        `count` write tokens."""
        if self.active:
            _check_limit(count, self.settings.upsert_max_batchsize, "upsert limit")
            self._check_sizes(collection)
            self.charge_write(count)

    def check_update_vectors(self, collection: Collection, count: int) -> None:
        """Setting the vectors of `count` points: as an upsert."""
        if self.active:
            _check_limit(count, self.settings.upsert_max_batchsize, "update limit")
            self._check_sizes(collection)
            self.charge_write(count)

    def check_vector_limits(self, vectors: Iterable[Mapping[str, Any]]) -> None:
        """The vectors of an upsert or update: `sparse_config` caps the indices of a sparse
        vector, `multivector_config` the rows of a multivector (per vector name)."""
        if not self.active:
            return
        sparse = {
            name: limit
            for name, cfg in (self.settings.sparse_config or {}).items()
            if (limit := cfg.max_length) is not None
        }
        multi = {
            name: limit
            for name, cfg in (self.settings.multivector_config or {}).items()
            if (limit := cfg.max_vectors) is not None
        }
        if not sparse and not multi:
            return
        for named in vectors:
            for name, vector in named.items():
                if name in sparse and isinstance(vector, SparseVector):
                    size = len(vector.indices)
                    if size > sparse[name] or len(vector.values) > sparse[name]:
                        raise BadRequest(
                            f"Bad request: Sparse vector '{name}' has a limit of {sparse[name]} "
                            f"indices, but {size} were provided!"
                        )
                elif name in multi and kind_of(vector) == "multi" and len(vector) > multi[name]:
                    raise BadRequest(
                        f"Bad request: Multivector '{name}' has a limit of {multi[name]} vectors, "
                        f"but {len(vector)} were provided!"
                    )

    def check_filtered_write(self, collection: Collection, flt: Any) -> None:
        """A write selecting points by filter (delete, payload and vector removal)."""
        if self.active:
            self._check_filter(collection, flt, self.settings.unindexed_filtering_update)

    def check_set_payload(self, collection: Collection, flt: Any) -> None:
        """Setting payloads: the filter, then the payload storage size limit."""
        if not self.active:
            return
        self._check_filter(collection, flt, self.settings.unindexed_filtering_update)
        limit = self.settings.max_collection_payload_size_bytes
        if limit is not None and _stats(collection, payloads=True).payload_bytes >= limit:
            raise BadRequest(
                f"Bad request: Max payload storage size limit of {_mb(limit)}MB reached!"
            )

    def check_create_index(self, collection: Collection, field: str) -> None:
        """A new payload index: `max_payload_index_count` (a setting Qdrant added after
        1.14), then one write token."""
        if not self.active:
            return
        limit = self.settings.max_payload_index_count
        indexes = collection.payload_indexes
        if limit is not None and field not in indexes and len(indexes) >= limit:
            raise _forbidden(
                f"Collection already has the maximum number of payload indices ({limit})",
                "Please delete an existing index before creating a new one.",
            )
        self.charge_write(1)

    def check_operation(self, collection: Collection, operation: Operation) -> None:
        """The checks and write tokens of a write operation, by its kind."""
        match operation:
            case Upsert(points=points, update_filter=flt):
                if flt is not None:
                    self.check_filtered_write(collection, flt)
                self.check_upsert(collection, len(points))
                self.check_vector_limits([p.vectors for p in points])
            case UpdateVectors(points=points, update_filter=flt):
                if flt is not None:
                    self.check_filtered_write(collection, flt)
                self.check_update_vectors(collection, len(points))
                self.check_vector_limits([p.vectors for p in points])
            case SetPayload() | OverwritePayload():
                self.check_set_payload(collection, operation.filter)
            case DeletePoints() | DeletePayload() | ClearPayload() | DeleteVectors():
                self.check_filtered_write(collection, operation.filter)
            case CreateFieldIndex(field=field):
                self.check_create_index(collection, field)
            case DeleteFieldIndex():
                self.charge_write(1)
