"""How a Qdrant REST endpoint is written: a plain synchronous function of a `Call` (engine,
path parameters, raw body); `@answer` (result envelope) or `@answer_update` (write
envelope, `wait`) turns it into the async handler the Litestar route decorator above it
takes. Every handler reads the raw body, then decodes, calls the engine and encodes the
response in a worker thread (engine calls are synchronous and may hold the CPU), so the
event loop keeps answering. Errors become Qdrant's error body (see `wire/errors.py`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import anyio.to_thread
import msgspec
from litestar import Request, Response

import vectorizer
from vectorizer import Engine
from vectorizer.errors import BadRequest
from vectorizer.models import UpdateResult
from vectorizer_qdrant_rest.wire.errors import JSON, ParamsValidationFailed, error_response
from vectorizer_qdrant_rest.wire.filters import convert_filters
from vectorizer_qdrant_rest.wire.structs import decode

T = TypeVar("T")

C = "/collections/{collection_name:str}"
P = C + "/points"

ENGINE_OPT = "vectorizer_engine"
"""The router's `opt` key holding an `EngineRef` (handlers read it from their route handler)."""


class EngineRef:
    """Holds the engine in a router's `opt`, which Litestar deep-copies: copies share it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __copy__(self) -> EngineRef:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> EngineRef:
        return self


# ----------------------------------------------------------------------------- plumbing


@dataclasses.dataclass(frozen=True)
class Call:
    """What an endpoint's work sees: the engine, the path parameters and the raw body.

    `timeout` is the raw `timeout` query parameter of a point read (search, scroll,
    count, query, retrieve): `collection()` checks it against strict mode's `max_timeout`.
    """

    engine: Engine
    params: dict[str, Any]
    body: bytes
    timeout: str | None = None

    @property
    def collection_name(self) -> str:
        """The `{collection_name}` of the request path."""
        return self.params["collection_name"]

    def collection(self) -> vectorizer.Collection:
        """The collection the path names (`CollectionNotFound`, 404, when there is none)."""
        collection = self.engine.get_collection(self.collection_name)
        if self.timeout is not None:
            collection.strict.check_timeout(parse_timeout(self.timeout))
        return collection

    def decode(self, type_: type[T]) -> T:
        """The body as the msgspec Struct `type_` (400 when not JSON, 422 when misshapen).

        Every `filter` in it (`searches[i].filter` too) comes out as the core's filter AST,
        converted here once for every endpoint; a bad filter is a 400 naming its path.
        """
        return convert_filters(decode(self.body, type_), self.engine.condition_kinds)


Handler = Callable[[Request[Any, Any, Any]], Coroutine[Any, Any, Response[bytes]]]

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
"""Methods whose requests carry a body; GET and DELETE handlers never read one."""


def ok_body(result: Any, started: float) -> bytes:
    return msgspec.json.encode(
        {"result": result, "status": "ok", "time": time.perf_counter() - started}
    )


async def respond(compute: Callable[[], Any], started: float) -> Response[bytes]:
    """Run `compute` in a worker thread; answer its result in the success envelope."""

    def work() -> bytes:
        return ok_body(compute(), started)

    try:
        body = await anyio.to_thread.run_sync(work)
    except Exception as exc:
        return error_response(exc, started)
    return Response(content=body, status_code=200, media_type=JSON)


_WAIT = {"true": True, "1": True, "false": False, "0": False}


def parse_wait(request: Request[Any, Any, Any]) -> bool:
    """The `wait` query parameter of writes (default false)."""
    raw = request.query_params.get("wait")
    if raw is None:
        return False
    try:
        return _WAIT[raw.lower()]
    except KeyError:
        raise BadRequest(
            f"Query deserialize error: wait: expected true or false, got {raw!r}"
        ) from None


async def respond_update(
    request: Request[Any, Any, Any],
    compute: Callable[[], UpdateResult | list[UpdateResult]],
    started: float,
) -> Response[bytes]:
    """A write: `completed` with wait=true, `acknowledged` without; HTTP 200 either way,
    as Qdrant answers (its spec lists only 200). A batch of writes answers a list.

    The core applies writes synchronously either way.
    """
    try:
        wait = parse_wait(request)
    except BadRequest as exc:
        return error_response(exc, started)
    status = "completed" if wait else "acknowledged"

    def compute_update() -> dict[str, Any] | list[dict[str, Any]]:
        result = compute()
        if isinstance(result, list):
            return [{"operation_id": r.operation_id, "status": status} for r in result]
        return {"operation_id": result.operation_id, "status": status}

    return await respond(compute_update, started)


def parse_timeout(raw: str) -> int:
    """The `timeout` query parameter: whole seconds."""
    if not raw.isdigit():
        raise BadRequest(f"Query deserialize error: timeout: invalid digit found in {raw!r}")
    return int(raw)


def _read_timeout(request: Request[Any, Any, Any]) -> str | None:
    """The `timeout` of a point read (a POST under `/points`, or a facet), the requests
    Qdrant checks against strict mode's `max_timeout`; None for any other request."""
    paths = request.route_handler.paths
    if request.method != "POST" or not any("/points" in p or p.endswith("/facet") for p in paths):
        return None
    return request.query_params.get("timeout")


