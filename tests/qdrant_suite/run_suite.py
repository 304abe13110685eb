"""Run Qdrant's own REST test suite against a fresh `vectorizer serve` and judge the result.

    python tests/qdrant_suite/run_suite.py [--suite ../shared/qdrant-tests] [pytest args...]

Starts `vectorizer serve` on free ports with an empty data directory, runs the suite's
`run.sh` against it (Qdrant v1.14.1's `tests/openapi`, see its README), then compares the
junit result with `expected_failures.toml` beside this file. Exits 1 on any failure that
is not listed and on any listed test that passed (the list only shrinks), 0 otherwise.
Writes the outcome per module, the failures and the expectations to `--results` (JSON),
from which `tests/compat/report.py` writes the section of `docs/compatibility.md`.
Standard library only; `vectorizer` must be on PATH.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXPECTED = HERE / "expected_failures.toml"


@dataclass
class Outcome:
    """What the suite did: every test id with "passed", "failed" or "skipped"."""

    tests: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)

    def ids(self, outcome: str) -> set[str]:
        return {t for t, o in self.tests.items() if o == outcome}

    def by_module(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {}
        for test, outcome in self.tests.items():
            counts.setdefault(test.split("::")[0], Counter())[outcome] += 1
        return {m: dict(c) for m, c in sorted(counts.items())}


def read_junit(path: Path) -> Outcome:
    """Test ids (`test_alias.py::test_alias_operations[False]`) and outcomes of a junit file."""
    out = Outcome()
    for case in ET.parse(path).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        test = f"{module}.py::{case.get('name')}"
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is not None:
            out.tests[test] = "failed"
            out.messages[test] = (bad.get("message") or "").strip()[:500]
        elif case.find("skipped") is not None:
            out.tests[test] = "skipped"
        else:
            out.tests[test] = "passed"
    return out


def read_expected(path: Path = EXPECTED) -> dict[str, str]:
    """The listed expected failures: test id -> reason (every entry must give one)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    expected: dict[str, str] = {}
    for entry in data.get("expected", []):
        test, reason = entry.get("test", ""), entry.get("reason", "").strip()
        if not test or not reason:
            raise SystemExit(f"{path}: every [[expected]] entry needs `test` and `reason`")
        if test in expected:
            raise SystemExit(f"{path}: {test} is listed twice")
        expected[test] = reason
    return expected


@dataclass
class Verdict:
    unexpected_failures: list[str]
    unexpected_passes: list[str]
    missing: list[str]

    @property
    def ok(self) -> bool:
        return not (self.unexpected_failures or self.unexpected_passes or self.missing)


def judge(outcome: Outcome, expected: dict[str, str], selected: bool = False) -> Verdict:
    """Compare a run with the list; `selected`: only part of the suite ran, so a listed
    test that did not run is no error."""
    failed, passed = outcome.ids("failed"), outcome.ids("passed")
    missing = [] if selected else sorted(set(expected) - set(outcome.tests))
    return Verdict(sorted(failed - set(expected)), sorted(passed & set(expected)), missing)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"vectorizer serve exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"vectorizer serve did not answer {url} within {timeout:.0f} s")


def run(suite: Path, work: Path, pytest_args: list[str]) -> Outcome:
    """Start a server, run the suite against it, stop the server; the junit's outcome."""
    data, log_path, junit = work / "data", work / "server.log", work / "junit.xml"
    rest, grpc = free_port(), free_port()
    command = [
        "vectorizer", "serve", "--host", "127.0.0.1", "--data-dir", str(data),
        "--port", f"qdrant_rest={rest}", "--port", f"qdrant_grpc={grpc}",
        "--disable", "vectorizer_api",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{rest}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(url + "/", server)
            env = {
                **os.environ,
                "JUNIT": str(junit),
                "QDRANT_TESTS_VENV": os.environ.get("QDRANT_TESTS_VENV", str(work / "venv")),
            }
            subprocess.run(["bash", str(suite / "run.sh"), url, *pytest_args], env=env, check=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    if not junit.exists():
        tail = log_path.read_text(errors="replace")[-3000:]
        raise SystemExit(f"the suite wrote no junit file; server log:\n{tail}")
    return read_junit(junit)


def report(outcome: Outcome, expected: dict[str, str], verdict: Verdict) -> None:
    """Print what CI must know: the counts and every difference from the list."""
    counts = Counter(outcome.tests.values())
    print(
        f"\nQdrant's suite: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped; {len(expected)} failures expected"
    )
    for test in verdict.unexpected_failures:
        print(f"UNEXPECTED FAILURE {test}: {outcome.messages.get(test, '')[:300]}")
    for test in verdict.unexpected_passes:
        print(f"UNEXPECTED PASS {test}: remove it from {EXPECTED.relative_to(REPO)}")
    for test in verdict.missing:
        print(f"LISTED BUT NOT RUN {test}: the suite has no such test")
    print("verdict:", "as expected" if verdict.ok else "DIFFERS from the expected-failure list")


def write_results(path: Path, outcome: Outcome, expected: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = Counter(outcome.tests.values())
    result = {
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "counts": dict(counts),
        "modules": outcome.by_module(),
        "failures": {t: outcome.messages.get(t, "") for t in sorted(outcome.ids("failed"))},
        "expected": expected,
    }
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--suite",
        type=Path,
        default=Path(os.environ.get("QDRANT_TESTS_DIR", REPO.parent / "shared" / "qdrant-tests")),
        help="the folder with Qdrant's suite and run.sh (env QDRANT_TESTS_DIR)",
    )
    parser.add_argument("--results", type=Path, default=REPO / ".qdrant-suite" / "result.json")
    parser.add_argument("--work", type=Path, help="folder for the data dir, logs and junit")
    args, pytest_args = parser.parse_known_args(argv)
    if not (args.suite / "run.sh").exists():
        print(f"no Qdrant suite at {args.suite} (set QDRANT_TESTS_DIR)", file=sys.stderr)
        return 2
    expected = read_expected()
    work = args.work or Path(tempfile.mkdtemp(prefix="qdrant-suite-"))
    work.mkdir(parents=True, exist_ok=True)
    outcome = run(args.suite.resolve(), work, pytest_args)
    verdict = judge(outcome, expected, selected=bool(pytest_args))
    if not pytest_args:
        write_results(args.results, outcome, expected)
    report(outcome, expected, verdict)
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
