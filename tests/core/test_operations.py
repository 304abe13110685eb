"""Writes as data: every operation is picklable, `Collection.apply` and `apply_batch` do
what the shorthands do, and `points_changed` receives the operation itself."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from core_helpers import make_config

from vectorizer import BadRequest, Engine, hookimpl
from vectorizer import operations as ops
from vectorizer.filters.ast import Filter, HasId
from vectorizer.host.plugins import make_plugin_manager
from vectorizer.models import PointStruct, PointVectors, WithPayload, WithVectors

ALL = [
    ops.Upsert((PointStruct(1, {"": np.ones(4, dtype=np.float32)}, {"a": 1}),)),
    ops.DeletePoints(ids=(1, "0b1e2f0e-7c3a-4c55-9d5a-2a7f0c1d9e11")),
    ops.DeletePoints(filter=Filter(must=(HasId(frozenset({1})),))),
    ops.SetPayload({"b": 2}, ids=(1,), key="nested"),
    ops.OverwritePayload({"c": 3}, ids=(1,)),
    ops.DeletePayload(("a",), ids=(1,)),
    ops.ClearPayload(ids=(1,)),
    ops.UpdateVectors((PointVectors(1, {"": [0.0, 1.0, 0.0, 0.0]}),)),
    ops.DeleteVectors(("",), ids=(1,)),
    ops.CreateFieldIndex("a", "keyword"),
    ops.DeleteFieldIndex("a"),
]


@pytest.mark.parametrize("operation", ALL, ids=lambda op: type(op).__name__)
def test_operations_pickle(operation: Any) -> None:
    back = pickle.loads(pickle.dumps(operation))
    assert type(back) is type(operation)
    assert back.name == operation.name


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any, list[Any]]] = []

    @hookimpl
    def points_changed(self, collection: Any, operation: Any, ids: list[Any]) -> None:
        self.seen.append((collection.name, operation, list(ids)))


def test_apply_runs_every_operation_and_the_hook_sees_it(tmp_path) -> None:
    pm = make_plugin_manager(load_entry_points=False)
    recorder = Recorder()
    pm.register(recorder)
    try:
        with Engine.open(tmp_path, pm=pm) as engine:
            engine.create_collection("c", make_config(4))
            col = engine.get_collection("c")
            upsert = ops.Upsert(
                tuple(PointStruct(i, {"": np.full(4, i + 1.0)}, {"a": i}) for i in range(3))
            )
            col.apply(upsert)
            col.apply(ops.SetPayload({"b": 1}, ids=(0,)))
            col.apply(ops.DeleteVectors(("",), ids=(1,)))
            col.apply(ops.DeletePoints(ids=(2,)))
            col.apply(ops.CreateFieldIndex("a", "integer"))
            assert [(name, type(op).__name__, ids) for name, op, ids in recorder.seen] == [
                ("c", "Upsert", [0, 1, 2]),
                ("c", "SetPayload", [0]),
                ("c", "DeleteVectors", [1]),
                ("c", "DeletePoints", [2]),
            ]
            assert recorder.seen[0][1] is upsert
            records = col.retrieve([0, 1, 2], WithPayload(enabled=True), WithVectors(enabled=True))
            assert [(r.id, r.payload) for r in records] == [(0, {"a": 0, "b": 1}), (1, {"a": 1})]
            assert records[1].vectors == {}
            assert "a" in col.payload_indexes
    finally:
        pm.unregister(recorder)


def test_a_batch_checks_every_operation_before_writing(tmp_path) -> None:
    with Engine.open(tmp_path) as engine:
        engine.create_collection("c", make_config(4))
        col = engine.get_collection("c")
        good = ops.Upsert((PointStruct(1, {"": [1.0, 0.0, 0.0, 0.0]}),))
        bad = ops.Upsert((PointStruct(2, {"": [1.0, 0.0]}),))
        with pytest.raises(BadRequest, match=r"\(in operations\[1\]\.upsert\)"):
            col.apply_batch([good, bad], ["operations[0].upsert", "operations[1].upsert"])
        assert col.count() == 0
        results = col.apply_batch([good, ops.SetPayload({"x": 1}, ids=(1,))])
        assert [r.operation_id for r in results] == [0, 1]
        (record,) = col.retrieve([1], WithPayload(enabled=True), WithVectors(enabled=False))
        assert record.payload == {"x": 1}


def test_the_facade_queries_and_resolves_only_its_own_name(tmp_path) -> None:
    from vectorizer import NotFound
    from vectorizer.query import LookupFrom, Nearest, QueryRequest

    with Engine.open(tmp_path) as engine:
        engine.create_collection("c", make_config(4))
        col = engine.get_collection("c")
        col.upsert([PointStruct(i, {"": np.eye(4)[i]}) for i in range(4)])
        (best,) = col.query(QueryRequest(query=Nearest(np.eye(4)[2]), limit=1))
        assert best.id == 2
        by_id = QueryRequest(query=Nearest(3), limit=1, lookup_from=LookupFrom("c"))
        (found,) = col.query(by_id)  # its own name resolves: the example is point 3
        assert found.id != 3
        other = QueryRequest(query=Nearest(3), limit=1, lookup_from=LookupFrom("elsewhere"))
        with pytest.raises(NotFound):
            col.query(other)


@pytest.mark.parametrize(
    ("mode", "flt", "expected"),
    [
        (ops.UpdateMode.UPSERT, None, {0: "new", 1: "new", 2: "new"}),
        (ops.UpdateMode.INSERT_ONLY, None, {0: "old", 1: "old", 2: "new"}),
        (ops.UpdateMode.UPDATE_ONLY, None, {0: "new", 1: "new"}),
        (
            ops.UpdateMode.UPSERT,
            Filter(must=(HasId(frozenset({1})),)),
            {0: "old", 1: "new", 2: "new"},
        ),
        (ops.UpdateMode.UPDATE_ONLY, Filter(must=(HasId(frozenset({1})),)), {0: "old", 1: "new"}),
    ],
)
def test_conditional_upserts(tmp_path, mode: Any, flt: Any, expected: dict[int, str]) -> None:
    with Engine.open(tmp_path) as engine:
        engine.create_collection("c", make_config(4))
        col = engine.get_collection("c")
        col.upsert([PointStruct(i, {"": np.ones(4)}, {"s": "old"}) for i in (0, 1)])
        new = tuple(PointStruct(i, {"": np.ones(4)}, {"s": "new"}) for i in (0, 1, 2))
        col.apply(ops.Upsert(new, update_filter=flt, update_mode=mode))
        records = col.retrieve([0, 1, 2], WithPayload(enabled=True), WithVectors(enabled=False))
        assert {r.id: r.payload["s"] for r in records} == expected
