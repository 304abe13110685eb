"""Registers the built-in storage backends: `sqlite` (durable, default) and `memory`."""

from __future__ import annotations

from collections.abc import Callable

from vectorizer.host.hookspecs import hookimpl
from vectorizer.storage import StorageBackend
from vectorizer.storage.memory import MemoryStore
from vectorizer.storage.sqlite import SqliteStore


@hookimpl(trylast=True)
def register_storage_backends(register: Callable[[StorageBackend], None]) -> None:
    register(
        StorageBackend(
            "sqlite", SqliteStore.open, "SQLite in WAL mode, fsync on every commit (default)"
        )
    )
    register(StorageBackend("memory", MemoryStore.open, "in memory only; lost on exit (tests)"))
