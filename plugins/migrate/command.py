"""`vectorizer migrate`: move collections between Qdrant-compatible stores, with progress,
a summary, a dry run, and `--resume` after an interruption."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
from qdrant_client import QdrantClient
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from vectorizer_migrate import collections as coll
from vectorizer_migrate.collections import MigrationError, Plan
from vectorizer_migrate.endpoints import EndpointError, check_url, open_endpoint
from vectorizer_migrate.state import State, StateFile
from vectorizer_migrate.transfer import copy_points, verify

DEFAULT_STATE = Path(".vectorizer-migrate.json")
INTERRUPTED = 130


@dataclass
class Outcome:
    name: str
    source_points: int
    target_points: int
    indexes: int
    aliases: int
    status: str


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"Error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def _reach(client: QdrantClient, url: str, role: str) -> list[str]:
    """Every collection name at one end, or a clear error when it cannot be reached."""
    try:
        return sorted(c.name for c in client.get_collections().collections)
    except Exception as exc:  # any transport or protocol failure: unreachable
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise EndpointError(f"cannot reach the {role} {url}: {reason[:300]}") from exc


@click.command("migrate")
@click.option("--from", "source_url", required=True, metavar="URL", help="Where to read.")
@click.option("--to", "target_url", required=True, metavar="URL", help="Where to write.")
@click.option(
    "--collection",
    "names",
    multiple=True,
    metavar="NAME",
    help="Collection to move (repeatable; default: every collection of the source).",
)
@click.option("--batch-size", default=256, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--resume", is_flag=True, help="Continue from the state file's offsets.")
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_STATE,
    show_default=True,
    help="Where the offset of each collection is recorded after every batch.",
)
@click.option("--dry-run", is_flag=True, help="Print what would move, and move nothing.")
@click.option("--retries", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--api-key", envvar="QDRANT_API_KEY", default=None, help="For both ends.")
def migrate(
    source_url: str,
    target_url: str,
    names: tuple[str, ...],
    batch_size: int,
    resume: bool,
    state_file: Path,
    dry_run: bool,
    retries: int,
    api_key: str | None,
) -> None:
    """Move collections (config, payload indexes, aliases, every point) from one
    Qdrant-compatible store to another.

    A URL is qdrant://HOST:PORT (gRPC), http(s)://HOST:PORT (REST), local://PATH (the folder
    of qdrant-client's local mode) or vectorizer://DATA_DIR (opened directly).
    """
    console = Console(stderr=True)
    try:
        check_url(source_url)
        check_url(target_url)
        with (
            open_endpoint(source_url, api_key=api_key) as source,
            open_endpoint(target_url, api_key=api_key) as target,
        ):
            available = _reach(source.client, source_url, "source")
            existing = set(_reach(target.client, target_url, "target"))
            missing = [n for n in names if n not in available]
            if missing:
                raise MigrationError(
                    f"no collection {', '.join(map(repr, missing))} on the source "
                    f"(it has: {', '.join(available) or 'none'})"
                )
            plans = [coll.plan(source.client, n) for n in names or available]
            for p in plans:
                if p.name in existing:
                    coll.check_compatible(p, target.client.get_collection(p.name))
            if dry_run:
                console.print(_plan_table(plans, existing))
                return
            store = StateFile(state_file)
            state = store.load(source_url, target_url) if resume else State(source_url, target_url)
            outcomes = _run(
                source.client,
                target.client,
                plans,
                state,
                store,
                console,
                batch_size=batch_size,
                retries=retries,
            )
            store.remove()
            console.print(_summary(outcomes))
    except KeyboardInterrupt:
        console.print(
            f"[yellow]Interrupted.[/] Progress is saved in {state_file}; run the same command "
            "with --resume to continue."
        )
        sys.exit(INTERRUPTED)
    except (EndpointError, MigrationError, ValueError) as exc:
        _fail(str(exc))


def _run(
    source: QdrantClient,
    target: QdrantClient,
    plans: list[Plan],
    state: State,
    store: StateFile,
    console: Console,
    *,
    batch_size: int,
    retries: int,
) -> list[Outcome]:
    outcomes = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        for p in plans:
            progress = state.of(p.name)
            task = bar.add_task(p.name, total=p.points, completed=progress.copied)
            if not target.collection_exists(p.name):
                target.create_collection(p.name, **coll.create_arguments(p))
            indexes = coll.create_indexes(target, p, p.name)
            sample = copy_points(
                source,
                target,
                p,
                p.name,
                progress,
                batch_size=batch_size,
                attempts=retries,
                saved=lambda _progress: store.save(state),
                advanced=lambda n, task=task: bar.advance(task, n),
            )
            coll.finish(target, p, p.name)
            count = verify(source, target, p, p.name, sample)
            outcomes.append(
                Outcome(p.name, p.points, count, indexes, len(p.aliases), "ok, verified")
            )
    return outcomes


def _plan_table(plans: list[Plan], existing: set[str]) -> Table:
    table = Table(title="Dry run: nothing was written")
    for column in ("collection", "points", "vectors", "payload indexes", "aliases", "target"):
        table.add_column(column)
    for p in plans:
        indexes = ", ".join(f"{k} ({v.data_type.value})" for k, v in p.payload_schema.items())
        table.add_row(
            p.name,
            str(p.points),
            p.describe_vectors(),
            indexes or "-",
            ", ".join(p.aliases) or "-",
            "exists, compatible: points are upserted" if p.name in existing else "created",
        )
    return table


def _summary(outcomes: list[Outcome]) -> Table:
    table = Table(title="Migrated")
    for column, justify in (
        ("collection", "left"),
        ("source points", "right"),
        ("target points", "right"),
        ("indexes created", "right"),
        ("aliases", "right"),
        ("status", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for o in outcomes:
        table.add_row(
            o.name,
            str(o.source_points),
            str(o.target_points),
            str(o.indexes),
            str(o.aliases),
            o.status,
        )
    return table
