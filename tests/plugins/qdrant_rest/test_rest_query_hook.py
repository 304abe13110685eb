"""The `prepare_query` hook over REST: it runs once for every request of every read by
vector (the Query API, the legacy search, recommend, discover, their batches and
groups), and what it changes is what runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from rest_helpers import build_app, create, ok, upsert

from vectorizer import Engine, hookimpl
from vectorizer.host.plugins import make_plugin_manager

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
def recorded(tmp_path: Path) -> Iterator[tuple[TestClient, Recorder]]:
    """A client over an engine whose plugin manager has a Recorder, unregistered after."""
    pm = make_plugin_manager(load_entry_points=False)
    recorder = Recorder()
    pm.register(recorder, name=PLUGIN)
    try:
        with (
            Engine.open(tmp_path / "data", pm=pm) as engine,
            TestClient(build_app(engine)) as client,
        ):
            create(client)
            upsert(
                client,
                [{"id": i, "vector": [1, i, 0, 1], "payload": {"g": i % 3}} for i in range(9)],
            )
            yield client, recorder
    finally:
        pm.unregister(name=PLUGIN)


VECTOR = [1.0, 0.5, 0.0, 1.0]
GROUPS = {"group_by": "g", "group_size": 1, "limit": 2}
PAIR = {"positive": 2, "negative": 3}
ENDPOINTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("search", {"vector": VECTOR, "limit": 5}, ["Nearest"]),
    ("search/batch", {"searches": [{"vector": VECTOR, "limit": 5}] * 2}, ["Nearest"] * 2),
    ("search/groups", {"vector": VECTOR, **GROUPS}, ["Nearest"]),
    ("query", {"query": VECTOR, "limit": 5}, ["Nearest"]),
    ("query/batch", {"searches": [{"query": 1}, {"query": {"recommend": {"positive": [2]}}}]},
     ["Nearest", "Recommend"]),
    ("query/groups", {"query": VECTOR, **GROUPS}, ["Nearest"]),
    ("recommend", {"positive": [1], "limit": 5}, ["Recommend"]),
    ("recommend/batch", {"searches": [{"positive": [p], "limit": 5} for p in (1, 2)]},
     ["Recommend"] * 2),
    ("recommend/groups", {"positive": [1], **GROUPS}, ["Recommend"]),
    ("discover", {"target": 1, "context": [PAIR], "limit": 5}, ["Discover"]),
    ("discover/batch", {"searches": [{"context": [PAIR], "limit": 5}]}, ["Context"]),
]  # fmt: skip


@pytest.mark.parametrize(("endpoint", "body", "kinds"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_the_hook_runs_once_per_request(
    recorded: tuple[TestClient, Recorder], endpoint: str, body: dict[str, Any], kinds: list[str]
) -> None:
    client, recorder = recorded
    result = ok(client.post(f"/collections/c/points/{endpoint}", json=body))
    assert recorder.seen == [("c", kind) for kind in kinds]
    pages: list[Any] = result if endpoint.endswith("batch") else [result]
    if not endpoint.endswith("groups"):  # the hook's limit is what ran
        for page in pages:
            points = page["points"] if isinstance(page, dict) else page
            assert len(points) == 2


def test_a_read_that_fails_its_checks_still_ran_the_hook_once(
    recorded: tuple[TestClient, Recorder],
) -> None:
    client, recorder = recorded
    response = client.post("/collections/c/points/search", json={"vector": [1.0], "limit": 3})
    assert response.status_code == 400
    assert recorder.seen == [("c", "Nearest")]
