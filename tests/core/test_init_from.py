"""`Engine.create_collection(..., init_from=...)`: a new collection filled from another.

As Qdrant's `init_from` (`TableOfContent::create_collection`, `data_transfer.rs`): the
source must exist and its vectors fit the new config (same kind, each source vector in
the target with its size and distance), else nothing is created; payload indexes and
points (vectors and payload) are copied. Vectorizer copies before answering.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from core_helpers import make_config

from vectorizer import AlreadyExists, BadRequest, CollectionNotFound, Engine
from vectorizer.collection import Collection
from vectorizer.collection.writes import Writes
from vectorizer.models import (
    CollectionConfig,
    CreateAlias,
    Datatype,
    Distance,
    OrderBy,
    PointStruct,
    UpdateResult,
    VectorParams,
    WithPayload,
    WithVectors,
)
from vectorizer.operations import Upsert

UID = "6f6b0d3e-8c4f-4b8e-9a61-1b2d3c4e5f60"
EVERYTHING = {"with_payload": WithPayload(enabled=True), "with_vectors": WithVectors(enabled=True)}


def _named(**sizes: int) -> dict[str, VectorParams]:
    return {n: VectorParams(size=s, distance=Distance.DOT) for n, s in sizes.items()}


def _dump(col: Collection) -> list[tuple]:
    page = col.scroll(limit=10_000, **EVERYTHING)
    return [
        (r.id, r.payload, {n: v.tolist() for n, v in (r.vectors or {}).items()})
        for r in page.points
    ]


def test_points_and_payload_indexes_are_copied(engine: Engine) -> None:
    engine.create_collection("src", make_config(named=_named(a=2, b=3)))
    src = engine.get_collection("src")
    points = [
        PointStruct(
            id=i, vectors={"a": [i % 100, 1], "b": [1, 2, i]}, payload={"n": i, "s": str(i)}
        )
        for i in range(2500)  # more than one copy batch
    ]
    points.append(PointStruct(id=UID, vectors={"a": [5, 5]}, payload=None))
    src.upsert(points)
    src.delete_vectors(["b"], ids=[7])
    src.create_field_index("n", "integer")
    src.create_field_index("s", "keyword")
    # the target may have more vectors than the source, and another datatype
    target = make_config(named={**_named(a=2, b=3, extra=4)})
    target.params.vectors["a"].datatype = Datatype.FLOAT16
    engine.create_collection("dst", target, init_from="src")
    dst = engine.get_collection("dst")
    assert _dump(dst) == _dump(src)
    assert dst.count() == 2501
    assert set(dst.config.payload_indexes) == {"n", "s"}
    assert dst.info().payload_schema["n"]["points"] == 2500
    assert [r.id for r in dst.scroll(limit=2, order_by=OrderBy("n")).points] == [0, 1]
    # a copy, not a view: writes to one leave the other alone
    dst.set_payload({"n": -1}, ids=[0])
    assert src.retrieve([0])[0].payload == {"n": 0, "s": "0"}


def test_copy_survives_a_restart(engine: Engine, tmp_path: Path) -> None:
    engine.create_collection("src", make_config(2, Distance.DOT))
    engine.get_collection("src").upsert(
        [PointStruct(id=1, vectors={"": np.array([1.0, 2.0])}, payload={"k": "v"})]
    )
    engine.get_collection("src").create_field_index("k", "keyword")
    engine.create_collection("dst", make_config(2, Distance.DOT), init_from="src")
    engine.close()
    reopened = Engine.open(tmp_path / "data")
    try:
        dst = reopened.get_collection("dst")
        assert _dump(dst) == [(1, {"k": "v"}, {"": [1.0, 2.0]})]
        assert "k" in dst.config.payload_indexes
    finally:
        reopened.close()


def test_unnamed_point_without_vector_is_copied(engine: Engine) -> None:
    engine.create_collection("src", make_config(2))  # cosine: stored normalised
    src = engine.get_collection("src")
    src.upsert([PointStruct(id=i, vectors={"": [1, i]}) for i in range(3)])
    src.delete_vectors([""], ids=[1])
    engine.create_collection("dst", make_config(2), init_from="src")
    copied = engine.get_collection("dst").retrieve([0, 1, 2], **EVERYTHING)
    assert [r.id for r in copied] == [0, 1, 2]
    assert copied[1].vectors == {}
    for record, vector in zip((copied[0], copied[2]), ([1, 0], [1, 2]), strict=True):
        assert record.vectors is not None
        expected = np.array(vector) / np.linalg.norm(vector)
        np.testing.assert_allclose(record.vectors[""], expected, rtol=1e-6)


def test_alias_as_source(engine: Engine) -> None:
    engine.create_collection("src", make_config(2))
    engine.get_collection("src").upsert([PointStruct(id=1, vectors={"": [1, 2]})])
    engine.update_aliases([CreateAlias("src", "al")])
    engine.create_collection("dst", make_config(2), init_from="al")
    assert engine.get_collection("dst").count() == 1


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (make_config(2), make_config(3), "origin vector  size: 2, while other vector size: 3"),
        (
            make_config(2, Distance.COSINE),
            make_config(2, Distance.DOT),
            "origin vector  distance: Cosine, while other vector distance: Dot",
        ),
        (
            make_config(2),
            make_config(named=_named(a=2)),
            "origin collection have vectors [], while other vectors [a]",
        ),
        (
            make_config(named=_named(a=2, b=2)),
            make_config(named=_named(a=2)),
            "origin collection have vector b, while other collection does not",
        ),
    ],
)
def test_incompatible_vectors_create_nothing(
    engine: Engine, source: CollectionConfig, target: CollectionConfig, message: str
) -> None:
    engine.create_collection("src", source)
    with pytest.raises(BadRequest) as caught:
        engine.create_collection("dst", target, init_from="src")
    expected = f"Wrong input: Vectors configuration is not compatible: {message}"
    assert caught.value.message == expected
    assert engine.list_collections() == ["src"]


def test_missing_source_and_existing_target(engine: Engine) -> None:
    with pytest.raises(CollectionNotFound):
        engine.create_collection("dst", make_config(2), init_from="nope")
    assert engine.list_collections() == []
    engine.create_collection("dst", make_config(2))
    with pytest.raises(AlreadyExists):  # Qdrant checks the name before the source
        engine.create_collection("dst", make_config(2), init_from="nope")


def test_failed_copy_removes_the_new_collection(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.create_collection("src", make_config(2))
    engine.get_collection("src").upsert([PointStruct(id=1, vectors={"": [1, 2]})])

    def broken(self: Writes, operation: Upsert) -> UpdateResult:
        raise OSError("disk full")

    monkeypatch.setattr(Writes, "_upsert", broken)
    with pytest.raises(OSError, match="disk full"):
        engine.create_collection("dst", make_config(2), init_from="src")
    assert engine.list_collections() == ["src"]
