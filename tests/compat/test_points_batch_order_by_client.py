"""The official qdrant-client against our server and its local mode: `batch_update_points`,
`scroll(order_by=...)` and `create_collection(init_from=...)`.

Local mode orders ties of a descending `order_by` by insertion order (a stable reversed
sort), the Qdrant server by descending id (`Collection::scroll_by` merges on
(value, id)); our server follows the server, so descending pages are compared value by
value and, within one value, as sets, and the id order is checked on its own. Local mode
needs no payload index to order by; the server (and ours) needs a range-capable one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from typing import Any

import pytest
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

VECTORS = {
    "a": models.VectorParams(size=2, distance=models.Distance.DOT),
    "b": models.VectorParams(size=3, distance=models.Distance.EUCLID),
}
UID = "6f6b0d3e-8c4f-4b8e-9a61-1b2d3c4e5f60"
DAY = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


def _create(client: QdrantClient, name: str = "c", **kw: Any) -> None:
    assert client.create_collection(name, vectors_config=VECTORS, **kw)


def _dump(client: QdrantClient, name: str = "c") -> list[tuple[Any, Any, Any]]:
    records, next_offset = client.scroll(name, limit=1000, with_vectors=True)
    assert next_offset is None
    return [(r.id, r.payload, r.vector) for r in records]


# ----------------------------------------------------------------------------- batch


def _operations() -> list[models.UpdateOperation]:
    vec = {"a": [1.0, 2.0], "b": [1.0, 0.0, 1.0]}
    return [
        models.UpsertOperation(
            upsert=models.PointsList(
                points=[
                    models.PointStruct(id=i, vector=vec, payload={"n": i, "kind": "ab"[i % 2]})
                    for i in range(1, 7)
                ]
            )
        ),
        models.UpsertOperation(
            upsert=models.PointsBatch(
                batch=models.Batch(
                    ids=[UID, 50],
                    vectors={"a": [[3.0, 4.0], [5.0, 6.0]], "b": [[0.0, 1.0, 0.0]] * 2},
                    payloads=[{"n": 50}, {"n": 51, "kind": "b"}],
                )
            )
        ),
        models.SetPayloadOperation(
            set_payload=models.SetPayload(payload={"tag": "x"}, points=[1, 2, UID])
        ),
        models.SetPayloadOperation(
            set_payload=models.SetPayload(
                payload={"deep": True},
                filter=models.Filter(
                    must=[models.FieldCondition(key="kind", match=models.MatchValue(value="b"))]
                ),
                key="obj",
            )
        ),
        models.OverwritePayloadOperation(
            overwrite_payload=models.SetPayload(payload={"only": 1}, points=[3])
        ),
        models.DeletePayloadOperation(
            delete_payload=models.DeletePayload(keys=["kind"], points=[1, 4])
        ),
        models.ClearPayloadOperation(clear_payload=models.PointIdsList(points=[5])),
        models.UpdateVectorsOperation(
            update_vectors=models.UpdateVectors(
                points=[models.PointVectors(id=2, vector={"a": [9.0, 9.0]})]
            )
        ),
        models.DeleteVectorsOperation(
            delete_vectors=models.DeleteVectors(vector=["b"], points=[2, 50])
        ),
        models.DeleteOperation(delete=models.PointIdsList(points=[6])),
        models.DeleteOperation(
            delete=models.FilterSelector(
                filter=models.Filter(
                    must=[models.FieldCondition(key="n", match=models.MatchValue(value=51))]
                )
            )
        ),
        models.UpsertOperation(  # an id deleted earlier in the batch comes back
            upsert=models.PointsList(points=[models.PointStruct(id=6, vector=vec)])
        ),
    ]


def _local_flattens_keyed_set_payload(local: QdrantClient) -> bool:
    """Whether this client's local mode sets a keyed payload of a batch at the top level
    (before 1.14)."""
    local.create_collection("probe", vectors_config={})
    local.upsert("probe", [models.PointStruct(id=1, vector={}, payload={})])
    keyed = models.SetPayload(payload={"x": 1}, points=[1], key="k")
    local.batch_update_points("probe", [models.SetPayloadOperation(set_payload=keyed)])
    flattened = local.retrieve("probe", [1])[0].payload == {"x": 1}
    local.delete_collection("probe")
    return flattened


def _unkeyed(operation: models.UpdateOperation) -> models.UpdateOperation:
    """A keyed `set_payload` of a new key as the same payload set at the top level."""
    if isinstance(operation, models.SetPayloadOperation) and operation.set_payload.key:
        op = operation.set_payload
        nested = models.SetPayload(payload={op.key: op.payload}, points=op.points, filter=op.filter)
        return models.SetPayloadOperation(set_payload=nested)
    return operation


def test_batch_update_points_matches_local_mode(remote: QdrantClient, local: QdrantClient) -> None:
    operations = _operations()
    oracle = operations
    if _local_flattens_keyed_set_payload(local):  # the keys set here are new: equivalent
        oracle = [_unkeyed(op) for op in operations]
    for client, ops in ((remote, operations), (local, oracle)):
        _create(client)
        results = client.batch_update_points("c", ops, wait=True)
        assert len(results) == len(operations)
        assert {r.status for r in results} == {models.UpdateStatus.COMPLETED}
    ours, theirs = _dump(remote), _dump(local)
    assert ours == theirs
    assert [r[0] for r in ours] == [1, 2, 3, 4, 5, 6, UID]  # 50 (n=51) deleted by filter
    # spot checks, so an agreement on nothing would not pass
    by_id = {r[0]: r for r in ours}
    assert by_id[1][1] == {"n": 1, "tag": "x", "obj": {"deep": True}}
    assert by_id[2][1] == {"n": 2, "kind": "a", "tag": "x"}
    assert by_id[2][2] == {"a": [9.0, 9.0]}
    assert by_id[3][1] == {"only": 1}
    assert by_id[5][1] == {}
    assert by_id[UID][1] == {"n": 50, "tag": "x"}


def test_bad_batch_changes_nothing(remote: QdrantClient) -> None:
    _create(remote)
    remote.upsert("c", [models.PointStruct(id=1, vector={"a": [1, 1]}, payload={"n": 1})])
    before = _dump(remote)
    operations = [
        models.DeleteOperation(delete=models.PointIdsList(points=[1])),
        models.UpsertOperation(
            upsert=models.PointsList(points=[models.PointStruct(id=2, vector={"a": [1, 2, 3]})])
        ),
    ]
    with pytest.raises(UnexpectedResponse) as caught:
        remote.batch_update_points("c", operations, wait=True)
    assert caught.value.status_code == 400
    assert "(in operations[1].upsert)" in caught.value.content.decode()
    assert _dump(remote) == before


# ----------------------------------------------------------------------------- order_by

PAYLOADS: dict[Any, dict[str, Any]] = {
    1: {"n": [5, 1], "f": 0.5, "t": (DAY + dt.timedelta(hours=5)).isoformat(), "kind": "a"},
    2: {"n": 3, "f": 2.25, "t": DAY.isoformat(), "kind": "b"},
    3: {"n": 3, "f": -1.0, "t": (DAY - dt.timedelta(days=2)).isoformat(), "kind": "a"},
    4: {"n": [7, 3], "f": [9.5, 0.25], "kind": "b"},
    5: {"kind": "a"},
    6: {"n": 2, "f": 4.0, "t": (DAY + dt.timedelta(days=1)).isoformat(), "kind": "a"},
    UID: {"n": 5, "f": 1.5, "t": (DAY + dt.timedelta(minutes=1)).isoformat(), "kind": "b"},
}
INDEXES = {
    "n": models.PayloadSchemaType.INTEGER,
    "f": models.PayloadSchemaType.FLOAT,
    "t": models.PayloadSchemaType.DATETIME,
}


@pytest.fixture
def ordered(remote: QdrantClient, local: QdrantClient) -> tuple[QdrantClient, QdrantClient]:
    points = [
        models.PointStruct(id=i, vector={"a": [1.0, 1.0]}, payload=p) for i, p in PAYLOADS.items()
    ]
    for client in (remote, local):
        _create(client)
        client.upsert("c", points, wait=True)
    for field, schema in INDEXES.items():
        remote.create_payload_index("c", field, schema, wait=True)
    return remote, local


def _page(client: QdrantClient, order_by: Any, limit: int, flt: Any) -> list[tuple[Any, Any]]:
    records, next_offset = client.scroll("c", limit=limit, order_by=order_by, scroll_filter=flt)
    assert next_offset is None
    for record in records:
        assert record.payload == PAYLOADS[record.id]
    return [(r.order_value, r.id) for r in records]


def _values(point_id: Any, key: str) -> list[int | float]:
    """The values a point can be ordered by at `key` (datetimes: microseconds, as Qdrant)."""
    value = PAYLOADS[point_id].get(key)
    values = value if isinstance(value, list) else [] if value is None else [value]
    if key == "t":
        return [int(dt.datetime.fromisoformat(v).timestamp() * 1_000_000) for v in values]
    return values


def _without_values(pairs: list[tuple[Any, Any]]) -> bool:
    """Local mode of clients before 1.14: no `order_value` in scroll results."""
    return bool(pairs) and all(v is None for v, _ in pairs)


def _check_values(pairs: list[tuple[Any, Any]], key: str, direction: Any) -> None:
    """Each point once per value, every value its own, in order; ties by id as Qdrant."""
    for value, point_id in pairs:
        assert value in _values(point_id, key), (value, point_id)
    assert len(set(pairs)) == len(pairs)
    values = [v for v, _ in pairs]
    descending = direction == models.Direction.DESC
    assert values == sorted(values, reverse=descending)
    for _, group in itertools.groupby(pairs, key=lambda p: p[0]):
        ids = [i for _, i in group]
        assert ids == sorted(ids, key=_id_key, reverse=descending)


def _groups(pairs: list[tuple[Any, Any]]) -> list[tuple[Any, set[Any]]]:
    return [(v, {i for _, i in g}) for v, g in itertools.groupby(pairs, key=lambda p: p[0])]


def _id_key(point_id: Any) -> tuple[int, Any]:
    return (0, point_id) if isinstance(point_id, int) else (1, point_id)


KIND_B = models.Filter(must=[models.FieldCondition(key="kind", match=models.MatchValue(value="b"))])
STARTS: dict[str, list[Any]] = {
    "n": [None, 3, 4.5],
    "f": [None, 0.5, 1],
    "t": [None, DAY, DAY.isoformat(), DAY + dt.timedelta(seconds=30)],
}


@pytest.mark.parametrize("key", ["n", "f", "t"])
def test_scroll_order_by_matches_local_mode(
    ordered: tuple[QdrantClient, QdrantClient], key: str
) -> None:
    remote, local = ordered
    checked = 0
    for start, direction, flt, limit in itertools.product(
        STARTS[key], models.Direction, (None, KIND_B), (2, 3, 100)
    ):
        order_by = models.OrderBy(key=key, direction=direction, start_from=start)
        ours = _page(remote, order_by, 100, flt)
        theirs = _page(local, order_by, 100, flt)
        if _without_values(theirs):
            _check_values(ours, key, direction)
            assert sorted((i for _, i in ours), key=_id_key) == sorted(
                (i for _, i in theirs), key=_id_key
            ), (start, flt)
            if direction is models.Direction.ASC:
                assert [i for _, i in ours] == [i for _, i in theirs], (start, flt)
            assert _page(remote, order_by, limit, flt) == ours[:limit]
        elif direction is models.Direction.ASC:
            assert ours == theirs, (start, flt)
            assert _page(remote, order_by, limit, flt) == theirs[:limit]
        else:
            assert _groups(ours) == _groups(theirs), (start, flt)
            for _, group in itertools.groupby(ours, key=lambda p: p[0]):
                ids = [i for _, i in group]
                assert ids == sorted(ids, key=_id_key, reverse=True)  # Qdrant: (value, id) desc
            assert _page(remote, order_by, limit, flt) == ours[:limit]
        checked += len(ours)
    assert checked > 0


def test_scroll_order_by_key_string_and_multi_values(
    ordered: tuple[QdrantClient, QdrantClient],
) -> None:
    remote, local = ordered
    expected = [(1, 1), (2, 6), (3, 2), (3, 3), (3, 4), (5, 1), (5, UID), (7, 4)]
    theirs = _page(local, "n", 100, None)
    if _without_values(theirs):
        theirs = [(v, i) for (v, _), (_, i) in zip(expected, theirs, strict=True)]
    assert _page(remote, "n", 100, None) == theirs == expected
    records, _ = remote.scroll("c", limit=1, order_by="n", with_payload=False, with_vectors=True)
    assert records[0].payload is None and records[0].vector == {"a": [1.0, 1.0]}


def test_scroll_order_by_errors(ordered: tuple[QdrantClient, QdrantClient]) -> None:
    remote, local = ordered
    with pytest.raises(UnexpectedResponse) as caught:
        remote.scroll("c", order_by="kind")
    assert caught.value.status_code == 400
    assert "No range index for `order_by` key: `kind`" in caught.value.content.decode()
    with pytest.raises(UnexpectedResponse) as caught:
        remote.scroll("c", order_by="n", offset=1)
    assert caught.value.status_code == 400
    with pytest.raises(ValueError, match="Offset is not supported"):
        local.scroll("c", order_by="n", offset=1)


# ----------------------------------------------------------------------------- init_from


@pytest.mark.client_model("InitFrom")  # removed from qdrant-client with init_from
def test_init_from_matches_local_mode(remote: QdrantClient, local: QdrantClient) -> None:
    points = [
        models.PointStruct(id=i, vector={"a": [i, 1.0], "b": [1.0, 0.0, i]}, payload={"n": i})
        for i in range(250)  # local mode copies in pages of 100
    ]
    points.append(models.PointStruct(id=UID, vector={"a": [0.5, 0.5]}, payload={"u": True}))
    for client in (remote, local):
        _create(client, "src")
        client.upsert("src", points, wait=True)
    remote.create_payload_index("src", "n", models.PayloadSchemaType.INTEGER, wait=True)
    init = models.InitFrom(collection="src")
    bigger = {**VECTORS, "extra": models.VectorParams(size=4, distance=models.Distance.COSINE)}
    for client in (remote, local):
        with warnings.catch_warnings():  # qdrant-client >= 1.13 deprecates init_from
            warnings.simplefilter("ignore", DeprecationWarning)
            assert client.create_collection("dst", vectors_config=bigger, init_from=init)
    assert _dump(remote, "dst") == _dump(local, "dst") == _dump(local, "src")
    assert len(_dump(remote, "dst")) == 251
    schema = remote.get_collection("dst").payload_schema
    assert schema["n"].data_type == models.PayloadSchemaType.INTEGER  # Qdrant copies indexes
    assert remote.count("dst").count == 251
    # incompatible vectors: refused, nothing created (local mode does not check)
    with pytest.raises(UnexpectedResponse) as caught:
        remote.create_collection(
            "bad",
            vectors_config={"a": models.VectorParams(size=3, distance=models.Distance.DOT)},
            init_from=init,
        )
    assert caught.value.status_code == 400
    assert "origin vector a size: 2, while other vector size: 3" in caught.value.content.decode()
    with pytest.raises(UnexpectedResponse) as caught:
        remote.create_collection("bad", vectors_config=VECTORS, init_from="missing")
    assert caught.value.status_code == 404
    assert not remote.collection_exists("bad")
