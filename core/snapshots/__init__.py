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
  raw vector bytes are each column's stored form (`vectorizer.collection.vectors.columns`:
  dense and multi rows at the datatype, sparse uint32 indices then float32 values) in the
  manifest's byte order.

A snapshot is read under the collection's read lock, so it is one consistent state. A
recovery checks the checksum (when given) and reads the whole archive once to validate it
before anything changes; then `Engine.install_collection` replaces the collection.

The engine owns one `Snapshots` (`engine.snapshots`), its directory given when the
engine is made. Modules: `files` (names, checksums, listings), `archive` (the format),
`service` (`Snapshots`).
"""

from __future__ import annotations

from vectorizer.snapshots.archive import FORMAT, FORMAT_VERSION, MANIFEST
from vectorizer.snapshots.files import (
    SnapshotDescription,
    check_checksum,
    check_checksum_format,
    plain_name,
    sha256_file,
)
from vectorizer.snapshots.service import Snapshots

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "SnapshotDescription",
    "Snapshots",
    "check_checksum",
    "check_checksum_format",
    "plain_name",
    "sha256_file",
]
