"""Sparse vectors and multivectors through qdrant-client over REST, against local mode.

One collection holds every kind: a named dense vector, two sparse vectors (plain and with
the IDF modifier), and two multivectors; points hold only some of them. Two limits of
local mode shape the data: every point holds a non-empty IDF vector, so that IDF
statistics agree (local mode counts every point of the collection as a document, the
server the points with the vector), and every point holds its multivectors (local mode
fails to score a multivector space where a point has none; tests/core covers those).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from qdrant_client import QdrantClient, models

DIM, MDIM, VOCAB = 8, 4, 40
SPARSE = {"text": models.SparseVectorParams(), "idf": models.SparseVectorParams(modifier="idf")}


def dense_params() -> dict[str, models.VectorParams]:
    return {
        "dense": models.VectorParams(size=DIM, distance=models.Distance.COSINE),
        "multi": models.VectorParams(
            size=MDIM,
            distance=models.Distance.DOT,
            multivector_config=models.MultiVectorConfig(
                comparator=models.MultiVectorComparator.MAX_SIM
            ),
        ),
        "multi_l2": models.VectorParams(
            size=MDIM,
            distance=models.Distance.EUCLID,
            multivector_config=models.MultiVectorConfig(
                comparator=models.MultiVectorComparator.MAX_SIM
            ),
        ),
    }


def sparse(rng: np.random.Generator, low: int = 1) -> models.SparseVector:
    """Unsorted unique indices from a small vocabulary, so that points share some."""
    k = int(rng.integers(low, 8))
    indices = rng.choice(VOCAB, size=k, replace=False)
    return models.SparseVector(
        indices=indices.tolist(), values=rng.uniform(0.1, 2.0, size=k).round(4).tolist()
    )


def matrix(rng: np.random.Generator) -> list[list[float]]:
    return rng.normal(size=(int(rng.integers(1, 4)), MDIM)).round(4).tolist()


def vectors(rng: np.random.Generator, i: int, every: bool = False) -> dict[str, Any]:
    """Point `i`'s vectors: the IDF one and the multivectors always, the others for some
    points only."""
    out: dict[str, Any] = {"idf": sparse(rng), "multi": matrix(rng), "multi_l2": matrix(rng)}
    if every or i % 4 != 1:
        out["dense"] = rng.normal(size=DIM).round(4).tolist()
    if every or i % 3 != 2:
        out["text"] = sparse(rng)
    return out


def setup(remote: QdrantClient, local: QdrantClient, name: str = "kinds") -> None:
    """The collection on both sides: 24 points as a list, 8 through `upload_points`, and
    6 as a batch (a batch names every vector for every point)."""
    rng = np.random.default_rng(5)
    listed = [models.PointStruct(id=i, vector=vectors(rng, i), payload={"i": i}) for i in range(24)]
    uploaded = [
        models.PointStruct(id=i, vector=vectors(rng, i), payload={"i": i}) for i in range(24, 32)
    ]
    ids = list(range(32, 38))
    rows = [vectors(rng, i, every=True) for i in ids]
    batch = models.Batch(
        ids=ids,
        vectors={key: [row[key] for row in rows] for key in rows[0]},
        payloads=[{"i": i} for i in ids],
    )
    for client in (remote, local):
        client.create_collection(name, vectors_config=dense_params(), sparse_vectors_config=SPARSE)
        client.upsert(name, points=listed, wait=True)
        client.upload_points(name, points=uploaded, wait=True)
        client.upsert(name, points=batch, wait=True)


def assert_close(ours: Any, theirs: Any) -> None:
    """Vectors of any kind (or maps of them) equal within float32 rounding."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict)
        assert sorted(ours) == sorted(theirs)
        for key, value in theirs.items():
            assert_close(ours[key], value)
    elif isinstance(theirs, models.SparseVector):
        assert isinstance(ours, models.SparseVector)
        assert ours.indices == theirs.indices
        assert np.allclose(ours.values, theirs.values, atol=1e-5)
    else:
        assert np.shape(ours) == np.shape(theirs)
        assert np.allclose(ours, theirs, atol=1e-5)


