"""Sparse vectors and multivectors through qdrant-client over gRPC (`prefer_grpc=True`),
against local mode: the tests of `test_vector_kinds_client.py` (collection configs,
upsert and read back, update and delete vectors, queries on each kind, legacy search by
a named sparse vector), run with `remote` the official client preferring gRPC against a
`vectorizer serve` process (`grpc_fixtures.py`).

The client's gRPC conversion reads every `SparseVectorParams` as having an `index` (its
`HasField("index") is not None` is always true), so an index of no fields given reads
back as `SparseIndexParams()` where local mode has None: the config checks here compare
the sparse params with that told apart from nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from grpc_fixtures import grpc_servers, remote_grpc
from qdrant_client import QdrantClient, models
from test_vector_kinds_client import (
    SPARSE,
    assert_same_hits,
    assert_same_records,
    queries,
    setup,
    sparse,
    test_legacy_search_with_a_named_sparse_vector,
    test_points_read_back_with_every_kind,
    test_query_points_on_each_kind,
    test_update_and_delete_vectors,
)

__all__ = [  # fixtures and the tests reused from the REST suite, run here over gRPC
    "grpc_servers",
    "remote_grpc",
    "test_legacy_search_with_a_named_sparse_vector",
    "test_points_read_back_with_every_kind",
    "test_query_points_on_each_kind",
    "test_update_and_delete_vectors",
]

pytestmark = pytest.mark.grpc_server


@pytest.fixture
def remote(remote_grpc: QdrantClient) -> QdrantClient:
    """The reused tests' `remote`: the official client over gRPC."""
    return remote_grpc


def sparse_config(client: QdrantClient, name: str) -> dict[str, Any]:
    """A collection's sparse vector params, an index of no fields given read as None."""
    params = client.get_collection(name).config.params.sparse_vectors or {}
    empty = models.SparseIndexParams()
    return {
        key: value.model_copy(update={"index": None}) if value.index == empty else value
        for key, value in params.items()
    }


def test_collection_config_round_trip(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    ours = remote.get_collection("kinds")
    theirs = local.get_collection("kinds")
    assert ours.points_count == theirs.points_count == 38
    assert ours.config.params.vectors == theirs.config.params.vectors
    assert sparse_config(remote, "kinds") == sparse_config(local, "kinds")
    multi = ours.config.params.vectors["multi"]
    assert multi.multivector_config.comparator == models.MultiVectorComparator.MAX_SIM
    assert sparse_config(remote, "kinds")["idf"].modifier == models.Modifier.IDF


def test_sparse_index_params_round_trip(remote: QdrantClient) -> None:
    index = models.SparseIndexParams(full_scan_threshold=100, on_disk=False)
    remote.create_collection(
        "indexed",
        vectors_config={},
        sparse_vectors_config={"s": models.SparseVectorParams(index=index)},
    )
    got = remote.get_collection("indexed").config.params.sparse_vectors["s"]
    assert (got.index.full_scan_threshold, got.index.on_disk) == (100, False)
    assert got.modifier is None


def test_update_collection_sets_the_modifier(remote: QdrantClient, local: QdrantClient) -> None:
    setup(remote, local)
    changed = {"text": models.SparseVectorParams(modifier=models.Modifier.IDF)}
    for client in (remote, local):
        assert client.update_collection("kinds", sparse_vectors_config=changed)
    ours = sparse_config(remote, "kinds")
    assert ours == sparse_config(local, "kinds")
    assert ours["text"].modifier == models.Modifier.IDF


def test_collection_with_only_sparse_vectors(remote: QdrantClient, local: QdrantClient) -> None:
    rng = np.random.default_rng(2)
    # with payloads: over gRPC the client reads an empty payload as None (local mode: {})
    points = [
        models.PointStruct(id=i, vector={"idf": sparse(rng)}, payload={"i": i}) for i in range(20)
    ]
    for client in (remote, local):
        client.create_collection("sparse", vectors_config={}, sparse_vectors_config=SPARSE)
        client.upsert("sparse", points=points, wait=True)
    info = remote.get_collection("sparse")
    assert info.points_count == 20
    assert info.config.params.vectors == {}
    assert sparse_config(remote, "sparse") == sparse_config(local, "sparse")
    for query in queries("idf", rng):
        ours = remote.query_points("sparse", query=query, using="idf", with_vectors=True)
        theirs = local.query_points("sparse", query=query, using="idf", with_vectors=True)
        assert_same_hits(ours.points, theirs.points)
        assert_same_records(ours.points, theirs.points)
    assert_same_records(
        remote.scroll("sparse", limit=50, with_vectors=True)[0],
        local.scroll("sparse", limit=50, with_vectors=True)[0],
    )
