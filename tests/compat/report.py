"""Merge the compat suite's results, one file per qdrant-client version, into a Markdown report.

    python tests/compat/report.py [--results .compat-results] [--output docs/compatibility.md]
                                  [--readme README.md]

Each `tox -e client-*` run writes `.compat-results/<qdrant-client version>.json` (see
`tests/compat/conftest.py`): the spec's operations, the ones the server answers 501 for,
and per test its outcome and the operations it exercised with the HTTP statuses seen.
This script needs only the standard library (tox runs it without installing the
project). Of several files for one minor version it keeps the newest, and it ignores
files written more than `--max-age-hours` before the newest one (leftovers of older runs).
It also rewrites the README's one-line summary of the passing versions (between the
compat-summary markers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FAILING = ("failed", "error")


def version_key(version: str) -> tuple[int, ...]:
    """Sortable numeric version ("1.20.0" -> (1, 20, 0)); non-numeric parts count as 0."""
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def load(results_dir: Path, max_age_hours: float) -> list[dict[str, Any]]:
    """The results files to report, oldest client version first."""
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(results_dir.glob("*.json"))]
    if not runs:
        raise SystemExit(f"no results in {results_dir}: run the tox envs client-* first")
    newest = max(dt.datetime.fromisoformat(r["written_at"]) for r in runs)
    by_minor: dict[tuple[int, ...], dict[str, Any]] = {}
    for run in sorted(runs, key=lambda r: r["written_at"]):
        age = newest - dt.datetime.fromisoformat(run["written_at"])
        if age > dt.timedelta(hours=max_age_hours):
            print(
                f"skipping stale results of qdrant-client {run['client_version']}", file=sys.stderr
            )
            continue
        minor = version_key(run["client_version"])[:2]
        if minor in by_minor:
            old = by_minor[minor]["client_version"]
            print(f"qdrant-client {old}: superseded by {run['client_version']}", file=sys.stderr)
        by_minor[minor] = run
    return sorted(by_minor.values(), key=lambda r: version_key(r["client_version"]))


def passes(run: dict[str, Any]) -> bool:
    """No failed or erroring test, and at least one passed."""
    counts = run["counts"]
    return counts.get("passed", 0) > 0 and not any(counts.get(k, 0) for k in FAILING)


def version_table(runs: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| qdrant-client | result | passed | failed | errors | skipped | deselected |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        c = run["counts"]
        lines.append(
            f"| {run['client_version']} | {'pass' if passes(run) else '**FAIL**'} "
            f"| {c.get('passed', 0)} | {c.get('failed', 0)} | {c.get('error', 0)} "
            f"| {c.get('skipped', 0)} | {c.get('deselected', 0)} |"
        )
    return lines


def test_differences(runs: list[dict[str, Any]]) -> list[str]:
    """Tests that did not pass with every client version, with each version's outcome."""
    nodeids = sorted(
        {n for r in runs for n in r["tests"]} | {n for r in runs for n in r["deselected"]}
    )
    rows = []
    for nodeid in nodeids:
        outcomes = [
            "deselected"
            if nodeid in run["deselected"]
            else run["tests"].get(nodeid, {}).get("outcome", "not run")
            for run in runs
        ]
        if any(o != "passed" for o in outcomes):
            rows.append(f"| `{nodeid}` | " + " | ".join(outcomes) + " |")
    if not rows:
        return ["Every test passed with every client version."]
    head = "| test | " + " | ".join(r["client_version"] for r in runs) + " |"
    return [head, "|---|" + "---|" * len(runs), *rows]


def deselections(runs: list[dict[str, Any]]) -> list[str]:
    rows = [
        f"| {run['client_version']} | `{nodeid}` | {reason} |"
        for run in runs
        for nodeid, reason in run["deselected"].items()
    ]
    if not rows:
        return ["None."]
    return ["| qdrant-client | test | reason |", "|---|---|---|", *rows]


