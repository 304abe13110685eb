"""Exceptions in servicers: anything but a domain error answers INTERNAL with Qdrant's
"Service internal error" message and logs its traceback; a call a handler aborted itself
keeps its status."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import grpc
import pytest
from qdrant_client import grpc as pb

from vectorizer_qdrant_grpc.server import grpc_server
from vectorizer_qdrant_grpc.wire.errors import domain_errors, internal_message

HOST = "127.0.0.1"


class BrokenEngine:
    """An engine whose calls fail the way a bug would, not with a domain error."""

    def list_collections(self) -> list[str]:
        raise RuntimeError("boom")

    def get_collection(self, name: str) -> Any:
        raise KeyError(name)


def test_internal_message() -> None:
    assert internal_message(ValueError("bad")) == "Service internal error: ValueError: bad"


def test_unexpected_exceptions_answer_internal(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> list[tuple[grpc.StatusCode, str]]:
        answers = []
        async with (
            grpc_server(BrokenEngine(), HOST, 0) as running,
            grpc.aio.insecure_channel(f"{HOST}:{running.port}") as channel,
        ):
            stub = pb.CollectionsStub(channel)
            calls = [  # a threaded RPC, and one written as a coroutine of its own
                stub.List(pb.ListCollectionsRequest(), timeout=5),
                stub.Get(pb.GetCollectionInfoRequest(collection_name="c"), timeout=5),
            ]
            for call in calls:
                with pytest.raises(grpc.aio.AioRpcError) as info:
                    await call
                answers.append((info.value.code(), info.value.details()))
        return answers

    with caplog.at_level(logging.ERROR, logger="vectorizer_qdrant_grpc"):
        answers = asyncio.run(scenario())
    assert answers == [
        (grpc.StatusCode.INTERNAL, "Service internal error: RuntimeError: boom"),
        (grpc.StatusCode.INTERNAL, "Service internal error: KeyError: 'c'"),
    ]
    # both calls are under way at once: their records come in either order
    logged = {
        r.getMessage(): r.exc_info[0] if r.exc_info else None
        for r in caplog.records
        if r.name == "vectorizer_qdrant_grpc"
    }
    assert logged == {
        "gRPC list_collections failed": RuntimeError,
        "gRPC CollectionsService.Get failed": KeyError,
    }


class RecordingContext:
    """What `domain_errors` needs of a servicer context: `abort`, which raises."""

    def __init__(self) -> None:
        self.aborted: list[tuple[grpc.StatusCode, str]] = []

    async def abort(self, code: grpc.StatusCode, details: str, **kwargs: Any) -> None:
        self.aborted.append((code, details))
        raise grpc.aio.AbortError()


def test_a_call_aborted_by_its_handler_keeps_its_status() -> None:
    @domain_errors
    async def handler(self: Any, request: Any, context: Any) -> None:
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, "no")

    context = RecordingContext()
    with pytest.raises(grpc.aio.AbortError):
        asyncio.run(handler(None, None, context))
    assert context.aborted == [(grpc.StatusCode.PERMISSION_DENIED, "no")]
