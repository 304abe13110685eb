"""Strict mode errors over gRPC: Qdrant's status codes and its `retry-after` metadata."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest

from vectorizer import RateLimited, StrictModeViolation, VectorizerError
from vectorizer_qdrant_grpc.wire.errors import domain_errors


class Aborted(Exception):
    """What `FakeContext.abort` raises, as grpc.aio's abort does."""


class FakeContext:
    """Records what a servicer method aborts with."""

    def __init__(self) -> None:
        self.aborted: tuple[grpc.StatusCode, str, Any] | None = None

    async def abort(self, code: grpc.StatusCode, details: str, trailing_metadata: Any = ()) -> None:
        self.aborted = (code, details, tuple(trailing_metadata))
        raise Aborted


def abort_of(error: VectorizerError) -> tuple[grpc.StatusCode, str, Any]:
    class Servicer:
        @domain_errors
        async def Search(self, request: Any, context: Any) -> None:
            raise error

    context = FakeContext()
    with pytest.raises(Aborted):
        asyncio.run(Servicer().Search(None, context))
    assert context.aborted is not None
    return context.aborted


def test_strict_mode_violation_is_permission_denied() -> None:
    message = 'Limit exceeded 5 > 4 for "limit". Help: Reduce the "limit" ...'
    assert abort_of(StrictModeViolation(message)) == (grpc.StatusCode.INVALID_ARGUMENT, message, ())


def test_rate_limit_is_resource_exhausted_with_retry_after() -> None:
    message = "Rate limiting exceeded: Read rate limit exceeded: ... Retry after 60s"
    assert abort_of(RateLimited(message, 60)) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        message,
        (("retry-after", "60"),),
    )
    assert abort_of(RateLimited("never", None))[2] == ()
