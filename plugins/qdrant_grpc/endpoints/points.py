"""`qdrant.Points`: point writes, reads, search and query over the engine.

Every RPC converts its request (`wire/`), calls the
engine and builds its response in a worker thread (`base.threaded`). Writes answer
`Completed` with `wait`, `Acknowledged` without, as the REST plugin does. The search
family (search, query, recommend, discover, groups, facet, distance matrix) is in
`search.py`, over the core's query engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from qdrant_client import grpc as pb

from vectorizer import Engine, parse_path
from vectorizer import operations as ops
from vectorizer.errors import BadRequest, located
from vectorizer_qdrant_grpc.endpoints import search
from vectorizer_qdrant_grpc.endpoints.base import Service, threaded, unimplemented
from vectorizer_qdrant_grpc.wire.collections import field_schema_in
from vectorizer_qdrant_grpc.wire.points import (
    filter_field,
    no_shard_key,
    order_by_in,
    point_vectors_in,
    points_in,
    record_out,
    selector_in,
    update_filter_in,
    update_mode_in,
    update_result_out,
    waits,
    with_payload_in,
    with_vectors_in,
)
from vectorizer_qdrant_grpc.wire.values import (
    invalid,
    opt,
    payload_in,
    point_id_in,
    point_id_out,
    point_ids_in,
)

# ----------------------------------------------------------------------------- writes


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def upsert_op(msg: Any, where: str = "") -> ops.Upsert:
    """UpsertPoints, or a batch's PointStructList."""
    no_shard_key(msg)
    points = tuple(points_in(msg.points, _at(where, "points")))
    return ops.Upsert(points, update_filter_in(msg, where), update_mode_in(msg))


def delete_op(msg: Any, where: str = "") -> ops.DeletePoints:
    """DeletePoints (or its batch form): points by id or by filter."""
    no_shard_key(msg)
    ids, flt = selector_in(opt(msg, "points"), _at(where, "points"))
    return ops.DeletePoints(ops.ids_of(ids), flt)


def delete_deprecated_op(msg: pb.PointsSelector, where: str) -> ops.DeletePoints:
    ids, flt = selector_in(msg, where)
    return ops.DeletePoints(ops.ids_of(ids), flt)


def _payload_key(msg: Any, where: str) -> str | None:
    if not msg.HasField("key"):
        return None
    try:
        parse_path(msg.key)
    except BadRequest as exc:
        raise invalid(_at(where, "key"), exc.message) from None
    return str(msg.key)


def set_payload_op(msg: Any, where: str = "") -> ops.SetPayload:
    """SetPayloadPoints (or its batch form): merge the payload, at `key` when given."""
    no_shard_key(msg)
    key = _payload_key(msg, where)
    ids, flt = selector_in(opt(msg, "points_selector"), _at(where, "points_selector"))
    return ops.SetPayload(payload_in(msg.payload), ops.ids_of(ids), flt, key)


def overwrite_payload_op(msg: Any, where: str = "") -> ops.OverwritePayload:
    """SetPayloadPoints / OverwritePayload: replace the whole payload (no `key`)."""
    no_shard_key(msg)
    if msg.HasField("key"):
        raise invalid(_at(where, "key"), "`key` is not allowed when overwriting the payload")
    ids, flt = selector_in(opt(msg, "points_selector"), _at(where, "points_selector"))
    return ops.OverwritePayload(payload_in(msg.payload), ops.ids_of(ids), flt)


def delete_payload_op(msg: Any, where: str = "") -> ops.DeletePayload:
    no_shard_key(msg)
    keys = list(msg.keys)
    for i, key in enumerate(keys):
        try:
            parse_path(key)
        except BadRequest as exc:
            raise invalid(_at(where, f"keys[{i}]"), exc.message) from None
    ids, flt = selector_in(opt(msg, "points_selector"), _at(where, "points_selector"))
    return ops.DeletePayload(tuple(keys), ops.ids_of(ids), flt)


