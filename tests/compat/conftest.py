"""A real socket server for the official clients, and qdrant-client's local mode as oracle.

The server (`compat_helpers.ThreadedServer`) is the Qdrant REST plugin's app, built the
way the host builds it, served by uvicorn in a background thread on a free port over an
engine in a temporary directory. The app is wrapped in `SpecCheck`: every response body
is validated against Qdrant's OpenAPI spec, and a test whose requests got a body off the
spec fails, naming the operation, the JSON path and the reason.

The hooks below also record, per test, the spec operations it exercised (with the HTTP
statuses seen) and its outcome. With `VECTORIZER_COMPAT_RESULTS` set to a directory (the
tox matrix sets it), the session writes `<dir>/<qdrant-client version>.json`, which
`tests/compat/report.py` merges into `docs/compatibility.md`.

Tests that need a client method some qdrant-client versions do not have carry
`@pytest.mark.client_method("name", ...)`; with such a version they are deselected, and
the reason goes into the results file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections import Counter, defaultdict
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from compat_helpers import (
    CLIENT_VERSION,
    EXCHANGES,
    SPEC_PATH,
    ThreadedServer,
    client_has,
    connect,
    operations,
)
from packaging.version import Version
from qdrant_client import QdrantClient, models

import vectorizer
from vectorizer import Engine
from vectorizer_qdrant_rest.endpoints import unimplemented

RESULTS_ENV = "VECTORIZER_COMPAT_RESULTS"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    engine = Engine.open(tmp_path_factory.mktemp("compat") / "data")
    srv = ThreadedServer(engine).start()
    try:
        yield srv
    finally:
        srv.stop()
        engine.close()


@pytest.fixture
def remote(server: ThreadedServer) -> Iterator[QdrantClient]:
    """The official client over REST against our server; collections removed afterwards.

    Clients within one minor version of the server's reported Qdrant version check it,
    and any warning fails the test; the others (which would warn against a real Qdrant
    1.19 too) are built with `check_compatibility=False` where they have it.
    """
    client, caught = connect(server.url)
    assert caught == [], f"qdrant-client {CLIENT_VERSION} warned on connecting: {caught}"
    try:
        yield client
    finally:
        for collection in client.get_collections().collections:
            client.delete_collection(collection.name)
        client.close()


@pytest.fixture
def local() -> Iterator[QdrantClient]:
    """qdrant-client's local mode: Qdrant's semantics in pure Python, the oracle."""
    client = QdrantClient(":memory:")
    try:
        yield client
    finally:
        client.close()


# ----------------------------------------------------------------------------- client versions

DESELECTED: dict[str, str] = {}
"""nodeid -> why the test does not apply to this qdrant-client version."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "grpc_server: drives a `vectorizer serve` process over gRPC (grpc_fixtures.py); "
        "the server takes the gRPC stubs the project pins, whatever client the tests use",
    )
    config.addinivalue_line(
        "markers",
        "client_model(*names): needs these `qdrant_client.models` classes (`Model.field`: "
        "that field of the model); deselected for qdrant-client versions without them",
    )
    config.addinivalue_line(
        "markers",
        "local_mode_fixed_in(version, why): the local mode of older clients, the oracle, "
        "differs from the Qdrant server here; deselected for them, with `why` recorded",
    )
    config.addinivalue_line(
        "markers",
        "client_method(*names): needs these QdrantClient methods (`http.NAME`: operations "
        "of its generated REST API; `init.NAME`: a constructor keyword); deselected for "
        "qdrant-client versions without them",
    )


