"""Collections and aliases in the core engine."""

from __future__ import annotations

import pytest
from core_helpers import make_config

from vectorizer import AlreadyExists, BadRequest, CollectionNotFound, Engine, NotFound
from vectorizer.models import (
    MAX_VECTOR_SIZE,
    BinaryQuantization,
    CollectionUpdate,
    CreateAlias,
    DeleteAlias,
    Distance,
    HnswConfigDiff,
    QuantizationConfig,
    RenameAlias,
    ScalarQuantization,
    ScalarType,
    SparseIndexParams,
    SparseVectorParams,
    VectorParams,
    VectorParamsDiff,
    vector_size_problem,
)

BINARY = QuantizationConfig(binary=BinaryQuantization())


def test_create_list_exists_delete(engine: Engine) -> None:
    engine.create_collection("a", make_config())
    engine.create_collection("b", make_config(8, Distance.DOT))
    assert engine.list_collections() == ["a", "b"]
    assert engine.collection_exists("a")
    assert not engine.collection_exists("zzz")
    assert engine.delete_collection("a") is True
    assert engine.delete_collection("a") is False
    assert engine.list_collections() == ["b"]
    with pytest.raises(CollectionNotFound, match="Collection `a` doesn't exist"):
        engine.get_collection("a")


def test_create_twice_is_an_error(engine: Engine) -> None:
    engine.create_collection("a", make_config())
    with pytest.raises(AlreadyExists, match="already exists"):
        engine.create_collection("a", make_config())


@pytest.mark.parametrize("name", ["", "a/b", "x" * 256, "what?"])
def test_bad_collection_names(engine: Engine, name: str) -> None:
    with pytest.raises(BadRequest, match="collection name"):
        engine.create_collection(name, make_config())


@pytest.mark.parametrize(
    ("sparse", "message"),
    [
        (
            SparseVectorParams(index=SparseIndexParams(full_scan_threshold=-1)),
            "sparse_vectors.text.index.full_scan_threshold",
        ),
    ],
)
def test_bad_vector_kinds_are_refused(
    engine: Engine, sparse: SparseVectorParams, message: str
) -> None:
    config = make_config()
    config.params.sparse_vectors = {"text": sparse}
    with pytest.raises(BadRequest, match=message):
        engine.create_collection("s", config)
    assert not engine.collection_exists("s")


def test_dense_and_sparse_names_must_differ(engine: Engine) -> None:
    config = make_config(named={"text": VectorParams(size=4, distance=Distance.DOT)})
    config.params.sparse_vectors = {"text": SparseVectorParams()}
    with pytest.raises(BadRequest, match="duplicate found with 'text'"):
        engine.create_collection("s", config)


def test_aliases_are_atomic(engine: Engine) -> None:
    engine.create_collection("a", make_config())
    engine.create_collection("b", make_config())
    engine.update_aliases([CreateAlias("a", "prod"), CreateAlias("b", "staging")])
    assert engine.list_aliases() == [("prod", "a"), ("staging", "b")]
    assert engine.get_collection("prod").name == "a"
    with pytest.raises(CollectionNotFound):
        engine.update_aliases([DeleteAlias("prod"), CreateAlias("missing", "x")])
    assert engine.list_aliases() == [("prod", "a"), ("staging", "b")]  # nothing applied
    engine.update_aliases([RenameAlias("prod", "live"), DeleteAlias("staging")])
    assert engine.list_aliases() == [("live", "a")]
    assert engine.list_aliases("b") == []
    with pytest.raises(NotFound):
        engine.update_aliases([DeleteAlias("nope")])
    engine.delete_collection("a")
    assert engine.list_aliases() == []


def test_update_collection_changes_config_and_rejects_unknown(engine: Engine) -> None:
    engine.create_collection("a", make_config())
    engine.update_collection(
        "a",
        CollectionUpdate(
            hnsw_config=HnswConfigDiff(m=32),
            optimizers_config={"indexing_threshold": 0},
            vectors={"": VectorParamsDiff(on_disk=True)},
        ),
    )
    config = engine.get_collection("a").config
    assert config.hnsw_config.m == 32
    assert config.optimizer_config.indexing_threshold == 0
    assert config.params.vectors[""].on_disk is True
    with pytest.raises(BadRequest, match="unknown field"):
        engine.update_collection("a", CollectionUpdate(optimizers_config={"bogus": 1}))
    with pytest.raises(BadRequest, match="Not existing vector name"):
        engine.update_collection(
            "a", CollectionUpdate(vectors={"nope": VectorParamsDiff(on_disk=True)})
        )


