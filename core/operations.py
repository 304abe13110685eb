"""Every write to a collection as data (Qdrant's `lib/collection/src/operations`).

An API plugin converts a write request into one of these, once, at its edge; the core
checks and applies it (`Collection.apply`, `Collection.apply_batch` for `points/batch`);
the `points_changed` hook receives it. They are frozen and picklable: the unit a batch
applies, a hook inspects and, in cluster mode, a shard replica receives.

Points are chosen by `ids` or by `filter` (a parsed `Filter`), never both: `ids=None`
with `filter=None` chooses nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, ClassVar

from vectorizer.filters.ast import Filter
from vectorizer.models import Payload, PointId, PointStruct, PointVectors


class UpdateMode(enum.StrEnum):
    """Which points an upsert writes (Qdrant 1.17's `update_mode`)."""

    UPSERT = "upsert"
    """New points are inserted, existing ones replaced (the default)."""
    INSERT_ONLY = "insert_only"
    """Only new points are written; existing ones keep their current state."""
    UPDATE_ONLY = "update_only"
    """Only existing points are replaced; new ones are not inserted."""


@dataclass(frozen=True)
class Upsert:
    """Insert or replace whole points: their vectors (each optional) and payload.

    `update_filter` (Qdrant's conditional update): an existing point is replaced only when
    it matches the filter, else it keeps its current state; new points are inserted
    regardless. `update_mode` chooses between inserting, replacing or both."""

    points: tuple[PointStruct, ...]
    update_filter: Filter | None = None
    update_mode: UpdateMode = UpdateMode.UPSERT
    name: ClassVar[str] = "upsert"


@dataclass(frozen=True)
class DeletePoints:
    """Delete points by id (missing ids are ignored, as in Qdrant) or by filter."""

    ids: tuple[PointId, ...] | None = None
    filter: Filter | None = None
    name: ClassVar[str] = "delete"


@dataclass(frozen=True)
class SetPayload:
    """Merge `payload` into each chosen point's payload, or into the object at `key`."""

    payload: Payload
    ids: tuple[PointId, ...] | None = None
    filter: Filter | None = None
    key: str | None = None
    name: ClassVar[str] = "set_payload"


@dataclass(frozen=True)
class OverwritePayload:
    """Replace each chosen point's payload with `payload`."""

    payload: Payload
    ids: tuple[PointId, ...] | None = None
    filter: Filter | None = None
    name: ClassVar[str] = "overwrite_payload"


@dataclass(frozen=True)
class DeletePayload:
    """Remove the key paths `keys` from each chosen point's payload."""

    keys: tuple[str, ...]
    ids: tuple[PointId, ...] | None = None
    filter: Filter | None = None
    name: ClassVar[str] = "delete_payload"


@dataclass(frozen=True)
class ClearPayload:
    """Remove every payload key of each chosen point."""

    ids: tuple[PointId, ...] | None = None
    filter: Filter | None = None
    name: ClassVar[str] = "clear_payload"


@dataclass(frozen=True)
class UpdateVectors:
    """Set the given vectors of existing points, keeping their other vectors; with
    `update_filter`, only the points matching it are changed."""

    points: tuple[PointVectors, ...]
    update_filter: Filter | None = None
    name: ClassVar[str] = "update_vectors"


@dataclass(frozen=True)
class DeleteVectors:
    """Remove the vectors `names` from the chosen points (the points stay)."""

    names: tuple[str, ...]
    ids: tuple[PointId, ...] | None = None
    filter: Filter | None = None
    name: ClassVar[str] = "delete_vectors"


@dataclass(frozen=True)
class CreateFieldIndex:
    """Index a payload field (replacing any index on it); `schema` is its field schema
    as given: a type name (`"keyword"`) or a params object."""

    field: str
    schema: Any
    name: ClassVar[str] = "create_field_index"


@dataclass(frozen=True)
class DeleteFieldIndex:
    """Drop the index of a payload field; filters on it fall back to scanning."""

    field: str
    name: ClassVar[str] = "delete_field_index"


PointsOperation = (
    Upsert
    | DeletePoints
    | SetPayload
    | OverwritePayload
    | DeletePayload
    | ClearPayload
    | UpdateVectors
    | DeleteVectors
)
"""A write to points: what `points/batch` holds and `points_changed` reports."""

Operation = PointsOperation | CreateFieldIndex | DeleteFieldIndex
"""Any write `Collection.apply` takes."""


def ids_of(values: Any) -> tuple[PointId, ...] | None:
    """A selector's ids as an operation holds them (None stays None)."""
    return None if values is None else tuple(values)