def clear_payload_op(msg: Any, where: str = "") -> ops.ClearPayload:
    no_shard_key(msg)
    ids, flt = selector_in(opt(msg, "points"), _at(where, "points"))
    return ops.ClearPayload(ops.ids_of(ids), flt)


def clear_payload_deprecated_op(msg: pb.PointsSelector, where: str) -> ops.ClearPayload:
    ids, flt = selector_in(msg, where)
    return ops.ClearPayload(ops.ids_of(ids), flt)


def update_vectors_op(msg: Any, where: str = "") -> ops.UpdateVectors:
    no_shard_key(msg)
    points = tuple(point_vectors_in(msg.points, _at(where, "points")))
    return ops.UpdateVectors(points, update_filter_in(msg, where))


def delete_vectors_op(msg: Any, where: str = "") -> ops.DeleteVectors:
    no_shard_key(msg)
    ids, flt = selector_in(opt(msg, "points_selector"), _at(where, "points_selector"))
    if not msg.HasField("vectors"):
        raise invalid(_at(where, "vectors"), "vectors is expected")
    return ops.DeleteVectors(tuple(msg.vectors.names), ops.ids_of(ids), flt)


_OPERATIONS: dict[str, Callable[[Any, str], ops.PointsOperation]] = {
    "upsert": upsert_op,
    "delete_deprecated": delete_deprecated_op,
    "set_payload": set_payload_op,
    "overwrite_payload": overwrite_payload_op,
    "delete_payload": delete_payload_op,
    "clear_payload_deprecated": clear_payload_deprecated_op,
    "update_vectors": update_vectors_op,
    "delete_vectors": delete_vectors_op,
    "delete_points": delete_op,
    "clear_payload": clear_payload_op,
}
"""PointsUpdateOperation's oneof variants and the converter of each."""


def batch_operations(
    operations: Iterable[pb.PointsUpdateOperation],
) -> tuple[list[ops.PointsOperation], list[str]]:
    """UpdateBatch's operations, each converted, with where it sits in the request (errors
    name `operations[i]...`)."""
    converted, labels = [], []
    for i, op in enumerate(operations):
        kind = op.WhichOneof("operation")
        if kind is None:
            raise invalid(f"operations[{i}]", "Operation is missing")
        where = f"operations[{i}].{kind}"
        with located(where):
            converted.append(_OPERATIONS[kind](getattr(op, kind), where))
        labels.append(where)
    return converted, labels


def _write_rpc(
    converter: Callable[[Any], ops.Operation], name: str
) -> Callable[[Engine, Any], Any]:
    """The work of a write RPC: convert, apply, answer the operation."""

    def work(engine: Engine, request: Any) -> pb.PointsOperationResponse:
        operation = converter(request)
        result = engine.get_collection(request.collection_name).apply(operation)
        return pb.PointsOperationResponse(result=update_result_out(result, waits(request)))

    work.__name__ = name
    work.__doc__ = converter.__doc__
    return work


def update_batch(engine: Engine, request: pb.UpdateBatchPoints) -> Any:
    """Operations applied in order, each as its own RPC would. All are converted and
    checked against the collection's config first, so a malformed or misfitting one fails
    the batch before anything is written (as the REST plugin does)."""
    operations, labels = batch_operations(request.operations)
    collection = engine.get_collection(request.collection_name)
    results = collection.apply_batch(operations, labels)
    wait = waits(request)
    return pb.UpdateBatchResponse(result=[update_result_out(r, wait) for r in results])


def create_field_index(engine: Engine, request: pb.CreateFieldIndexCollection) -> Any:
    schema = field_schema_in(request)
    operation = ops.CreateFieldIndex(request.field_name, schema)
    result = engine.get_collection(request.collection_name).apply(operation)
    return pb.PointsOperationResponse(result=update_result_out(result, waits(request)))


