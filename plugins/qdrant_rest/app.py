"""The Qdrant REST API (v1.14 paths and shapes) as a Litestar router over the engine.

Every handler reads the raw body, then decodes, calls the engine and encodes the
response in a worker thread (engine calls are synchronous and may hold the CPU), so the
event loop keeps answering. Errors become Qdrant's error body (see `errors.py`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import msgspec
import numpy as np
from litestar import Request, Response, Router, delete, get, patch, post, put

import vectorizer
from vectorizer import Engine
from vectorizer.errors import BadRequest, PointNotFound
from vectorizer.models import (
    PointId,
    ScoredPoint,
    UpdateResult,
    WithPayload,
    WithVectors,
)
from vectorizer_qdrant_rest import convert, structs, unimplemented
from vectorizer_qdrant_rest.convert import decode
from vectorizer_qdrant_rest.errors import JSON, error_response

TITLE = "vectorizer - vector search engine (Qdrant-compatible)"

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
    request: Request[Any, Any, Any], compute: Callable[[], UpdateResult], started: float
) -> Response[bytes]:
    """A write: `completed` and 200 with wait=true, `acknowledged` and 202 without.

    The core applies writes synchronously either way.
    """
    try:
        wait = parse_wait(request)
    except BadRequest as exc:
        return error_response(exc, started)
    status = "completed" if wait else "acknowledged"

    def work() -> bytes:
        result = compute()
        return ok_body({"operation_id": result.operation_id, "status": status}, started)

    try:
        body = await anyio.to_thread.run_sync(work)
    except Exception as exc:
        return error_response(exc, started)
    return Response(content=body, status_code=200 if wait else 202, media_type=JSON)


def _engine(request: Request[Any, Any, Any]) -> Engine:
    return request.route_handler.opt[ENGINE_OPT].engine


def _target(request: Request[Any, Any, Any]) -> tuple[Engine, str]:
    """The engine and the `{collection_name}` of the request path."""
    return request.route_handler.opt[ENGINE_OPT].engine, request.path_params["collection_name"]


def _text(content: str) -> Response[str]:
    return Response(content=content, media_type="text/plain", status_code=200)


# ----------------------------------------------------------------------------- service


@get("/", sync_to_thread=False)
def root() -> Response[bytes]:
    body = {
        "title": TITLE,
        "version": vectorizer.QDRANT_VERSION,
        "vectorizer_version": vectorizer.__version__,
    }
    return Response(content=msgspec.json.encode(body), media_type=JSON, status_code=200)


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
async def get_collections(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine = _engine(request)
    return await respond(
        lambda: {"collections": [{"name": n} for n in engine.list_collections()]}, started
    )


@put(C)
async def create_collection(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> bool:
        config = convert.collection_config(decode(body, structs.CreateCollection))
        engine.create_collection(collection_name, config)
        return True

    return await respond(compute, started)


@get(C)
async def get_collection(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    return await respond(
        lambda: convert.collection_info_out(engine.get_collection(collection_name).info()),
        started,
    )


@patch(C)
async def update_collection(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> bool:
        update = convert.collection_update(decode(body, structs.UpdateCollection))
        engine.update_collection(collection_name, update)
        return True

    return await respond(compute, started)


@delete(C, status_code=200)
async def delete_collection(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    return await respond(lambda: engine.delete_collection(collection_name), started)


@get(C + "/exists")
async def collection_exists(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    return await respond(lambda: {"exists": engine.collection_exists(collection_name)}, started)


@post("/collections/aliases")
async def update_aliases(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine = _engine(request)
    body = await request.body()

    def compute() -> bool:
        engine.update_aliases(convert.alias_actions(decode(body, structs.ChangeAliases)))
        return True

    return await respond(compute, started)


def _aliases(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"aliases": [{"alias_name": a, "collection_name": c} for a, c in pairs]}


@get("/aliases")
async def get_aliases(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine = _engine(request)
    return await respond(lambda: _aliases(engine.list_aliases()), started)


@get(C + "/aliases")
async def get_collection_aliases(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)

    def compute() -> dict[str, Any]:
        name = engine.get_collection(collection_name).name  # 404 when missing
        return _aliases(engine.list_aliases(name))

    return await respond(compute, started)


# ----------------------------------------------------------------------------- points


@put(P)
async def upsert_points(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> UpdateResult:
        points = convert.points_in(decode(body, structs.UpsertPoints))
        return engine.get_collection(collection_name).upsert(points)

    return await respond_update(request, compute, started)


@get(P + "/{id:str}")
async def get_point(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    raw_id: str = request.path_params["id"]

    def compute() -> dict[str, Any]:
        collection = engine.get_collection(collection_name)
        point_id = _path_point_id(raw_id)
        records = collection.retrieve(
            [point_id], WithPayload(enabled=True), WithVectors(enabled=True)
        )
        if not records:
            raise PointNotFound(point_id)
        return convert.record_out(records[0], collection.config.unnamed)

    return await respond(compute, started)


def _path_point_id(raw: str) -> PointId:
    return convert.point_id(int(raw) if raw.isdigit() else raw, "id")


@post(P)
async def get_points(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> list[dict[str, Any]]:
        req = decode(body, structs.PointRequest)
        convert.no_shard_key(req.shard_key)
        ids = convert.point_ids(req.ids, "ids")
        payload = convert.with_payload(req.with_payload, default=True)
        vectors = convert.with_vectors(req.with_vector)
        collection = engine.get_collection(collection_name)
        unnamed = collection.config.unnamed
        return [convert.record_out(r, unnamed) for r in collection.retrieve(ids, payload, vectors)]

    return await respond(compute, started)


@post(P + "/delete")
async def delete_points(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> UpdateResult:
        req = decode(body, structs.PointsSelector)
        convert.no_shard_key(req.shard_key)
        ids, filter = convert.selected(req.points, req.filter)
        return engine.get_collection(collection_name).delete(ids=ids, filter=filter)

    return await respond_update(request, compute, started)


@post(P + "/payload")
async def set_payload(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> UpdateResult:
        req = decode(body, structs.SetPayload)
        convert.no_shard_key(req.shard_key)
        ids, filter = convert.selected(req.points, req.filter)
        return engine.get_collection(collection_name).set_payload(
            req.payload, ids=ids, filter=filter, key=req.key
        )

    return await respond_update(request, compute, started)


@put(P + "/payload")
async def overwrite_payload(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> UpdateResult:
        req = decode(body, structs.SetPayload)
        convert.no_shard_key(req.shard_key)
        if req.key is not None:
            raise BadRequest("Wrong input: `key` is not allowed when overwriting the payload")
        ids, filter = convert.selected(req.points, req.filter)
        return engine.get_collection(collection_name).overwrite_payload(
            req.payload, ids=ids, filter=filter
        )

    return await respond_update(request, compute, started)


@post(P + "/payload/delete")
async def delete_payload(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> UpdateResult:
        req = decode(body, structs.DeletePayload)
        convert.no_shard_key(req.shard_key)
        ids, filter = convert.selected(req.points, req.filter)
        return engine.get_collection(collection_name).delete_payload(
            req.keys, ids=ids, filter=filter
        )

    return await respond_update(request, compute, started)


@post(P + "/payload/clear")
async def clear_payload(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> UpdateResult:
        req = decode(body, structs.PointsSelector)
        convert.no_shard_key(req.shard_key)
        ids, filter = convert.selected(req.points, req.filter)
        return engine.get_collection(collection_name).clear_payload(ids=ids, filter=filter)

    return await respond_update(request, compute, started)


@put(P + "/vectors")
async def update_vectors(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> UpdateResult:
        points = convert.point_vectors_in(decode(body, structs.UpdateVectors))
        return engine.get_collection(collection_name).update_vectors(points)

    return await respond_update(request, compute, started)


@post(P + "/vectors/delete")
async def delete_vectors(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> UpdateResult:
        req = decode(body, structs.DeleteVectors)
        convert.no_shard_key(req.shard_key)
        ids, filter = convert.selected(req.points, req.filter)
        return engine.get_collection(collection_name).delete_vectors(
            req.vector, ids=ids, filter=filter
        )

    return await respond_update(request, compute, started)


@post(P + "/scroll")
async def scroll_points(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> dict[str, Any]:
        req = decode(body, structs.ScrollRequest)
        convert.no_shard_key(req.shard_key)
        if req.order_by is not None:
            raise vectorizer.Unsupported("order_by (scrolling in payload order)")
        offset = convert.point_id(req.offset, "offset") if req.offset is not None else None
        collection = engine.get_collection(collection_name)
        page = collection.scroll(
            offset=offset,
            limit=req.limit if req.limit is not None else 10,
            with_payload=convert.with_payload(req.with_payload, default=True),
            with_vectors=convert.with_vectors(req.with_vector),
            filter=req.filter,
        )
        unnamed = collection.config.unnamed
        return {
            "points": [convert.record_out(r, unnamed) for r in page.points],
            "next_page_offset": page.next_page_offset,
        }

    return await respond(compute, started)


@post(P + "/count")
async def count_points(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> dict[str, int]:
        req = decode(body, structs.CountRequest)
        convert.no_shard_key(req.shard_key)
        collection = engine.get_collection(collection_name)
        return {"count": collection.count(filter=req.filter, exact=req.exact)}

    return await respond(compute, started)


# ----------------------------------------------------------------------------- search


def _scored(points: list[ScoredPoint], unnamed: bool) -> list[dict[str, Any]]:
    return [convert.scored_out(p, unnamed) for p in points]


@post(P + "/search")
async def search_points(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> list[dict[str, Any]]:
        search = convert.search_request(decode(body, structs.SearchRequest))
        collection = engine.get_collection(collection_name)
        return _scored(collection.search(search), collection.config.unnamed)

    return await respond(compute, started)


@post(P + "/search/batch")
async def search_batch_points(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> list[list[dict[str, Any]]]:
        req = decode(body, structs.SearchRequestBatch)
        searches = [convert.search_request(s) for s in req.searches]
        collection = engine.get_collection(collection_name)
        unnamed = collection.config.unnamed
        return [_scored(r, unnamed) for r in collection.search_batch(searches)]

    return await respond(compute, started)


def run_query(collection: vectorizer.Collection, plan: convert.QueryPlan) -> list[ScoredPoint]:
    """A nearest-neighbour query; by point id, that point's vector and never the point."""
    request = plan.request
    if plan.by_id is None:
        return collection.search(request)
    found = collection.retrieve(
        [plan.by_id], WithPayload(enabled=False), WithVectors(enabled=True, names=[request.using])
    )
    if not found:
        raise PointNotFound(plan.by_id)
    vector = (found[0].vectors or {}).get(request.using)
    if vector is None:
        shown = request.using or "default (unnamed)"
        raise BadRequest(f"Wrong input: point {plan.by_id} has no vector {shown}")
    # Qdrant leaves the query point out of the results: ask for one more, then drop it
    wanted = dataclasses.replace(
        request,
        vector=np.asarray(vector, dtype=np.float32),
        offset=0,
        limit=request.offset + request.limit + 1,
    )
    points = [p for p in collection.search(wanted) if p.id != plan.by_id]
    return points[request.offset : request.offset + request.limit]


@post(P + "/query")
async def query_points(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> dict[str, Any]:
        plan = convert.query_request(decode(body, structs.QueryRequest))
        collection = engine.get_collection(collection_name)
        return {"points": _scored(run_query(collection, plan), collection.config.unnamed)}

    return await respond(compute, started)


@post(P + "/query/batch")
async def query_batch_points(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine, collection_name = _target(request)
    body = await request.body()

    def compute() -> list[dict[str, Any]]:
        req = decode(body, structs.QueryRequestBatch)
        plans = [convert.query_request(q) for q in req.searches]
        collection = engine.get_collection(collection_name)
        unnamed = collection.config.unnamed
        return [{"points": _scored(run_query(collection, p), unnamed)} for p in plans]

    return await respond(compute, started)


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
    scroll_points,
    count_points,
    search_points,
    search_batch_points,
    query_points,
    query_batch_points,
]


def build_router(engine: Engine) -> Router:
    """The whole Qdrant REST surface, implemented or answering 501, over `engine`."""
    return Router(
        path="/",
        route_handlers=[*HANDLERS, *unimplemented.handlers()],
        opt={ENGINE_OPT: EngineRef(engine)},
    )
