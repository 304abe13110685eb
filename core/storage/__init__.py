"""Storage backends: the durable home of collections, aliases and points.

The engine keeps its working set in memory and writes every change through a
`Store` before acknowledging it. Indexes are derived data kept beside the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from vectorizer.models import Payload, PointId


@dataclass
class StoredCollection:
    name: str
    config: dict[str, Any]
    next_operation_id: int


@dataclass
class StoredPoint:
    """A point as persisted.

    `slot` is its stable row in the engine's arrays; `vectors` maps a vector name to
    (the operation id that wrote it, its raw bytes at the column's datatype).
    """

    id: PointId
    slot: int
    version: int
    vectors: dict[str, tuple[int, bytes]]
    payload: Payload | None


class Store(Protocol):
    """What the engine needs from a storage backend. Every write is atomic and durable."""

    def load_collections(self) -> list[StoredCollection]: ...

    def create_collection(self, name: str, config: dict[str, Any]) -> None: ...

    def save_config(self, name: str, config: dict[str, Any]) -> None: ...

    def drop_collection(self, name: str) -> None:
        """Remove the collection, its points, and the aliases pointing at it."""

    def load_aliases(self) -> dict[str, str]: ...

    def save_aliases(self, aliases: dict[str, str]) -> None:
        """Replace every alias with `aliases` (alias -> collection) at once."""

    def load_points(self, name: str) -> Iterator[StoredPoint]: ...

    def write_points(
        self,
        name: str,
        next_operation_id: int,
        upserts: list[StoredPoint],
        deletes: list[PointId],
    ) -> None:
        """Apply upserts and deletes and record the operation counter, in one transaction."""

    def index_dir(self, name: str) -> Path | None:
        """A folder for the collection's derived index files, or None to keep none."""

    def disk_usage(self, name: str) -> int:
        """Bytes the collection takes on disk: its share of the store and its index files."""

    def close(self) -> None: ...


@dataclass
class StorageBackend:
    """A named way to open a `Store` on a data directory."""

    name: str
    open: Any  # Callable[[Path], Store]
    description: str = ""