def delete_field_index(engine: Engine, request: pb.DeleteFieldIndexCollection) -> Any:
    operation = ops.DeleteFieldIndex(request.field_name)
    result = engine.get_collection(request.collection_name).apply(operation)
    return pb.PointsOperationResponse(result=update_result_out(result, waits(request)))


# ----------------------------------------------------------------------------- reads


def get(engine: Engine, request: pb.GetPoints) -> Any:
    no_shard_key(request)
    ids = point_ids_in(request.ids, "ids")
    payload = with_payload_in(opt(request, "with_payload"), default=True)
    vectors = with_vectors_in(opt(request, "with_vectors"))
    collection = engine.get_collection(request.collection_name)
    unnamed = collection.config.unnamed
    records = collection.retrieve(ids, payload, vectors)
    return pb.GetResponse(result=[record_out(r, unnamed) for r in records])


def scroll(engine: Engine, request: pb.ScrollPoints) -> Any:
    no_shard_key(request)
    order_by = order_by_in(request.order_by) if request.HasField("order_by") else None
    offset = point_id_in(request.offset, "offset") if request.HasField("offset") else None
    flt = filter_field(request)
    collection = engine.get_collection(request.collection_name)
    page = collection.scroll(
        offset=offset,
        limit=request.limit if request.HasField("limit") else 10,
        with_payload=with_payload_in(opt(request, "with_payload"), default=True),
        with_vectors=with_vectors_in(opt(request, "with_vectors")),
        filter=flt,
        order_by=order_by,
    )
    unnamed = collection.config.unnamed
    response = pb.ScrollResponse(result=[record_out(r, unnamed) for r in page.points])
    if page.next_page_offset is not None:
        response.next_page_offset.CopyFrom(point_id_out(page.next_page_offset))
    return response


def count(engine: Engine, request: pb.CountPoints) -> Any:
    no_shard_key(request)
    flt = filter_field(request)
    exact = request.exact if request.HasField("exact") else True
    total = engine.get_collection(request.collection_name).count(filter=flt, exact=exact)
    return pb.CountResponse(result=pb.CountResult(count=total))


# ----------------------------------------------------------------------------- the servicer


class PointsService(
    Service,
    unimplemented(pb.PointsServicer, "Points"),  # type: ignore[misc]
):
    """`qdrant.Points`: writes, reads, and the search family (`search.py`)."""

    Upsert = threaded(_write_rpc(upsert_op, "upsert"))
    Delete = threaded(_write_rpc(delete_op, "delete"))
    SetPayload = threaded(_write_rpc(set_payload_op, "set_payload"))
    OverwritePayload = threaded(_write_rpc(overwrite_payload_op, "overwrite_payload"))
    DeletePayload = threaded(_write_rpc(delete_payload_op, "delete_payload"))
    ClearPayload = threaded(_write_rpc(clear_payload_op, "clear_payload"))
    UpdateVectors = threaded(_write_rpc(update_vectors_op, "update_vectors"))
    DeleteVectors = threaded(_write_rpc(delete_vectors_op, "delete_vectors"))
    UpdateBatch = threaded(update_batch)
    CreateFieldIndex = threaded(create_field_index)
    DeleteFieldIndex = threaded(delete_field_index)
    Get = threaded(get)
    Scroll = threaded(scroll)
    Count = threaded(count)
    Search = threaded(search.search)
    SearchBatch = threaded(search.search_batch)
    SearchGroups = threaded(search.search_groups)
    Query = threaded(search.query_points)
    QueryBatch = threaded(search.query_batch)
    QueryGroups = threaded(search.query_groups)
    Recommend = threaded(search.recommend)
    RecommendBatch = threaded(search.recommend_batch)
    RecommendGroups = threaded(search.recommend_groups)
    Discover = threaded(search.discover)
    DiscoverBatch = threaded(search.discover_batch)
    Facet = threaded(search.facet)
    SearchMatrixPairs = threaded(search.search_matrix_pairs)
    SearchMatrixOffsets = threaded(search.search_matrix_offsets)