def operation_table(runs: list[dict[str, Any]]) -> tuple[list[str], dict[str, int]]:
    """One row per spec operation, and the count of operations per status."""
    latest = max(runs, key=lambda r: r["written_at"])
    unimplemented: dict[str, str] = latest["unimplemented"]
    tests: dict[str, set[str]] = defaultdict(set)
    versions: dict[str, set[str]] = defaultdict(set)
    statuses: dict[str, set[int]] = defaultdict(set)
    for run in runs:
        for nodeid, test in run["tests"].items():
            for op, status, _n in test["operations"]:
                statuses[op].add(status)
                if status != 501:
                    tests[op].add(nodeid)
                    versions[op].add(run["client_version"])
    all_versions = {r["client_version"] for r in runs}
    totals = {"exercised": 0, "implemented": 0, "501": 0}
    lines = [
        "| operation | method and path | status | exercised by | HTTP statuses seen |",
        "|---|---|---|---|---|",
    ]
    for op in latest["operations"]:
        oid = op["operation_id"]
        if oid in unimplemented:
            status, key = f"501 not built yet: {unimplemented[oid]}", "501"
        elif tests[oid]:
            status, key = "implemented, exercised", "exercised"
        else:
            status, key = "implemented", "implemented"
        totals[key] += 1
        if tests[oid]:
            where = (
                "every client"
                if versions[oid] == all_versions
                else ", ".join(sorted(versions[oid], key=version_key))
            )
            n = len(tests[oid])
            by = f"{n} test{'s' if n > 1 else ''} ({where})"
        else:
            by = ""
        seen = ", ".join(str(s) for s in sorted(statuses[oid]))
        lines.append(f"| `{oid}` | `{op['method']} {op['path']}` | {status} | {by} | {seen} |")
    return lines, totals


def outside_spec(runs: list[dict[str, Any]]) -> list[str]:
    rows = [
        f"| {run['client_version']} | `{request}` | {n} |"
        for run in runs
        for request, n in run.get("outside_spec", {}).items()
    ]
    if not rows:
        return ["None: every request the clients sent is an operation of the spec."]
    return ["| qdrant-client | request | count |", "|---|---|---:|", *rows]


def suite_section(suite: dict[str, Any] | None) -> list[str]:
    """The section on Qdrant's own test suite: counts per module, the expected failures."""
    lines = ["## Qdrant's own test suite", ""]
    if suite is None:
        return [*lines, "Not run (`tox -e qdrant-suite` writes `.qdrant-suite/result.json`).", ""]
    counts = suite["counts"]
    total = sum(counts.values())
    lines += [
        f"Qdrant v1.14.1's own REST tests (`tests/openapi`, run by `tox -e qdrant-suite` "
        f"against a fresh `vectorizer serve`): **{counts.get('passed', 0)} of {total} pass**, "
        f"{counts.get('failed', 0)} fail, {counts.get('skipped', 0)} skipped "
        f"(run of {suite['written_at']}). CI fails on a failure not listed below and on a "
        "listed test that passes (`tests/qdrant_suite/expected_failures.toml`).",
        "",
        "| module | passed | failed | skipped |",
        "|---|---:|---:|---:|",
    ]
    for module, c in suite["modules"].items():
        lines.append(
            f"| `{module}` | {c.get('passed', 0)} | {c.get('failed', 0)} | {c.get('skipped', 0)} |"
        )
    lines += ["", "Expected failures:", ""]
    if suite["expected"]:
        lines += ["| test | reason |", "|---|---|"]
        lines += [f"| `{t}` | {reason} |" for t, reason in suite["expected"].items()]
    else:
        lines.append("None.")
    unexpected = sorted(set(suite["failures"]) - set(suite["expected"]))
    if unexpected:
        lines += ["", "Failures not on the list (CI is red until they are fixed):", ""]
        lines += [f"- `{t}`" for t in unexpected]
    return [*lines, ""]


