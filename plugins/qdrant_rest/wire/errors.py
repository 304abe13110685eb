"""Exceptions -> Qdrant's error body `{"status": {"error": "..."}, "time": ...}`.

Domain errors come from the core; `JsonError` and `ValidationFailed` are raised at the
wire edge (a body that is not JSON, or JSON of the wrong shape).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

from vectorizer.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    InvalidInput,
    Locked,
    NotFound,
    RateLimited,
    StorageError,
    Unsupported,
    VectorizerError,
)

log = logging.getLogger("vectorizer_qdrant_rest")

JSON = "application/json"


class JsonError(Exception):
    """The body is not valid JSON (HTTP 400)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Json deserialize error: {detail}")
        self.message = str(self)


class ValidationFailed(Exception):
    """The body is JSON but not of the expected shape (HTTP 422); names the field."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        self.detail = detail
        where = f"{field}: " if field else ""
        super().__init__(f"Validation error in JSON body: [{where}{detail}]")
        self.message = str(self)


class ParamsValidationFailed(Exception):
    """A path or query parameter out of Qdrant's bounds (HTTP 422), worded as Qdrant's
    `validation_error_handler`: "Validation error in {where}: [{field}: {detail}]"."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"Validation error in {where}: [{problem}]")
        self.message = str(self)


_STATUS: list[tuple[type[BaseException], int]] = [
    (JsonError, 400),
    (ValidationFailed, 422),
    (ParamsValidationFailed, 422),
    (BadRequest, 400),
    (NotFound, 404),
    (AlreadyExists, 409),
    (Conflict, 409),
    (RateLimited, 429),
    (Unsupported, 501),
    (StorageError, 500),
]


def status_and_message(exc: BaseException) -> tuple[int, str]:
    """The HTTP status code and the error message Qdrant would answer `exc` with."""
    if isinstance(exc, Locked):
        # Qdrant: StorageError::Locked, "Storage locked: {description}", 403 Forbidden
        return 403, f"Storage locked: {exc.message}"
    if isinstance(exc, InvalidInput):
        return 422, f"Validation error in JSON body: [{exc.message}]"
    for cls, code in _STATUS:
        if isinstance(exc, cls):
            return code, getattr(exc, "message", str(exc))
    if isinstance(exc, VectorizerError):
        return 500, exc.message
    if isinstance(exc, HTTPException):
        detail = exc.detail
        if isinstance(exc, ValidationException) and exc.extra:
            detail = f"{detail}: {_describe_extra(exc.extra)}"
        return exc.status_code, detail
    return 500, f"Service internal error: {type(exc).__name__}: {exc}"


def _describe_extra(extra: Any) -> str:
    if isinstance(extra, list):
        parts = []
        for item in extra:
            if isinstance(item, dict):
                key = item.get("key")
                msg = item.get("message", "")
                parts.append(f"{key}: {msg}" if key else str(msg))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return str(extra)


def error_body(message: str, started: float | None) -> bytes:
    elapsed = time.perf_counter() - started if started is not None else 0.0
    return msgspec.json.encode({"status": {"error": message}, "time": elapsed})


def error_response(exc: BaseException, started: float | None = None) -> Response[bytes]:
    """A Qdrant-style error response for `exc`; unexpected errors are logged."""
    code, message = status_and_message(exc)
    if code == 500:
        log.error("Internal error: %s", message, exc_info=exc)
    headers = {}
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)  # whole seconds, as Qdrant sends it
    return Response(
        content=error_body(message, started), status_code=code, media_type=JSON, headers=headers
    )


def exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Litestar app-level handler: routing 404/405, bad query parameters, anything escaped."""
    if isinstance(exc, NotFoundException):
        exc = NotFound(
            f"Not found: {request.method} {request.url.path} is not an endpoint of the "
            "Qdrant REST API"
        )
    return error_response(exc)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {Exception: exception_handler}
