"""Vector values and scores over REST as Qdrant prints them (the shortest decimal that
reads back as the float32), every datatype and kind; multivector input forms and
messages as Qdrant's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from litestar.testing import TestClient
from rest_helpers import create, error, ok, upsert

from vectorizer_qdrant_rest.wire.numbers import Float32Lists, score, shortest

C = "/collections/c"
P = C + "/points"


def dragon4(values: np.ndarray) -> list[float]:
    """numpy's shortest float32 repr, one number at a time: the reference."""
    return [float(np.format_float_scientific(v, unique=True)) for v in values]


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).standard_normal(20000),
        np.random.default_rng(2).random(20000),
        (np.random.default_rng(3).standard_normal(20000) * 1000).round(2),
        np.random.default_rng(4).integers(0, 2**32, 50000, dtype=np.uint32).view(np.float32),
        2.0 ** np.arange(-149, 128),  # powers of two: the uneven round-trip intervals
        np.nextafter((2.0 ** np.arange(-149, 127)).astype(np.float32), np.float32(np.inf)),
        10.0 ** np.arange(-45, 39),
        [0.240234375, 41625.1875, 0.000244140625, 4194303.75] * 30,  # exact ties: even
        [0.1, 0.05, 0.61, 4.358899116516113, 255.0, 0.0, -0.0, 16777217.0, 3e38] * 12,
    ],
    ids=["normal", "uniform", "cents", "bits", "pow2", "above-pow2", "pow10", "ties", "misc"],
)
def test_shortest_is_the_shortest_float32_repr(values: Any) -> None:
    x = np.asarray(values, dtype=np.float32)
    x = x[np.isfinite(x)]
    got = shortest(x)
    assert all(type(v) is float for v in got)
    assert np.array_equal(np.asarray(got, dtype=np.float32), x)  # each reads back
    want = dragon4(x)
    assert [repr(v) for v in got] == [repr(v) for v in want]  # and is the shortest


def test_shortest_of_few_numbers_and_of_a_score() -> None:
    assert shortest(np.array([0.1, 0.61, -2.5], dtype=np.float32)) == [0.1, 0.61, -2.5]
    assert shortest([]) == []
    assert score(4.358899116516113) == 4.358899
    assert score(np.float32(1.1550001)) == 1.1550001
    assert repr(score(-0.0)) == "-0.0"


def test_float32_lists_fill_every_vector_of_a_response_at_once() -> None:
    floats = Float32Lists()
    dense = floats.add(np.array([0.1, 0.2], dtype=np.float32))
    matrix = floats.add(np.array([[1, 2, 3], [0.3, 0.7, 255]], dtype=np.float32))
    values = floats.add(np.array([0.05] * 200, dtype=np.float32))  # the vectorised path
    assert dense == matrix == []
    floats.fill()
    assert dense == [0.1, 0.2]
    assert matrix == [[1.0, 2.0, 3.0], [0.3, 0.7, 255.0]]
    assert values == [0.05] * 200


# ----------------------------------------------------------------------------- over REST


VECTOR = [0.05, 0.61, 0.76, 0.74]