def load_suite(path: Path) -> dict[str, Any] | None:
    """The result `tests/qdrant_suite/run_suite.py` wrote, if any."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


QUERY_FEATURES = [
    "## Query features since Qdrant 1.14",
    "",
    "Newer clients send these in the Query API; Vectorizer runs them in its one query engine",
    "(`vectorizer.query`), over REST (tests: `tests/core/test_query_mmr.py`,",
    "`tests/plugins/qdrant_rest/test_rest_query_v119.py`, and against qdrant-client 1.20's",
    "local mode `tests/compat/test_query_v119_client.py`):",
    "",
    "- `nearest` with `mmr` (`diversity`, default 0.5; `candidates_limit`, default the",
    "  stage's `limit`, at most 16384): maximal marginal relevance as Qdrant computes it, on",
    "  dense, sparse and multivectors; each point keeps its similarity score (over gRPC too:",
    "  `Query.nearest_with_mmr`);",
    "- `rrf` with `k` and `weights` (one per prefetch: `1 / ((rank + 1) / w + k - 1)`);",
    "- `relevance_feedback` with the `naive` strategy (`a`, `b`, `c`), example ids left out;",
    "- `params.acorn` (`enable`, `max_selectivity`): a filtered search whose filter keeps at",
    "  most `max_selectivity` of the points is answered exactly over them;",
    '- `params.idf`: `"global"` is accepted (what every IDF search does); `{"corpus": ...}`',
    "  answers 501 (not built: IDF over a corpus filter).",
    "",
    "The formula expression kinds are the same in the 1.19 spec as in 1.14.",
]
"""The query features added since Qdrant 1.14 (a fixed section of the report)."""


def versions_served(qdrant_version: str) -> list[str]:
    """The section on the Qdrant and qdrant-client versions the server serves."""
    return [
        "## Versions served",
        "",
        f"- `GET /` and gRPC `HealthCheck` report Qdrant {qdrant_version}, the newest Qdrant "
        "API Vectorizer serves (the `qdrant_version` setting, "
        "[configuration.md](configuration.md)): qdrant-client 1.18 to 1.20 connect without a "
        "warning. Older clients warn (their rule: minor versions at most one apart) and work: "
        "everything of Qdrant 1.14 is served, and Qdrant 1.14.1's own REST suite runs in CI.",
        "- The gRPC plugin runs on the messages of the qdrant-client installed beside it "
        "(`qdrant-client>=1.15`, no upper bound; CI resolves the newest, and `client-1.15` "
        "runs the plugin's own tests on the lowest). Every field, enum "
        "value and RPC Qdrant added after 1.14 is listed in "
        "`vectorizer_qdrant_grpc.wire.newer` as built or refused: a refused one answers "
        "UNIMPLEMENTED naming the feature and its path (`MMR re-ranking "
        "(prefetch[0].query.nearest_with_mmr)`); a field newer than the installed messages "
        "answers UNIMPLEMENTED naming its number, an RPC they lack UNIMPLEMENTED naming it.",
        "- REST keeps Qdrant 1.14's paths, the legacy search endpoints included (Qdrant 1.19 "
        "still routes them); what later versions added and is not built answers HTTP 501 "
        "naming the feature.",
        "- `tox`: client-1.12 to client-1.15 and client-latest run all of `tests/compat`; "
        "client-1.16 to client-1.19 the tests that change with the client version "
        "(connecting, the REST client, everything over gRPC, where the server runs on that "
        "client's own messages), which keeps CI near 20 minutes.",
        "",
    ]


def render(runs: list[dict[str, Any]], suite: dict[str, Any] | None = None) -> str:
    """The whole report."""
    latest = max(runs, key=lambda r: r["written_at"])
    ops, totals = operation_table(runs)
    passing = [r["client_version"] for r in runs if passes(r)]
    parts = [
        "# Compatibility",
        "",
        "<!-- Generated by `tox` (the client-* envs, then compat-report) with "
        "`python tests/compat/report.py`; do not edit by hand. -->",
        "",
        f"Vectorizer {latest['vectorizer_version']} reports Qdrant {latest['qdrant_version']} "
        f"and serves Qdrant's REST API as specified in `{latest['spec']}`. `tests/compat` drives "
        "a live server over a socket with the official clients:",
        "",
        "- `qdrant-client` over REST, call by call against its own local mode "
        '(`QdrantClient(":memory:")`) as the oracle wherever local mode has the feature;',
        "- `@qdrant/js-client-rest` (version pinned in `tests/js/package-lock.json`) in a "
        "scenario: create a collection, upsert with payloads, create a payload index, "
        "filtered search and query, scroll, count, delete points, drop the collection;",
        "- every JSON body the server answers is validated against the operation's response "
        "schema in the spec (errors against `ErrorResponse`); a body off the spec fails the "
        "test that got it.",
        "",
        *versions_served(latest["qdrant_version"]),
        *suite_section(suite),
        *QUERY_FEATURES,
        "",
        "## Client versions",
        "",
        f"Passing: {', '.join(passing) if passing else 'none'} (Python {latest['python']}).",
        "",
        *version_table(runs),
        "",
        "Tests not passing with every client version:",
        "",
        *test_differences(runs),
        "",
        "Tests deselected because the client version lacks the call they test:",
        "",
        *deselections(runs),
        "",
        "Requests to paths that are not in the spec:",
        "",
        *outside_spec(runs),
        "",
        "## Operations",
        "",
        f"{len(latest['operations'])} operations in the spec: {totals['exercised']} implemented "
        f"and exercised by the suite, {totals['implemented']} implemented (tested in "
        f"`tests/plugins/qdrant_rest`, not through the official clients), {totals['501']} "
        "answer HTTP 501 naming the feature (`vectorizer_qdrant_rest.endpoints.unimplemented`). "
        '"Exercised by" counts the tests (over all client versions) that got an answer other '
        "than 501 from the operation.",
        "",
        *ops,
        "",
    ]
    return "\n".join(parts)


README_BEGIN = "<!-- compat-summary:begin (tests/compat/report.py) -->"
README_END = "<!-- compat-summary:end -->"


def readme_summary(runs: list[dict[str, Any]]) -> str:
    """The README's line naming the client versions that pass."""
    passing = [r["client_version"] for r in runs if passes(r)]
    failing = [r["client_version"] for r in runs if not passes(r)]
    line = f"Passing: qdrant-client {', '.join(passing)}" if passing else "Passing: none"
    if failing:
        line += f"; failing: {', '.join(failing)}"
    return line + " (see [docs/compatibility.md](docs/compatibility.md))."


def update_readme(path: Path, runs: list[dict[str, Any]]) -> None:
    """Rewrite the text between the README's compat-summary markers."""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(README_BEGIN), text.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"{path}: no {README_BEGIN} ... {README_END} markers")
    head = text[: start + len(README_BEGIN)]
    path.write_text(f"{head}\n{readme_summary(runs)}\n{text[end:]}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=REPO / ".compat-results")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "compatibility.md")
    parser.add_argument("--readme", type=Path, default=REPO / "README.md")
    parser.add_argument("--suite", type=Path, default=REPO / ".qdrant-suite" / "result.json")
    parser.add_argument("--max-age-hours", type=float, default=24.0)
    args = parser.parse_args(argv)
    runs = load(args.results, args.max_age_hours)
    args.output.write_text(render(runs, load_suite(args.suite)), encoding="utf-8")
    update_readme(args.readme, runs)
    summary = ", ".join(f"{r['client_version']}: {'pass' if passes(r) else 'FAIL'}" for r in runs)
    print(f"wrote {args.output} ({summary})")


if __name__ == "__main__":
    main()
