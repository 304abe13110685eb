"""The engine: collections and aliases over a durable store, and the background indexer."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
import pluggy

from vectorizer.collection import Collection
from vectorizer.collection.vectors.columns import check_vector_kinds
from vectorizer.collection.verify import StrictMode
from vectorizer.config_json import (
    check_strict_mode,
    config_from_dict,
    config_to_dict,
)
from vectorizer.errors import (
    AlreadyExists,
    BadRequest,
    CollectionNotFound,
    Locked,
    NotFound,
    StorageError,
    VectorizerError,
)
from vectorizer.filters.ast import ConditionKind
from vectorizer.indexer import Indexer
from vectorizer.models import (
    AliasAction,
    CollectionConfig,
    CollectionUpdate,
    CreateAlias,
    DeleteAlias,
    HnswConfigDiff,
    RenameAlias,
    StrictModeConfig,
    missing_vector,
)
from vectorizer.names import validate_collection_name
from vectorizer.request_stats import RequestStats
from vectorizer.snapshots import Snapshots
from vectorizer.storage import StorageBackend, Store, StoredPoint
from vectorizer.text import TextCollections

__all__ = ["Collection", "Engine", "validate_collection_name"]

log = logging.getLogger(__name__)


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _check_supported(config: CollectionConfig) -> None:
    """Refuse, at creation, vector params that could not be stored."""
    check_vector_kinds(config)
    for name, params in config.params.vectors.items():
        if params.size < 1:
            raise BadRequest(f"Wrong input: vector size of {name!r} must be at least 1")
        hnsw = config.hnsw_for(name)
        if (hnsw.m < 2 and hnsw.m != 0) or hnsw.ef_construct < 4:
            raise BadRequest("Wrong input: hnsw_config needs m >= 2 and ef_construct >= 4")
    check_strict_mode(config.strict_mode_config)  # a setting out of its bounds: 400


def _merge_diff(obj: Any, diff: dict[str, Any] | None, section: str) -> Any:
    """A copy of dataclass `obj` with the non-null fields of `diff` applied."""
    if not diff:
        return obj
    names = {f.name for f in dataclasses.fields(obj)}
    unknown = set(diff) - names
    if unknown:
        raise BadRequest(
            f"Wrong input: unknown field(s) in {section}: {', '.join(sorted(unknown))}"
        )
    merged = {**msgspec.to_builtins(obj), **{k: v for k, v in diff.items() if v is not None}}
    try:
        return msgspec.convert(merged, type(obj))
    except msgspec.ValidationError as exc:
        raise BadRequest(f"Wrong input: {section}: {exc}") from None


def _check_init_from(source: CollectionConfig, target: CollectionConfig) -> None:
    """Qdrant's check of `init_from`: both unnamed or both named, and every vector of the
    source in the target with the same size and distance (the target may have more)."""

    def problem() -> str | None:
        have, want = source.params.vectors, target.params.vectors
        if source.unnamed != target.unnamed:
            names, others = ", ".join(have), ", ".join(want)
            return f"origin collection have vectors [{names}], while other vectors [{others}]"
        for vname, params in have.items():
            other = want.get(vname)
            if other is None:
                return f"origin collection have vector {vname}, while other collection does not"
            if params.size != other.size:
                return (
                    f"origin vector {vname} size: {params.size}, "
                    f"while other vector size: {other.size}"
                )
            if params.distance != other.distance:
                return (
                    f"origin vector {vname} distance: {params.distance}, "
                    f"while other vector distance: {other.distance}"
                )
        return None

    found = problem()
    if found is not None:
        raise BadRequest(f"Wrong input: Vectors configuration is not compatible: {found}")


BUILTIN_CONDITION_KEYS = frozenset(
    {
        "key", "match", "range", "geo_bounding_box", "geo_radius", "geo_polygon",
        "values_count", "is_empty", "is_null", "has_id", "has_vector", "nested",
        "must", "should", "must_not", "min_should",
    }
)  # fmt: skip


def _condition_kinds(pm: pluggy.PluginManager | None) -> dict[str, ConditionKind]:
    """Condition kinds that plugins add, by the JSON property that introduces them."""
    kinds: dict[str, ConditionKind] = {}
    if pm is None:
        return kinds

    def register(kind: ConditionKind) -> None:
        if kind.name in BUILTIN_CONDITION_KEYS:
            raise BadRequest(f"Filter condition name {kind.name!r} is built in")
        kinds.setdefault(kind.name, kind)

    pm.hook.register_filter_conditions(register=register)
    return kinds


class Engine:
    """All collections of one data directory. Open with `Engine.open`, then `close`.

    Its services are attributes: `texts` (the text collections, `vectorizer.text`) and
    `snapshots` (`vectorizer.snapshots`, writing to `snapshots_dir`; None: a temporary
    folder made on first use)."""

    def __init__(
        self,
        store: Store,
        *,
        pm: pluggy.PluginManager | None = None,
        snapshots_dir: Path | str | None = None,
    ) -> None:
        self.store = store
        self.pm = pm
        self._lock = threading.RLock()
        self._collections: dict[str, Collection] = {}
        self._aliases: dict[str, str] = {}
        self.indexer = Indexer()
        self.request_stats = RequestStats()  # what the APIs answered, for telemetry
        self._write_locked = False
        self._write_lock_message: str | None = None
        self.condition_kinds = _condition_kinds(pm)
        self.texts = TextCollections(self)
        self.snapshots = Snapshots(self, snapshots_dir)
        for stored in store.load_collections():
            started = time.perf_counter()
            collection = self._make(stored.name, config_from_dict(stored.config))
            collection.next_operation_id = stored.next_operation_id
            collection.load()
            collection.init_time_ms = _elapsed_ms(started)
            self._collections[stored.name] = collection
        self._aliases = store.load_aliases()
        self.indexer.start()

    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        *,
        pm: pluggy.PluginManager | None = None,
        storage: str = "sqlite",
        snapshots_dir: Path | str | None = None,
    ) -> Engine:
        """Open (creating if needed) the store in `data_dir` with the named backend;
        snapshots go to `snapshots_dir` (default `<data_dir>/snapshots`)."""
        backends: dict[str, StorageBackend] = {}
        if pm is None:
            from vectorizer.storage import builtin

            builtin.register_storage_backends(lambda b: backends.setdefault(b.name, b))
        else:
            pm.hook.register_storage_backends(register=lambda b: backends.setdefault(b.name, b))
        if storage not in backends:
            known = ", ".join(sorted(backends))
            raise StorageError(f"Unknown storage backend {storage!r} (known: {known})")
        snapshots = Path(snapshots_dir or Path(data_dir) / "snapshots")
        return cls(backends[storage].open(Path(data_dir)), pm=pm, snapshots_dir=snapshots)

    def close(self) -> None:
        """Stop indexing, save every index that changed, close the store."""
        self.indexer.stop()
        with self._lock:
            for collection in self._collections.values():
                try:
                    collection.save_indexes()
                except OSError as exc:  # derived data: losing it only costs a rebuild
                    log.warning("Could not save index of %s: %s", collection.name, exc)
            self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _make(self, name: str, config: CollectionConfig) -> Collection:
        return Collection(
            name,
            config,
            self.store,
            pm=self.pm,
            notify_indexer=self.indexer.notify,
            check_writable=self.check_writable,
            infer=self._infer,
        )

    def _infer(self, name: str, using: str, documents: list[Any], query: bool) -> list[Any]:
        """Server-side inference for a collection's Document inputs (`vectorizer.text`)."""
        return self.texts.infer(name, using, documents, query=query)

    # ------------------------------------------------------------------ write lock

    def set_write_lock(self, locked: bool, message: str | None = None) -> tuple[bool, str | None]:
        """Lock or unlock every write on this server (Qdrant's `/locks`); returns the
        previous state. While locked, writes fail with `Locked` carrying `message`."""
        with self._lock:
            previous = (self._write_locked, self._write_lock_message)
            self._write_locked, self._write_lock_message = locked, message
            return previous

    @property
    def write_lock(self) -> tuple[bool, str | None]:
        return self._write_locked, self._write_lock_message

    def check_writable(self) -> None:
        """Raise `Locked` while writes are locked."""
        if self._write_locked:
            raise Locked(self._write_lock_message or "Write operations are forbidden")

    # ------------------------------------------------------------------ collections

    def create_collection(
        self, name: str, config: CollectionConfig, init_from: str | None = None
    ) -> None:
        """Create a collection. `init_from` names a collection (or alias) whose payload
        indexes and points (vectors and payload) are copied in, as Qdrant's `init_from`
        does; its vectors must fit the new config. A failed copy removes the collection."""
        self.check_writable()
        validate_collection_name(name)
        _check_supported(config)
        source = None
        with self._lock:
            if name in self._collections:
                raise AlreadyExists(f"Wrong input: Collection `{name}` already exists!")
            if name in self._aliases:  # Qdrant: a bad input (400), not a conflict
                raise BadRequest(
                    f"Wrong input: Can't create collection with name {name}. "
                    "Alias with the same name already exists"
                )
            if init_from is not None:
                source = self.get_collection(init_from)
                _check_init_from(source.config, config)
                indexes = dict(source.config.payload_indexes)
                config = dataclasses.replace(config, payload_indexes=indexes)
            started = time.perf_counter()
            self.store.create_collection(name, config_to_dict(config))
            self._collections[name] = collection = self._make(name, config)
            collection.init_time_ms = _elapsed_ms(started)
        if self.pm is not None:
            self.pm.hook.collection_created(engine=self, name=name)
        if source is not None:
            try:
                collection.copy_points_from(source)
            except BaseException:
                with contextlib.suppress(VectorizerError):
                    self.delete_collection(name)
                raise

    def delete_collection(self, name: str) -> bool:
        """Delete a collection and the aliases to it; False when there was none."""
        self.check_writable()
        with self._lock:
            collection = self._collections.get(name)
            if collection is None:
                return False
            self.store.drop_collection(name)
            collection.dropped = True
            del self._collections[name]
            self._aliases = {a: c for a, c in self._aliases.items() if c != name}
        if self.pm is not None:
            self.pm.hook.collection_deleted(engine=self, name=name)
        return True

    def get_collection(self, name: str) -> Collection:
        """The collection called `name`, or the one the alias `name` points at."""
        with self._lock:
            collection = self._collections.get(name) or self._collections.get(
                self._aliases.get(name, "")
            )
        if collection is None:
            raise CollectionNotFound(name)
        return collection

    def collection_exists(self, name: str) -> bool:
        with self._lock:
            return name in self._collections or self._aliases.get(name) in self._collections

    def list_collections(self) -> list[str]:
        with self._lock:
            return list(self._collections)

    def update_collection(self, name: str, update: CollectionUpdate) -> None:
        """Apply a partial config update; HNSW changes rebuild the affected indexes."""
        self.check_writable()
        collection = self.get_collection(name)
        with self._lock:
            old = collection.config
            new = dataclasses.replace(old)
            new.params = _merge_diff(old.params, update.params, "params")
            new.hnsw_config = _merge_diff(
                old.hnsw_config,
                update.hnsw_config.given() if update.hnsw_config is not None else None,
                "hnsw_config",
            )
            new.optimizer_config = _merge_diff(
                old.optimizer_config, update.optimizers_config, "optimizers_config"
            )
            if update.quantization_config is not None:
                new.quantization_config = update.quantization_config
            if update.disable_quantization:
                new.quantization_config = None
            if update.strict_mode_config is not None:
                base = old.strict_mode_config or StrictModeConfig()
                new.strict_mode_config = base.merged(update.strict_mode_config)
            if update.metadata is not None:
                new.metadata = {**(old.metadata or {}), **update.metadata}
            vectors = dict(new.params.vectors)
            for vname, diff in (update.vectors or {}).items():
                params = old.vector_params(vname)
                changes: dict[str, Any] = {}
                if diff.on_disk is not None:
                    changes["on_disk"] = diff.on_disk
                if diff.quantization_config is not None:
                    changes["quantization_config"] = diff.quantization_config
                if diff.disable_quantization:
                    changes["quantization_config"] = None
                if diff.hnsw_config is not None:
                    base = params.hnsw_config or HnswConfigDiff()
                    changes["hnsw_config"] = base.merged(diff.hnsw_config)
                vectors[vname] = dataclasses.replace(params, **changes)
            sparse = dict(old.sparse_vectors)
            for sname, sparse_diff in (update.sparse_vectors or {}).items():
                if sname not in sparse:
                    raise missing_vector(sname)
                sparse[sname] = sparse[sname].merged(sparse_diff)
            new.params = dataclasses.replace(
                new.params, vectors=vectors, sparse_vectors=sparse or old.params.sparse_vectors
            )
            _check_supported(new)
            self.store.save_config(collection.name, config_to_dict(new))
            collection.config = new
            if update.strict_mode_config is not None:
                collection.strict = StrictMode(new.strict_mode_config)  # fresh rate limiters
        for vname in new.params.vectors:
            before, after = old.hnsw_for(vname), new.hnsw_for(vname)
            if (before.m, before.ef_construct) != (after.m, after.ef_construct):
                collection.drop_index(vname)
        self.indexer.notify(collection)

    # ------------------------------------------------------------------ aliases

    def update_aliases(self, actions: list[AliasAction]) -> None:
        """Apply alias actions in order, all or nothing."""
        self.check_writable()
        with self._lock:
            aliases = dict(self._aliases)
            for action in actions:
                if isinstance(action, CreateAlias):
                    validate_collection_name(action.alias_name)
                    if action.collection_name not in self._collections:
                        raise CollectionNotFound(action.collection_name)
                    if action.alias_name in self._collections:
                        raise AlreadyExists(
                            f"Wrong input: Collection `{action.alias_name}` already exists!"
                        )
                    aliases[action.alias_name] = action.collection_name
                elif isinstance(action, DeleteAlias):
                    if aliases.pop(action.alias_name, None) is None:
                        raise NotFound(f"Not found: Alias {action.alias_name} does not exist!")
                elif isinstance(action, RenameAlias):
                    if action.old_alias_name not in aliases:
                        raise NotFound(f"Not found: Alias {action.old_alias_name} does not exist!")
                    validate_collection_name(action.new_alias_name)
                    aliases[action.new_alias_name] = aliases.pop(action.old_alias_name)
                else:
                    raise BadRequest(f"Wrong input: unknown alias action {action!r}")
            self.store.save_aliases(aliases)
            self._aliases = aliases

    def list_aliases(self, collection: str | None = None) -> list[tuple[str, str]]:
        """(alias, collection) pairs, for every collection or just `collection`."""
        with self._lock:
            return sorted(
                (a, c) for a, c in self._aliases.items() if collection is None or c == collection
            )

    # ------------------------------------------------------------------ snapshots
    # What `vectorizer.snapshots` needs from the engine; the archive format lives there.

    def install_collection(
        self,
        name: str,
        config: CollectionConfig,
        next_operation_id: int,
        batches: Iterable[list[StoredPoint]],
        aliases: Iterable[str] = (),
        *,
        must_exist: bool = False,
    ) -> None:
        """Install a collection recovered from a snapshot, replacing the one called `name`
        (whose vectors config must be the same, as Qdrant requires; its aliases stay).

        The new collection is registered at once but write-locked until every batch is
        stored and loaded, so other collections keep serving meanwhile. Each of `aliases`
        is pointed at it unless it names another collection or an alias of one. Should a
        write fail, the new collection is removed (the replaced one is gone by then, so
        check `batches` beforehand). `must_exist`: refuse when there is no such collection.
        """
        self.check_writable()
        validate_collection_name(name)
        _check_supported(config)
        aliases = list(aliases)
        for alias in aliases:
            validate_collection_name(alias)
        with self._lock:
            old = self._collections.get(name)
            if old is None and (must_exist or name in self._aliases):
                if must_exist:
                    raise CollectionNotFound(name)
                raise AlreadyExists(f"Wrong input: Alias `{name}` already exists!")
            if old is not None and old.config.params.vectors != config.params.vectors:
                have = msgspec.to_builtins(old.config.params.vectors)
                got = msgspec.to_builtins(config.params.vectors)
                raise BadRequest(
                    "Wrong input: Snapshot is not compatible with existing collection: "
                    f"Collection vectors: {have} Snapshot Vectors: {got}"
                )
            if old is not None:
                self.store.drop_collection(name)
                old.dropped = True
                del self._collections[name]
            started = time.perf_counter()
            self.store.create_collection(name, config_to_dict(config))
            collection = self._make(name, config)
            collection.next_operation_id = next_operation_id
            write_lock = collection.lock.gen_wlock()
            write_lock.acquire()
            self._collections[name] = collection
        try:
            for batch in batches:
                self.store.write_points(name, next_operation_id, batch, [])
            self.store.write_points(name, next_operation_id, [], [])
            collection.load()
            collection.init_time_ms = _elapsed_ms(started)
        except BaseException:
            collection.dropped = True
            with self._lock:
                if self._collections.get(name) is collection:
                    del self._collections[name]
                    self._aliases = {a: c for a, c in self._aliases.items() if c != name}
                    with contextlib.suppress(VectorizerError):
                        self.store.drop_collection(name)
            raise
        finally:
            write_lock.release()
        with self._lock:
            merged = dict(self._aliases)  # the store dropped the old collection's aliases
            for alias in aliases:
                current = merged.get(alias, name)
                if alias in self._collections or (current != name and current in self._collections):
                    log.warning("Snapshot alias %s of %s is taken; not restored", alias, name)
                    continue
                merged[alias] = name
            self.store.save_aliases(merged)
            self._aliases = merged
        if self.pm is not None:
            if old is not None:
                self.pm.hook.collection_deleted(engine=self, name=name)
            self.pm.hook.collection_created(engine=self, name=name)
