"""The Qdrant REST API (v1.14 paths and shapes) as a Litestar router over the engine.

Every handler reads the raw body, then decodes, calls the engine and encodes the
response in a worker thread (engine calls are synchronous and may hold the CPU), so the
event loop keeps answering. Errors become Qdrant's error body (see `errors.py`).

An endpoint is written as a plain synchronous function of a `Call` (engine, path
parameters, raw body); `@answer` (result envelope) or `@answer_update` (write envelope,
`wait`) turns it into the async handler the Litestar route decorator above it takes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import anyio.to_thread
import msgspec
from litestar import Request, Response, Router, delete, get, patch, post, put

import vectorizer
from vectorizer import Engine
from vectorizer.errors import BadRequest, PointNotFound
from vectorizer.models import (
    PointId,
    UpdateResult,
    WithPayload,
    WithVectors,
)
from vectorizer.writes import apply_writes
from vectorizer_qdrant_rest import convert, structs, unimplemented
from vectorizer_qdrant_rest.convert import decode
from vectorizer_qdrant_rest.errors import JSON, ParamsValidationFailed, error_response
from vectorizer_qdrant_rest.filters import convert_filters

T = TypeVar("T")

VERSION_HEADER = "x-vectorizer-version"

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


def _text(content: str) -> Response[str]:
    return Response(content=content, media_type="text/plain", status_code=200)


# ----------------------------------------------------------------------------- service


@get("/", sync_to_thread=False)
def root() -> Response[bytes]:
    """Qdrant's `VersionInfo`, exactly its keys: the Qdrant title and version Vectorizer
    speaks, and the source commit of this build (null when unknown). Vectorizer's own
    version is in the `x-vectorizer-version` header."""
    body = {
        "title": vectorizer.QDRANT_TITLE,
        "version": vectorizer.QDRANT_VERSION,
        "commit": vectorizer.build_commit(),
    }
    return Response(
        content=msgspec.json.encode(body),
        media_type=JSON,
        status_code=200,
        headers={VERSION_HEADER: vectorizer.__version__},
    )


@get("/healthz", sync_to_thread=False)
def healthz() -> Response[str]:
    return _text("healthz check passed")


@get("/livez", sync_to_thread=False)
def livez() -> Response[str]:
    return _text("healthz check passed")


@get("/readyz", sync_to_thread=False)
def readyz() -> Response[str]:
    return _text("all shards are ready")


# ----------------------------------------------------------------------------- collections


@get("/collections")
@answer
def get_collections(call: Call) -> dict[str, Any]:
    return {"collections": [{"name": n} for n in call.engine.list_collections()]}


@put(C)
@answer
def create_collection(call: Call) -> bool:
    req = call.decode(structs.CreateCollection)
    config = convert.collection_config(req)
    init_from = req.init_from.collection if req.init_from is not None else None
    call.engine.create_collection(call.collection_name, config, init_from=init_from)
    return True


@get(C)
@answer
def get_collection(call: Call) -> dict[str, Any]:
    return convert.collection_info_out(call.collection().info())


@patch(C)
@answer
def update_collection(call: Call) -> bool:
    update = convert.collection_update(call.decode(structs.UpdateCollection))
    call.engine.update_collection(call.collection_name, update)
    return True


@delete(C, status_code=200)
@answer
def delete_collection(call: Call) -> bool:
    return call.engine.delete_collection(call.collection_name)


@get(C + "/exists")
@answer
def collection_exists(call: Call) -> dict[str, bool]:
    return {"exists": call.engine.collection_exists(call.collection_name)}


@post("/collections/aliases")
@answer
def update_aliases(call: Call) -> bool:
    call.engine.update_aliases(convert.alias_actions(call.decode(structs.ChangeAliases)))
    return True


def _aliases(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"aliases": [{"alias_name": a, "collection_name": c} for a, c in pairs]}


@get("/aliases")
@answer
def get_aliases(call: Call) -> dict[str, Any]:
    return _aliases(call.engine.list_aliases())


@get(C + "/aliases")
@answer
def get_collection_aliases(call: Call) -> dict[str, Any]:
    name = call.collection().name  # 404 when missing
    return _aliases(call.engine.list_aliases(name))


# ----------------------------------------------------------------------------- points


@put(P)
@answer_update
def upsert_points(call: Call) -> UpdateResult:
    return convert.upsert_write(call.decode(structs.UpsertPoints)).apply(call.collection())


@get(P + "/{id:str}")
@answer
def get_point(call: Call) -> dict[str, Any]:
    collection = call.collection()
    point_id = _path_point_id(call.params["id"])
    records = collection.retrieve([point_id], WithPayload(enabled=True), WithVectors(enabled=True))
    if not records:
        raise PointNotFound(point_id)
    return convert.record_out(records[0], collection.config.unnamed)


def _path_point_id(raw: str) -> PointId:
    return convert.point_id(int(raw) if raw.isdigit() else raw, "id")


@post(P)
@answer
def get_points(call: Call) -> list[dict[str, Any]]:
    req = call.decode(structs.PointRequest)
    convert.no_shard_key(req.shard_key)
    ids = convert.point_ids(req.ids, "ids")
    payload = convert.with_payload(req.with_payload, default=True)
    vectors = convert.with_vectors(
        req.with_vector if req.with_vector is not None else req.with_vectors
    )
    collection = call.collection()
    unnamed = collection.config.unnamed
    return convert.records_out(collection.retrieve(ids, payload, vectors), unnamed)


@post(P + "/delete")
@answer_update
def delete_points(call: Call) -> UpdateResult:
    return convert.delete_write(call.decode(structs.PointsSelector)).apply(call.collection())


@post(P + "/payload")
@answer_update
def set_payload(call: Call) -> UpdateResult:
    return convert.set_payload_write(call.decode(structs.SetPayload)).apply(call.collection())


@put(P + "/payload")
@answer_update
def overwrite_payload(call: Call) -> UpdateResult:
    write = convert.overwrite_payload_write(call.decode(structs.SetPayload))
    return write.apply(call.collection())


@post(P + "/payload/delete")
@answer_update
def delete_payload(call: Call) -> UpdateResult:
    write = convert.delete_payload_write(call.decode(structs.DeletePayload))
    return write.apply(call.collection())


@post(P + "/payload/clear")
@answer_update
def clear_payload(call: Call) -> UpdateResult:
    write = convert.clear_payload_write(call.decode(structs.PointsSelector))
    return write.apply(call.collection())


@put(P + "/vectors")
@answer_update
def update_vectors(call: Call) -> UpdateResult:
    write = convert.update_vectors_write(call.decode(structs.UpdateVectors))
    return write.apply(call.collection())


@post(P + "/vectors/delete")
@answer_update
def delete_vectors(call: Call) -> UpdateResult:
    write = convert.delete_vectors_write(call.decode(structs.DeleteVectors))
    return write.apply(call.collection())


@post(P + "/batch")
@answer_updates
def batch_update(call: Call) -> list[UpdateResult]:
    """Operations applied in order, each as its own endpoint would. All of them are
    converted and checked against the collection's config first, so a malformed or
    misfitting operation fails the batch before anything is written; a failure that
    depends on the points (a missing id) stops it there, as in Qdrant."""
    writes = convert.update_operations(call.decode(structs.UpdateOperations))
    return apply_writes(call.collection(), writes)


@post(P + "/scroll")
@answer
def scroll_points(call: Call) -> dict[str, Any]:
    req = call.decode(structs.ScrollRequest)
    convert.no_shard_key(req.shard_key)
    order_by = convert.order_by(req.order_by) if req.order_by is not None else None
    offset = convert.point_id(req.offset, "offset") if req.offset is not None else None
    collection = call.collection()
    page = collection.scroll(
        offset=offset,
        limit=req.limit if req.limit is not None else 10,
        with_payload=convert.with_payload(req.with_payload, default=True),
        with_vectors=convert.with_vectors(
            req.with_vector if req.with_vector is not None else req.with_vectors
        ),
        filter=req.filter,
        order_by=order_by,
    )
    unnamed = collection.config.unnamed
    return {
        "points": convert.records_out(page.points, unnamed),
        "next_page_offset": page.next_page_offset,
    }


@post(P + "/count")
@answer
def count_points(call: Call) -> dict[str, int]:
    req = call.decode(structs.CountRequest)
    convert.no_shard_key(req.shard_key)
    return {"count": call.collection().count(filter=req.filter, exact=req.exact)}


# ----------------------------------------------------------------------------- payload indexes


@put(C + "/index")
@answer_update
def create_field_index(call: Call) -> UpdateResult:
    req = call.decode(structs.CreateFieldIndex)
    return call.collection().create_field_index(req.field_name, req.field_schema)


@delete(C + "/index/{field_name:str}", status_code=200)
@answer_update
def delete_field_index(call: Call) -> UpdateResult:
    return call.collection().delete_field_index(call.params["field_name"])


# ----------------------------------------------------------------------------- router

HANDLERS = [
    root,
    healthz,
    livez,
    readyz,
    get_collections,
    create_collection,
    get_collection,
    update_collection,
    delete_collection,
    collection_exists,
    update_aliases,
    get_aliases,
    get_collection_aliases,
    upsert_points,
    get_point,
    get_points,
    delete_points,
    set_payload,
    overwrite_payload,
    delete_payload,
    clear_payload,
    update_vectors,
    delete_vectors,
    batch_update,
    scroll_points,
    count_points,
    create_field_index,
    delete_field_index,
]

# imported last: `service` builds on this module's plumbing (the package imports `app` first)
from vectorizer_qdrant_rest import service  # noqa: E402

HANDLERS += service.HANDLERS

from vectorizer_qdrant_rest import snapshots  # noqa: E402

HANDLERS += snapshots.HANDLERS

from vectorizer_qdrant_rest import search_endpoints  # noqa: E402

HANDLERS += search_endpoints.HANDLERS

from vectorizer_qdrant_rest import analytics  # noqa: E402

HANDLERS += analytics.HANDLERS


def build_router(engine: Engine) -> Router:
    """The whole Qdrant REST surface, implemented or answering 501, over `engine`."""
    return Router(
        path="/",
        route_handlers=[*HANDLERS, *unimplemented.handlers()],
        before_request=validate_request,
        opt={ENGINE_OPT: EngineRef(engine), service.STATE_OPT: service.ServiceState(engine)},
    )
