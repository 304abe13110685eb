"""A server interceptor recording each answered gRPC call in the engine's request
statistics (`/telemetry`'s `requests.grpc`), keyed by the full method name
(`"/qdrant.Points/Search"`); a call fails when it ends with a status other than OK."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

API = "grpc"


class RecordingInterceptor(grpc.aio.ServerInterceptor):
    """Times every unary call of a known method into `engine.request_stats`."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        endpoint, inner, stats = handler_call_details.method, handler.unary_unary, self.engine

        async def recorded(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started, failed = time.perf_counter(), True
            try:
                response = await inner(request, context)
                code = context.code()
                failed = code is not None and code != grpc.StatusCode.OK
                return response
            finally:
                stats.request_stats.record(
                    API, endpoint, time.perf_counter() - started, failed=failed
                )

        return grpc.unary_unary_rpc_method_handler(
            recorded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def interceptors(engine: Any) -> list[grpc.aio.ServerInterceptor]:
    """The interceptors of a server over `engine` (none without request statistics, as
    for a server over no engine in tests)."""
    if getattr(engine, "request_stats", None) is None:
        return []
    return [RecordingInterceptor(engine)]
