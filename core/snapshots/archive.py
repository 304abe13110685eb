"""The snapshot archive: Vectorizer's own format, written and read back.

An uncompressed tar holding `manifest.json` and one points file per collection (the
package docstring describes both). `write_archive` writes one under a temporary name;
`Archive` opens one and reads every point once to check it before a recovery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import msgspec

from vectorizer.collection.vectors.columns import make_columns
from vectorizer.config_json import (
    config_from_dict,
    config_to_dict,
)
from vectorizer.errors import BadRequest, StorageError
from vectorizer.models import (
    CollectionConfig,
    PointId,
    normalize_point_id,
)
from vectorizer.snapshots.files import checksum_path, fsync_dir, write_text_atomically
from vectorizer.storage import StoredPoint

if TYPE_CHECKING:
    from vectorizer.collection import Collection

FORMAT = "vectorizer-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FRAME_POINTS = 512
"""Points per msgpack frame of a points file (and per store write on recovery)."""
MAX_FRAME = 1 << 30
MAX_MANIFEST = 64 << 20

_Record = tuple[int | str, int, dict[str, tuple[int, bytes]], bytes | None]
_encode = msgspec.msgpack.Encoder().encode
_decode_frame = msgspec.msgpack.Decoder(list[_Record]).decode
_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


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


def _vectorizer_version() -> str:
    """The installed Vectorizer's version, recorded in the manifest."""
    try:
        return metadata.version("vectorizer")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


# ----------------------------------------------------------------------------- helpers


def _corrupt(detail: str) -> BadRequest:
    return BadRequest(f"Wrong input: Not a valid Vectorizer snapshot: {detail}")


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


class Archive:
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

    def __enter__(self) -> Archive:
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


# ----------------------------------------------------------------------------- writing


def write_archive(
    target: Path, kind: str, collections: list[Collection], aliases: list[tuple[str, str]]
) -> None:
    """Write the archive of `collections` to `target` (temp file, then rename);
    `aliases` are (alias, collection) pairs, each kept with its collection."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"Cannot create snapshots folder {folder}: {exc}") from exc
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
                vectorizer_version=_vectorizer_version(),
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
        write_text_atomically(checksum_path(target), hashing.digest.hexdigest())
        os.replace(partial, target)
        fsync_dir(folder)
    except OSError as exc:
        raise StorageError(f"Cannot write snapshot {target.name}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
