"""The `vectorizer` command line: `serve`, `plugins`, and the commands plugins add."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import pluggy

from vectorizer import __version__
from vectorizer.host.plugins import describe_plugins, known_entry_points, make_plugin_manager
from vectorizer.host.settings import LOG_LEVELS, ConfigError, Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one `Error: ...` line to stderr and exit with `code`."""
    click.echo(f"Error: {' '.join(str(message).split())}", err=True)
    sys.exit(code)


def one_line_errors(fn: F) -> F:
    """Turn the host's expected errors into one `Error:` line and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as e:
            fail(str(e))
        except Exception as e:
            # vectorizer.host.server (litestar, uvicorn) is imported only by commands that serve
            server = sys.modules.get("vectorizer.host.server")
            if server is not None and isinstance(e, server.StartupError):
                fail(str(e))
            raise

    return wrapper  # type: ignore[return-value]


def settings_from(config: Path | None, disabled: Sequence[str], **overrides: Any) -> Settings:
    """Settings for a command: flags over env over config file, plugin names checked."""
    return load_settings(
        {"disabled": list(disabled), **overrides},
        config,
        os.environ,
        known_plugins=known_entry_points(),
    )


class VectorizerGroup(click.Group):
    """A click group that adds plugins' commands (register_commands) only when needed.

    Built-in commands resolve without loading any plugin; an unknown command name or
    `--help` loads the enabled plugins (env and config file decide which are disabled).
    """

    pm: pluggy.PluginManager | None = None

    def plugin_manager(self) -> pluggy.PluginManager:
        if self.pm is None:
            try:
                settings = settings_from(None, ())
            except ConfigError as e:
                fail(str(e))
            self.pm = make_plugin_manager(settings.disabled)
            self.pm.hook.register_commands(cli=self)
        return self.pm

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            self.plugin_manager()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.plugin_manager()
        return super().list_commands(ctx)


@click.group(cls=VectorizerGroup)
@click.version_option(__version__, "--version", prog_name="vectorizer")
def cli() -> None:
    """Vectorizer: a vector database speaking Qdrant's REST and gRPC APIs and its own."""


config_option = click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path),
    help="TOML config file (default: $VECTORIZER_CONFIG).",
)
disable_option = click.option(
    "--disable",
    "disabled",
    metavar="NAME",
    multiple=True,
    help="Do not load (or even import) this plugin. Repeatable.",
)


@cli.command()
@click.option("--host", help="Address to listen on.  [default: 127.0.0.1]")
@click.option(
    "--port",
    "ports",
    metavar="NAME=PORT",
    multiple=True,
    help="Port for the listener of plugin NAME (0 picks a free one). Repeatable.",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    help="Where collections are stored.  [default: ./vectorizer_data]",
)
@click.option(
    "--snapshots-dir",
    type=click.Path(path_type=Path),
    help="Where snapshots are written.  [default: DATA_DIR/snapshots]",
)
@config_option
@disable_option
@click.option("--storage", help="Storage backend.  [default: sqlite]")
@click.option("--log-level", help=f"One of {', '.join(LOG_LEVELS)}.  [default: info]")
@one_line_errors
def serve(
    host: str | None,
    ports: tuple[str, ...],
    data_dir: Path | None,
    snapshots_dir: Path | None,
    config: Path | None,
    disabled: tuple[str, ...],
    storage: str | None,
    log_level: str | None,
) -> None:
    """Serve every enabled plugin's API (Qdrant REST, gRPC, native) in one process."""
    from vectorizer.host.server import run

    settings = settings_from(
        config,
        disabled,
        host=host,
        ports=list(ports),
        data_dir=data_dir,
        snapshots_dir=snapshots_dir,
        storage=storage,
        log_level=log_level,
    )
    run(settings)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.option("--all", "show_all", is_flag=True, help="Include the core's built-in plugins.")
@config_option
@disable_option
@one_line_errors
def plugins(as_json: bool, show_all: bool, config: Path | None, disabled: tuple[str, ...]) -> None:
    """List the loaded plugins, their versions and the hooks they implement."""
    settings = settings_from(config, disabled)
    infos = describe_plugins(make_plugin_manager(settings.disabled))
    if not show_all:
        infos = [info for info in infos if not info.name.startswith("vectorizer.")]
    rows = [{"name": i.name, "version": i.version, "hooks": i.hooks} for i in infos]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = [("NAME", "VERSION", "HOOKS")]
    table += [(r["name"], r["version"] or "-", ", ".join(r["hooks"]) or "-") for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(2)]
    for name, version, hooks in table:
        click.echo(f"{name:<{widths[0]}}  {version:<{widths[1]}}  {hooks}")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="vectorizer")
    except KeyboardInterrupt:
        sys.exit(130)
