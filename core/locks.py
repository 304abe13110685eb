"""A readers-writer lock cheap enough to take on every search.

Searches take two of these (the collection's, then its index's), so an uncontended read
must cost little: here it is one `threading.Lock` round trip and a counter, where
readerwriterlock's `RWLockWrite` (which this replaces, with the same `gen_rlock` /
`gen_wlock` names) spends about 2 µs in pure Python per acquire and release.

Writers are preferred, as in `RWLockWrite`: once a writer waits, new readers wait
behind it, so a stream of searches cannot starve a write. Not reentrant: a thread
holding a read lock that asks for it again while a writer waits deadlocks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType


class RWLock:
    """Many readers or one writer; waiting writers go before new readers."""

    __slots__ = ("_changed", "_mutex", "_read", "_readers", "_write", "_writer", "_writers_waiting")

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._changed = threading.Condition(self._mutex)
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0
        self._read = _Side(self.acquire_read, self.release_read)
        self._write = _Side(self.acquire_write, self.release_write)

    def acquire_read(self) -> None:
        with self._mutex:
            while self._writer or self._writers_waiting:
                self._changed.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._mutex:
            self._readers -= 1
            if not self._readers and self._writers_waiting:
                self._changed.notify_all()

    def acquire_write(self) -> None:
        with self._mutex:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._changed.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True

    def release_write(self) -> None:
        with self._mutex:
            self._writer = False
            self._changed.notify_all()

    def gen_rlock(self) -> _Side:
        """The read side: a context manager (or `acquire()` / `release()`)."""
        return self._read

    def gen_wlock(self) -> _Side:
        """The write side: a context manager (or `acquire()` / `release()`)."""
        return self._write


class _Side:
    """One side of an `RWLock`, shared by every holder (it keeps no state of its own)."""

    __slots__ = ("acquire", "release")

    def __init__(self, acquire: Callable[[], None], release: Callable[[], None]) -> None:
        self.acquire = acquire
        self.release = release

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
