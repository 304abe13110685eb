"""The `prepare_query` hook over the native API: a text search is a query request in the
core, so the hook runs once for each search (each of a batch), and what it changes is
what runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from test_text_api import DOCS, app_for, create, ok, search

from vectorizer import Engine, hookimpl
from vectorizer.host.plugins import make_plugin_manager

PLUGIN = "query_recorder"


class Recorder:
    """Records each query request it is shown, and caps every page at 2 points."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    @hookimpl
    def prepare_query(self, collection: Any, request: Any) -> None:
        self.seen.append((collection.name, type(request.query).__name__, request.using))
        request.limit = min(request.limit, 2)


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[tuple[TestClient[Litestar], Recorder]]:
    """A client over an engine whose plugin manager has a Recorder (unregistered after),
    with a TF-IDF text collection of `DOCS`."""
    pm = make_plugin_manager(load_entry_points=False)
    recorder = Recorder()
    pm.register(recorder, name=PLUGIN)
    try:
        with (
            Engine.open(tmp_path / "data", pm=pm) as engine,
            TestClient(app_for(engine)) as client,
        ):
            create(client, "docs", "tfidf")
            ok(client.post("/collections/docs/documents", json={"documents": DOCS}))
            yield client, recorder
    finally:
        pm.unregister(name=PLUGIN)


def test_the_hook_runs_once_per_text_search(
    recorded: tuple[TestClient[Litestar], Recorder],
) -> None:
    client, recorder = recorded
    hits = search(client, "docs", text="the cat in the garden", limit=4)
    assert len(hits) == 2  # the hook's limit is what ran
    assert len(recorder.seen) == 1
    name, kind, _ = recorder.seen[0]
    assert (name, kind) == ("docs", "Nearest")


def test_the_hook_runs_once_per_search_of_a_batch(
    recorded: tuple[TestClient[Litestar], Recorder],
) -> None:
    client, recorder = recorded
    body = {"searches": [{"text": "cat", "limit": 4}, {"text": "garden", "limit": 3}]}
    results = ok(client.post("/collections/docs/search/batch", json=body))["results"]
    assert [len(hits) for hits in results] == [2, 2]
    assert [(name, kind) for name, kind, _ in recorder.seen] == [("docs", "Nearest")] * 2
