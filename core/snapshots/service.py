"""The engine's snapshots (`engine.snapshots`): create, list, delete and recover them.

Files live under the snapshots directory given to the engine (a temporary folder when
none is), laid out as the package docstring shows.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from vectorizer.errors import BadRequest, CollectionNotFound, NotFound
from vectorizer.names import validate_collection_name
from vectorizer.snapshots.archive import Archive, write_archive
from vectorizer.snapshots.files import (
    FULL_PREFIX,
    SUFFIX,
    SnapshotDescription,
    check_checksum,
    check_checksum_format,
    checksum_path,
    describe,
    list_folder,
    plain_name,
    timestamp,
)

if TYPE_CHECKING:
    from vectorizer.collection import Collection
    from vectorizer.engine import Engine

log = logging.getLogger(__name__)


class Snapshots:
    """Create, list, delete and recover snapshots of one engine (`engine.snapshots`)."""

    def __init__(self, engine: Engine, root: Path | str | None = None) -> None:
        self._engine = weakref.ref(engine)  # the engine holds this (`engine.snapshots`)
        self._root = None if root is None else Path(root)
        self._lock = threading.Lock()
        self._reserved: set[Path] = set()

    @property
    def engine(self) -> Engine:
        engine = self._engine()
        assert engine is not None, "the engine is gone"
        return engine

    @property
    def root(self) -> Path:
        """The snapshots directory; without one, a temporary folder made on first use."""
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="vectorizer-snapshots-"))
                log.warning(
                    "No snapshots directory configured; writing snapshots to %s", self._root
                )
            return self._root

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
        with self._reserve(folder, f"{stem}-{timestamp()}") as target:
            self._write(target, "collection", [collection])
            return describe(target)

    def list_snapshots(
        self, collection_name: str, shard: int | None = None
    ) -> list[SnapshotDescription]:
        """The snapshots of an existing collection (or alias)."""
        name = self.engine.get_collection(collection_name).name
        return list_folder(self.folder(name, shard))

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
        with self._reserve(self.root, f"{FULL_PREFIX}-{timestamp()}") as target:
            self._write(target, "full", collections)
            return describe(target)

    def list_full(self) -> list[SnapshotDescription]:
        return list_folder(self.root)

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
        checksum_path(path).unlink(missing_ok=True)
        return True

    # ------------------------------------------------------------------ writing

    def _write(self, target: Path, kind: str, collections: list[Collection]) -> None:
        """Write the archive of `collections` to `target` (temp file, then rename)."""
        write_archive(target, kind, collections, self.engine.list_aliases())

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
        with Archive(source) as archive:
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
        with Archive(source) as archive:
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
