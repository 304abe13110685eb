"""`init_from` in `PUT /collections/{name}` over REST: copied points and indexes, errors."""

from __future__ import annotations

from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert


def test_init_from_copies_points_and_payload_indexes(client: TestClient) -> None:
    create(client, "src", size=2)
    upsert(client, [{"id": i, "vector": [i, 1], "payload": {"n": i}} for i in range(5)], "src")
    body = {"field_name": "n", "field_schema": "integer"}
    ok(client.put("/collections/src/index?wait=true", json=body))
    new = {"vectors": {"size": 2, "distance": "Dot"}, "init_from": {"collection": "src"}}
    assert ok(client.put("/collections/dst", json=new)) is True
    info = ok(client.get("/collections/dst"))
    assert info["points_count"] == 5
    assert info["payload_schema"]["n"]["data_type"] == "integer"

    def scroll(name: str) -> list:
        body = {"limit": 10, "with_vector": True}
        return ok(client.post(f"/collections/{name}/points/scroll", json=body))["points"]

    assert scroll("dst") == scroll("src")


def test_init_from_errors_create_nothing(client: TestClient) -> None:
    create(client, "src", size=2)
    cases = [
        ({"size": 3, "distance": "Dot"}, 400, "origin vector  size: 2, while other vector size: 3"),
        ({"size": 2, "distance": "Cosine"}, 400, "distance: Dot, while other vector distance"),
        ({"a": {"size": 2, "distance": "Dot"}}, 400, "origin collection have vectors []"),
    ]
    for vectors, status, expected in cases:
        body = {"vectors": vectors, "init_from": {"collection": "src"}}
        message = error(client.put("/collections/dst", json=body), status)
        assert message.startswith("Wrong input: Vectors configuration is not compatible: ")
        assert expected in message
    body = {"vectors": {"size": 2, "distance": "Dot"}, "init_from": {"collection": "nope"}}
    assert error(client.put("/collections/dst", json=body), 404) == (
        "Not found: Collection `nope` doesn't exist!"
    )
    body = {"vectors": {"size": 2, "distance": "Dot"}, "init_from": {}}
    assert "init_from.collection" in error(client.put("/collections/dst", json=body), 422)
    assert ok(client.get("/collections")) == {"collections": [{"name": "src"}]}
