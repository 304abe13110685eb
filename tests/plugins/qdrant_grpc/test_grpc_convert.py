"""Protobuf <-> core conversions of the gRPC plugin: ids, payload values, vectors,
selectors, queries, collection configs and payload index params."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from qdrant_client import grpc as pb

from vectorizer.config_json import (
    quantization_to_builtins,
)
from vectorizer.errors import BadRequest, Unsupported
from vectorizer.models import (
    DEFAULT_VECTOR,
    BinaryEncoding,
    BinaryQuantization,
    BinaryQueryEncoding,
    CollectionConfig,
    CollectionInfo,
    CollectionParams,
    CollectionStatus,
    CompressionRatio,
    Datatype,
    Direction,
    Distance,
    DocumentInput,
    HnswConfigDiff,
    Modifier,
    ProductQuantization,
    QuantizationConfig,
    Record,
    ScalarQuantization,
    ScalarType,
    ScoredPoint,
    SparseIndexParams,
    SparseVector,
    SparseVectorParams,
    StrictModeConfig,
    StrictModeMultivector,
    UpdateResult,
    VectorParams,
    VectorParamsDiff,
    WithPayload,
    WithVectors,
)
from vectorizer.query import Nearest
from vectorizer_qdrant_grpc.wire import collections, config_parts, points, search, vectors
from vectorizer_qdrant_grpc.wire.values import (
    payload_in,
    payload_out,
    point_id_in,
    point_id_out,
    value_in,
    value_out,
)

UUID = "6f2de94a-03c3-4641-809d-f374a0c13c0e"


# ----------------------------------------------------------------------------- point ids


def test_point_ids_keep_their_kind() -> None:
    assert point_id_in(pb.PointId(num=7), "id") == 7
    assert point_id_in(pb.PointId(num=2**64 - 1), "id") == 2**64 - 1
    assert point_id_in(pb.PointId(uuid=UUID), "id") == UUID
    # every form uuid.UUID reads comes back canonical
    assert point_id_in(pb.PointId(uuid=UUID.upper().replace("-", "")), "id") == UUID
    assert point_id_out(7) == pb.PointId(num=7)
    assert point_id_out(UUID) == pb.PointId(uuid=UUID)
    assert point_id_out(0).WhichOneof("point_id_options") == "num"


def test_bad_point_ids_name_the_field() -> None:
    with pytest.raises(BadRequest, match=r"^points\[2\]\.id: No ID options provided$"):
        point_id_in(pb.PointId(), "points[2].id")
    with pytest.raises(BadRequest, match=r"^ids\[0\]: Unable to parse UUID: nope$"):
        point_id_in(pb.PointId(uuid="nope"), "ids[0]")


# ----------------------------------------------------------------------------- payload values


def test_payload_values_keep_their_kind_both_ways() -> None:
    payload = {
        "int": 1,
        "float_whole": 1.0,
        "float": 2.5,
        "neg": -(2**63),
        "str": "x",
        "true": True,
        "false": False,
        "none": None,
        "list": [1, 1.0, "a", None, [2], {"k": False}],
        "obj": {"a": {"b": [3, 4.5]}},
        "empty_obj": {},
        "empty_list": [],
    }
    wire = payload_out(payload)
    assert wire["int"].WhichOneof("kind") == "integer_value"
    assert wire["float_whole"].WhichOneof("kind") == "double_value"
    assert wire["true"].WhichOneof("kind") == "bool_value"
    assert wire["none"].WhichOneof("kind") == "null_value"
    assert wire["obj"].WhichOneof("kind") == "struct_value"
    assert wire["list"].WhichOneof("kind") == "list_value"
    back = payload_in(pb.PointStruct(payload=wire).payload)
    assert back == payload
    assert type(back["int"]) is int
    assert type(back["float_whole"]) is float
    assert type(back["true"]) is bool
    assert [type(v) for v in back["list"]] == [int, float, str, type(None), list, dict]


def test_value_edge_cases() -> None:
    assert value_in(pb.Value()) is None  # an unset kind reads as null
    big = value_out(2**64 - 1)  # beyond int64: sent as a double, like a JSON number
    assert big.WhichOneof("kind") == "double_value"
    assert value_in(value_out((1, 2))) == [1, 2]
    with pytest.raises(TypeError):
        value_out(object())


# ----------------------------------------------------------------------------- vectors


def test_dense_vectors_in_every_form() -> None:
    legacy = pb.Vectors(vector=pb.Vector(data=[1.0, 2.0]))
    dense = pb.Vectors(vector=pb.Vector(dense=pb.DenseVector(data=[3.0, 4.0])))
    named = pb.Vectors(
        vectors=pb.NamedVectors(
            vectors={
                "a": pb.Vector(data=[1.0]),
                "b": pb.Vector(dense=pb.DenseVector(data=[2.0, 3.0])),
            }
        )
    )
    got = vectors.vectors_in(legacy, "v")
    assert list(got) == [DEFAULT_VECTOR]
    assert got[DEFAULT_VECTOR].dtype == np.float32
    np.testing.assert_array_equal(got[DEFAULT_VECTOR], [1.0, 2.0])
    np.testing.assert_array_equal(vectors.vectors_in(dense, "v")[DEFAULT_VECTOR], [3.0, 4.0])
    both = vectors.vectors_in(named, "v")
    assert sorted(both) == ["a", "b"]
    np.testing.assert_array_equal(both["b"], [2.0, 3.0])
    assert vectors.vectors_in(None, "v") == {}


def test_sparse_and_multi_vectors_in_every_form() -> None:
    forms = {
        "sparse": pb.Vector(sparse=pb.SparseVector(values=[1.0, 2.0], indices=[7, 3])),
        "legacy_sparse": pb.Vector(data=[1.0, 2.0], indices=pb.SparseIndices(data=[7, 3])),
        "multi": pb.Vector(
            multi_dense=pb.MultiDenseVector(
                vectors=[pb.DenseVector(data=[1.0, 2.0]), pb.DenseVector(data=[3.0, 4.0])]
            )
        ),
        "legacy_multi": pb.Vector(data=[1.0, 2.0, 3.0, 4.0], vectors_count=2),
    }
    got = vectors.vectors_in(pb.Vectors(vectors=pb.NamedVectors(vectors=forms)), "p")
    for name in ("sparse", "legacy_sparse"):
        assert isinstance(got[name], SparseVector)
        assert got[name].indices.tolist() == [7, 3]
        assert got[name].values.tolist() == [1.0, 2.0]
    for name in ("multi", "legacy_multi"):
        np.testing.assert_array_equal(got[name], [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize(
    ("vector", "error"),
    [
        (
            pb.Vector(sparse=pb.SparseVector(values=[1.0], indices=[3, 4])),
            "p.vector.sparse.values: must be the same length as indices",
        ),
        (
            pb.Vector(data=[1.0, 2.0], indices=pb.SparseIndices(data=[1, 1])),
            "p.vector.indices: must be unique",
        ),
        (
            pb.Vector(data=[1.0, 2.0, 3.0], vectors_count=2),
            "p.vector.vectors_count: 3 values do not split into 2 vectors",
        ),
        (
            pb.Vector(
                multi_dense=pb.MultiDenseVector(
                    vectors=[pb.DenseVector(data=[1.0]), pb.DenseVector(data=[1.0, 2.0])]
                )
            ),
            "found vector with dimension 2",
        ),
    ],
)
def test_malformed_sparse_and_multi_vectors_name_the_field(vector: pb.Vector, error: str) -> None:
    with pytest.raises(BadRequest) as info:
        vectors.vectors_in(pb.Vectors(vector=vector), "p")
    assert error in info.value.message


def test_documents_are_taken_and_images_unimplemented_naming_the_field() -> None:
    doc = pb.Document(text="hi", model="hashing")
    assert vectors.vectors_in(pb.Vectors(vector=pb.Vector(document=doc)), "p") == {
        "": DocumentInput("hi", "hashing")
    }
    with pytest.raises(Unsupported, match=r"server-side inference.*\(p\.vector\.image\)"):
        vectors.vectors_in(pb.Vectors(vector=pb.Vector(image=pb.Image(model="m"))), "p")


def test_vector_input_by_vector_or_id() -> None:
    by_id = vectors.vector_input_in(pb.VectorInput(id=pb.PointId(uuid=UUID)), "q")
    assert by_id == UUID
    dense = vectors.vector_input_in(pb.VectorInput(dense=pb.DenseVector(data=[1.0])), "q")
    np.testing.assert_array_equal(dense, [1.0])
    sparse = vectors.vector_input_in(
        pb.VectorInput(sparse=pb.SparseVector(indices=[2], values=[0.5])), "q"
    )
    assert isinstance(sparse, SparseVector)
    assert (sparse.indices.tolist(), sparse.values.tolist()) == ([2], [0.5])
    with pytest.raises(BadRequest, match=r"^q: VectorInput is empty"):
        vectors.vector_input_in(pb.VectorInput(), "q")


def test_vectors_out() -> None:
    vec = np.array([1.0, 2.5], dtype=np.float32)
    unnamed = vectors.vectors_out({DEFAULT_VECTOR: vec}, unnamed=True)
    assert unnamed is not None
    assert list(unnamed.vector.data) == [1.0, 2.5]
    named = vectors.vectors_out({"a": vec}, unnamed=False)
    assert named is not None
    assert list(named.vectors.vectors["a"].data) == [1.0, 2.5]
    assert vectors.vectors_out(None, unnamed=True) is None
    # a point without vectors, asked for them: an empty map whatever the config (the
    # client reads `{}`, as over REST), not an absent field (which it reads as None)
    for unnamed_config in (True, False):
        empty = vectors.vectors_out({}, unnamed=unnamed_config)
        assert empty is not None
        assert empty.WhichOneof("vectors_options") == "vectors"
        assert dict(empty.vectors.vectors) == {}
    sparse = SparseVector(np.array([1, 5], dtype=np.uint32), np.array([0.5, 2.0], np.float32))
    multi = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    both = vectors.vectors_out({"s": sparse, "m": multi}, unnamed=False)
    assert both is not None
    out_s, out_m = both.vectors.vectors["s"], both.vectors.vectors["m"]
    assert (list(out_s.indices.data), list(out_s.data)) == ([1, 5], [0.5, 2.0])
    assert (out_m.vectors_count, list(out_m.data)) == (2, [1.0, 2.0, 3.0, 4.0])


# ----------------------------------------------------------------------------- selectors


def test_with_payload_and_with_vectors_selectors() -> None:
    assert points.with_payload_in(None, default=True) == WithPayload(enabled=True)
    assert points.with_payload_in(pb.WithPayloadSelector(), default=False) == WithPayload()
    assert points.with_payload_in(pb.WithPayloadSelector(enable=False), True) == WithPayload()
    include = pb.WithPayloadSelector(include=pb.PayloadIncludeSelector(fields=["a", "b.c"]))
    assert points.with_payload_in(include, False) == WithPayload(True, include=["a", "b.c"])
    exclude = pb.WithPayloadSelector(exclude=pb.PayloadExcludeSelector(fields=["a"]))
    assert points.with_payload_in(exclude, False) == WithPayload(True, exclude=["a"])
    assert points.with_vectors_in(None) == WithVectors()
    assert points.with_vectors_in(pb.WithVectorsSelector(enable=True)) == WithVectors(True)
    names = pb.WithVectorsSelector(include=pb.VectorsSelector(names=["x"]))
    assert points.with_vectors_in(names) == WithVectors(True, names=["x"])


def test_selector_needs_ids_or_filter() -> None:
    ids, flt = points.selector_in(
        pb.PointsSelector(points=pb.PointsIdsList(ids=[pb.PointId(num=1), pb.PointId(uuid=UUID)])),
        "points",
    )
    assert (ids, flt) == ([1, UUID], None)
    ids, flt = points.selector_in(pb.PointsSelector(filter=pb.Filter()), "points")
    assert ids is None and flt is not None
    with pytest.raises(BadRequest, match=r"^points: PointsSelector is missing"):
        points.selector_in(None, "points")


def test_update_result_status_follows_wait() -> None:
    done = points.update_result_out(UpdateResult(operation_id=4), wait=True)
    assert (done.operation_id, done.status) == (4, pb.UpdateStatus.Completed)
    later = points.update_result_out(UpdateResult(operation_id=5), wait=False)
    assert later.status == pb.UpdateStatus.Acknowledged
    assert points.waits(pb.UpsertPoints()) is False
    assert points.waits(pb.UpsertPoints(wait=True)) is True


def test_records_and_scored_points_out() -> None:
    record = Record(id=UUID, payload={"a": 1}, vectors=None, order_value=3)
    out = points.record_out(record, unnamed=True)
    assert out.id.uuid == UUID
    assert out.payload["a"].integer_value == 1
    assert not out.HasField("vectors")
    assert out.order_value.int == 3
    scored = points.scored_out(
        ScoredPoint(id=1, version=2, score=0.5, payload=None, vectors={"a": np.ones(2)}),
        unnamed=False,
    )
    assert (scored.id.num, scored.version, scored.score) == (1, 2, 0.5)
    assert len(scored.payload) == 0
    assert list(scored.vectors.vectors.vectors["a"].data) == [1.0, 1.0]


def test_order_by() -> None:
    got = points.order_by_in(pb.OrderBy(key="n"))
    assert (got.key, got.direction, got.start_from) == ("n", Direction.ASC, None)
    desc = pb.OrderBy(key="n", direction=pb.Direction.Desc, start_from=pb.StartFrom(integer=5))
    got = points.order_by_in(desc)
    assert (got.direction, got.start_from) == (Direction.DESC, 5)
    got = points.order_by_in(pb.OrderBy(key="n", start_from=pb.StartFrom(float=1.5)))
    assert got.start_from == 1.5
    stamp = Timestamp()
    stamp.FromDatetime(dt.datetime(2024, 1, 2, 3, 4, 5))
    got = points.order_by_in(pb.OrderBy(key="t", start_from=pb.StartFrom(timestamp=stamp)))
    assert got.start_from == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    text = pb.OrderBy(key="t", start_from=pb.StartFrom(datetime="2024-01-02T03:04:05Z"))
    assert points.order_by_in(text).start_from == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    with pytest.raises(BadRequest, match=r"order_by\.start_from\.datetime"):
        points.order_by_in(pb.OrderBy(key="t", start_from=pb.StartFrom(datetime="yesterday")))


# ----------------------------------------------------------------------------- search and query


def test_search_request() -> None:
    request = pb.SearchPoints(
        collection_name="c",
        vector=[1.0, 2.0],
        limit=3,
        offset=1,
        vector_name="img",
        score_threshold=0.5,
        params=pb.SearchParams(hnsw_ef=64, exact=True),
        with_payload=pb.WithPayloadSelector(enable=True),
        filter=pb.Filter(must=[pb.Condition(has_vector=pb.HasVectorCondition(has_vector="img"))]),
    )
    got = search.search_in(request)
    assert isinstance(got.query, Nearest) and got.checked_as == "search"
    assert (got.using, got.limit, got.offset, got.score_threshold) == ("img", 3, 1, 0.5)
    assert got.params is not None and (got.params.hnsw_ef, got.params.exact) == (64, True)
    assert got.with_payload.enabled and not got.with_vectors.enabled
    assert got.filter is not None
    defaults = search.search_in(pb.SearchPoints(vector=[1.0], limit=1))
    assert (defaults.using, defaults.offset, defaults.score_threshold) == ("", 0, None)
    assert not defaults.with_payload.enabled
    sparse = search.search_in(
        pb.SearchPoints(vector=[1.0], sparse_indices=pb.SparseIndices(data=[4]), vector_name="s")
    )
    assert isinstance(sparse.query, Nearest) and isinstance(sparse.query.vector, SparseVector)
    assert (sparse.using, sparse.query.vector.indices.tolist()) == ("s", [4])
    with pytest.raises(Unsupported, match="shard keys"):
        search.search_in(pb.SearchPoints(vector=[1.0], shard_key_selector=pb.ShardKeySelector()))


# ----------------------------------------------------------------------------- collection configs


def test_create_collection_defaults_like_qdrant() -> None:
    request = pb.CreateCollection(
        collection_name="c",
        vectors_config=pb.VectorsConfig(params=pb.VectorParams(size=4, distance=pb.Distance.Dot)),
    )
    got = collections.collection_config_in(request)
    assert got.params.vectors == {DEFAULT_VECTOR: VectorParams(size=4, distance=Distance.DOT)}
    assert got == CollectionConfig(params=CollectionParams(vectors=got.params.vectors))


def test_create_collection_config_round_trip() -> None:
    quantization = pb.QuantizationConfig(
        scalar=pb.ScalarQuantization(type=pb.QuantizationType.Int8, quantile=0.5, always_ram=True)
    )
    request = pb.CreateCollection(
        collection_name="c",
        vectors_config=pb.VectorsConfig(
            params_map=pb.VectorParamsMap(
                map={
                    "a": pb.VectorParams(
                        size=3,
                        distance=pb.Distance.Euclid,
                        hnsw_config=pb.HnswConfigDiff(m=8),
                        on_disk=True,
                        datatype=pb.Datatype.Float16,
                    ),
                    "b": pb.VectorParams(
                        size=2,
                        distance=pb.Distance.Manhattan,
                        quantization_config=pb.QuantizationConfig(
                            product=pb.ProductQuantization(compression=pb.CompressionRatio.x16)
                        ),
                    ),
                }
            )
        ),
        hnsw_config=pb.HnswConfigDiff(ef_construct=64, payload_m=4),
        optimizers_config=pb.OptimizersConfigDiff(
            indexing_threshold=0,
            max_optimization_threads=pb.MaxOptimizationThreads(value=2),
        ),
        wal_config=pb.WalConfigDiff(wal_capacity_mb=16),
        shard_number=2,
        on_disk_payload=False,
        quantization_config=quantization,
        strict_mode_config=pb.StrictModeConfig(
            enabled=True,
            max_query_limit=50,
            multivector_config=pb.StrictModeMultivectorConfig(
                multivector_config={"a": pb.StrictModeMultivector(max_vectors=3)}
            ),
        ),
    )
    got = collections.collection_config_in(request)
    a, b = got.params.vectors["a"], got.params.vectors["b"]
    assert (a.size, a.distance, a.hnsw_config, a.on_disk, a.datatype) == (
        3,
        Distance.EUCLID,
        HnswConfigDiff(m=8),
        True,
        Datatype.FLOAT16,
    )
    assert b.quantization_config == QuantizationConfig(
        product=ProductQuantization(CompressionRatio.X16)
    )
    assert (got.hnsw_config.ef_construct, got.hnsw_config.payload_m) == (64, 4)
    assert got.optimizer_config.indexing_threshold == 0
    assert got.optimizer_config.max_optimization_threads == 2
    assert got.wal_config.wal_capacity_mb == 16
    assert (got.params.shard_number, got.params.on_disk_payload) == (2, False)
    assert got.quantization_config == QuantizationConfig(
        scalar=ScalarQuantization(ScalarType.INT8, quantile=0.5, always_ram=True)
    )
    assert got.strict_mode_config == StrictModeConfig(
        enabled=True, max_query_limit=50, multivector_config={"a": StrictModeMultivector(3)}
    )
    out = collections.collection_config_out(got)
    assert out.params.vectors_config == request.vectors_config
    assert out.quantization_config == quantization
    assert out.strict_mode_config == request.strict_mode_config
    assert out.hnsw_config.ef_construct == 64
    assert out.optimizer_config.max_optimization_threads.value == 2
    assert out.params.shard_number == 2 and not out.params.on_disk_payload


def test_binary_quantization_both_ways() -> None:
    message = pb.QuantizationConfig(
        binary=pb.BinaryQuantization(
            always_ram=True,
            encoding=pb.BinaryQuantizationEncoding.TwoBits,
            query_encoding=pb.BinaryQuantizationQueryEncoding(
                setting=pb.BinaryQuantizationQueryEncoding.Setting.Scalar8Bits
            ),
        )
    )
    got = config_parts.quantization_in(message, "q")
    assert got == QuantizationConfig(
        binary=BinaryQuantization(
            always_ram=True,
            encoding=BinaryEncoding.TWO_BITS,
            query_encoding=BinaryQueryEncoding.SCALAR8BITS,
        )
    )
    assert isinstance(got, QuantizationConfig)
    assert config_parts.quantization_out(got) == message
    assert quantization_to_builtins(got) == {  # as REST reports it
        "binary": {"always_ram": True, "encoding": "two_bits", "query_encoding": "scalar8bits"}
    }


def test_default_optimizer_threads_are_auto() -> None:
    out = collections.collection_config_out(CollectionConfig())
    threads = out.optimizer_config.max_optimization_threads
    assert threads.WhichOneof("variant") == "setting"
    assert threads.setting == pb.MaxOptimizationThreads.Setting.Auto
    assert not out.optimizer_config.HasField("max_segment_size")
    assert out.optimizer_config.indexing_threshold == 20000


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            pb.CreateCollection(vectors_config=pb.VectorsConfig(params=pb.VectorParams(size=4))),
            r"^vectors_config\.params\.distance: unknown distance",
        ),
        (
            pb.CreateCollection(hnsw_config=pb.HnswConfigDiff(ef_construct=2)),
            r"^hnsw_config\.ef_construct: value 2 invalid, must be 4 or larger$",
        ),
        (
            pb.CreateCollection(optimizers_config=pb.OptimizersConfigDiff(deleted_threshold=2)),
            r"^optimizers_config\.deleted_threshold: value 2\.0 invalid, must be 1 or smaller$",
        ),
        (pb.CreateCollection(shard_number=0), r"^shard_number: value 0 invalid"),
    ],
)
def test_bad_configs_name_the_field(request_: pb.CreateCollection, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        collections.collection_config_in(request_)


def test_sparse_vectors_config_round_trip() -> None:
    index = pb.SparseIndexConfig(full_scan_threshold=50, on_disk=True, datatype=pb.Datatype.Float16)
    request = pb.CreateCollection(
        sparse_vectors_config=pb.SparseVectorConfig(
            map={
                "s": pb.SparseVectorParams(index=index, modifier=pb.Modifier.Idf),
                "t": pb.SparseVectorParams(),
            }
        )
    )
    got = collections.collection_config_in(request)
    assert got.sparse_vectors == {
        "s": SparseVectorParams(
            SparseIndexParams(full_scan_threshold=50, on_disk=True, datatype=Datatype.FLOAT16),
            Modifier.IDF,
        ),
        "t": SparseVectorParams(),
    }
    out = collections.collection_config_out(got).params.sparse_vectors_config
    assert out.map["s"] == pb.SparseVectorParams(index=index, modifier=pb.Modifier.Idf)
    assert out.map["t"] == pb.SparseVectorParams()
    update = collections.collection_update_in(
        pb.UpdateCollection(
            sparse_vectors_config=pb.SparseVectorConfig(
                map={"s": pb.SparseVectorParams(modifier=pb.Modifier.Value("None"))}
            )
        )
    )
    assert update.sparse_vectors == {"s": SparseVectorParams(modifier=Modifier.NONE)}


def test_update_collection() -> None:
    request = pb.UpdateCollection(
        collection_name="c",
        optimizers_config=pb.OptimizersConfigDiff(indexing_threshold=1234),
        params=pb.CollectionParamsDiff(replication_factor=2),
        hnsw_config=pb.HnswConfigDiff(ef_construct=64),
        vectors_config=pb.VectorsConfigDiff(
            params=pb.VectorParamsDiff(hnsw_config=pb.HnswConfigDiff(m=4), on_disk=True)
        ),
        quantization_config=pb.QuantizationConfigDiff(disabled=pb.Disabled()),
    )
    got = collections.collection_update_in(request)
    assert got.optimizers_config == {"indexing_threshold": 1234}
    assert got.params == {"replication_factor": 2}
    assert got.hnsw_config == HnswConfigDiff(ef_construct=64)
    assert got.vectors == {DEFAULT_VECTOR: VectorParamsDiff(HnswConfigDiff(m=4), on_disk=True)}
    assert got.disable_quantization and got.quantization_config is None
    empty = collections.collection_update_in(pb.UpdateCollection(collection_name="c"))
    assert (empty.params, empty.hnsw_config, empty.optimizers_config, empty.vectors) == (
        None,
        None,
        None,
        None,
    )
    per_vector = pb.UpdateCollection(
        vectors_config=pb.VectorsConfigDiff(
            params_map=pb.VectorParamsDiffMap(
                map={
                    "a": pb.VectorParamsDiff(
                        quantization_config=pb.QuantizationConfigDiff(disabled=pb.Disabled())
                    )
                }
            )
        )
    )
    assert collections.collection_update_in(per_vector).vectors == {
        "a": VectorParamsDiff(disable_quantization=True)
    }


def test_alias_actions() -> None:
    request = pb.ChangeAliases(
        actions=[
            pb.AliasOperations(create_alias=pb.CreateAlias(collection_name="c", alias_name="a")),
            pb.AliasOperations(rename_alias=pb.RenameAlias(old_alias_name="a", new_alias_name="b")),
            pb.AliasOperations(delete_alias=pb.DeleteAlias(alias_name="b")),
        ]
    )
    got = collections.alias_actions_in(request)
    assert [type(a).__name__ for a in got] == ["CreateAlias", "RenameAlias", "DeleteAlias"]
    with pytest.raises(BadRequest, match=r"^actions\[0\]: expected exactly one"):
        collections.alias_actions_in(pb.ChangeAliases(actions=[pb.AliasOperations()]))


def test_collection_info_out() -> None:
    info = CollectionInfo(
        status=CollectionStatus.YELLOW,
        optimizer_status="ok",
        points_count=3,
        vectors_count=3,
        indexed_vectors_count=1,
        segments_count=1,
        config=CollectionConfig(
            params=CollectionParams(vectors={"": VectorParams(size=2, distance=Distance.COSINE)})
        ),
        payload_schema={"tag": {"data_type": "keyword", "params": None, "points": 3}},
        warnings=["something"],
    )
    out = collections.collection_info_out(info)
    assert out.status == pb.CollectionStatus.Yellow
    assert out.optimizer_status.ok
    assert (out.points_count, out.indexed_vectors_count) == (3, 1)
    if "vectors_count" in pb.CollectionInfo.DESCRIPTOR.fields_by_name:  # protos up to 1.15
        assert out.vectors_count == 3
    assert out.config.params.vectors_config.params.size == 2
    assert out.payload_schema["tag"].data_type == pb.PayloadSchemaType.Keyword
    assert not out.payload_schema["tag"].HasField("params")
    assert out.payload_schema["tag"].points == 3


# ----------------------------------------------------------------------------- payload indexes


def _index(**kwargs: object) -> pb.CreateFieldIndexCollection:
    return pb.CreateFieldIndexCollection(collection_name="c", field_name="f", **kwargs)


def test_field_schema() -> None:
    assert collections.field_schema_in(_index()) is None
    assert (
        collections.field_schema_in(_index(field_type=pb.FieldType.FieldTypeKeyword)) == "keyword"
    )
    assert collections.field_schema_in(_index(field_type=pb.FieldType.FieldTypeUuid)) == "uuid"
    text = _index(
        field_type=pb.FieldType.FieldTypeText,
        field_index_params=pb.PayloadIndexParams(
            text_index_params=pb.TextIndexParams(
                tokenizer=pb.TokenizerType.Prefix, lowercase=False, min_token_len=2
            )
        ),
    )
    assert collections.field_schema_in(text) == {
        "type": "text",
        "tokenizer": "prefix",
        "lowercase": False,
        "min_token_len": 2,
    }
    integer = _index(
        field_type=pb.FieldType.FieldTypeInteger,
        field_index_params=pb.PayloadIndexParams(
            integer_index_params=pb.IntegerIndexParams(lookup=False)
        ),
    )
    assert collections.field_schema_in(integer) == {"type": "integer", "lookup": False}


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            _index(
                field_index_params=pb.PayloadIndexParams(bool_index_params=pb.BoolIndexParams())
            ),
            "field type is missing",
        ),
        (
            _index(
                field_type=pb.FieldType.FieldTypeKeyword,
                field_index_params=pb.PayloadIndexParams(bool_index_params=pb.BoolIndexParams()),
            ),
            r"field_type \(keyword\) and field_index_params do not match",
        ),
        (
            _index(
                field_type=pb.FieldType.FieldTypeText,
                field_index_params=pb.PayloadIndexParams(text_index_params=pb.TextIndexParams()),
            ),
            "unknown tokenizer type",
        ),
    ],
)
def test_bad_field_schemas(request_: pb.CreateFieldIndexCollection, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        collections.field_schema_in(request_)


def test_payload_schema_out_with_params() -> None:
    text = {
        "data_type": "text",
        "params": {"type": "text", "tokenizer": "word", "lowercase": True, "min_token_len": None},
        "points": 2,
    }
    out = collections.payload_schema_out(text)
    assert out.data_type == pb.PayloadSchemaType.Text
    params = out.params.text_index_params
    assert (params.tokenizer, params.lowercase) == (pb.TokenizerType.Word, True)
    assert not params.HasField("min_token_len")
    tenant = {"data_type": "keyword", "params": {"type": "keyword", "is_tenant": True}, "points": 0}
    assert collections.payload_schema_out(tenant).params.keyword_index_params.is_tenant
