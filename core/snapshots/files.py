"""Snapshot files on disk: names, checksums, listings and atomic writes.

Each snapshot file has a `<file>.checksum` sidecar holding its SHA-256 (hex). A file is
written under a hidden temporary name and renamed into place, so a listed snapshot is
always whole.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from vectorizer.errors import BadRequest

SUFFIX = ".snapshot"
CHECKSUM_SUFFIX = ".checksum"
FULL_PREFIX = "full-snapshot"
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class SnapshotDescription:
    """A snapshot file, as Qdrant's `SnapshotDescription` reports it."""

    name: str
    creation_time: dt.datetime | None
    """The file's modification time, naive UTC."""
    size: int
    checksum: str | None


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_checksum_format(checksum: str) -> None:
    """Raise BadRequest unless `checksum` looks like a SHA-256 digest (64 hex characters)."""
    if not _SHA256.match(checksum):
        raise BadRequest(
            "Wrong input: checksum must be a SHA-256 digest (64 hexadecimal characters)"
        )


def check_checksum(path: Path, expected: str) -> None:
    """Raise BadRequest unless the file's SHA-256 is `expected` (hex, any case)."""
    check_checksum_format(expected)
    actual = sha256_file(path)
    if actual != expected.lower():
        raise BadRequest(
            f"Wrong input: Snapshot checksum mismatch: expected {expected}, got {actual}"
        )


def plain_name(name: str, what: str = "snapshot name") -> str:
    """`name` if it is a plain file name (no folder part, not `.`/`..`, no NUL)."""
    if not name or name in (".", "..") or any(c in name for c in "/\\\x00"):
        raise BadRequest(f"Wrong input: {what} {name!r} must be a plain file name")
    return name


def timestamp() -> str:
    """The current UTC time as a snapshot name carries it: `YYYY-MM-DD-HH-MM-SS`."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S")


def checksum_path(path: Path) -> Path:
    """The `<file>.checksum` sidecar of a snapshot file."""
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` under a hidden temporary name, then rename it into place."""
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with partial.open("w", encoding="ascii") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def describe(path: Path) -> SnapshotDescription:
    """The description of a snapshot file (its checksum from the sidecar, if any)."""
    stat = path.stat()
    try:
        checksum: str | None = checksum_path(path).read_text(encoding="ascii").strip()
    except OSError:
        checksum = None
    created = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(tzinfo=None)
    return SnapshotDescription(path.name, created.replace(microsecond=0), stat.st_size, checksum)


def list_folder(folder: Path) -> list[SnapshotDescription]:
    """The whole snapshot files in `folder`, by name (none when it does not exist)."""
    found = []
    with contextlib.suppress(FileNotFoundError):
        for path in sorted(folder.iterdir()):
            if path.suffix == SUFFIX and not path.name.startswith(".") and path.is_file():
                with contextlib.suppress(FileNotFoundError):  # deleted meanwhile
                    found.append(describe(path))
    return found
