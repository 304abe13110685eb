"""The Qdrant REST API (v1.14 paths and shapes) as a Litestar router over the engine.

This module holds the collection and point endpoints and builds the router from them and
from the other endpoint modules (`service`, `snapshots`, `search_endpoints`,
`analytics`); how an endpoint is written (`Call`, `@answer`) is in `endpoint.py`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, Router, delete, get, patch, post, put

import vectorizer
from vectorizer import Engine
from vectorizer.errors import PointNotFound
from vectorizer.models import (
    PointId,
    UpdateResult,
    WithPayload,
    WithVectors,
)
from vectorizer.operations import CreateFieldIndex, DeleteFieldIndex
from vectorizer_qdrant_rest import (
    analytics,
    convert,
    search_endpoints,
    service,
    snapshots,
    structs,
    unimplemented,
)
from vectorizer_qdrant_rest.endpoint import (
    ENGINE_OPT,
    C,
    Call,
    EngineRef,
    P,
    answer,
    answer_update,
    answer_updates,
    validate_request,
)
from vectorizer_qdrant_rest.errors import JSON

VERSION_HEADER = "x-vectorizer-version"


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
    return call.collection().apply(convert.upsert_op(call.decode(structs.UpsertPoints)))


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
    return call.collection().apply(convert.delete_op(call.decode(structs.PointsSelector)))


@post(P + "/payload")
@answer_update
def set_payload(call: Call) -> UpdateResult:
    return call.collection().apply(convert.set_payload_op(call.decode(structs.SetPayload)))


@put(P + "/payload")
@answer_update
def overwrite_payload(call: Call) -> UpdateResult:
    return call.collection().apply(convert.overwrite_payload_op(call.decode(structs.SetPayload)))


@post(P + "/payload/delete")
@answer_update
def delete_payload(call: Call) -> UpdateResult:
    return call.collection().apply(convert.delete_payload_op(call.decode(structs.DeletePayload)))


@post(P + "/payload/clear")
@answer_update
def clear_payload(call: Call) -> UpdateResult:
    return call.collection().apply(convert.clear_payload_op(call.decode(structs.PointsSelector)))


@put(P + "/vectors")
@answer_update
def update_vectors(call: Call) -> UpdateResult:
    return call.collection().apply(convert.update_vectors_op(call.decode(structs.UpdateVectors)))


@post(P + "/vectors/delete")
@answer_update
def delete_vectors(call: Call) -> UpdateResult:
    return call.collection().apply(convert.delete_vectors_op(call.decode(structs.DeleteVectors)))


@post(P + "/batch")
@answer_updates
def batch_update(call: Call) -> list[UpdateResult]:
    """Operations applied in order, each as its own endpoint would. All of them are
    converted and checked against the collection's config first, so a malformed or
    misfitting operation fails the batch before anything is written; a failure that
    depends on the points (a missing id) stops it there, as in Qdrant."""
    operations, labels = convert.update_operations(call.decode(structs.UpdateOperations))
    return call.collection().apply_batch(operations, labels)


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
    return call.collection().apply(CreateFieldIndex(req.field_name, req.field_schema))


@delete(C + "/index/{field_name:str}", status_code=200)
@answer_update
def delete_field_index(call: Call) -> UpdateResult:
    return call.collection().apply(DeleteFieldIndex(call.params["field_name"]))


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
HANDLERS += service.HANDLERS + snapshots.HANDLERS + search_endpoints.HANDLERS + analytics.HANDLERS


def build_router(engine: Engine) -> Router:
    """The whole Qdrant REST surface, implemented or answering 501, over `engine`."""
    return Router(
        path="/",
        route_handlers=[*HANDLERS, *unimplemented.handlers()],
        before_request=validate_request,
        opt={ENGINE_OPT: EngineRef(engine), service.STATE_OPT: service.ServiceState(engine)},
    )
