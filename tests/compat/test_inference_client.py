"""Server-side inference: qdrant-client with `cloud_inference=True` sends `Document`
inputs, and the server embeds them with its own embedders (issue 7), over REST and gRPC.

The vectors stored are checked against the same embedder run in this process, and a
query by text finds the point written with that text first.
"""

from __future__ import annotations

import numpy as np
import pytest
from grpc_fixtures import Servers, grpc_servers, start_server  # noqa: F401
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

from vectorizer.embedders import load_embedders
from vectorizer.host.plugins import make_plugin_manager

WORDS = ["berlin at night", "a quiet river", "mountain snow", "city lights", "night train"]
HASHING = {"output": "dense", "dimension": 64}

pytestmark = [
    pytest.mark.client_model("Document"),
    pytest.mark.client_method("init.cloud_inference"),
    pytest.mark.grpc_server,
]


def client(servers: Servers, transport: str) -> QdrantClient:
    kwargs = {"prefer_grpc": True, "grpc_port": servers.grpc_port} if transport == "grpc" else {}
    return QdrantClient(url=servers.url, cloud_inference=True, timeout=60, **kwargs)


def document(text: str) -> models.Document:
    return models.Document(text=text, model="hashing", options=HASHING)


@pytest.mark.parametrize("transport", ["rest", "grpc"])
def test_documents_are_embedded_on_the_server(
    grpc_servers: Servers,  # noqa: F811
    transport: str,
) -> None:
    qdrant = client(grpc_servers, transport)
    name = f"inference_{transport}"
    qdrant.create_collection(
        name, vectors_config=models.VectorParams(size=64, distance=models.Distance.COSINE)
    )
    try:
        qdrant.upsert(
            name,
            [
                models.PointStruct(id=i, vector=document(w), payload={"w": w})
                for i, w in enumerate(WORDS)
            ],
            wait=True,
        )
        embedder = load_embedders(make_plugin_manager()).build("hashing", HASHING)
        expected = np.asarray(embedder.embed_documents(WORDS), dtype=np.float32)
        expected /= np.linalg.norm(expected, axis=1, keepdims=True)
        stored = qdrant.retrieve(name, list(range(len(WORDS))), with_vectors=True)
        got = np.asarray([p.vector for p in sorted(stored, key=lambda p: p.id)])
        assert np.allclose(got, expected, atol=1e-6)
        hits = qdrant.query_points(name, query=document("mountain snow"), limit=3).points
        assert hits[0].id == WORDS.index("mountain snow")
        assert hits[0].score == pytest.approx(1.0, abs=1e-5)
        # an embedder the server does not have is a clear error, and writes nothing
        # (`options` given: qdrant-client 1.13's gRPC conversion fails on None options)
        unknown = models.Document(text="x", model="no-such", options={})
        with pytest.raises((UnexpectedResponse, Exception)) as caught:
            qdrant.upsert(
                name,
                [models.PointStruct(id=99, vector=unknown)],
                wait=True,
            )
        assert "no-such" in str(caught.value)
        assert qdrant.count(name).count == len(WORDS)
    finally:
        qdrant.delete_collection(name)
        qdrant.close()