@pytest.mark.parametrize("datatype", ["float32", "float16", "uint8"])
def test_vectors_come_back_as_qdrant_prints_them(client: TestClient, datatype: str) -> None:
    space = {"size": 4, "distance": "Dot", "datatype": datatype}
    body = {
        "vectors": {"d": space, "m": {**space, "multivector_config": {"comparator": "max_sim"}}},
        "sparse_vectors": {"s": {}},
    }
    assert ok(client.put(C, json=body)) is True
    value = [256.19, 1.81, 0.1, 3.11]
    vectors = {"d": value, "m": [value, VECTOR], "s": {"indices": [5, 1], "values": [0.1, 0.3]}}
    upsert(client, [{"id": 1, "vector": vectors}])
    if datatype == "uint8":  # Qdrant's `as u8`
        want_d, want_m = [255, 1, 0, 3], [[255, 1, 0, 3], [0, 0, 0, 0]]
    elif datatype == "float16":
        want_d = shortest(np.asarray(value, np.float16))
        want_m = [want_d, shortest(np.asarray(VECTOR, np.float16))]
    else:
        want_d, want_m = value, [value, VECTOR]
    sparse = {"indices": [1, 5], "values": [0.3, 0.1]}
    for point in (
        ok(client.get(P + "/1")),
        ok(client.post(P, json={"ids": [1], "with_vector": True}))[0],
        ok(client.post(P + "/scroll", json={"with_vector": True}))["points"][0],
    ):
        assert point["vector"] == {"d": want_d, "m": want_m, "s": sparse}
    raw = client.get(P + "/1").text.split('"status"')[0]  # the result, not the time
    assert "0000" not in raw and "9999" not in raw  # no float64 tails of float32 numbers


def test_scores_come_back_as_qdrant_prints_them(client: TestClient) -> None:
    create(client)
    upsert(client, [{"id": 1, "vector": VECTOR}, {"id": 2, "vector": [0.19, 0.81, 0.75, 0.11]}])
    hits = ok(client.post(P + "/search", json={"vector": VECTOR, "limit": 2}))
    assert [h["score"] for h in hits] == [1.4998001, 1.1550001]  # as Qdrant 1.14 answers
    query = ok(client.post(P + "/query", json={"query": VECTOR, "with_vector": True}))
    assert [(p["score"], p["vector"]) for p in query["points"]][1] == (
        1.1550001,
        [0.19, 0.81, 0.75, 0.11],
    )
    pairs = ok(client.post(P + "/search/matrix/pairs", json={"limit": 1}))["pairs"]
    assert [p["score"] for p in pairs] == [1.1550001, 1.1550001]
    offsets = ok(client.post(P + "/search/matrix/offsets", json={"limit": 1}))
    assert offsets["scores"] == [1.1550001, 1.1550001]


def test_a_dense_vector_upserts_into_a_multivector_space(client: TestClient) -> None:
    """Qdrant's legacy form: a plain vector is a matrix of one row, named or unnamed."""
    multi = {"size": 4, "distance": "Dot", "multivector_config": {"comparator": "max_sim"}}
    assert ok(client.put(C, json={"vectors": multi})) is True
    upsert(client, [{"id": 1, "vector": [VECTOR, VECTOR]}, {"id": 2, "vector": VECTOR}])
    assert ok(client.get(P + "/2"))["vector"] == [VECTOR]
    assert ok(client.get(P + "/1"))["vector"] == [VECTOR, VECTOR]
    assert ok(client.put("/collections/n", json={"vectors": {"m": multi}})) is True
    upsert(client, [{"id": 1, "vector": {"m": VECTOR}}], name="n")
    assert ok(client.get("/collections/n/points/1"))["vector"] == {"m": [VECTOR]}


def test_multivector_messages_are_qdrants(client: TestClient) -> None:
    multi = {"size": 4, "distance": "Dot", "multivector_config": {"comparator": "max_sim"}}
    assert ok(client.put(C, json={"vectors": {"m": multi}})) is True

    def put(value: Any) -> Any:
        return client.put(P + "?wait=true", json={"points": [{"id": 1, "vector": value}]})

    assert "Vector dimension error: expected dim: 4, got 0" in error(put({"m": []}), 400)
    for empty in ([[]], [VECTOR, []]):
        assert error(put({"m": empty}), 422) == (
            "Validation error in JSON body: [points[0].vector.?.data: all vectors must be "
            "non-empty]"
        )
    assert error(put({"m": [VECTOR, VECTOR[:3]]}), 422).startswith(
        "Validation error in JSON body: [points[0].vector.?.data: all vectors must have the "
        "same dimension, found vector with dimension 3"
    )
    assert "points[0].vector.data: all vectors must be non-empty" in error(put([[]]), 422)
