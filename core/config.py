"""Server settings, merged from defaults, a TOML config file, VECTORIZER_* env vars and CLI flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Settings:
    """Everything `vectorizer serve` is configured with.

    `ports` maps a plugin's entry-point name to the port it listens on (overriding the
    plugin's default); `plugins` holds each plugin's own config-file section.
    """

    host: str = "127.0.0.1"
    data_dir: Path = Path("vectorizer_data")
    ports: dict[str, int] = field(default_factory=dict)
    disabled: list[str] = field(default_factory=list)
    storage: str = "sqlite"
    log_level: str = "info"
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
