"""The background indexer: one thread that brings collections' HNSW indexes up to date.

Like Qdrant's optimizer, it works after writes are durable; searches stay exact-correct
meanwhile by scanning the rows the index does not hold yet. An index is saved to disk
once its collection is caught up, so a restart reloads it instead of rebuilding.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vectorizer.collection import Collection

log = logging.getLogger(__name__)

SAVE_DELAY = 1.0
"""Seconds a collection must stay caught up before its index is saved."""


class Indexer:
    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._queue: dict[int, Collection] = {}
        self._to_save: dict[int, tuple[Collection, float]] = {}
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="vectorizer-indexer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def notify(self, collection: Collection) -> None:
        """The collection changed: index it (soon)."""
        with self._wake:
            self._queue[id(collection)] = collection
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stopping and not self._due():
                    self._wake.wait(timeout=SAVE_DELAY / 2 if self._to_save else None)
                if self._stopping:
                    return
                work = list(self._queue.values())
                self._queue.clear()
            for collection in work:
                self._step(collection)
            self._save_due()

    def _step(self, collection: Collection) -> None:
        try:
            more = collection.index_step()
        except Exception:  # keep indexing other collections; searches stay exact
            log.exception("Indexing %s failed", collection.name)
            return
        with self._wake:
            if more:
                self._queue[id(collection)] = collection
            self._to_save[id(collection)] = (collection, time.monotonic())

    def _due(self) -> bool:
        now = time.monotonic()
        return any(
            now - since >= SAVE_DELAY and id(c) not in self._queue
            for c, since in self._to_save.values()
        )

    def _save_due(self) -> None:
        now = time.monotonic()
        with self._wake:
            due = [
                c
                for key, (c, since) in list(self._to_save.items())
                if now - since >= SAVE_DELAY and key not in self._queue
            ]
            for collection in due:
                del self._to_save[id(collection)]
        for collection in due:
            try:
                collection.save_indexes()
            except Exception:
                log.exception("Saving the index of %s failed", collection.name)
