"""The `prepare_query` hook over gRPC: it runs once for every request of every read by
vector (the Query API, the legacy search, recommend, discover, their batches and
groups), and what it changes is what runs. The RPC bodies are called as the servicer
calls them, on an engine whose plugin manager has the hook."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from qdrant_client import grpc as pb

from vectorizer import Engine, hookimpl
from vectorizer.host.plugins import make_plugin_manager
from vectorizer.models import (
    CollectionConfig,
    CollectionParams,
    Distance,
    PointStruct,
    VectorParams,
)
from vectorizer_qdrant_grpc.endpoints import search

PLUGIN = "query_recorder"


class Recorder:
    """Records each query request it is shown, and caps every page at 2 points."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    @hookimpl
    def prepare_query(self, collection: Any, request: Any) -> None:
        self.seen.append((collection.name, type(request.query).__name__))
        request.limit = min(request.limit, 2)


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[tuple[Engine, Recorder]]:
    """An engine whose plugin manager has a Recorder (unregistered after), with points."""
    pm = make_plugin_manager(load_entry_points=False)
    recorder = Recorder()
    pm.register(recorder, name=PLUGIN)
    try:
        with Engine.open(tmp_path / "data", pm=pm) as engine:
            vectors = {"": VectorParams(size=4, distance=Distance.DOT)}
            engine.create_collection("c", CollectionConfig(params=CollectionParams(vectors)))
            engine.get_collection("c").upsert(
                [PointStruct(i, {"": [1.0, i, 0.0, 1.0]}, {"g": i % 3}) for i in range(9)]
            )
            yield engine, recorder
    finally:
        pm.unregister(name=PLUGIN)


def _id(n: int) -> pb.PointId:
    return pb.PointId(num=n)


VECTOR = [1.0, 0.5, 0.0, 1.0]
SEARCH = pb.SearchPoints(collection_name="c", vector=VECTOR, limit=5)
RECOMMEND = pb.RecommendPoints(collection_name="c", positive=[_id(1)], limit=5)
DISCOVER = pb.DiscoverPoints(
    collection_name="c",
    target=pb.TargetVector(single=pb.VectorExample(id=_id(1))),
    context=[
        pb.ContextExamplePair(
            positive=pb.VectorExample(id=_id(2)), negative=pb.VectorExample(id=_id(3))
        )
    ],
    limit=5,
)
QUERY = pb.QueryPoints(
    collection_name="c",
    query=pb.Query(nearest=pb.VectorInput(dense=pb.DenseVector(data=VECTOR))),
    limit=5,
)
GROUPS: dict[str, Any] = {"group_by": "g", "group_size": 1, "limit": 2}

RPCS: list[tuple[Callable[..., Any], Any, list[str]]] = [
    (search.search, SEARCH, ["Nearest"]),
    (search.search_batch, pb.SearchBatchPoints(collection_name="c", search_points=[SEARCH] * 2),
     ["Nearest"] * 2),
    (search.search_groups, pb.SearchPointGroups(collection_name="c", vector=VECTOR, **GROUPS),
     ["Nearest"]),
    (search.query_points, QUERY, ["Nearest"]),
    (search.query_batch, pb.QueryBatchPoints(collection_name="c", query_points=[QUERY] * 3),
     ["Nearest"] * 3),
    (search.query_groups, pb.QueryPointGroups(collection_name="c", query=QUERY.query, **GROUPS),
     ["Nearest"]),
    (search.recommend, RECOMMEND, ["Recommend"]),
    (search.recommend_batch,
     pb.RecommendBatchPoints(collection_name="c", recommend_points=[RECOMMEND] * 2),
     ["Recommend"] * 2),
    (search.recommend_groups,
     pb.RecommendPointGroups(collection_name="c", positive=[_id(1)], **GROUPS), ["Recommend"]),
    (search.discover, DISCOVER, ["Discover"]),
    (search.discover_batch,
     pb.DiscoverBatchPoints(collection_name="c", discover_points=[DISCOVER] * 2),
     ["Discover"] * 2),
]  # fmt: skip


@pytest.mark.parametrize(("rpc", "request_", "kinds"), RPCS, ids=[r[0].__name__ for r in RPCS])
def test_the_hook_runs_once_per_request(
    recorded: tuple[Engine, Recorder], rpc: Callable[..., Any], request_: Any, kinds: list[str]
) -> None:
    engine, recorder = recorded
    response = rpc(engine, request_)
    assert recorder.seen == [("c", kind) for kind in kinds]
    if "groups" in rpc.__name__:
        return
    results = response.result
    pages = [r.result for r in results] if rpc.__name__.endswith("batch") else [results]
    assert [len(page) for page in pages] == [2] * len(kinds)  # the hook's limit is what ran
