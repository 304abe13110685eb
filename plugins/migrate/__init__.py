"""`vectorizer migrate`: move collections from Qdrant (a server, or qdrant-client's local
mode folder) into Vectorizer, between Vectorizer servers, and back to Qdrant.

Found like any plugin, through the `vectorizer` entry-point group; it adds one command.
Both ends are driven through the official `qdrant-client`, over Qdrant's REST or gRPC
protocol, so the source or target may be a real Qdrant server.
"""

from __future__ import annotations

import click

import vectorizer


@vectorizer.hookimpl
def register_commands(cli: click.Group) -> None:
    """Add `vectorizer migrate`."""
    from vectorizer_migrate.command import migrate  # qdrant-client and rich: only when used

    cli.add_command(migrate)
