"""The plugin host: a pluggy PluginManager built per application."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass

import pluggy

from vectorizer.host import hookspecs

ENTRY_POINT_GROUP = "vectorizer"


def make_plugin_manager(
    disabled: Iterable[str] = (), *, load_entry_points: bool = True
) -> pluggy.PluginManager:
    """Build a plugin manager: block `disabled` plugins, then load the entry-point group.

    Blocked plugins are never imported (pluggy checks the block list before loading).
    """
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    for name in disabled:
        pm.set_blocked(name)
    # the core's own default implementations (storage backends) are built in
    from vectorizer.host import default_plugins

    for module in default_plugins.MODULES:
        pm.register(module, name=f"vectorizer.{module.__name__.rsplit('.', 1)[-1]}")
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    return pm


def known_entry_points() -> list[str]:
    """Names of every plugin installed in the entry-point group, loaded or not."""
    return sorted({ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)})


@dataclass
class PluginInfo:
    name: str
    version: str | None
    hooks: list[str]


def describe_plugins(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """What is loaded: each plugin's name, distribution version and implemented hooks."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: item[0]):
        if plugin is None:  # blocked
            continue
        dist = dists.get(id(plugin))
        version = dist.version if dist is not None else None
        if version is None and name.startswith("vectorizer."):
            version = importlib.metadata.version("vectorizer")
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        infos.append(PluginInfo(name=name, version=version, hooks=hooks))
    return infos
