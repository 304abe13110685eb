"""The converter between Qdrant JSON and domain objects, on its own."""

from __future__ import annotations

import numpy as np
import pytest

from vectorizer.errors import BadRequest, Unsupported
from vectorizer.models import DEFAULT_VECTOR, Distance, WithPayload, WithVectors
from vectorizer_qdrant_rest import convert, structs
from vectorizer_qdrant_rest.errors import JsonError, ValidationFailed


def test_decode_distinguishes_bad_json_from_bad_shape() -> None:
    with pytest.raises(JsonError, match=r"^Json deserialize error: "):
        convert.decode(b"{nope", structs.CountRequest)
    with pytest.raises(JsonError):
        convert.decode(b"   ", structs.CountRequest)
    with pytest.raises(ValidationFailed) as exc:
        convert.decode(b'{"exact": "yes"}', structs.CountRequest)
    assert exc.value.field == "exact"
    assert str(exc.value) == "Validation error in JSON body: [exact: Expected `bool`, got `str`]"


def test_validation_errors_name_nested_fields_and_values() -> None:
    body = b'{"vectors": {"size": 4, "distance": "Dot"}, "hnsw_config": {"ef_construct": 1}}'
    with pytest.raises(ValidationFailed) as exc:
        convert.decode(body, structs.CreateCollection)
    assert exc.value.field == "hnsw_config.ef_construct"
    assert exc.value.detail == "value 1 invalid, must be 4 or larger"
    with pytest.raises(ValidationFailed) as exc:
        convert.vectors_config({"a": {"size": 3, "distance": "Dot", "bogus": 1}})
    assert exc.value.field == "vectors.a.bogus"
    assert exc.value.detail == "unknown field"


def test_vector_struct_forms() -> None:
    unnamed = convert.vector_struct([1, 2.5], "v")
    assert list(unnamed) == [DEFAULT_VECTOR]
    assert unnamed[DEFAULT_VECTOR].dtype == np.float32
    named = convert.vector_struct({"a": [1.0], "b": [2.0, 3.0]}, "v")
    assert {k: v.tolist() for k, v in named.items()} == {"a": [1.0], "b": [2.0, 3.0]}
    assert convert.vector_struct({}, "v") == {}
    with pytest.raises(ValidationFailed, match=r"v\.a: expected a vector"):
        convert.vector_struct({"a": ["x"]}, "v")
    with pytest.raises(ValidationFailed):
        convert.vector_struct([True, False], "v")
    with pytest.raises(Unsupported, match="sparse vectors"):
        convert.vector_struct({"s": {"indices": [1], "values": [1.0]}}, "v")
    with pytest.raises(Unsupported, match="multivectors"):
        convert.vector_struct([[1.0], [2.0]], "v")


def test_batch_vectors_lengths_are_checked() -> None:
    assert len(convert.batch_vectors([[1.0], [2.0]], 2, "batch.vectors")) == 2
    named = convert.batch_vectors({"a": [[1.0], [2.0]]}, 2, "batch.vectors")
    assert [sorted(p) for p in named] == [["a"], ["a"]]
    with pytest.raises(ValidationFailed, match=r"batch\.vectors\.a: expected 3 vectors"):
        convert.batch_vectors({"a": [[1.0], [2.0]]}, 3, "batch.vectors")


def test_point_ids() -> None:
    assert convert.point_id(5, "id") == 5
    upper = "5C56C793-69F3-4FBF-87E6-C4BF54C28C26"
    assert convert.point_id(upper, "id") == upper.lower()
    with pytest.raises(ValidationFailed, match="id: point id must be"):
        convert.point_id(1.5, "id")
    with pytest.raises(BadRequest):
        convert.point_id(-1, "id")
    with pytest.raises(BadRequest, match="UUID"):
        convert.point_id("abc", "id")


def test_with_payload_and_with_vector() -> None:
    assert convert.with_payload(None, default=True) == WithPayload(enabled=True)
    assert convert.with_payload(None, default=False) == WithPayload(enabled=False)
    assert convert.with_payload(["a"], default=False) == WithPayload(enabled=True, include=["a"])
    assert convert.with_payload({"exclude": ["b"]}, default=False) == WithPayload(
        enabled=True, exclude=["b"]
    )
    with pytest.raises(ValidationFailed):
        convert.with_payload({"include": ["a"], "exclude": ["b"]}, default=False)
    assert convert.with_vectors(None) == WithVectors(enabled=False)
    assert convert.with_vectors(["a"]) == WithVectors(enabled=True, names=["a"])
    with pytest.raises(ValidationFailed, match="with_vector"):
        convert.with_vectors({"a": 1})


def test_collection_config_defaults_match_qdrant() -> None:
    req = convert.decode(
        b'{"vectors": {"size": 3, "distance": "Euclid"}}', structs.CreateCollection
    )
    config = convert.collection_config(req)
    assert config.unnamed
    assert config.params.vectors[DEFAULT_VECTOR].distance is Distance.EUCLID
    assert config.params.on_disk_payload is True
    assert config.hnsw_config.m == 16
    assert config.optimizer_config.indexing_threshold == 20000
    out = convert.collection_config_out(config)
    assert out["params"]["vectors"] == {"size": 3, "distance": "Euclid"}


def test_query_plan_forms() -> None:
    plan = convert.query_request(structs.QueryRequest(query=[1.0, 2.0]))
    assert plan.by_id is None
    assert plan.request.vector.tolist() == [1.0, 2.0]
    assert plan.request.limit == 10
    assert plan.request.with_payload == WithPayload(enabled=False)
    plan = convert.query_request(structs.QueryRequest(query={"nearest": 7}, using="img", limit=3))
    assert plan.by_id == 7
    assert plan.request.using == "img"
    assert plan.request.limit == 3
    with pytest.raises(ValidationFailed, match=r"query\.bogus"):
        convert.query_request(structs.QueryRequest(query={"nearest": [1.0], "bogus": 1}))
    with pytest.raises(ValidationFailed):
        convert.query_request(structs.QueryRequest(query={"whatever": 1}))