def assert_same_records(ours: list[Any], theirs: list[Any]) -> None:
    assert [r.id for r in ours] == [r.id for r in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a.payload == b.payload
        assert_close(a.vector, b.vector)


def assert_same_hits(ours: list[Any], theirs: list[Any]) -> None:
    assert [p.id for p in ours] == [p.id for p in theirs]
    assert [p.score for p in ours] == pytest.approx([p.score for p in theirs], rel=1e-4, abs=1e-4)


# ----------------------------------------------------------------------------- config


def test_collection_config_round_trip(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    ours = remote.get_collection("kinds")
    theirs = local.get_collection("kinds")
    assert ours.points_count == theirs.points_count == 38
    assert ours.config.params.vectors == theirs.config.params.vectors
    assert ours.config.params.sparse_vectors == theirs.config.params.sparse_vectors
    multi = ours.config.params.vectors["multi"]
    assert multi.multivector_config.comparator == models.MultiVectorComparator.MAX_SIM
    assert ours.config.params.sparse_vectors["idf"].modifier == models.Modifier.IDF


def test_update_collection_sets_the_modifier(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    changed = {"text": models.SparseVectorParams(modifier=models.Modifier.IDF)}
    for client in (remote, local):
        assert client.update_collection("kinds", sparse_vectors_config=changed)
    ours = remote.get_collection("kinds").config.params.sparse_vectors
    assert ours == local.get_collection("kinds").config.params.sparse_vectors
    assert ours["text"].modifier == models.Modifier.IDF


# ----------------------------------------------------------------------------- reading back


def test_points_read_back_with_every_kind(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    ids = [0, 1, 2, 3, 7, 25, 33]
    assert_same_records(
        remote.retrieve("kinds", ids, with_vectors=True),
        local.retrieve("kinds", ids, with_vectors=True),
    )
    selected = ["text", "multi"]
    assert_same_records(
        remote.retrieve("kinds", ids, with_vectors=selected),
        local.retrieve("kinds", ids, with_vectors=selected),
    )
    ours, _ = remote.scroll("kinds", limit=100, with_vectors=True)
    theirs, _ = local.scroll("kinds", limit=100, with_vectors=True)
    assert_same_records(ours, theirs)
    # Qdrant keeps a sparse vector sorted by index
    indices = ours[0].vector["idf"].indices
    assert indices == sorted(indices)


# ----------------------------------------------------------------------------- queries


def queries(using: str, rng: np.random.Generator) -> list[Any]:
    if using == "dense":
        return [rng.normal(size=DIM).tolist() for _ in range(4)]
    if using.startswith("multi"):
        return [matrix(rng) for _ in range(4)]
    return [sparse(rng, low=2) for _ in range(4)]


EUCLID_MAXSIM = (
    "it scored a Euclid multivector by the sum of the smallest distances; the server (and "
    "local mode from 1.14) by the sum of the best negative squared ones, then the root"
)


@pytest.mark.parametrize(
    "using",
    [
        "dense",
        "text",
        "idf",
        "multi",
        pytest.param("multi_l2", marks=pytest.mark.local_mode_fixed_in("1.14", EUCLID_MAXSIM)),
    ],
)
def test_query_points_on_each_kind(remote: QdrantClient, local: QdrantClient, using: str) -> None:
    setup(remote, local)
    rng = np.random.default_rng(11)
    for query in queries(using, rng):
        ours = remote.query_points("kinds", query=query, using=using, limit=10, with_vectors=True)
        theirs = local.query_points("kinds", query=query, using=using, limit=10, with_vectors=True)
        assert_same_hits(ours.points, theirs.points)
        assert_same_records(ours.points, theirs.points)
        wanted = models.Filter(must=[models.FieldCondition(key="i", range=models.Range(gte=10))])
        ours = remote.query_points("kinds", query=query, using=using, query_filter=wanted)
        theirs = local.query_points("kinds", query=query, using=using, query_filter=wanted)
        assert_same_hits(ours.points, theirs.points)


@pytest.mark.client_method("search")  # removed in qdrant-client 1.16
def test_legacy_search_with_a_named_sparse_vector(
    remote: QdrantClient, local: QdrantClient
) -> None:
    setup(remote, local)
    for query in queries("idf", np.random.default_rng(3)):
        named = models.NamedSparseVector(name="idf", vector=query)
        with warnings.catch_warnings():  # deprecated from qdrant-client 1.13
            warnings.simplefilter("ignore", DeprecationWarning)
            ours = remote.search("kinds", query_vector=named, limit=5)
            theirs = local.search("kinds", query_vector=named, limit=5)
        assert_same_hits(ours, theirs)


# ----------------------------------------------------------------------------- writes


@pytest.mark.local_mode_fixed_in(
    "1.15", "update_vectors left a point's multivectors as they were (and see EUCLID_MAXSIM)"
)
def test_update_and_delete_vectors(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    rng = np.random.default_rng(8)
    updates = [
        models.PointVectors(id=1, vector={"text": sparse(rng), "multi": matrix(rng)}),
        models.PointVectors(id=2, vector={"dense": rng.normal(size=DIM).tolist()}),
        models.PointVectors(id=30, vector={"multi_l2": matrix(rng)}),
    ]
    for client in (remote, local):
        client.update_vectors("kinds", points=updates, wait=True)
        client.delete_vectors("kinds", vectors=["text", "dense"], points=[0, 4, 33], wait=True)
    ids = [0, 1, 2, 4, 30, 33]
    assert_same_records(
        remote.retrieve("kinds", ids, with_vectors=True),
        local.retrieve("kinds", ids, with_vectors=True),
    )
    for using in ("dense", "text", "multi", "multi_l2"):
        for query in queries(using, rng):
            ours = remote.query_points("kinds", query=query, using=using, limit=40)
            theirs = local.query_points("kinds", query=query, using=using, limit=40)
            assert_same_hits(ours.points, theirs.points)
    for name in ("text", "dense"):
        has = models.Filter(must=[models.HasVectorCondition(has_vector=name)])
        assert remote.count("kinds", count_filter=has) == local.count("kinds", count_filter=has)


def test_collection_with_only_sparse_vectors(remote: QdrantClient, local: QdrantClient) -> None:
    rng = np.random.default_rng(2)
    points = [models.PointStruct(id=i, vector={"idf": sparse(rng)}) for i in range(20)]
    for client in (remote, local):
        client.create_collection("sparse", vectors_config={}, sparse_vectors_config=SPARSE)
        client.upsert("sparse", points=points, wait=True)
    info = remote.get_collection("sparse")
    assert info.points_count == 20
    assert info.config.params.vectors == {}
    assert (
        info.config.params.sparse_vectors
        == local.get_collection("sparse").config.params.sparse_vectors
    )
    for query in queries("idf", rng):
        ours = remote.query_points("sparse", query=query, using="idf", with_vectors=True)
        theirs = local.query_points("sparse", query=query, using="idf", with_vectors=True)
        assert_same_hits(ours.points, theirs.points)
        assert_same_records(ours.points, theirs.points)
    assert_same_records(
        remote.scroll("sparse", limit=50, with_vectors=True)[0],
        local.scroll("sparse", limit=50, with_vectors=True)[0],
    )