MAX_COLLECTION_NAME = 255
"""Qdrant's `CollectionPath`: a collection name in a path is 1 to 255 characters."""

_META_OPS = frozenset({("PUT", C), ("PATCH", C), ("DELETE", C), ("POST", "/collections/aliases")})
"""Collection meta operations: their `timeout` query parameter is Qdrant's `WaitTimeout`."""


def _path_problem(request: Request[Any, Any, Any]) -> str | None:
    name = request.path_params.get("collection_name")
    if name is None or 1 <= len(name) <= MAX_COLLECTION_NAME:
        return None
    shown = msgspec.json.encode(name).decode()
    return f"name: value {shown} invalid, must be from 1 to {MAX_COLLECTION_NAME} characters"


def _query_problem(request: Request[Any, Any, Any]) -> str | None:
    """`timeout` of a collection meta operation: whole seconds, at least 1."""
    raw = request.query_params.get("timeout")
    paths = request.route_handler.paths
    if raw is None or not any((request.method, p) in _META_OPS for p in paths):
        return None
    if parse_timeout(raw) < 1:
        return f"timeout: value {int(raw)} invalid, must be 1 or larger"
    return None


async def validate_request(request: Request[Any, Any, Any]) -> Response[bytes] | None:
    """Qdrant's validation of path and query parameters, before any handler runs: a
    collection name longer than 255 characters, a meta operation's `timeout` below 1
    (HTTP 422, "Validation error in path/query parameters: [...]")."""
    started = time.perf_counter()
    try:
        path = _path_problem(request)
        if path is not None:
            raise ParamsValidationFailed("path parameters", path)
        query = _query_problem(request)
        if query is not None:
            raise ParamsValidationFailed("query parameters", query)
    except Exception as exc:
        return error_response(exc, started)
    return None


def _endpoint(work: Callable[[Call], Any], update: bool) -> Handler:
    """The Litestar handler function that runs `work` for each request."""

    async def handler(request: Request[Any, Any, Any]) -> Response[bytes]:
        started = time.perf_counter()
        body = await request.body() if request.method in _BODY_METHODS else b""
        engine = request.route_handler.opt[ENGINE_OPT].engine
        call = Call(engine, request.path_params, body, None if update else _read_timeout(request))
        if update:
            return await respond_update(request, lambda: work(call), started)
        return await respond(lambda: work(call), started)

    # not functools.wraps: Litestar would read `work`'s signature through `__wrapped__`
    handler.__name__ = work.__name__
    handler.__qualname__ = work.__qualname__
    handler.__doc__ = work.__doc__
    return handler


def answer(work: Callable[[Call], Any]) -> Handler:
    """An endpoint answering `work(call)`, run in a worker thread, in the success envelope."""
    return _endpoint(work, update=False)


def answer_update(work: Callable[[Call], UpdateResult]) -> Handler:
    """A write endpoint: `work(call)`'s operation answered as `respond_update` does."""
    return _endpoint(work, update=True)


def answer_updates(work: Callable[[Call], list[UpdateResult]]) -> Handler:
    """A batch write endpoint: `work(call)`'s operations, a list of UpdateResult."""
    return _endpoint(work, update=True)
