"""Errors to the native API's body: `{"error": {"code": ..., "message": ...}}`."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

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
from vectorizer_api.schemas import ErrorBody, ErrorDetail

logger = logging.getLogger("vectorizer_api")

STATUS_CODES: list[tuple[type[VectorizerError], int]] = [
    (BadRequest, 400),
    (NotFound, 404),
    (AlreadyExists, 409),
    (Conflict, 409),
    (Locked, 403),  # writes locked (`/locks`): Forbidden, as Qdrant answers
    (RateLimited, 429),  # strict mode's rate limits: Too Many Requests, with Retry-After
    (Unsupported, 501),
    (StorageError, 500),
]


def error_code(status: int) -> str:
    """The body's `code` for an HTTP status: `not_found`, `not_implemented`, ..."""
    try:
        return HTTPStatus(status).name.lower()
    except ValueError:
        return f"http_{status}"


def error_response(
    status: int, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response[ErrorBody]:
    body = ErrorBody(ErrorDetail(code=error_code(status), message=message, details=details))
    return Response(body, status_code=status, headers=headers)


def status_for(error: VectorizerError) -> int:
    """The HTTP status a domain error is answered with."""
    for kind, status in STATUS_CODES:
        if isinstance(error, kind):
            return status
    return 500


def domain_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    assert isinstance(exc, VectorizerError)
    status = status_for(exc)
    if status == 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, exc.message)
    headers = None
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        headers = {"Retry-After": str(exc.retry_after)}  # whole seconds, as Qdrant's REST API
    return error_response(status, exc.message, headers=headers)


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    assert isinstance(exc, HTTPException)
    details = (exc.extra or None) if exc.status_code < 500 else None  # no internals in 5xx
    return error_response(exc.status_code, exc.detail, details)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "Internal server error")


EXCEPTION_HANDLERS = {
    VectorizerError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