def client_has_model(name: str) -> bool:
    """Whether `qdrant_client.models` has the class `Model` (or `Model.field`)."""
    model_name, _, field = name.partition(".")
    model = getattr(models, model_name, None)
    if model is None:
        return False
    return not field or field in getattr(model, "model_fields", {})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        fixed = item.get_closest_marker("local_mode_fixed_in")
        if fixed is not None and Version(CLIENT_VERSION) < Version(fixed.args[0]):
            DESELECTED[item.nodeid] = (
                f"the oracle, qdrant-client {CLIENT_VERSION}'s local mode, is wrong here "
                f"before {fixed.args[0]}: {fixed.args[1]}"
            )
            drop.append(item)
            continue
        missing = [
            name
            for marker in item.iter_markers("client_method")
            for name in marker.args
            if not client_has(name)
        ] + [
            f"models.{name}"
            for marker in item.iter_markers("client_model")
            for name in marker.args
            if not client_has_model(name)
        ]
        if missing:
            DESELECTED[item.nodeid] = f"qdrant-client {CLIENT_VERSION} has no " + ", ".join(
                f"REST operation {n[5:]}"
                if n.startswith("http.")
                else f"QdrantClient({n[5:]}=...)"
                if n.startswith("init.")
                else n
                if n.startswith("models.")
                else f"QdrantClient.{n}"
                for n in missing
            )
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# ----------------------------------------------------------------------------- spec check, results

OPERATIONS_SEEN: dict[str, Counter[tuple[str, int]]] = defaultdict(Counter)
"""nodeid -> (operationId, status) -> requests."""
OUTSIDE_SPEC: Counter[str] = Counter()
"""'METHOD path' of requests that match no operation of the spec."""
OUTCOMES: dict[str, str] = {}


def _checked(item: pytest.Item) -> Generator[None, Any, Any]:
    """Run one test phase; fail it if a response it got does not conform to the spec."""
    start = len(EXCHANGES)
    try:
        return (yield)
    finally:
        seen = EXCHANGES[start:]
        for exchange in seen:
            if exchange.operation_id is None:
                OUTSIDE_SPEC[f"{exchange.method} {exchange.path}"] += 1
            else:
                OPERATIONS_SEEN[item.nodeid][exchange.operation_id, exchange.status] += 1
        problems = [f"{e.method} {e.path} -> {p}" for e in seen for p in e.problems]
        if problems:
            raise AssertionError(
                "responses that do not conform to Qdrant's OpenAPI spec v1.14.x:\n  "
                + "\n  ".join(dict.fromkeys(problems))
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _checked(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _checked(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _checked(item))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    previous = OUTCOMES.get(report.nodeid)
    if report.when == "call":
        outcome = "xfailed" if hasattr(report, "wasxfail") else report.outcome
    elif report.failed:
        outcome = "error"
    elif report.skipped:
        outcome = "skipped"
    else:
        outcome = previous or "passed"
    if previous not in ("failed", "error"):
        OUTCOMES[report.nodeid] = outcome


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:  # a test module that does not import with this client version
        OUTCOMES[report.nodeid] = "error"


def results() -> dict[str, Any]:
    """This session's results for `report.py`."""
    counts = Counter(OUTCOMES.values())
    counts["deselected"] = len(DESELECTED)
    return {
        "client_version": CLIENT_VERSION,
        "python": platform.python_version(),
        "vectorizer_version": vectorizer.__version__,
        "qdrant_version": vectorizer.QDRANT_VERSION,
        "spec": SPEC_PATH.name,
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "operations": [
            {"operation_id": op.operation_id, "method": op.method, "path": op.path}
            for op in sorted(operations(), key=lambda o: (o.path, o.method))
        ],
        "unimplemented": {op[2]: op[3] for op in sorted(unimplemented.OPERATIONS)},
        "counts": dict(sorted(counts.items())),
        "tests": {
            nodeid: {
                "outcome": outcome,
                "operations": [
                    [op, status, n] for (op, status), n in sorted(OPERATIONS_SEEN[nodeid].items())
                ],
            }
            for nodeid, outcome in sorted(OUTCOMES.items())
        },
        "deselected": dict(sorted(DESELECTED.items())),
        "outside_spec": dict(sorted(OUTSIDE_SPEC.items())),
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(RESULTS_ENV)
    if not target or not OUTCOMES:
        return
    path = Path(target) / f"{CLIENT_VERSION}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results(), indent=1) + "\n", encoding="utf-8")
