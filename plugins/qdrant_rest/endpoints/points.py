"""Qdrant's point endpoints: writes (upsert, delete, payload, vectors, batch), get, scroll
and count.

Each is a plain function of a `Call` (`base.py`); a write body becomes one of the core's
operations (`wire/points.py`) that the collection applies, and answers Qdrant's update
envelope (`@answer_update`).
"""

from __future__ import annotations

from typing import Any

from litestar import get, post, put

from vectorizer.errors import PointNotFound
from vectorizer.models import (
    PointId,
    UpdateResult,
    WithPayload,
    WithVectors,
)
from vectorizer_qdrant_rest.endpoints.base import (
    Call,
    P,
    answer,
    answer_update,
    answer_updates,
)
from vectorizer_qdrant_rest.wire import (
    points,
    structs,
    values,
)


@put(P)
@answer_update
def upsert_points(call: Call) -> UpdateResult:
    return call.collection().apply(points.upsert_op(call.decode(structs.UpsertPoints)))


@get(P + "/{id:str}")
@answer
def get_point(call: Call) -> dict[str, Any]:
    collection = call.collection()
    point_id = _path_point_id(call.params["id"])
    records = collection.retrieve([point_id], WithPayload(enabled=True), WithVectors(enabled=True))
    if not records:
        raise PointNotFound(point_id)
    return points.record_out(records[0], collection.config.unnamed)


def _path_point_id(raw: str) -> PointId:
    return values.point_id(int(raw) if raw.isdigit() else raw, "id")


@post(P)
@answer
def get_points(call: Call) -> list[dict[str, Any]]:
    req = call.decode(structs.PointRequest)
    points.no_shard_key(req.shard_key)
    ids = values.point_ids(req.ids, "ids")
    payload = points.with_payload(req.with_payload, default=True)
    vectors = points.with_vectors(
        req.with_vector if req.with_vector is not None else req.with_vectors
    )
    collection = call.collection()
    unnamed = collection.config.unnamed
    return points.records_out(collection.retrieve(ids, payload, vectors), unnamed)


@post(P + "/delete")
@answer_update
def delete_points(call: Call) -> UpdateResult:
    return call.collection().apply(points.delete_op(call.decode(structs.PointsSelector)))


@post(P + "/payload")
@answer_update
def set_payload(call: Call) -> UpdateResult:
    return call.collection().apply(points.set_payload_op(call.decode(structs.SetPayload)))


@put(P + "/payload")
@answer_update
def overwrite_payload(call: Call) -> UpdateResult:
    return call.collection().apply(points.overwrite_payload_op(call.decode(structs.SetPayload)))


@post(P + "/payload/delete")
@answer_update
def delete_payload(call: Call) -> UpdateResult:
    return call.collection().apply(points.delete_payload_op(call.decode(structs.DeletePayload)))


@post(P + "/payload/clear")
@answer_update
def clear_payload(call: Call) -> UpdateResult:
    return call.collection().apply(points.clear_payload_op(call.decode(structs.PointsSelector)))


@put(P + "/vectors")
@answer_update
def update_vectors(call: Call) -> UpdateResult:
    return call.collection().apply(points.update_vectors_op(call.decode(structs.UpdateVectors)))


@post(P + "/vectors/delete")
@answer_update
def delete_vectors(call: Call) -> UpdateResult:
    return call.collection().apply(points.delete_vectors_op(call.decode(structs.DeleteVectors)))


@post(P + "/batch")
@answer_updates
def batch_update(call: Call) -> list[UpdateResult]:
    """Operations applied in order, each as its own endpoint would. All of them are
    converted and checked against the collection's config first, so a malformed or
    misfitting operation fails the batch before anything is written; a failure that
    depends on the points (a missing id) stops it there, as in Qdrant."""
    operations, labels = points.update_operations(call.decode(structs.UpdateOperations))
    return call.collection().apply_batch(operations, labels)


@post(P + "/scroll")
@answer
def scroll_points(call: Call) -> dict[str, Any]:
    req = call.decode(structs.ScrollRequest)
    points.no_shard_key(req.shard_key)
    order_by = points.order_by(req.order_by) if req.order_by is not None else None
    offset = values.point_id(req.offset, "offset") if req.offset is not None else None
    collection = call.collection()
    page = collection.scroll(
        offset=offset,
        limit=req.limit if req.limit is not None else 10,
        with_payload=points.with_payload(req.with_payload, default=True),
        with_vectors=points.with_vectors(
            req.with_vector if req.with_vector is not None else req.with_vectors
        ),
        filter=req.filter,
        order_by=order_by,
    )
    unnamed = collection.config.unnamed
    return {
        "points": points.records_out(page.points, unnamed),
        "next_page_offset": page.next_page_offset,
    }


@post(P + "/count")
@answer
def count_points(call: Call) -> dict[str, int]:
    req = call.decode(structs.CountRequest)
    points.no_shard_key(req.shard_key)
    return {"count": call.collection().count(filter=req.filter, exact=req.exact)}


HANDLERS = [
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
]
