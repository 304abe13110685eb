"""Points: writes, reads, payload operations, validation that loses nothing."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from core_helpers import make_config, search

from vectorizer import BadRequest, Engine, PointNotFound
from vectorizer.models import (
    Distance,
    PointStruct,
    PointVectors,
    VectorParams,
    WithPayload,
    WithVectors,
)

UID = "6f6b0d3e-8c4f-4b8e-9a61-1b2d3c4e5f60"


def _points(n: int, dim: int = 4) -> list[PointStruct]:
    return [
        PointStruct(id=i, vectors={"": np.arange(dim, dtype=np.float32) + i}, payload={"i": i})
        for i in range(n)
    ]


def test_ids_keep_their_kind_and_order(engine: Engine) -> None:
    engine.create_collection("c", make_config())
    col = engine.get_collection("c")
    col.upsert(
        [
            PointStruct(id=UID.upper(), vectors={"": [1, 0, 0, 0]}),
            PointStruct(id=2**64 - 1, vectors={"": [0, 1, 0, 0]}),
            PointStruct(id=3, vectors={"": [0, 0, 1, 0]}),
        ]
    )
    ids = [r.id for r in col.scroll(limit=10).points]
    assert ids == [3, 2**64 - 1, UID]  # integers first, then UUIDs; UUIDs canonical
    assert isinstance(ids[0], int) and isinstance(ids[2], str)
    for bad in (-1, 2**64, "not-a-uuid", 1.5, True):
        with pytest.raises(BadRequest):
            col.upsert([PointStruct(id=bad, vectors={"": [1, 1, 1, 1]})])
    assert col.count() == 3


def test_bad_vector_is_rejected_and_nothing_is_lost(engine: Engine) -> None:
    engine.create_collection("c", make_config())
    col = engine.get_collection("c")
    col.upsert(_points(5))
    batch = [
        *_points(3),
        PointStruct(id=99, vectors={"": [1.0, 2.0]}),
    ]
    with pytest.raises(BadRequest, match="expected dim: 4, got 2"):
        col.upsert(batch)
    with pytest.raises(BadRequest, match="Not existing vector name"):
        col.upsert([PointStruct(id=7, vectors={"x": [1, 2, 3, 4]})])
    assert col.count() == 5
    assert [r.payload for r in col.retrieve([0, 4])] == [{"i": 0}, {"i": 4}]


def test_a_point_may_carry_no_vector(engine: Engine) -> None:
    """Every vector is optional, the unnamed one included (as in Qdrant): the point is
    stored, counted, retrieved with no vectors, skipped by searches, and can get one later."""
    engine.create_collection("c", make_config(2, Distance.DOT))
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={}, payload={"a": 1})])
    col.upsert([PointStruct(id=2, vectors={"": [1, 1]})])
    assert col.count() == 2
    (rec,) = col.retrieve([1], WithPayload(True), WithVectors(True))
    assert rec.vectors == {} and rec.payload == {"a": 1}
    hits = search(col, [1, 0], limit=10)
    assert [h.id for h in hits] == [2]
    col.update_vectors([PointVectors(id=1, vectors={"": [3, 3]})])
    hits = search(col, [1, 0], limit=10)
    assert [h.id for h in hits] == [1, 2]


def test_upsert_replaces_retrieve_and_delete(engine: Engine) -> None:
    engine.create_collection("c", make_config(2, Distance.DOT))
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={"": [1, 2]}, payload={"a": 1})])
    result = col.upsert([PointStruct(id=1, vectors={"": [3, 4]}, payload={"b": 2})])
    assert result.operation_id == 1
    (rec,) = col.retrieve([1], WithPayload(True), WithVectors(True))
    assert rec.payload == {"b": 2}
    assert rec.vectors is not None and rec.vectors[""].tolist() == [3, 4]
    assert col.retrieve([1, 2, 1]) == [rec.__class__(id=1, payload={"b": 2})]
    col.delete([1, 12345])
    assert col.count() == 0
    assert col.retrieve([1]) == []


def test_cosine_vectors_are_normalised(engine: Engine) -> None:
    engine.create_collection("c", make_config(2))
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={"": [3, 4]})])
    (rec,) = col.retrieve([1], with_vectors=WithVectors(True))
    assert rec.vectors is not None
    assert np.allclose(rec.vectors[""], [0.6, 0.8])


def test_scroll_pages_through_everything(engine: Engine) -> None:
    engine.create_collection("c", make_config())
    col = engine.get_collection("c")
    col.upsert(_points(25))
    seen, offset = [], None
    while True:
        page = col.scroll(offset=offset, limit=10)
        seen += [r.id for r in page.points]
        offset = page.next_page_offset
        if offset is None:
            break
    assert seen == list(range(25))
    assert col.scroll(offset=20, limit=100).next_page_offset is None


def test_payload_operations(engine: Engine) -> None:
    engine.create_collection("c", make_config())
    col = engine.get_collection("c")
    col.upsert(
        [
            PointStruct(
                id=1,
                vectors={"": [1, 0, 0, 0]},
                payload={"a": {"b": 1, "c": 2}, "list": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]},
            )
        ]
    )
    col.set_payload({"new": True}, ids=[1])
    col.set_payload({"deep": 5}, ids=[1], key="a.z")
    col.delete_payload(["a.c", "list[].y"], ids=[1])
    (rec,) = col.retrieve([1])
    assert rec.payload == {
        "a": {"b": 1, "z": {"deep": 5}},
        "list": [{"x": 1}, {"x": 2}],
        "new": True,
    }
    only = col.retrieve([1], WithPayload(True, include=["a.b", "new"]))[0].payload
    assert only == {"a": {"b": 1}, "new": True}
    without = col.retrieve([1], WithPayload(True, exclude=["list", "a"]))[0].payload
    assert without == {"new": True}
    col.overwrite_payload({"only": 1}, ids=[1])
    assert col.retrieve([1])[0].payload == {"only": 1}
    col.clear_payload(ids=[1])
    assert col.retrieve([1])[0].payload == {}
    with pytest.raises(PointNotFound, match="No point with id 2 found"):
        col.set_payload({"a": 1}, ids=[1, 2])
    assert col.retrieve([1])[0].payload == {}  # the failed call changed nothing
    with pytest.raises(BadRequest, match="payload key path"):
        col.delete_payload(["a..b"], ids=[1])


@pytest.mark.parametrize(
    ("payload", "key", "expected"),
    [
        # a missing key becomes an object; an index step makes an array padded with nulls
        ({}, "key1.key2", {"key1": {"key2": {"c": 1}}}),
        ({}, "key1.key2[3]", {"key1": {"key2": [None, None, None, {"c": 1}]}}),
        ({}, "key1.key2[].key3", {"key1": {"key2": []}}),
        # a scalar on the path is replaced; `[]` reaches every element of an array
        ({"a": 10}, "a.b.c", {"a": {"b": {"c": {"c": 1}}}}),
        ({"a": [{"b": 1}, 2]}, "a[]", {"a": [{"b": 1, "c": 1}, {"c": 1}]}),
        ({"a": [1, 2]}, "a", {"a": {"c": 1}}),
        ({"a": {"b": [{"d": 0}]}}, "a.b[1]", {"a": {"b": [{"d": 0}, {"c": 1}]}}),
    ],
)
def test_set_payload_at_a_key_creates_the_path_as_qdrant(
    engine: Engine, payload: dict, key: str, expected: dict
) -> None:
    engine.create_collection("c", make_config(4))
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={"": [1, 0, 0, 0]}, payload=payload)])
    col.set_payload({"c": 1}, ids=[1], key=key)
    assert col.retrieve([1])[0].payload == expected


def test_named_vectors_update_and_delete(engine: Engine) -> None:
    named = {
        "img": VectorParams(size=2, distance=Distance.DOT),
        "txt": VectorParams(size=3, distance=Distance.EUCLID),
    }
    engine.create_collection("c", make_config(named=named))
    col = engine.get_collection("c")
    col.upsert([PointStruct(id=1, vectors={"img": [1, 2]})])  # a named vector may be missing
    col.update_vectors([PointVectors(id=1, vectors={"txt": [1, 1, 1]})])
    vectors = col.retrieve([1], with_vectors=WithVectors(True))[0].vectors
    assert vectors is not None and set(vectors) == {"img", "txt"}
    col.delete_vectors(["img"], ids=[1])
    vectors = col.retrieve([1], with_vectors=WithVectors(True, names=["txt"]))[0].vectors
    assert vectors is not None and list(vectors) == ["txt"]
    assert col.retrieve([1], with_vectors=WithVectors(True, names=["img"]))[0].vectors == {}
    with pytest.raises(PointNotFound):
        col.update_vectors([PointVectors(id=5, vectors={"txt": [1, 1, 1]})])
    with pytest.raises(BadRequest, match="expected dim: 3"):
        col.update_vectors([PointVectors(id=1, vectors={"txt": [1]})])


def test_points_survive_restart_with_uuid_ids(tmp_path, rng) -> None:
    data = tmp_path / "data"
    ids = [str(uuid.UUID(int=int(rng.integers(2**62)))) for _ in range(50)] + list(range(50))
    with Engine.open(data) as eng:
        eng.create_collection("c", make_config(8, Distance.EUCLID))
        vectors = rng.standard_normal((100, 8)).astype(np.float32)
        eng.get_collection("c").upsert(
            [
                PointStruct(id=i, vectors={"": v}, payload={"n": k})
                for k, (i, v) in enumerate(zip(ids, vectors, strict=True))
            ]
        )
        eng.get_collection("c").delete(ids[:10])
    with Engine.open(data) as eng:
        col = eng.get_collection("c")
        assert col.count() == 90
        records = col.retrieve(ids, WithPayload(True), WithVectors(True))
        assert [r.id for r in records] == ids[10:]
        for r in records:
            k = r.payload["n"]
            assert r.vectors is not None and np.array_equal(r.vectors[""], vectors[k])
        # slots freed by deletes are reused, and the op counter carries on
        result = col.upsert([PointStruct(id=1000, vectors={"": vectors[0]})])
        assert result.operation_id == 2


def test_memory_backend(tmp_path) -> None:
    with Engine.open(tmp_path, storage="memory") as eng:
        eng.create_collection("c", make_config())
        eng.get_collection("c").upsert(_points(3))
        assert eng.get_collection("c").count() == 3
    assert not (tmp_path / "vectorizer.sqlite3").exists()
