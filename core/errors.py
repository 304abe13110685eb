"""Domain errors raised by the core. Each API plugin maps them to its own wire format."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class VectorizerError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(VectorizerError):
    """The request is malformed or inconsistent with the collection (Qdrant: 400)."""


class InvalidInput(BadRequest):
    """A well-formed request with a value Qdrant's request validation refuses (Qdrant: 422
    over REST, INVALID_ARGUMENT over gRPC); `field` is the path to it, `detail` what is
    wrong with it."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}" if field else detail)
        self.field = field
        self.detail = detail


class NotFound(VectorizerError):
    """Something addressed by the request does not exist (Qdrant: 404)."""


class CollectionNotFound(NotFound):
    """The collection (or alias) does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Not found: Collection `{name}` doesn't exist!")
        self.name = name


class PointNotFound(NotFound):
    """A point addressed by id does not exist."""

    def __init__(self, point_id: int | str) -> None:
        super().__init__(f"Not found: No point with id {point_id} found")
        self.point_id = point_id


class AlreadyExists(VectorizerError):
    """The thing to create exists already (Qdrant: 409)."""


class Conflict(VectorizerError):
    """The operation conflicts with the current state (Qdrant: 409)."""


class Locked(VectorizerError):
    """Writes are locked on this server (Qdrant's `/locks`; Qdrant: 403)."""


class StrictModeViolation(BadRequest):
    """A request over one of the collection's strict mode limits.

    Qdrant 1.14.0 answered 403; from qdrant/qdrant#6560 (the 1.14 line on) it is 400, so that
    it is not mistaken for an API-key error.
    """


class RateLimited(VectorizerError):
    """The collection's strict mode rate limit is used up (Qdrant: 429).

    `retry_after`: whole seconds until the request could pass, or None when it never can.
    """

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unsupported(VectorizerError):
    """A feature that is not built yet (HTTP 501 / gRPC UNIMPLEMENTED)."""

    def __init__(self, feature: str) -> None:
        super().__init__(f"Not implemented in Vectorizer yet: {feature}")
        self.feature = feature


class StorageError(VectorizerError):
    """The durable store failed (Qdrant: 500)."""


@contextmanager
def located(where: str) -> Iterator[None]:
    """Name `where` (e.g. a batch operation) in the message of a domain error raised inside."""
    try:
        yield
    except VectorizerError as exc:
        if where:
            exc.message = f"{exc.message} (in {where})"
            exc.args = (exc.message,)
        raise