def test_info_names_settings_without_effect(engine: Engine) -> None:
    config = make_config(
        named={
            "img": VectorParams(size=4, distance=Distance.MANHATTAN),
            "txt": VectorParams(size=4, distance=Distance.COSINE, on_disk=True),
        }
    )
    config.quantization_config = QuantizationConfig(scalar=ScalarQuantization(ScalarType.INT8))
    engine.create_collection("a", config)
    warnings = "\n".join(engine.get_collection("a").info().warnings)
    assert "Manhattan" in warnings
    assert "vectors.txt.on_disk" in warnings
    assert "quantization_config" in warnings


def test_everything_survives_restart(tmp_path) -> None:
    data = tmp_path / "data"
    with Engine.open(data) as eng:
        eng.create_collection("a", make_config(3, Distance.EUCLID, indexing_threshold=0))
        eng.update_aliases([CreateAlias("a", "al")])
    with Engine.open(data) as eng:
        assert eng.list_collections() == ["a"]
        assert eng.list_aliases() == [("al", "a")]
        params = eng.get_collection("al").config.params.vectors[""]
        assert (params.size, params.distance) == (3, Distance.EUCLID)
        assert eng.get_collection("a").config.optimizer_config.indexing_threshold == 0


def test_write_lock_refuses_every_write_and_keeps_reads(engine: Engine) -> None:
    from vectorizer import Locked
    from vectorizer.models import PointStruct

    engine.create_collection("a", make_config())
    col = engine.get_collection("a")
    col.upsert([PointStruct(id=1, vectors={"": [1, 0, 0, 0]})])
    assert engine.set_write_lock(True, "maintenance") == (False, None)
    writes = [
        lambda: col.upsert([PointStruct(id=2, vectors={"": [1, 0, 0, 0]})]),
        lambda: col.delete([1]),
        lambda: col.set_payload({"a": 1}, ids=[1]),
        lambda: col.create_field_index("a", "keyword"),
        lambda: engine.create_collection("b", make_config()),
        lambda: engine.delete_collection("a"),
        lambda: engine.update_aliases([CreateAlias("a", "x")]),
    ]
    for write in writes:
        with pytest.raises(Locked, match="maintenance"):
            write()
    assert col.count() == 1 and engine.list_collections() == ["a"]
    assert engine.set_write_lock(False) == (True, "maintenance")
    col.delete([1])
    assert col.count() == 0


def test_a_collection_cannot_take_an_alias_name(engine: Engine) -> None:
    """Qdrant: a bad input (HTTP 400), not a conflict, worded as Qdrant words it."""
    engine.create_collection("a", make_config())
    engine.update_aliases([CreateAlias("a", "al")])
    with pytest.raises(BadRequest) as info:
        engine.create_collection("al", make_config())
    assert not isinstance(info.value, AlreadyExists)
    assert info.value.message == (
        "Wrong input: Can't create collection with name al. Alias with the same name already exists"
    )


def test_one_vectors_own_quantization_can_be_disabled(engine: Engine) -> None:
    config = make_config(
        named={
            "a": VectorParams(size=4, distance=Distance.DOT, quantization_config=BINARY),
            "b": VectorParams(size=4, distance=Distance.DOT, quantization_config=BINARY),
        }
    )
    engine.create_collection("c", config)
    engine.update_collection(
        "c", CollectionUpdate(vectors={"a": VectorParamsDiff(disable_quantization=True)})
    )
    vectors = engine.get_collection("c").config.params.vectors
    assert vectors["a"].quantization_config is None
    assert vectors["b"].quantization_config == BINARY  # the other one untouched


def test_the_form_vectors_were_given_in_survives_restart(tmp_path) -> None:
    """`{"": params}` (a map holding the default name) is kept apart from bare params."""
    data = tmp_path / "data"
    with Engine.open(data) as eng:
        as_map = make_config()
        as_map.params.vectors_as_map = True
        eng.create_collection("map", as_map)
        eng.create_collection("bare", make_config())
    with Engine.open(data) as eng:
        mapped, bare = eng.get_collection("map").config, eng.get_collection("bare").config
        assert mapped.unnamed and bare.unnamed  # points report a bare vector either way
        assert not mapped.single_vector_params
        assert bare.single_vector_params


def test_vector_size_bounds_are_qdrants() -> None:
    assert vector_size_problem(1) is None
    assert vector_size_problem(MAX_VECTOR_SIZE) is None
    assert vector_size_problem(65_537) == "value 65537 invalid, must be from 1 to 65536"
    assert vector_size_problem(0) == "value 0 invalid, must be from 1 to 65536"
