"""Converted point writes, and batches of them applied in order (Qdrant's `points/batch`).

An API plugin converts each write of a request into a `PointsWrite`; `apply_writes` runs
a batch: every write's `check` first, so a misfitting operation fails the batch before
anything is written, then every `apply` in order. A domain error names the operation it
came from (`located`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from vectorizer.collection import Collection
from vectorizer.errors import VectorizerError
from vectorizer.models import UpdateResult


def _no_check(collection: Collection) -> None:
    return None


@dataclasses.dataclass(frozen=True)
class PointsWrite:
    """One converted write to a collection's points: a write endpoint's request, or one
    operation of a batch (`where`: its place in the batch, "" for a single write).

    `check` raises what the collection would refuse that does not depend on its points
    (vector names and sizes, ...), writing nothing; `apply` performs the write.
    """

    where: str
    apply: Callable[[Collection], UpdateResult]
    check: Callable[[Collection], None] = _no_check


@contextmanager
def located(where: str) -> Iterator[None]:
    """Name `where` (a batch operation) in the message of a domain error raised inside."""
    try:
        yield
    except VectorizerError as exc:
        if where:
            exc.message = f"{exc.message} (in {where})"
            exc.args = (exc.message,)
        raise


def apply_writes(collection: Collection, writes: Sequence[PointsWrite]) -> list[UpdateResult]:
    """Check every write, then apply them in order; a failure that depends on the points
    (a missing id) stops the batch there, as in Qdrant."""
    for write in writes:
        with located(write.where):
            write.check(collection)
    results = []
    for write in writes:
        with located(write.where):
            results.append(write.apply(collection))
    return results
