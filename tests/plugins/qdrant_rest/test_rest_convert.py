"""The converter between Qdrant JSON and domain objects, on its own."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from vectorizer.errors import BadRequest, Unsupported
from vectorizer.models import (
    DEFAULT_VECTOR,
    Distance,
    DocumentInput,
    Modifier,
    MultiVectorConfig,
    SparseIndexParams,
    SparseVector,
    SparseVectorParams,
    WithPayload,
    WithVectors,
)
from vectorizer_qdrant_rest.wire import (
    collections,
    points,
    search,
    structs,
    values,
    vectors,
)
from vectorizer_qdrant_rest.wire.errors import JsonError, ValidationFailed


def test_decode_distinguishes_bad_json_from_bad_shape() -> None:
    with pytest.raises(JsonError, match=r"^Json deserialize error: "):
        structs.decode(b"{nope", structs.CountRequest)
    with pytest.raises(JsonError):
        structs.decode(b"   ", structs.CountRequest)
    with pytest.raises(ValidationFailed) as exc:
        structs.decode(b'{"exact": "yes"}', structs.CountRequest)
    assert exc.value.field == "exact"
    assert str(exc.value) == "Validation error in JSON body: [exact: Expected `bool`, got `str`]"


def test_validation_errors_name_nested_fields_and_values() -> None:
    body = b'{"vectors": {"size": 4, "distance": "Dot"}, "hnsw_config": {"ef_construct": 1}}'
    with pytest.raises(ValidationFailed) as exc:
        structs.decode(body, structs.CreateCollection)
    assert exc.value.field == "hnsw_config.ef_construct"
    assert exc.value.detail == "value 1 invalid, must be 4 or larger"
    with pytest.raises(ValidationFailed) as exc:
        collections.vectors_config({"a": {"size": 3, "distance": "Bogus"}})
    assert exc.value.field == "vectors.a.distance"
    # as Qdrant's serde VectorParams: an unknown field is ignored, not refused
    lenient = collections.vectors_config({"a": {"size": 3, "distance": "Dot", "bogus": 1}})
    assert lenient["a"].size == 3


def test_vector_struct_forms() -> None:
    unnamed = vectors.vector_struct([1, 2.5], "v")
    assert list(unnamed) == [DEFAULT_VECTOR]
    assert unnamed[DEFAULT_VECTOR].dtype == np.float32
    named = vectors.vector_struct({"a": [1.0], "b": [2.0, 3.0]}, "v")
    assert {k: v.tolist() for k, v in named.items()} == {"a": [1.0], "b": [2.0, 3.0]}
    assert vectors.vector_struct({}, "v") == {}
    with pytest.raises(ValidationFailed, match=r"v\.a: expected a vector"):
        vectors.vector_struct({"a": ["x"]}, "v")
    with pytest.raises(ValidationFailed):
        vectors.vector_struct([True, False], "v")
    sparse = vectors.vector_struct({"s": {"indices": [7, 1], "values": [1.0, 2.0]}}, "v")["s"]
    assert isinstance(sparse, SparseVector)
    assert (sparse.indices.tolist(), sparse.values.tolist()) == ([7, 1], [1.0, 2.0])
    multi = vectors.vector_struct([[1.0], [2.0]], "v")[DEFAULT_VECTOR]
    assert isinstance(multi, np.ndarray)
    assert multi.tolist() == [[1.0], [2.0]]
    assert vectors.vector_struct({"text": "hi", "model": "m"}, "v") == {
        "": DocumentInput("hi", "m")
    }
    with pytest.raises(Unsupported, match="Image/InferenceObject"):
        vectors.vector_struct({"image": "x.png", "model": "m"}, "v")


def test_batch_vectors_lengths_are_checked() -> None:
    assert len(vectors.batch_vectors([[1.0], [2.0]], 2, "batch.vectors")) == 2
    named = vectors.batch_vectors({"a": [[1.0], [2.0]]}, 2, "batch.vectors")
    assert [sorted(p) for p in named] == [["a"], ["a"]]
    with pytest.raises(ValidationFailed, match=r"batch\.vectors\.a: expected 3 vectors"):
        vectors.batch_vectors({"a": [[1.0], [2.0]]}, 3, "batch.vectors")


def test_a_batch_of_dense_vectors_converts_at_once_as_one_by_one() -> None:
    rows = [[1, 2.5, 3], [4.0, 5.0, 6.0], [7, 8, True]]
    matrix = vectors.dense_rows(rows)
    assert matrix is not None and matrix.dtype == np.float32 and matrix.shape == (3, 3)
    batch = vectors.batch_vectors(rows, 3, "b")
    named = vectors.batch_vectors({"a": rows}, 3, "b")
    for i, row in enumerate(rows):
        one = vectors.vector(row, "v")
        assert isinstance(one, np.ndarray)
        assert np.array_equal(batch[i][DEFAULT_VECTOR], one)
        assert np.array_equal(named[i]["a"], one)


@pytest.mark.parametrize(
    "bad", [[True, False], [1.0, "a"], [1.0, None], [1.0, [2.0]], {"x": 1}, "v"]
)
def test_a_bad_row_in_a_batch_fails_as_one_by_one(bad: object) -> None:
    rows = [[1.0, 2.0], bad]
    assert vectors.dense_rows(rows) is None
    with pytest.raises(ValidationFailed) as one:
        vectors.vector_struct(bad, "b[1]")
    with pytest.raises(ValidationFailed) as batch:
        vectors.batch_vectors(rows, 2, "b")
    assert (batch.value.field, batch.value.detail) == (one.value.field, one.value.detail)


def test_rows_of_other_lengths_are_left_to_the_core() -> None:
    assert vectors.dense_rows([[1.0, 2.0], [1.0]]) is None
    assert [
        v[DEFAULT_VECTOR].shape for v in vectors.batch_vectors([[1.0, 2.0], [1.0]], 2, "b")
    ] == [
        (2,),
        (1,),
    ]
    assert vectors.dense_rows([]) is None
    assert vectors.dense_rows([[], []]) is None


@pytest.mark.parametrize(
    ("value", "field", "detail"),
    [
        ({"indices": [1, 1], "values": [1.0, 2.0]}, "q.indices", "must be unique"),
        ({"indices": [1, 2], "values": [1.0]}, "q.values", "must be the same length as indices"),
        ({"indices": [-1], "values": [1.0]}, "q.indices", "expected unsigned 32-bit integers"),
        ({"indices": [2**32], "values": [1.0]}, "q.indices", "expected unsigned 32-bit integers"),
        ({"indices": [1]}, "q.values", "missing field"),
        ({"indices": [1], "values": [1.0], "x": 1}, "q.x", "unknown field"),
        ([[1.0, 2.0], []], "q", "all vectors must be non-empty"),
        (
            [[1.0, 2.0], [1.0]],
            "q",
            "all vectors must have the same dimension, found vector with dimension 1",
        ),
        ([[1.0, "a"]], "q[0]", "expected a vector (an array of numbers)"),
        ({"colour": 1}, "q", "expected a dense, sparse or multi vector"),
    ],
)
def test_vector_kinds_are_checked_with_qdrant_messages(
    value: object, field: str, detail: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        vectors.query_vector(value, "q")
    assert (exc.value.field, exc.value.detail) == (field, detail)


def test_vectors_in_and_out_in_qdrant_shapes() -> None:
    given = {
        "s": {"indices": [9, 2], "values": [0.5, 1]},
        "m": [[1, 2], [3, 4]],
        "d": [1, 2],
    }
    vecs = vectors.vector_struct(given, "v")
    assert isinstance(vecs["s"], SparseVector)
    assert vecs["m"].shape == (2, 2)
    assert vectors.vectors_out(vecs) == {
        "s": {"indices": [9, 2], "values": [0.5, 1.0]},
        "m": [[1.0, 2.0], [3.0, 4.0]],
        "d": [1.0, 2.0],
    }
    # the unnamed vector alone is shown bare, dense or multi; with others, by name
    assert vectors.vectors_out({DEFAULT_VECTOR: vecs["m"]}) == [[1.0, 2.0], [3.0, 4.0]]
    assert vectors.vectors_out({}) == {}
    batch = vectors.batch_vectors(
        {"s": [given["s"], {"indices": [], "values": []}], "m": [given["m"], [[0, 0]]]}, 2, "b"
    )
    assert [sorted(p) for p in batch] == [["m", "s"], ["m", "s"]]
    assert batch[1]["s"].indices.tolist() == []
    assert [
        v.shape for v in vectors.batch_vectors([[[1, 2]], [[3, 4], [5, 6]]], 2, "b")[1].values()
    ] == [(2, 2)]
    name, sparse = search.named_vector({"name": "s", "vector": given["s"]})
    assert (name, sparse.indices.tolist()) == ("s", [9, 2])
    with pytest.raises(ValidationFailed, match=r"vector\.vector: expected a vector"):
        search.named_vector({"name": "m", "vector": [[1.0]]})


def test_collection_config_with_every_vector_kind() -> None:
    body = {
        "vectors": {
            "m": {"size": 2, "distance": "Dot", "multivector_config": {"comparator": "max_sim"}}
        },
        "sparse_vectors": {"s": {"modifier": "idf", "index": {"on_disk": True}}, "t": {}},
    }
    config = collections.collection_config(msgspec.convert(body, structs.CreateCollection))
    assert config.params.vectors["m"].multivector_config == MultiVectorConfig()
    assert config.params.sparse_vectors == {
        "s": SparseVectorParams(SparseIndexParams(on_disk=True), Modifier.IDF),
        "t": SparseVectorParams(),
    }
    params = collections.collection_config_out(config)["params"]
    assert params["vectors"]["m"]["multivector_config"] == {"comparator": "max_sim"}
    assert params["sparse_vectors"] == body["sparse_vectors"]  # reported as given
    update = collections.collection_update(
        msgspec.convert({"sparse_vectors": {"s": {"modifier": "none"}}}, structs.UpdateCollection)
    )
    assert update.sparse_vectors == {"s": SparseVectorParams(modifier=Modifier.NONE)}
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"sparse_vectors": {"s": {"modifier": "bm25"}}}, structs.CreateCollection)


def test_point_ids() -> None:
    assert values.point_id(5, "id") == 5
    upper = "5C56C793-69F3-4FBF-87E6-C4BF54C28C26"
    assert values.point_id(upper, "id") == upper.lower()
    with pytest.raises(ValidationFailed, match="id: point id must be"):
        values.point_id(1.5, "id")
    with pytest.raises(BadRequest):
        values.point_id(-1, "id")
    with pytest.raises(BadRequest, match="UUID"):
        values.point_id("abc", "id")


def test_with_payload_and_with_vector() -> None:
    assert points.with_payload(None, default=True) == WithPayload(enabled=True)
    assert points.with_payload(None, default=False) == WithPayload(enabled=False)
    assert points.with_payload(["a"], default=False) == WithPayload(enabled=True, include=["a"])
    assert points.with_payload({"exclude": ["b"]}, default=False) == WithPayload(
        enabled=True, exclude=["b"]
    )
    with pytest.raises(ValidationFailed):
        points.with_payload({"include": ["a"], "exclude": ["b"]}, default=False)
    assert points.with_vectors(None) == WithVectors(enabled=False)
    assert points.with_vectors(["a"]) == WithVectors(enabled=True, names=["a"])
    with pytest.raises(ValidationFailed, match="with_vector"):
        points.with_vectors({"a": 1})


def test_collection_config_defaults_match_qdrant() -> None:
    req = structs.decode(
        b'{"vectors": {"size": 3, "distance": "Euclid"}}', structs.CreateCollection
    )
    config = collections.collection_config(req)
    assert config.unnamed
    assert config.params.vectors[DEFAULT_VECTOR].distance is Distance.EUCLID
    assert config.params.on_disk_payload is True
    assert config.hnsw_config.m == 16
    assert config.optimizer_config.indexing_threshold == 20000
    out = collections.collection_config_out(config)
    assert out["params"]["vectors"] == {"size": 3, "distance": "Euclid"}


@pytest.mark.parametrize(
    ("value", "field", "detail"),
    [
        (
            {"s": {"indices": [1, 2], "values": [1.0]}},
            "points[0].vector.?.values",
            "Validation error: must be the same length as indices [{}]",
        ),
        (
            {"s": {"indices": [1, 1], "values": [1.0, 2.0]}},
            "points[0].vector.?.indices",
            "Validation error: must be unique [{}]",
        ),
        ({"m": [[1.0], []]}, "points[0].vector.?.data", "all vectors must be non-empty"),
        ([[1.0], []], "points[0].vector.data", "all vectors must be non-empty"),
    ],
)
def test_a_points_vectors_are_checked_at_qdrant_validation_paths(
    value: object, field: str, detail: str
) -> None:
    """A point's vector is validated where Qdrant's validator names it: a named vector's
    key is `?` (Qdrant's suite, test_sparse_vector_validations and test_multi_vector)."""
    with pytest.raises(ValidationFailed) as exc:
        vectors.vector_struct(value, "points[0].vector")
    assert (exc.value.field, exc.value.detail) == (field, detail)
