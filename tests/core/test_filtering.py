"""Filters in the collection: search, scroll, count, by-filter writes, payload indexes."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import make_config, search

from vectorizer import BadRequest, Engine
from vectorizer.collection.vectors.hnsw import HnswIndex
from vectorizer.filters.ast import (
    ConditionKind,
    Filter,
    HasId,
    HasVector,
    MatchAny,
    MatchText,
    MatchValue,
    Range,
)
from vectorizer.host.hookspecs import hookimpl
from vectorizer.host.plugins import make_plugin_manager
from vectorizer.models import (
    CollectionStatus,
    CollectionUpdate,
    HnswConfigDiff,
    PointStruct,
    SearchParams,
    WithPayload,
)

COLORS = ["red", "green", "blue", "black"]


def _fill(engine: Engine, n: int, dim: int = 16, seed: int = 0, **config) -> np.ndarray:
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((n, dim)).astype(np.float32)
    engine.create_collection("c", make_config(dim, **config))
    col = engine.get_collection("c")
    for lo in range(0, n, 1000):
        col.upsert(
            [
                PointStruct(
                    id=i,
                    vectors={"": data[i]},
                    payload={
                        "color": COLORS[i % 4],
                        "n": i,
                        "bucket": i % 100,
                        "title": f"item number {i} of the {COLORS[i % 4]} set",
                    },
                )
                for i in range(lo, min(n, lo + 1000))
            ]
        )
    return data


def _truth(data: np.ndarray, q: np.ndarray, allowed: np.ndarray, k: int = 10) -> set[int]:
    normed = data / np.linalg.norm(data, axis=1, keepdims=True)
    scores = normed[allowed] @ (q / np.linalg.norm(q))
    return set(allowed[np.argsort(-scores)[:k]].tolist())


def test_count_scroll_and_writes_by_filter(engine: Engine) -> None:
    _fill(engine, 200)
    col = engine.get_collection("c")
    red = Filter(must=(MatchValue("color", "red"),))
    assert col.count(red) == 50
    assert col.count(Filter(must_not=(MatchValue("color", "red"),))) == 150
    page = col.scroll(limit=7, filter=red)
    assert [r.id for r in page.points] == list(range(0, 28, 4))
    assert page.next_page_offset == 28
    rest = col.scroll(offset=28, limit=100, filter=red)
    assert [r.id for r in rest.points] == list(range(28, 200, 4))
    assert rest.next_page_offset is None
    col.set_payload({"flag": True}, filter=Filter(must=(Range("n", lt=10),)))
    assert col.count(Filter(must=(MatchValue("flag", True),))) == 10
    col.delete(filter=Filter(must=(MatchValue("color", "blue"),)))
    assert col.count() == 150
    assert col.count(Filter(must=(MatchValue("color", "blue"),))) == 0
    col.delete_vectors([""], filter=Filter(must=(HasId(frozenset({1, 3})),)))
    assert col.count(Filter(must_not=(HasVector(""),))) == 2
    with pytest.raises(BadRequest, match="Not existing vector name"):
        col.count(Filter(must=(HasVector("nope"),)))


def test_indexes_answer_like_scanning_and_survive_restart(tmp_path) -> None:
    filters = [
        Filter(must=(MatchValue("color", "green"), Range("bucket", gte=10, lt=30))),
        Filter(should=(MatchAny("color", ("red", "blue")), Range("n", gt=990))),
        Filter(must=(MatchText("title", "number 7"),)),
        Filter(must_not=(MatchValue("color", "black"),), must=(Range("n", lte=500),)),
    ]
    with Engine.open(tmp_path / "d") as engine:
        _fill(engine, 1000)
        col = engine.get_collection("c")
        scanned = [col.count(f) for f in filters]
        col.create_field_index("color", "keyword")
        col.create_field_index("bucket", {"type": "integer", "lookup": False, "range": True})
        col.create_field_index("n", "float")
        assert [col.count(f) for f in filters[:2] + filters[3:]] == scanned[:2] + scanned[3:]
        schema = col.info().payload_schema
        assert schema["color"]["data_type"] == "keyword" and schema["color"]["points"] == 1000
        assert schema["bucket"]["params"]["range"] is True
        # index kept up to date on writes
        col.upsert([PointStruct(id=5000, vectors={"": np.ones(16)}, payload={"color": "green"})])
        assert col.count(Filter(must=(MatchValue("color", "green"),))) == 251
        # a text index changes match.text from substring to token match
        assert col.count(Filter(must=(MatchText("title", "numb"),))) == 1000
        col.create_field_index("title", {"type": "text", "tokenizer": "word"})
        assert col.count(Filter(must=(MatchText("title", "numb"),))) == 0
        assert col.count(Filter(must=(MatchText("title", "NUMBER 7 green"),))) == 0
        assert col.count(Filter(must=(MatchText("title", "number 7 black"),))) == 1
    with Engine.open(tmp_path / "d") as engine:
        col = engine.get_collection("c")
        assert set(col.info().payload_schema) == {"color", "bucket", "n", "title"}
        assert col.count(Filter(must=(MatchValue("color", "green"),))) == 251
        col.delete_field_index("title")
        assert col.count(Filter(must=(MatchText("title", "numb"),))) == 1000
    with Engine.open(tmp_path / "d") as engine:
        assert "title" not in engine.get_collection("c").info().payload_schema


def test_bad_index_schema_is_refused(engine: Engine) -> None:
    _fill(engine, 10)
    col = engine.get_collection("c")
    with pytest.raises(BadRequest, match="tokenizer"):
        col.create_field_index("title", {"type": "text", "tokenizer": "nope"})
    assert col.info().payload_schema == {}


@pytest.mark.parametrize("indexed", [False, True])
def test_filtered_search_recall_at_every_selectivity(tmp_path, monkeypatch, indexed) -> None:
    with Engine.open(tmp_path / "d") as engine:
        data = _fill(engine, 5000, dim=32, indexing_threshold=1)
        # 100 KB of 32-d vectors = 800 points: fewer matches are scored exactly
        engine.update_collection(
            "c", CollectionUpdate(hnsw_config=HnswConfigDiff(full_scan_threshold=100))
        )
        col = engine.get_collection("c")
        if indexed:
            col.create_field_index("bucket", "integer")
        assert col.wait_indexed(timeout=120)
        assert col.info().status is CollectionStatus.GREEN
        queries = np.random.default_rng(1).standard_normal((30, 32)).astype(np.float32)
        buckets = np.arange(5000) % 100
        graph_searches: list[int] = []
        knn = HnswIndex.knn

        def spy(self, query, k, accept=None):
            graph_searches.append(0 if accept is None else int(accept.sum()))
            return knn(self, query, k, accept)

        monkeypatch.setattr(HnswIndex, "knn", spy)
        for below in (1, 5, 20, 50, 100):
            flt = Filter(must=(Range("bucket", lt=below),))
            allowed = np.flatnonzero(buckets < below)
            graph_searches.clear()
            hits = 0
            for q in queries:
                got = search(col, q, limit=10, filter=flt)
                assert all(p.id % 100 < below for p in got)
                hits += len(_truth(data, q, allowed) & {p.id for p in got})
            assert hits / (10 * len(queries)) >= 0.95, below
            # the planner: exact under the threshold, HNSW (oversampled, or with the
            # allow-mask checked during traversal) above it
            assert (graph_searches == []) == (len(allowed) <= 800)
        exact = search(
            col, queries[0], limit=5, filter=Filter(must=(Range("bucket", lt=50),)),
            params=SearchParams(exact=True), with_payload=WithPayload(True),
        )  # fmt: skip
        assert [p.id for p in exact] == sorted(
            _truth(data, queries[0], np.flatnonzero(buckets < 50), 5),
            key=lambda i: -float(data[i] @ queries[0] / np.linalg.norm(data[i])),
        )
        assert all(p.payload["bucket"] < 50 for p in exact)


class StartsWith:
    """A throwaway plugin adding a `starts_with` condition."""

    @hookimpl
    def register_filter_conditions(self, register):
        def parse(value, where):
            if not isinstance(value, str):
                raise BadRequest(f"Wrong input: {where}: expected a string")
            return value

        register(
            ConditionKind(
                "starts_with",
                parse,
                lambda prefix, values: any(
                    isinstance(v, str) and v.startswith(prefix) for v in values
                ),
            )
        )


def test_plugin_condition_kind(tmp_path) -> None:
    pm = make_plugin_manager(load_entry_points=False)
    plugin = StartsWith()
    pm.register(plugin)
    try:
        with Engine.open(tmp_path, pm=pm) as engine:
            kind = engine.condition_kinds["starts_with"]
            _fill(engine, 100)
            col = engine.get_collection("c")
            from vectorizer.filters.ast import Custom

            flt = Filter(must=(Custom("color", kind, kind.parse("bl", "filter.must[0]")),))
            assert col.count(flt) == 50  # blue and black
            assert col.count(Filter(must_not=flt.must)) == 50
    finally:
        pm.unregister(plugin)
