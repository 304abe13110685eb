"""Points over the Qdrant REST API: upsert, retrieve, scroll, count, payload and vectors."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

UUID1 = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"
UUID2 = "0b3f1c8e-4f0e-4d7c-9a55-1b0f2a3c4d5e"


@pytest.fixture
def named(client: TestClient) -> TestClient:
    body = {
        "vectors": {
            "image": {"size": 3, "distance": "Dot"},
            "text": {"size": 2, "distance": "Euclid"},
        }
    }
    assert ok(client.put("/collections/n", json=body)) is True
    return client


def test_ids_keep_their_type(client: TestClient) -> None:
    create(client)
    upsert(
        client,
        [
            {"id": 7, "vector": [1, 2, 3, 4], "payload": {"kind": "int"}},
            {"id": UUID1, "vector": [4, 3, 2, 1], "payload": {"kind": "uuid"}},
            {"id": UUID2.upper(), "vector": [1, 1, 1, 1]},
        ],
    )
    records = ok(client.post("/collections/c/points", json={"ids": [UUID1, 7, UUID2, 99]}))
    assert [r["id"] for r in records] == [UUID1, 7, UUID2]
    assert records[0]["payload"] == {"kind": "uuid"}
    assert records[1]["vector"] is None
    point = ok(client.get(f"/collections/c/points/{UUID1}"))
    assert point == {"id": UUID1, "payload": {"kind": "uuid"}, "vector": [4.0, 3.0, 2.0, 1.0]}
    assert ok(client.get("/collections/c/points/7"))["id"] == 7


def test_largest_uint64_id(client: TestClient) -> None:
    create(client)
    big = 2**64 - 1
    upsert(client, [{"id": big, "vector": [1, 2, 3, 4]}])
    assert ok(client.get(f"/collections/c/points/{big}"))["id"] == big
    body = {"points": [{"id": 2**64, "vector": [1, 2, 3, 4]}]}
    assert "between 0 and" in error(client.put("/collections/c/points?wait=true", json=body), 400)


def test_batch_upsert(client: TestClient) -> None:
    create(client)
    batch = {
        "batch": {
            "ids": [1, 2, UUID1],
            "vectors": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]],
            "payloads": [{"a": 1}, None, {"c": 3}],
        }
    }
    ok(client.put("/collections/c/points?wait=true", json=batch))
    records = ok(
        client.post("/collections/c/points", json={"ids": [1, 2, UUID1], "with_vector": True})
    )
    assert records == [
        {"id": 1, "payload": {"a": 1}, "vector": [1.0, 0.0, 0.0, 0.0]},
        {"id": 2, "payload": {}, "vector": [0.0, 1.0, 0.0, 0.0]},
        {"id": UUID1, "payload": {"c": 3}, "vector": [0.0, 0.0, 1.0, 0.0]},
    ]


def test_a_bad_batch_is_refused_whole_naming_the_vector(client: TestClient) -> None:
    create(client)
    good = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    for rows, status, says in [
        ([*good[:2], [0, "x", 0, 0]], 422, "batch.vectors[2]"),
        ([*good[:2], [True, False, True, False]], 422, "batch.vectors[2]"),
        ([*good[:2], [0, [1], 0, 0]], 422, "batch.vectors[2]"),
        ([*good[:2], [0, 0, 1]], 400, "expected dim: 4, got 3 (points[2] (id 3))"),
    ]:
        body = {"batch": {"ids": [1, 2, 3], "vectors": rows}}
        assert says in error(client.put("/collections/c/points?wait=true", json=body), status)
    assert ok(client.post("/collections/c/points/count", json={}))["count"] == 0


def test_named_vectors_upsert_retrieve_and_select(named: TestClient) -> None:
    client = named
    upsert(
        client,
        [
            {"id": 1, "vector": {"image": [1, 2, 3], "text": [1, 0]}},
            {"id": 2, "vector": {"image": [3, 2, 1]}},
        ],
        name="n",
    )
    point = ok(client.get("/collections/n/points/1"))
    assert point["vector"] == {"image": [1.0, 2.0, 3.0], "text": [1.0, 0.0]}
    assert ok(client.get("/collections/n/points/2"))["vector"] == {"image": [3.0, 2.0, 1.0]}
    records = ok(client.post("/collections/n/points", json={"ids": [1], "with_vector": ["text"]}))
    assert records[0]["vector"] == {"text": [1.0, 0.0]}
    batch = {"batch": {"ids": [3, 4], "vectors": {"image": [[1, 1, 1], [2, 2, 2]]}}}
    ok(client.put("/collections/n/points?wait=true", json=batch))
    assert ok(client.get("/collections/n/points/4"))["vector"] == {"image": [2.0, 2.0, 2.0]}
    bad = {"points": [{"id": 5, "vector": {"audio": [1.0]}}]}
    assert "audio" in error(client.put("/collections/n/points?wait=true", json=bad), 400)


def test_update_and_delete_vectors(named: TestClient) -> None:
    client = named
    upsert(client, [{"id": 1, "vector": {"image": [1, 2, 3], "text": [1, 0]}}], name="n")
    body = {"points": [{"id": 1, "vector": {"text": [0, 1]}}]}
    ok(client.put("/collections/n/points/vectors?wait=true", json=body))
    assert ok(client.get("/collections/n/points/1"))["vector"] == {
        "image": [1.0, 2.0, 3.0],
        "text": [0.0, 1.0],
    }
    delete = {"points": [1], "vector": ["image"]}
    ok(client.post("/collections/n/points/vectors/delete?wait=true", json=delete))
    assert ok(client.get("/collections/n/points/1"))["vector"] == {"text": [0.0, 1.0]}
    missing = {"points": [{"id": 99, "vector": {"text": [0, 1]}}]}
    error(client.put("/collections/n/points/vectors?wait=true", json=missing), 404)
    empty: dict[str, list[object]] = {"points": []}
    assert "points" in error(client.put("/collections/n/points/vectors?wait=true", json=empty), 422)


def test_update_vectors_as_qdrant_validates_it(named: TestClient) -> None:
    client = named
    upsert(client, [{"id": 1, "vector": {"image": [1, 2, 3], "text": [1, 0]}}], name="n")
    url = "/collections/n/points/vectors?wait=true"
    # an unknown field of a point (a payload) is ignored; an unknown point is a 404
    body = {
        "points": [
            {"id": 1, "vector": {"text": [0, 1]}, "payload": {"a": 1}},
            {"id": 424242424242424242, "vector": {"image": [1, 1, 1]}},
        ]
    }
    assert error(client.put(url, json=body), 404) == (
        "Not found: No point with id 424242424242424242 found"
    )
    nothing = {"points": [{"id": 1, "vector": {}}]}
    assert error(client.put(url, json=nothing), 422) == (
        "Validation error in JSON body: [points[0].vector: must specify vectors to update "
        "for point]"
    )
    assert ok(client.get("/collections/n/points/1"))["vector"] == {
        "image": [1.0, 2.0, 3.0],
        "text": [1.0, 0.0],
    }


def test_retrieve_and_scroll_take_with_vectors_as_alias(named: TestClient) -> None:
    client = named
    upsert(client, [{"id": 1, "vector": {"image": [1, 2, 3], "text": [1, 0]}}], name="n")
    body = {"ids": [1, 2], "with_vectors": ["text"], "with_payload": True}
    records = ok(client.post("/collections/n/points", json=body))
    assert records == [{"id": 1, "payload": {}, "vector": {"text": [1.0, 0.0]}}]
    body = {"with_vectors": ["image"], "with_payload": False}
    page = ok(client.post("/collections/n/points/scroll", json=body))
    assert [p["vector"] for p in page["points"]] == [{"image": [1.0, 2.0, 3.0]}]


def test_scroll_pages_through_points_in_id_order(client: TestClient) -> None:
    create(client)
    points = [{"id": i, "vector": [i, 1, 1, 1], "payload": {"i": i}} for i in range(10, 0, -1)]
    points.append({"id": UUID1, "vector": [0, 0, 0, 1]})
    upsert(client, points)
    seen = []
    offset = None
    pages = 0
    while True:
        body = {"limit": 3, "with_vector": True}
        if offset is not None:
            body["offset"] = offset
        page = ok(client.post("/collections/c/points/scroll", json=body))
        pages += 1
        seen += page["points"]
        offset = page["next_page_offset"]
        if offset is None:
            break
    assert pages == 4
    assert [p["id"] for p in seen] == [*range(1, 11), UUID1]
    assert seen[0]["payload"] == {"i": 1}
    assert seen[0]["vector"] == [1.0, 1.0, 1.0, 1.0]
    default = ok(client.post("/collections/c/points/scroll", json={}))
    assert len(default["points"]) == 10
    assert default["next_page_offset"] == UUID1
    assert default["points"][0]["vector"] is None


def test_with_payload_selectors(client: TestClient) -> None:
    create(client)
    payload = {"a": 1, "b": {"c": 2, "d": 3}, "e": "x"}
    upsert(client, [{"id": 1, "vector": [1, 2, 3, 4], "payload": payload}])

    def scroll(with_payload: object) -> object:
        page = ok(client.post("/collections/c/points/scroll", json={"with_payload": with_payload}))
        return page["points"][0]["payload"]

    assert scroll(True) == payload
    assert scroll(False) is None
    assert scroll(["a", "e"]) == {"a": 1, "e": "x"}
    assert scroll({"include": ["b"]}) == {"b": {"c": 2, "d": 3}}
    assert scroll({"exclude": ["b", "e"]}) == {"a": 1}


def test_count(client: TestClient) -> None:
    create(client)
    assert ok(client.post("/collections/c/points/count", json={})) == {"count": 0}
    upsert(client, [{"id": i, "vector": [1, 2, 3, 4]} for i in range(5)])
    assert ok(client.post("/collections/c/points/count", json={"exact": False})) == {"count": 5}


def test_delete_points(client: TestClient) -> None:
    create(client)
    upsert(client, [{"id": i, "vector": [1, 2, 3, 4]} for i in range(5)])
    ok(client.post("/collections/c/points/delete?wait=true", json={"points": [0, 2, 42]}))
    page = ok(client.post("/collections/c/points/scroll", json={}))
    assert [p["id"] for p in page["points"]] == [1, 3, 4]
    assert "expected `points`" in error(
        client.post("/collections/c/points/delete?wait=true", json={}), 422
    )


def test_payload_operations(client: TestClient) -> None:
    create(client)
    upsert(
        client,
        [
            {"id": 1, "vector": [1, 2, 3, 4], "payload": {"a": 1, "b": 2}},
            {"id": 2, "vector": [1, 2, 3, 4], "payload": {"a": 10}},
        ],
    )

    def payload(point_id: int) -> object:
        return ok(client.get(f"/collections/c/points/{point_id}"))["payload"]

    ok(
        client.post(
            "/collections/c/points/payload?wait=true", json={"payload": {"c": 3}, "points": [1, 2]}
        )
    )
    assert payload(1) == {"a": 1, "b": 2, "c": 3}
    assert payload(2) == {"a": 10, "c": 3}
    body = {"payload": {"x": 1}, "points": [1], "key": "nested"}
    ok(client.post("/collections/c/points/payload?wait=true", json=body))
    assert payload(1) == {"a": 1, "b": 2, "c": 3, "nested": {"x": 1}}
    ok(
        client.put(
            "/collections/c/points/payload?wait=true", json={"payload": {"z": 0}, "points": [1]}
        )
    )
    assert payload(1) == {"z": 0}
    ok(
        client.post(
            "/collections/c/points/payload/delete?wait=true", json={"keys": ["a"], "points": [2]}
        )
    )
    assert payload(2) == {"c": 3}
    ok(client.post("/collections/c/points/payload/clear?wait=true", json={"points": [1, 2]}))
    assert payload(1) == {}
    assert payload(2) == {}
    missing = {"payload": {"q": 1}, "points": [404]}
    assert "404" in error(client.post("/collections/c/points/payload?wait=true", json=missing), 404)
    keyed = {"payload": {"q": 1}, "points": [1], "key": "k"}
    assert "key" in error(client.put("/collections/c/points/payload?wait=true", json=keyed), 400)


def test_inference_in_upsert_and_other_kinds_must_fit(client: TestClient) -> None:
    create(client)
    for vector, status, message in [
        ({"image": "x.png", "model": "clip"}, 501, "Image/InferenceObject"),
        ({"text": "hello", "model": "no-such-model"}, 400, "no-such-model"),
        ({"text": "hello", "model": "bm25"}, 400, "Embedder `bm25` is not fitted yet"),
        ({"sparse": {"indices": [1], "values": [0.5]}}, 400, "Not existing vector name error"),
        ([[1, 2, 3, 4], [1, 2, 3, 4]], 400, "Conversion between multi and regular vectors"),
    ]:
        body = {"points": [{"id": 1, "vector": vector}]}
        assert message in error(client.put("/collections/c/points?wait=true", json=body), status)
    assert ok(client.post("/collections/c/points/count", json={})) == {"count": 0}
