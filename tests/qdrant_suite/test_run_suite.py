"""The judge of Qdrant's suite: junit parsing, the expected-failure list and the verdict."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_suite", HERE / "run_suite.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_suite"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


run_suite = _load()

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="qdrant-openapi">
 <testcase classname="tests.openapi.test_alias" name="test_alias_operations[False]"/>
 <testcase classname="tests.openapi.test_alias" name="test_other">
  <failure message="assert 422 == 400">trace</failure></testcase>
 <testcase classname="tests.openapi.test_count" name="test_count"><error message="boom"/>
 </testcase>
 <testcase classname="tests.openapi.test_count" name="test_skip"><skipped/></testcase>
</testsuite></testsuites>
"""


@pytest.fixture
def outcome(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT, encoding="utf-8")
    return run_suite.read_junit(path)


def test_junit_gives_ids_outcomes_and_modules(outcome) -> None:  # type: ignore[no-untyped-def]
    assert outcome.tests == {
        "test_alias.py::test_alias_operations[False]": "passed",
        "test_alias.py::test_other": "failed",
        "test_count.py::test_count": "failed",
        "test_count.py::test_skip": "skipped",
    }
    assert outcome.messages["test_alias.py::test_other"] == "assert 422 == 400"
    assert outcome.by_module() == {
        "test_alias.py": {"passed": 1, "failed": 1},
        "test_count.py": {"failed": 1, "skipped": 1},
    }


def test_verdict_fails_on_unlisted_failures_listed_passes_and_unknown_ids(outcome) -> None:  # type: ignore[no-untyped-def]
    expected = {
        "test_alias.py::test_other": "a reason",
        "test_count.py::test_count": "a reason",
    }
    assert run_suite.judge(outcome, expected).ok
    verdict = run_suite.judge(outcome, {"test_alias.py::test_other": "r"})
    assert verdict.unexpected_failures == ["test_count.py::test_count"] and not verdict.ok
    verdict = run_suite.judge(
        outcome, {**expected, "test_alias.py::test_alias_operations[False]": "r"}
    )
    assert verdict.unexpected_passes == ["test_alias.py::test_alias_operations[False]"]
    verdict = run_suite.judge(outcome, {**expected, "test_gone.py::test_x": "r"})
    assert verdict.missing == ["test_gone.py::test_x"]
    # a partial run (pytest arguments given) does not miss what it did not select
    assert run_suite.judge(outcome, {**expected, "test_gone.py::test_x": "r"}, selected=True).ok


def test_the_checked_in_list_gives_a_reason_for_every_entry() -> None:
    expected = run_suite.read_expected()
    assert all(reason.strip() for reason in expected.values())


def test_an_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "expected.toml"
    path.write_text('[[expected]]\ntest = "test_a.py::test_b"\n', encoding="utf-8")
    with pytest.raises(SystemExit, match="needs `test` and `reason`"):
        run_suite.read_expected(path)
