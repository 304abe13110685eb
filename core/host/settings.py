"""Server settings, merged from defaults, a TOML config file, VECTORIZER_* env vars and CLI flags.

Precedence, lowest first: defaults < config file < environment < command-line flags.
Scalars are replaced by the higher layer; `ports` and `plugins` merge per plugin name;
`disabled` is the union of every layer (a plugin disabled anywhere stays disabled).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

ENV_CONFIG = "VECTORIZER_CONFIG"
# setting -> environment variable
ENV_VARS = {
    "host": "VECTORIZER_HOST",
    "data_dir": "VECTORIZER_DATA_DIR",
    "snapshots_dir": "VECTORIZER_SNAPSHOTS_DIR",
    "ports": "VECTORIZER_PORTS",
    "disabled": "VECTORIZER_DISABLED_PLUGINS",
    "storage": "VECTORIZER_STORAGE",
    "log_level": "VECTORIZER_LOG_LEVEL",
    "qdrant_version": "VECTORIZER_QDRANT_VERSION",
}


class ConfigError(Exception):
    """The configuration is invalid; the message is one line naming the key and its source."""


@dataclass
class Settings:
    """Everything `vectorizer serve` is configured with.

    `ports` maps a plugin's entry-point name to the port it listens on (overriding the
    plugin's default; 0 picks a free port); `plugins` holds each plugin's own
    `[plugins.NAME]` config-file table. `snapshots_dir` None means `<data_dir>/snapshots`
    (see `snapshots_path`). `qdrant_version` None means `vectorizer.QDRANT_VERSION`: the
    Qdrant API version `GET /` and gRPC HealthCheck report.
    """

    host: str = "127.0.0.1"
    data_dir: Path = Path("vectorizer_data")
    snapshots_dir: Path | None = None
    ports: dict[str, int] = field(default_factory=dict)
    disabled: list[str] = field(default_factory=list)
    storage: str = "sqlite"
    log_level: str = "info"
    qdrant_version: str | None = None
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
    config_file: Path | None = None

    @property
    def snapshots_path(self) -> Path:
        """Where snapshots are written: `snapshots_dir`, by default `<data_dir>/snapshots`."""
        return self.snapshots_dir if self.snapshots_dir is not None else self.data_dir / "snapshots"

    def plugin_config(self, name: str) -> dict[str, Any]:
        """The `[plugins.NAME]` table for plugin `name` (empty if there is none)."""
        return self.plugins.get(name, {})


# ----------------------------------------------------------------------------- validation
# Each helper gets `where`: the key and its source, e.g. "config file v.toml: log_level".


def _port(value: Any, where: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ConfigError(f"{where} must be a port number 0-65535, got {value!r}")
    return value


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string, got {value!r}")
    return value.strip()


def _log_level(value: Any, where: str) -> str:
    level = value.lower() if isinstance(value, str) else value
    if level not in LOG_LEVELS:
        raise ConfigError(f"{where} must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
    return str(level)


def _version(value: Any, where: str) -> str:
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not re.fullmatch(r"\d+\.\d+\.\d+", text):
        raise ConfigError(f"{where} must be a version MAJOR.MINOR.PATCH, got {value!r}")
    return text


def parse_ports(items: Iterable[str], source: str) -> dict[str, int]:
    """Parse `NAME=PORT` items (a repeated flag, or the comma-split env var)."""
    ports: dict[str, int] = {}
    for item in items:
        if not item.strip():
            continue
        name, sep, port = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"{source}: expected NAME=PORT, got {item!r}")
        ports[name.strip()] = _port(port, f"{source}: {name.strip()}")
    return ports


# ----------------------------------------------------------------------------- layers
# Each returns (settings found, where each key came from).


def _from_file(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    source = f"config file {path}"
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such file") from None
    except OSError as e:
        raise ConfigError(f"{source}: cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from None
    out: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{source}: {key}"
        if key in ("host", "storage"):
            out[key] = _name(value, where)
        elif key in ("data_dir", "snapshots_dir"):
            # relative paths are relative to the config file's folder
            out[key] = path.parent / _name(value, where)
        elif key == "log_level":
            out[key] = _log_level(value, where)
        elif key == "qdrant_version":
            out[key] = _version(value, where)
        elif key == "ports":
            if not isinstance(value, dict):
                raise ConfigError(f"{where} must be a table of NAME = PORT")
            out[key] = {name: _port(port, f"{where}.{name}") for name, port in value.items()}
        elif key == "disabled":
            if not isinstance(value, list):
                raise ConfigError(f"{where} must be a list of plugin names")
            out[key] = [_name(item, f"{where} item") for item in value]
        elif key == "plugins":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"{where} must hold [plugins.NAME] tables")
            out[key] = value
        else:
            raise ConfigError(f"{source}: unknown key {key!r}")
    return out, {key: f"{source}: {key}" for key in out}


def _from_env(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    out: dict[str, Any] = {}
    sources = {key: f"environment variable {var}" for key, var in ENV_VARS.items()}
    for key, var in ENV_VARS.items():
        value = environ.get(var)
        if value is None:
            continue
        where = sources[key]
        if key == "ports":
            out[key] = parse_ports(value.split(","), where)
        elif key == "disabled":
            out[key] = [part.strip() for part in value.split(",") if part.strip()]
        elif key in ("data_dir", "snapshots_dir"):
            out[key] = Path(_name(value, where))
        elif key == "log_level":
            out[key] = _log_level(value, where)
        elif key == "qdrant_version":
            out[key] = _version(value, where)
        else:
            out[key] = _name(value, where)
    return out, sources


CLI_FLAGS = {
    "host": "--host",
    "data_dir": "--data-dir",
    "snapshots_dir": "--snapshots-dir",
    "ports": "--port",
    "disabled": "--disable",
    "storage": "--storage",
    "log_level": "--log-level",
}


def _from_cli(overrides: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None or (key in ("ports", "disabled") and not value):
            continue
        where = CLI_FLAGS.get(key)
        if where is None:
            raise ConfigError(f"command line: unknown setting {key!r}")
        if key == "ports":
            out[key] = dict(value) if isinstance(value, Mapping) else parse_ports(value, where)
        elif key == "disabled":
            out[key] = [_name(item, where) for item in value]
        elif key in ("data_dir", "snapshots_dir"):
            out[key] = Path(value)
        elif key == "log_level":
            out[key] = _log_level(value, where)
        else:
            out[key] = _name(value, where)
    return out, CLI_FLAGS


def load_settings(
    cli_overrides: Mapping[str, Any] | None = None,
    config_path: Path | None = None,
    environ: Mapping[str, str] = os.environ,
    *,
    known_plugins: Iterable[str] | None = None,
) -> Settings:
    """Merge defaults < TOML file < `VECTORIZER_*` env vars < `cli_overrides` into Settings.

    `config_path` falls back to `$VECTORIZER_CONFIG`. `cli_overrides` keys are Settings
    field names; None (or an empty `ports`/`disabled`) means "not given"; `ports` may be
    a dict or a list of `NAME=PORT` strings. With `known_plugins`, a plugin name in
    `ports`, `disabled` or `plugins` that is not among them is an error too.
    Raises ConfigError, naming the key and where it came from, on any bad value.
    """
    if config_path is None and environ.get(ENV_CONFIG):
        config_path = Path(environ[ENV_CONFIG])
    known = sorted(known_plugins) if known_plugins is not None else None
    layers = [_from_file(config_path)] if config_path is not None else []
    layers += [_from_env(environ), _from_cli(cli_overrides or {})]

    settings = Settings(config_file=config_path)
    for layer, sources in layers:
        if known is not None:
            for key in ("ports", "disabled", "plugins"):
                _check_names(layer.get(key, ()), known, sources.get(key, key))
        for key, value in layer.items():
            if key == "ports":
                settings.ports.update(value)
            elif key == "disabled":
                settings.disabled += [n for n in value if n not in settings.disabled]
            elif key == "plugins":
                for name, table in value.items():
                    settings.plugins.setdefault(name, {}).update(table)
            else:
                setattr(settings, key, value)
    return settings


def _check_names(names: Iterable[str], known: list[str], source: str) -> None:
    for name in names:
        if name not in known:
            listed = ", ".join(known) or "none installed"
            raise ConfigError(f"{source}: unknown plugin {name!r} (known: {listed})")
