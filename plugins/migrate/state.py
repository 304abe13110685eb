"""Resume state: how far each collection of a migration got, saved after every batch."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

VERSION = 1


@dataclass
class Progress:
    """One collection: the scroll offset to continue from (None: from the start, or done)."""

    offset: int | str | None = None
    copied: int = 0
    done: bool = False


@dataclass
class State:
    source: str
    target: str
    collections: dict[str, Progress] = field(default_factory=dict)

    def of(self, name: str) -> Progress:
        return self.collections.setdefault(name, Progress())


class StateFile:
    """A JSON file written atomically (temp file, then rename)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, source: str, target: str) -> State:
        """The saved state of this source and target; a fresh one if there is none."""
        if not self.path.exists():
            return State(source, target)
        data: dict[str, Any] = json.loads(self.path.read_text())
        if data.get("version") != VERSION:
            raise ValueError(f"{self.path}: unknown state file version {data.get('version')}")
        if (data["source"], data["target"]) != (source, target):
            raise ValueError(
                f"{self.path} records a migration from {data['source']} to {data['target']}, "
                f"not from {source} to {target}"
            )
        collections = {k: Progress(**v) for k, v in data["collections"].items()}
        return State(source, target, collections)

    def save(self, state: State) -> None:
        data = {"version": VERSION, **asdict(state)}
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
