"""The engine owns its services: built in its constructor, and no runtime import cycle."""

from __future__ import annotations

from pathlib import Path

import grimp

from vectorizer import Engine
from vectorizer.snapshots import Snapshots
from vectorizer.storage.memory import MemoryStore
from vectorizer.text import TextCollections

SERVICES = ("vectorizer.text", "vectorizer.snapshots")


def test_the_engine_builds_its_services(tmp_path: Path) -> None:
    with Engine(MemoryStore(), snapshots_dir=tmp_path / "s") as engine:
        assert isinstance(engine.texts, TextCollections) and engine.texts.engine is engine
        assert isinstance(engine.snapshots, Snapshots) and engine.snapshots.engine is engine
        assert engine.snapshots.root == tmp_path / "s"
    with Engine.open(tmp_path / "data") as engine:
        assert engine.snapshots.root == tmp_path / "data" / "snapshots"


def test_the_services_never_import_the_engine_at_runtime() -> None:
    """engine -> services -> collection, never back (type hints aside)."""
    graph = grimp.build_graph("vectorizer", exclude_type_checking_imports=True, cache_dir=None)
    for service in SERVICES:
        modules = {service} | graph.find_descendants(service)
        for module in sorted(modules):
            chain = graph.find_shortest_chain(importer=module, imported="vectorizer.engine")
            assert chain is None, " -> ".join(chain)
