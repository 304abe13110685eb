"""Domain errors to gRPC status codes, applied to every servicer method; anything else is
INTERNAL."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from vectorizer import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Locked,
    NotFound,
    RateLimited,
    StorageError,
    Unsupported,
    VectorizerError,
)

logger = logging.getLogger("vectorizer_qdrant_grpc")

# most specific first: CollectionNotFound and PointNotFound are NotFound
STATUS_CODES: list[tuple[type[VectorizerError], grpc.StatusCode]] = [
    (Unsupported, grpc.StatusCode.UNIMPLEMENTED),
    (BadRequest, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    (Conflict, grpc.StatusCode.FAILED_PRECONDITION),
    (Locked, grpc.StatusCode.FAILED_PRECONDITION),
    (RateLimited, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (StorageError, grpc.StatusCode.INTERNAL),
]

R = TypeVar("R")
Handler = Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[R]]


def status_code(error: VectorizerError) -> grpc.StatusCode:
    """The gRPC status code a domain error is answered with."""
    for kind, code in STATUS_CODES:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL


def message(error: VectorizerError) -> str:
    """The status message Qdrant would send for a domain error."""
    if isinstance(error, Locked):
        return f"Storage locked: {error.message}"  # Qdrant's StorageError::Locked
    return error.message


def internal_message(error: BaseException) -> str:
    """The status message of an unexpected exception (as Qdrant's REST plugin words it)."""
    return f"Service internal error: {type(error).__name__}: {error}"


def domain_errors(handler: Handler[R]) -> Handler[R]:
    """Wrap an async servicer method: a domain error aborts the call with its status; any
    other exception is logged with its traceback and answers INTERNAL (not grpc's UNKNOWN)."""

    @functools.wraps(handler)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> R:
        try:
            return await handler(self, request, context)
        except grpc.aio.AbortError:  # the handler aborted the call itself
            raise
        except VectorizerError as e:
            code = status_code(e)
            if code is grpc.StatusCode.INTERNAL:
                logger.exception("gRPC %s failed", handler.__qualname__)
            # Qdrant sends a rate limit's wait as `retry-after` metadata (whole seconds)
            wait = getattr(e, "retry_after", None)
            metadata = (("retry-after", str(wait)),) if wait is not None else ()
            await context.abort(code, message(e), trailing_metadata=metadata)
            raise AssertionError("unreachable: context.abort raises") from e
        except Exception as e:
            logger.exception("gRPC %s failed", handler.__qualname__)
            await context.abort(grpc.StatusCode.INTERNAL, internal_message(e))
            raise AssertionError("unreachable: context.abort raises") from e

    return wrapper
