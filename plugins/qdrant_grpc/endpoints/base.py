"""What every servicer shares: the UNIMPLEMENTED scheme and running RPC work in threads.

A service class starts from `unimplemented(Base, "Service", FEATURES)`, where every RPC
answers UNIMPLEMENTED naming itself (and the feature it needs); implementing an RPC means
overriding that method in the class built on it, usually with `threaded(work)`: `work`
converts the request, calls the engine and builds the response in a worker thread, so
the event loop keeps answering other calls while one holds the CPU.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import anyio.to_thread
import grpc
from google.protobuf.message import Message

from vectorizer import Unsupported
from vectorizer_qdrant_grpc.wire.errors import domain_errors
from vectorizer_qdrant_grpc.wire.newer import rpc_feature
from vectorizer_qdrant_grpc.wire.unknown import check_known

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)
Work = Callable[[Any, Req], Resp]
"""A synchronous RPC body: (engine, request) -> response message."""


def rpc_names(servicer: type) -> list[str]:
    """The RPC method names a generated servicer base class declares."""
    return [
        name
        for name, _ in inspect.getmembers(servicer, inspect.isfunction)
        if not name.startswith("_")
    ]


def _unimplemented_rpc(service: str, method: str, feature: str | None) -> Any:
    name = f"gRPC {service}.{method}"
    message = f"{feature} ({name})" if feature else name

    @domain_errors
    async def rpc(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        raise Unsupported(message)

    rpc.__name__ = rpc.__qualname__ = method
    rpc.__doc__ = f"Not implemented yet: answers UNIMPLEMENTED ({message})."
    return rpc


def unimplemented(base: type, service: str, features: Mapping[str, str] | None = None) -> type:
    """A subclass of `base` whose every RPC answers UNIMPLEMENTED naming `service.method`
    (after the feature it needs, when `features` or `newer.NEW_RPCS` names one for it)."""
    features = features or {}
    methods = {
        name: _unimplemented_rpc(service, name, features.get(name) or rpc_feature(service, name))
        for name in rpc_names(base)
    }
    return type(f"Unimplemented{base.__name__}", (base,), methods)


class Service:
    """Base of the servicers: holds the engine every RPC works on."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine


def stamp(response: Resp, started: float) -> Resp:
    """Set the response's `time` (seconds spent), for the messages that have one."""
    if "time" in response.DESCRIPTOR.fields_by_name:
        response.time = time.perf_counter() - started
    return response


async def run(work: Callable[[], Resp], started: float) -> Resp:
    """Run `work` in a worker thread and stamp the response with the time spent."""
    response = await anyio.to_thread.run_sync(work)
    return stamp(response, started)


def threaded(work: Work[Req, Resp]) -> Callable[..., Any]:
    """A servicer method running `work(engine, request)` in a worker thread, after checking
    that the request sets no field this server does not know (`unknown.check_known`);
    domain errors become status codes (`errors.domain_errors`), the response gets its
    `time`."""

    def checked(engine: Any, request: Req) -> Resp:
        check_known(request)
        return work(engine, request)

    async def rpc(self: Service, request: Req, context: grpc.aio.ServicerContext) -> Resp:
        started = time.perf_counter()
        return await run(lambda: checked(self.engine, request), started)

    rpc.__name__ = rpc.__qualname__ = work.__name__
    rpc.__doc__ = work.__doc__
    return domain_errors(rpc)
