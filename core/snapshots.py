"""Snapshots: a collection, or every collection, in one archive file; and recovery.

Files live under the engine's snapshots directory, laid out like Qdrant's:

    <snapshots_dir>/<collection>/<collection>-<YYYY-MM-DD-HH-MM-SS>.snapshot
    <snapshots_dir>/<collection>/shards/0/<collection>-shard-0-<...>.snapshot
    <snapshots_dir>/full-snapshot-<YYYY-MM-DD-HH-MM-SS>.snapshot

each with a `<file>.checksum` sidecar holding its SHA-256 (hex). A file is written under
a hidden temporary name and renamed into place, so a listed snapshot is always whole.

The format is Vectorizer's own (not Qdrant's segments): an uncompressed tar holding

* `manifest.json` - `{"format": "vectorizer-snapshot", "format_version": 1, "kind":
  "collection" | "full", "created_at", "vectorizer_version", "byte_order", "collections":
  [{"name", "config" (as `config_to_dict`, payload index specs included),
  "next_operation_id", "points", "points_file", "aliases"}]}`;
* one points file per collection: frames of a 4-byte big-endian length and a msgpack
  array of records `[id, version, {vector name: [version, raw bytes]}, payload JSON or
  nil]`; an id is an unsigned integer or a UUID string (its kind is the msgpack type),
  raw vector bytes are each column's stored form (`vectorizer.columns`: dense and multi
  rows at the datatype, sparse uint32 indices then float32 values) in the manifest's
  byte order.

A snapshot is read under the collection's read lock, so it is one consistent state. A
recovery checks the checksum (when given) and reads the whole archive once to validate it
before anything changes; then `Engine.install_collection` replaces the collection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import re
import sys
import tarfile
import tempfile
import threading
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

import msgspec

import vectorizer
from vectorizer.collection import Collection
from vectorizer.columns import make_columns
from vectorizer.engine import Engine, validate_collection_name
from vectorizer.errors import BadRequest, CollectionNotFound, NotFound, StorageError
from vectorizer.models import (
    CollectionConfig,
    PointId,
    config_from_dict,
    config_to_dict,
    normalize_point_id,
)
from vectorizer.storage import StoredPoint

__all__ = ["SnapshotDescription", "Snapshots"]

log = logging.getLogger(__name__)

FORMAT = "vectorizer-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUFFIX = ".snapshot"
CHECKSUM_SUFFIX = ".checksum"
FULL_PREFIX = "full-snapshot"
FRAME_POINTS = 512
"""Points per msgpack frame of a points file (and per store write on recovery)."""
MAX_FRAME = 1 << 30
MAX_MANIFEST = 64 << 20
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")

_Record = tuple[int | str, int, dict[str, tuple[int, bytes]], bytes | None]
_encode = msgspec.msgpack.Encoder().encode
_decode_frame = msgspec.msgpack.Decoder(list[_Record]).decode
_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


@dataclass(frozen=True)
class SnapshotDescription:
    """A snapshot file, as Qdrant's `SnapshotDescription` reports it."""

    name: str
    creation_time: dt.datetime | None
    """The file's modification time, naive UTC."""
    size: int
    checksum: str | None


class _ManifestCollection(msgspec.Struct):
    name: str
    config: dict[str, Any]
    next_operation_id: int
    points: int
    points_file: str
    aliases: list[str] = []


class _Manifest(msgspec.Struct):
    format: str
    format_version: int
    kind: str
    created_at: str
    vectorizer_version: str
    byte_order: str
    collections: list[_ManifestCollection]


# ----------------------------------------------------------------------------- helpers


def _corrupt(detail: str) -> BadRequest:
    return BadRequest(f"Wrong input: Not a valid Vectorizer snapshot: {detail}")


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


def _timestamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d-%H-%M-%S")


def _checksum_path(path: Path) -> Path:
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_text_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with partial.open("w", encoding="ascii") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _describe(path: Path) -> SnapshotDescription:
    stat = path.stat()
    try:
        checksum: str | None = _checksum_path(path).read_text(encoding="ascii").strip()
    except OSError:
        checksum = None
    created = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(tzinfo=None)
    return SnapshotDescription(path.name, created.replace(microsecond=0), stat.st_size, checksum)


def _list(folder: Path) -> list[SnapshotDescription]:
    found = []
    with contextlib.suppress(FileNotFoundError):
        for path in sorted(folder.iterdir()):
            if path.suffix == SUFFIX and not path.name.startswith(".") and path.is_file():
                with contextlib.suppress(FileNotFoundError):  # deleted meanwhile
                    found.append(_describe(path))
    return found


