"""A store that keeps nothing beyond the process: for tests and throwaway servers."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vectorizer.models import PointId
from vectorizer.storage import StoredCollection, StoredPoint


class MemoryStore:
    def __init__(self) -> None:
        self._collections: dict[str, StoredCollection] = {}
        self._points: dict[str, dict[PointId, StoredPoint]] = {}
        self._aliases: dict[str, str] = {}

    @classmethod
    def open(cls, data_dir: Path) -> MemoryStore:
        return cls()

    def load_collections(self) -> list[StoredCollection]:
        return list(self._collections.values())

    def create_collection(self, name: str, config: dict[str, Any]) -> None:
        self._collections[name] = StoredCollection(name, copy.deepcopy(config), 0)
        self._points[name] = {}

    def save_config(self, name: str, config: dict[str, Any]) -> None:
        self._collections[name].config = copy.deepcopy(config)

    def drop_collection(self, name: str) -> None:
        del self._collections[name], self._points[name]
        self._aliases = {a: c for a, c in self._aliases.items() if c != name}

    def load_aliases(self) -> dict[str, str]:
        return dict(self._aliases)

    def save_aliases(self, aliases: dict[str, str]) -> None:
        self._aliases = dict(aliases)

    def load_points(self, name: str) -> Iterator[StoredPoint]:
        return iter(list(self._points[name].values()))

    def write_points(
        self, name: str, next_operation_id: int, upserts: list[StoredPoint], deletes: list[PointId]
    ) -> None:
        points = self._points[name]
        for point_id in deletes:
            points.pop(point_id, None)
        for point in upserts:
            points[point.id] = point
        self._collections[name].next_operation_id = next_operation_id

    def disk_usage(self, name: str) -> int:
        """Nothing is written to disk."""
        return 0

    def index_dir(self, name: str) -> None:
        return None

    def close(self) -> None:
        self._points.clear()
