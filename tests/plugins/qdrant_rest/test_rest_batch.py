"""`POST /collections/{name}/points/batch`: a list of point operations applied in order.

Each operation is Qdrant's `*Operation` object (`{"upsert": ...}`, `{"delete": ...}`, ...)
with the body of the matching endpoint. The whole batch is converted and checked against
the collection's config before its first write, so a malformed or misfitting operation
changes nothing; a failure that depends on the points (a missing id) stops the batch
there, earlier operations staying applied, as in Qdrant.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

URL = "/collections/c/points/batch"


def _batch(client: TestClient, operations: list[Any], query: str = "?wait=true") -> Any:
    return client.post(URL + query, json={"operations": operations})


def _points(client: TestClient) -> dict[Any, Any]:
    page = ok(client.post("/collections/c/points/scroll", json={"limit": 100, "with_vector": True}))
    return {p["id"]: (p["payload"], p["vector"]) for p in page["points"]}


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    create(client, size=2)
    upsert(client, [{"id": i, "vector": [i, 1], "payload": {"n": i}} for i in range(1, 4)])
    return client


def test_every_operation_kind_in_order(seeded: TestClient) -> None:
    client = seeded
    operations = [
        {"upsert": {"points": [{"id": 9, "vector": [9, 9], "payload": {"n": 9, "x": 1}}]}},
        {"upsert": {"batch": {"ids": [8], "vectors": [[8, 8]], "payloads": [{"n": 8}]}}},
        {"set_payload": {"payload": {"tag": "a"}, "points": [1, 9]}},
        {"set_payload": {"payload": {"deep": 1}, "points": [9], "key": "x2"}},
        {"overwrite_payload": {"payload": {"only": True}, "filter": {"must": [{"has_id": [2]}]}}},
        {"delete_payload": {"keys": ["x"], "points": [9]}},
        {"clear_payload": {"filter": {"must": [{"key": "n", "match": {"value": 3}}]}}},
        {"update_vectors": {"points": [{"id": 1, "vector": [0, 5]}]}},
        {"delete_vectors": {"vector": [""], "points": [8]}},
        {"delete": {"points": [3]}},
        {"upsert": {"points": [{"id": 3, "vector": [3, 3], "payload": {"back": True}}]}},
        {"delete": {"filter": {"must": [{"has_id": [8]}]}}},
    ]
    results = ok(_batch(client, operations))
    assert [r["status"] for r in results] == ["completed"] * len(operations)
    ids = [r["operation_id"] for r in results]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert _points(client) == {
        1: ({"n": 1, "tag": "a"}, [0.0, 5.0]),
        2: ({"only": True}, [2.0, 1.0]),
        3: ({"back": True}, [3.0, 3.0]),
        9: ({"n": 9, "tag": "a", "x2": {"deep": 1}}, [9.0, 9.0]),
    }


def test_wait_and_empty_batch(seeded: TestClient) -> None:
    client = seeded
    assert ok(_batch(client, [])) == []
    op = [{"set_payload": {"payload": {"w": 1}, "points": [1]}}]
    acknowledged = ok(_batch(client, op, query=""))
    assert [r["status"] for r in acknowledged] == ["acknowledged"]
    assert _points(client)[1][0] == {"n": 1, "w": 1}  # applied all the same
    message = error(_batch(client, op, query="?wait=maybe"), 400)
    assert "wait" in message


def test_missing_collection_is_404(client: TestClient) -> None:
    ops = [{"delete": {"points": [1]}}]
    assert "Collection `c` doesn't exist" in error(_batch(client, ops), 404)


def _up(**point: Any) -> dict[str, Any]:
    return {"upsert": {"points": [{"id": 5, "vector": [1, 1], **point}]}}


BAD_OPERATIONS = [
    # (operation at index 3, status, part of the message)
    ({}, 422, "operations[3]: expected exactly one of upsert, delete"),
    ({"delete": {"points": [1]}, "clear_payload": {"points": [1]}}, 422, "exactly one of"),
    ({"upsert": {"points": [{"id": 5}]}}, 422, "operations[3].upsert.points[0].vector"),
    (_up(id=-5), 400, "between 0 and 18446744073709551615 (in operations[3].upsert)"),
    (_up(id="x"), 400, "Unable to parse UUID: x"),
    (_up(vector="v"), 422, "operations[3].upsert.points[0].vector"),
    ({"upsert": {"batch": {"ids": [5, 6], "vectors": [[1, 1]]}}}, 422, "upsert.batch.vectors"),
    ({"delete": {}}, 422, "operations[3].delete: expected `points`"),
    ({"delete": {"filter": {"must": [{"x": 1}]}}}, 400, "operations[3].delete.filter.must[0]"),
    ({"set_payload": {"points": [1]}}, 422, "operations[3].set_payload.payload"),
    ({"set_payload": {"payload": {}, "points": [1], "key": "a..b"}}, 400, "Bad payload key"),
    ({"overwrite_payload": {"payload": {}, "points": [1], "key": "a"}}, 400, "`key` is not"),
    ({"delete_payload": {"keys": ["a["], "points": [1]}}, 400, "Bad payload key path"),
    ({"update_vectors": {"points": []}}, 422, "operations[3].update_vectors.points"),
    ({"delete_vectors": {"vector": [], "points": [1]}}, 422, "operations[3].delete_vectors"),
    ({"unknown_op": {}}, 422, "operations[3].unknown_op"),
    ({"delete": {"points": [1], "shard_key": "s"}}, 501, "shard keys"),
    # checked against the collection's config before anything is written
    (_up(vector=[1, 1, 1]), 400, "expected dim: 2, got 3"),
    (_up(vector={"other": [1, 1]}), 400, "Not existing vector name error: other"),
    ({"update_vectors": {"points": [{"id": 1, "vector": [1]}]}}, 400, "expected dim: 2, got 1"),
    ({"delete_vectors": {"vector": ["other"], "points": [1]}}, 400, "Not existing vector name"),
]


@pytest.mark.parametrize(("bad", "status", "expected"), BAD_OPERATIONS)
def test_a_bad_operation_fails_the_batch_before_any_write(
    seeded: TestClient, bad: dict[str, Any], status: int, expected: str
) -> None:
    client = seeded
    before = _points(client)
    operations = [
        {"upsert": {"points": [{"id": 7, "vector": [7, 7]}]}},
        {"delete": {"points": [1]}},
        {"set_payload": {"payload": {"changed": True}, "filter": {"must": []}}},
        bad,
        {"clear_payload": {"points": [2]}},
    ]
    message = error(_batch(client, operations), status)
    assert expected in message
    assert "operations[3]" in message
    assert _points(client) == before


def test_a_missing_point_stops_the_batch_there(seeded: TestClient) -> None:
    """A failure that depends on the points cannot be seen before writing (Qdrant applies
    operations one by one too): the operations before it stay applied."""
    client = seeded
    operations = [
        {"delete": {"points": [1]}},
        {"set_payload": {"payload": {"a": 1}, "points": [1]}},  # deleted just before
        {"clear_payload": {"points": [2]}},
    ]
    message = error(_batch(client, operations), 404)
    assert message == "Not found: No point with id 1 found (in operations[1].set_payload)"
    points = _points(client)
    assert 1 not in points
    assert points[2][0] == {"n": 2}  # the operation after the failure did not run


def _match(key: str, value: Any) -> dict[str, Any]:
    return {"must": [{"key": key, "match": {"value": value}}]}


def test_later_operations_see_earlier_ones(seeded: TestClient) -> None:
    client = seeded
    operations = [
        {"upsert": {"points": [{"id": 20, "vector": [1, 1], "payload": {"g": "new"}}]}},
        {"set_payload": {"payload": {"seen": True}, "filter": _match("g", "new")}},
        {"update_vectors": {"points": [{"id": 20, "vector": [2, 2]}]}},
        {"delete": {"filter": _match("seen", True)}},
        {"upsert": {"points": [{"id": 20, "vector": [3, 3]}]}},
    ]
    ok(_batch(client, operations))
    assert _points(client)[20] == ({}, [3.0, 3.0])


def test_single_endpoints_share_the_converters(seeded: TestClient) -> None:
    """The one-operation endpoints answer as before, with the same checks."""
    client = seeded
    body = {"payload": {}, "points": [1], "key": "a"}
    message = error(client.put("/collections/c/points/payload?wait=true", json=body), 400)
    assert message == "Wrong input: `key` is not allowed when overwriting the payload"
    body = {"payload": {}, "points": [1], "key": "a..b"}
    assert "Bad payload key path" in error(
        client.post("/collections/c/points/payload", json=body), 400
    )
    message = error(client.post("/collections/c/points/delete", json={}), 422)
    assert (
        message
        == "Validation error in JSON body: [expected `points` (a list of point ids) or `filter`]"
    )
    body = {"points": [{"id": 1, "vector": "v"}]}
    assert "points[0].vector" in error(client.put("/collections/c/points/vectors", json=body), 422)