class _HashingWriter:
    """A write-only file object that hashes what goes through it (for tarfile's `w|`)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.raw.write(data)


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o644
    return info


def _write_points(points: Iterator[StoredPoint], out: IO[bytes]) -> int:
    """Write points as length-prefixed msgpack frames; returns how many."""
    count = 0
    frame: list[_Record] = []

    def flush() -> None:
        data = _encode(frame)
        out.write(len(data).to_bytes(4, "big"))
        out.write(data)
        frame.clear()

    for point in points:
        payload = None if point.payload is None else _json_encode(point.payload)
        frame.append((point.id, point.version, point.vectors, payload))
        count += 1
        if len(frame) >= FRAME_POINTS:
            flush()
    if frame:
        flush()
    return count


def _read_frames(stream: IO[bytes], where: str) -> Iterator[list[_Record]]:
    while head := stream.read(4):
        size = int.from_bytes(head, "big")
        if len(head) < 4 or size > MAX_FRAME:
            raise _corrupt(f"{where} is truncated or damaged")
        data = stream.read(size)
        if len(data) != size:
            raise _corrupt(f"{where} is truncated")
        try:
            yield _decode_frame(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise _corrupt(f"{where}: {exc}") from None


# ----------------------------------------------------------------------------- reading


@dataclass
class _Entry:
    """One collection of an archive, its config parsed."""

    name: str
    config: CollectionConfig
    next_operation_id: int
    points: int
    points_file: str
    aliases: list[str]


class _Archive:
    """An open snapshot archive: its manifest, and its points read and checked."""

    def __init__(self, path: Path) -> None:
        try:
            self.tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by close()
        except FileNotFoundError:
            raise BadRequest(f'Bad request: Snapshot file "{path}" does not exist') from None
        except (tarfile.TarError, OSError) as exc:
            raise _corrupt(f"not a tar archive ({exc})") from None
        try:
            self.manifest = self._manifest()
            self.entries = [self._entry(c) for c in self.manifest.collections]
        except BaseException:
            self.tar.close()
            raise

    def close(self) -> None:
        self.tar.close()

    def __enter__(self) -> _Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _member(self, name: str, limit: int | None = None) -> IO[bytes]:
        try:
            member = self.tar.getmember(name)
        except KeyError:
            raise _corrupt(f"{name} is missing") from None
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise _corrupt(f"damaged archive ({exc})") from None
        if not member.isfile() or (limit is not None and member.size > limit):
            raise _corrupt(f"{name} is not a regular file of a sensible size")
        stream = self.tar.extractfile(member)
        assert stream is not None
        return stream

    def _manifest(self) -> _Manifest:
        try:
            raw = self._member(MANIFEST, MAX_MANIFEST).read()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise _corrupt(f"{MANIFEST}: damaged archive ({exc})") from None
        try:
            manifest = msgspec.json.decode(raw, type=_Manifest)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise _corrupt(f"{MANIFEST}: {exc}") from None
        if manifest.format != FORMAT:
            raise _corrupt(f"format {manifest.format!r} is not {FORMAT!r}")
        if manifest.format_version != FORMAT_VERSION:
            raise _corrupt(
                f"format version {manifest.format_version} (this Vectorizer reads "
                f"version {FORMAT_VERSION})"
            )
        if manifest.byte_order != sys.byteorder:
            raise _corrupt(f"written on a {manifest.byte_order}-endian machine")
        return manifest

    def _entry(self, item: _ManifestCollection) -> _Entry:
        try:
            config = config_from_dict(item.config)
        except (msgspec.ValidationError, TypeError, ValueError) as exc:
            raise _corrupt(f"config of collection {item.name!r}: {exc}") from None
        return _Entry(
            item.name, config, item.next_operation_id, item.points, item.points_file, item.aliases
        )

    def entry_for(self, name: str) -> _Entry:
        """The one collection of a collection snapshot, or the collection `name` of a full one."""
        if self.manifest.kind != "full" and len(self.entries) == 1:
            return self.entries[0]
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise BadRequest(f"Wrong input: the snapshot holds no collection {name!r}")

    def _records(self, entry: _Entry) -> Iterator[_Record]:
        where = f"points of collection {entry.name!r}"
        try:
            for frame in _read_frames(self._member(entry.points_file), where):
                yield from frame
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise _corrupt(f"{where}: damaged archive ({exc})") from None

    def check(self, entry: _Entry) -> int:
        """Read every point of `entry` once and raise BadRequest on anything that would not
        load; returns the next operation id to use (above every version seen)."""
        columns = make_columns(entry.config, capacity=1)
        seen: set[PointId] = set()
        top = entry.next_operation_id
        for record in self._records(entry):
            point_id, version, vectors, payload = record
            where = f"point {point_id!r} of collection {entry.name!r}"
            try:
                canonical = normalize_point_id(point_id) == point_id
            except BadRequest:
                canonical = False
            if not canonical:
                raise _corrupt(f"{where}: not a point id in canonical form")
            if point_id in seen:
                raise _corrupt(f"{where}: id appears twice")
            seen.add(point_id)
            for vname, (vversion, raw) in vectors.items():
                if vname not in columns:
                    raise _corrupt(f"{where}: vector {vname!r} is not in the config")
                if not columns[vname].valid_raw(raw):
                    raise _corrupt(f"{where}: vector {vname!r} has {len(raw)} bytes")
                top = max(top, vversion + 1)
            if payload is not None:
                try:
                    if not isinstance(_json_decode(payload), dict):
                        raise _corrupt(f"{where}: payload is not a JSON object")
                except msgspec.DecodeError:
                    raise _corrupt(f"{where}: payload is not JSON") from None
            top = max(top, version + 1)
        if len(seen) != entry.points:
            raise _corrupt(f"collection {entry.name!r} has {len(seen)} points, not {entry.points}")
        return top

    def batches(self, entry: _Entry) -> Iterator[list[StoredPoint]]:
        """The points of `entry` as stored points (slots numbered from 0), in batches."""
        batch: list[StoredPoint] = []
        for slot, (point_id, version, vectors, payload) in enumerate(self._records(entry)):
            decoded = None if payload is None else _json_decode(payload)
            batch.append(StoredPoint(point_id, slot, version, dict(vectors), decoded))
            if len(batch) >= FRAME_POINTS:
                yield batch
                batch = []
        if batch:
            yield batch


# ----------------------------------------------------------------------------- the manager

_MANAGERS: weakref.WeakKeyDictionary[Engine, Snapshots] = weakref.WeakKeyDictionary()
_MANAGERS_LOCK = threading.Lock()


class Snapshots:
    """Create, list, delete and recover snapshots of one engine (`Snapshots.of(engine)`)."""

    def __init__(self, engine: Engine, root: Path | None = None) -> None:
        self.engine = engine
        if root is None:
            root = getattr(engine, "snapshots_dir", None)
        if root is None:
            root = Path(tempfile.mkdtemp(prefix="vectorizer-snapshots-"))
            log.warning("No snapshots directory configured; writing snapshots to %s", root)
        self.root = Path(root)
        self._lock = threading.Lock()
        self._reserved: set[Path] = set()

    @classmethod
    def of(cls, engine: Engine) -> Snapshots:
        """The engine's snapshot manager (one per engine, made on first use)."""
        with _MANAGERS_LOCK:
            manager = _MANAGERS.get(engine)
            if manager is None:
                manager = _MANAGERS[engine] = cls(engine)
            return manager

    # ------------------------------------------------------------------ paths

    def folder(self, collection_name: str, shard: int | None = None) -> Path:
        """The folder of a collection's snapshots (of one of its shards, with `shard`)."""
        folder = self.root / plain_name(collection_name, "collection name")
        return folder if shard is None else folder / "shards" / str(shard)

    def _file(self, folder: Path, name: str) -> Path:
        """The snapshot file `name` in `folder`; NotFound unless it is one, in there."""
        plain_name(name)
        missing = NotFound(f"Not found: Snapshot {name} does not exist!")
        if not name.endswith(SUFFIX) or name.startswith("."):
            raise missing
        try:
            resolved = (folder / name).resolve(strict=True)
            inside = resolved.parent == folder.resolve(strict=True)
        except OSError:
            raise missing from None
        if not inside or not resolved.is_file():
            raise missing
        return resolved

    def temp_file(self, prefix: str = "upload") -> Path:
        """A fresh hidden path in the snapshots directory, for an upload or a download
        (the caller removes it)."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / f".{prefix}-{uuid.uuid4().hex}.tmp"

    @contextlib.contextmanager
    def _reserve(self, folder: Path, stem: str) -> Iterator[Path]:
        """A free `<stem>[-N].snapshot` in `folder`, held until the block ends."""
        with self._lock:
            n = 0
            while True:
                target = folder / f"{stem}{f'-{n}' if n else ''}{SUFFIX}"
                if target not in self._reserved and not target.exists():
                    break
                n += 1
            self._reserved.add(target)
        try:
            yield target
        finally:
            with self._lock:
                self._reserved.discard(target)

    # ------------------------------------------------------------------ collection snapshots

    def create(self, collection_name: str, shard: int | None = None) -> SnapshotDescription:
        """Snapshot a collection (or alias) into its snapshots folder."""
        collection = self.engine.get_collection(collection_name)
        name = collection.name
        folder = self.folder(name, shard)
        stem = name if shard is None else f"{name}-shard-{shard}"
        with self._reserve(folder, f"{stem}-{_timestamp()}") as target:
            self._write(target, "collection", [collection])
            return _describe(target)

    def list_snapshots(
        self, collection_name: str, shard: int | None = None
    ) -> list[SnapshotDescription]:
        """The snapshots of an existing collection (or alias)."""
        name = self.engine.get_collection(collection_name).name
        return _list(self.folder(name, shard))

    def path(self, collection_name: str, name: str, shard: int | None = None) -> Path:
        """The file of one snapshot of an existing collection (NotFound otherwise)."""
        collection = self.engine.get_collection(collection_name).name
        return self._file(self.folder(collection, shard), name)

    def delete(self, collection_name: str, name: str, shard: int | None = None) -> bool:
        """Delete one snapshot of an existing collection, and its checksum file."""
        return self._delete(self.path(collection_name, name, shard))

    # ------------------------------------------------------------------ full snapshots

    def create_full(self) -> SnapshotDescription:
        """Snapshot every collection and every alias into one file."""
        collections = []
        for name in self.engine.list_collections():
            with contextlib.suppress(CollectionNotFound):  # deleted meanwhile
                collections.append(self.engine.get_collection(name))
        with self._reserve(self.root, f"{FULL_PREFIX}-{_timestamp()}") as target:
            self._write(target, "full", collections)
            return _describe(target)

    def list_full(self) -> list[SnapshotDescription]:
        return _list(self.root)

    def full_path(self, name: str) -> Path:
        return self._file(self.root, name)

    def delete_full(self, name: str) -> bool:
        return self._delete(self.full_path(name))

    @staticmethod
    def _delete(path: Path) -> bool:
        try:
            path.unlink()
        except FileNotFoundError:
            raise NotFound(f"Not found: Snapshot {path.name} does not exist!") from None
        _checksum_path(path).unlink(missing_ok=True)
        return True

    # ------------------------------------------------------------------ writing

    def _write(self, target: Path, kind: str, collections: list[Collection]) -> None:
        """Write the archive of `collections` to `target` (temp file, then rename)."""
        folder = target.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"Cannot create snapshots folder {folder}: {exc}") from exc
        aliases = self.engine.list_aliases()
        partial = folder / f".{target.name}.{uuid.uuid4().hex}.tmp"
        try:
            with tempfile.TemporaryDirectory(dir=folder, prefix=".tmp-") as tmp:
                files, entries = [], []
                for i, collection in enumerate(collections):
                    local = Path(tmp) / f"points-{i}.bin"
                    with collection.snapshot_view() as (config, next_op, points):
                        with local.open("wb") as out:
                            count = _write_points(points, out)
                        config_dict = config_to_dict(config)
                    entry = _ManifestCollection(
                        name=collection.name,
                        config=config_dict,
                        next_operation_id=next_op,
                        points=count,
                        points_file=f"collections/{i}/points.bin",
                        aliases=[a for a, c in aliases if c == collection.name],
                    )
                    entries.append(entry)
                    files.append((local, entry.points_file))
                manifest = _Manifest(
                    format=FORMAT,
                    format_version=FORMAT_VERSION,
                    kind=kind,
                    created_at=dt.datetime.now(dt.UTC).isoformat(),
                    vectorizer_version=vectorizer.__version__,
                    byte_order=sys.byteorder,
                    collections=entries,
                )
                manifest_path = Path(tmp) / MANIFEST
                manifest_path.write_bytes(msgspec.json.format(msgspec.json.encode(manifest)))
                with partial.open("wb") as raw:
                    hashing = _HashingWriter(raw)
                    with tarfile.open(fileobj=hashing, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                        tar.add(manifest_path, arcname=MANIFEST, filter=_anonymous)
                        for local, arcname in files:
                            tar.add(local, arcname=arcname, filter=_anonymous)
                    raw.flush()
                    os.fsync(raw.fileno())
            # the checksum first, so a visible snapshot always has one (as Qdrant does)
            _write_text_atomically(_checksum_path(target), hashing.digest.hexdigest())
            os.replace(partial, target)
            _fsync_dir(folder)
        except OSError as exc:
            raise StorageError(f"Cannot write snapshot {target.name}: {exc}") from exc
        finally:
            partial.unlink(missing_ok=True)

    # ------------------------------------------------------------------ recovery

    def recover(
        self,
        collection_name: str,
        source: Path,
        checksum: str | None = None,
        *,
        must_exist: bool = False,
    ) -> None:
        """Recover collection `collection_name` from the snapshot file `source`, replacing
        the collection of that name (its vectors config must match, as in Qdrant). With
        `checksum`, the file's SHA-256 must be that first. Nothing changes on any error
        found in the file; `must_exist` (shard recovery) needs the collection to exist."""
        validate_collection_name(collection_name)
        if checksum is not None:
            try:
                check_checksum(source, checksum)
            except FileNotFoundError:
                raise BadRequest(f'Bad request: Snapshot file "{source}" does not exist') from None
        with _Archive(source) as archive:
            entry = archive.entry_for(collection_name)
            next_op = archive.check(entry)
            self.engine.install_collection(
                collection_name,
                entry.config,
                next_op,
                archive.batches(entry),
                entry.aliases,
                must_exist=must_exist,
            )

    def recover_full(self, source: Path, checksum: str | None = None) -> list[str]:
        """Recover every collection (and its aliases) of a snapshot file; returns their names.
        The whole file is checked before any collection is replaced."""
        if checksum is not None:
            check_checksum(source, checksum)
        with _Archive(source) as archive:
            checked = [(entry, archive.check(entry)) for entry in archive.entries]
            for entry, next_op in checked:
                self.engine.install_collection(
                    entry.name, entry.config, next_op, archive.batches(entry), entry.aliases
                )
            return [entry.name for entry, _ in checked]

    def recover_from_location(
        self,
        collection_name: str,
        location: str,
        checksum: str | None = None,
        api_key: str | None = None,
        *,
        shard: int | None = None,
    ) -> None:
        """Recover from a `file://`, `http://` or `https://` URL (Qdrant's `SnapshotRecover`).

        A `file://` path may be anywhere on this machine, as in Qdrant. With `shard`, the
        collection must exist and `location` may also be the plain name of one of that
        shard's snapshots."""
        if checksum is not None:
            check_checksum_format(checksum)
        must_exist = shard is not None
        if must_exist and "://" not in location:
            collection = self.engine.get_collection(collection_name).name
            path = self._file(self.folder(collection, shard), location)
            self.recover(collection_name, path, checksum, must_exist=True)
            return
        url = urlsplit(location)
        scheme = url.scheme.lower()
        if scheme == "file":
            if url.netloc not in ("", "localhost"):
                raise BadRequest(
                    "Bad request: Invalid snapshot URI, file path must be absolute or on localhost"
                )
            path = Path(unquote(url.path))
            if not path.is_absolute():
                raise BadRequest(
                    "Bad request: Invalid snapshot URI, file path must be absolute or on localhost"
                )
            if not path.is_file():
                raise BadRequest(f'Bad request: Snapshot file "{path}" does not exist')
            self.recover(collection_name, path, checksum, must_exist=must_exist)
        elif scheme in ("http", "https"):
            validate_collection_name(collection_name)
            download = self.temp_file("download")
            try:
                self._download(location, download, api_key)
                self.recover(collection_name, download, checksum, must_exist=must_exist)
            finally:
                download.unlink(missing_ok=True)
        else:
            raise BadRequest(
                f"Bad request: URL {location} with scheme {url.scheme or '(none)'} is not supported"
            )

    @staticmethod
    def _download(url: str, target: Path, api_key: str | None) -> None:
        import httpx

        headers = {"api-key": api_key} if api_key else {}
        timeout = httpx.Timeout(30.0, read=300.0)
        try:
            with (
                httpx.stream(
                    "GET", url, headers=headers, timeout=timeout, follow_redirects=True
                ) as response,
                target.open("wb") as out,
            ):
                if response.status_code != 200:
                    raise BadRequest(
                        f"Bad request: Failed to download snapshot from {url}: "
                        f"status - {response.status_code} {response.reason_phrase}"
                    )
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
        except httpx.HTTPError as exc:
            raise BadRequest(
                f"Bad request: Failed to download snapshot from {url}: {exc}"
            ) from None
