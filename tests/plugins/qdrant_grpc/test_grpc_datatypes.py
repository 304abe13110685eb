"""Vector datatypes over gRPC: what a point is given comes back as Qdrant stores it
(float32 on the wire: nothing to print), uint8 truncated and saturated, and the legacy
multivector forms (a plain vector for a multivector space, `data` + `vectors_count`)."""

from __future__ import annotations

import numpy as np
import pytest
from qdrant_client import grpc as pb
from test_grpc_services import Stubs, served, stubs

__all__ = ["served", "stubs"]  # fixtures, shared with test_grpc_services

VALUE = [256.19, 1.81, 0.1, 3.11]
ROW = [0.05, 0.61, 0.76, 0.74]
DATATYPES = {
    "float32": pb.Datatype.Float32,
    "float16": pb.Datatype.Float16,
    "uint8": pb.Datatype.Uint8,
}


def create(stubs: Stubs, datatype: str) -> None:
    dense = pb.VectorParams(size=4, distance=pb.Distance.Dot, datatype=DATATYPES[datatype])
    multi = pb.VectorParams(
        size=4,
        distance=pb.Distance.Dot,
        datatype=DATATYPES[datatype],
        multivector_config=pb.MultiVectorConfig(comparator=pb.MultiVectorComparator.MaxSim),
    )
    config = pb.VectorsConfig(params_map=pb.VectorParamsMap(map={"d": dense, "m": multi}))
    sparse = pb.SparseVectorConfig(map={"s": pb.SparseVectorParams()})
    reply = stubs.collections.Create(
        pb.CreateCollection(
            collection_name="c", vectors_config=config, sparse_vectors_config=sparse
        )
    )
    assert reply.result


def stored(values: list[float], datatype: str) -> list[float]:
    """Qdrant's stored numbers, as float32 (uint8: `as u8`)."""
    x = np.asarray(values, dtype=np.float32)
    if datatype == "uint8":
        x = np.clip(np.trunc(x), 0, 255)
    elif datatype == "float16":
        x = x.astype(np.float16)
    return x.astype(np.float32).tolist()


def got(stubs: Stubs, point_id: int) -> dict[str, pb.VectorOutput]:
    request = pb.GetPoints(
        collection_name="c",
        ids=[pb.PointId(num=point_id)],
        with_vectors=pb.WithVectorsSelector(enable=True),
    )
    (point,) = stubs.points.Get(request).result
    return dict(point.vectors.vectors.vectors)


def as_float32(values: object) -> list[float]:
    return np.asarray(values, dtype=np.float32).tolist()


@pytest.mark.parametrize("datatype", list(DATATYPES))
def test_values_come_back_as_stored(stubs: Stubs, datatype: str) -> None:
    create(stubs, datatype)
    vectors = {
        "d": pb.Vector(dense=pb.DenseVector(data=VALUE)),
        "m": pb.Vector(
            multi_dense=pb.MultiDenseVector(
                vectors=[pb.DenseVector(data=VALUE), pb.DenseVector(data=ROW)]
            )
        ),
        "s": pb.Vector(sparse=pb.SparseVector(indices=[5, 1], values=[0.1, 0.3])),
    }
    point = pb.PointStruct(
        id=pb.PointId(num=1), vectors=pb.Vectors(vectors=pb.NamedVectors(vectors=vectors))
    )
    stubs.points.Upsert(pb.UpsertPoints(collection_name="c", wait=True, points=[point]))
    out = got(stubs, 1)
    assert as_float32(out["d"].data) == stored(VALUE, datatype)
    assert out["m"].vectors_count == 2
    assert as_float32(out["m"].data) == stored(VALUE, datatype) + stored(ROW, datatype)
    assert list(out["s"].indices.data) == [1, 5]
    assert as_float32(out["s"].data) == as_float32([0.3, 0.1])
    if datatype == "uint8":
        assert list(out["d"].data) == [255, 1, 0, 3]


def test_legacy_multivector_forms(stubs: Stubs) -> None:
    """A plain vector for a multivector space is a matrix of one row; the deprecated
    `data` + `vectors_count` is a matrix of that many rows."""
    create(stubs, "float32")
    points = [
        pb.PointStruct(
            id=pb.PointId(num=1),
            vectors=pb.Vectors(
                vectors=pb.NamedVectors(vectors={"m": pb.Vector(dense=pb.DenseVector(data=ROW))})
            ),
        ),
        pb.PointStruct(
            id=pb.PointId(num=2),
            vectors=pb.Vectors(
                vectors=pb.NamedVectors(vectors={"m": pb.Vector(data=ROW + VALUE, vectors_count=2)})
            ),
        ),
    ]
    stubs.points.Upsert(pb.UpsertPoints(collection_name="c", wait=True, points=points))
    one, two = got(stubs, 1)["m"], got(stubs, 2)["m"]
    assert (one.vectors_count, as_float32(one.data)) == (1, as_float32(ROW))
    assert (two.vectors_count, as_float32(two.data)) == (2, as_float32(ROW + VALUE))
