"""A third-party Vectorizer plugin: an HTTP API named `hello` and a `vectorizer hello` command.

Installed with `pip install -e tests/plugins/third_party`, it is found through the
`vectorizer` entry-point group like any other plugin. Its greeting comes from the
`[plugins.hello]` config table (`greeting = "..."`).
"""

from __future__ import annotations

from typing import Any

import click
from litestar import get

from vectorizer import HttpApi, hookimpl

# 0 = a free port unless `--port hello=PORT` is given: this test plugin is installed in
# shared test environments, where a fixed default port would collide between runs.
DEFAULT_PORT = 0


@hookimpl
def register_http_apis(engine: Any, settings: Any) -> list[HttpApi]:
    greeting = settings.plugin_config("hello").get("greeting", "hello")

    @get("/hello", sync_to_thread=False)
    def hello() -> dict[str, Any]:
        return {"greeting": greeting, "collections": engine.list_collections()}

    return [HttpApi(name="hello", route_handlers=[hello], default_port=DEFAULT_PORT)]


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command(name="hello")
    @click.argument("name", default="world")
    def hello_command(name: str) -> None:
        """Say hello (added by the vectorizer-hello plugin)."""
        click.echo(f"Hello, {name}!")
