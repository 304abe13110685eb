"""Qdrant's "service" endpoints: locks, metrics, telemetry, issues and cluster status.

Everything answered here is read from the engine at request time; nothing is invented:

* `GET/POST /locks` - the engine's write lock (`POST` answers the *previous* state, as
  Qdrant does). A write while locked fails with `Locked`, HTTP 403 (see `wire/errors.py`).
* `GET /telemetry` - `TelemetryData`. `requests` holds the durations of the requests each
  API answered (`vectorizer.request_stats`; REST by `"METHOD /path"` and status, gRPC by
  method; keyed by Qdrant's route patterns). Vectorizer keeps no memory allocator
  statistics or hardware counters, so from level 1 (where Qdrant has them) `memory` and
  `hardware` are `null` (the spec allows it) rather than made-up zeros. With
  `details_level = 1` every collection is listed in the aggregated form (`vectors`,
  `optimizers_status`, `params`); from level 2 in the full form (`id`, `init_time_ms`
  as the engine measured creating or loading it, `config`), from level 3 with its one
  local shard; from level 4 the shard's one segment (`_segment_telemetry`): a collection
  is one appendable segment in Qdrant's terms, measured by `Collection.segment_info`.
* `GET /metrics` - Prometheus text format (0.0.4), from a registry owned by this app
  (never prometheus-client's global one). Metric names follow Qdrant's `/metrics` where
  Qdrant has one:

  ========================================= =====================================================
  `app_info{name,version}`                  1; `name` "qdrant", `version` the Qdrant version
                                            spoken (as Qdrant labels it: dashboards select it)
  `vectorizer_info{version}`                1; Vectorizer's own version (ours)
  `cluster_enabled`                         0: Vectorizer is a single node
  `collections_total`                       number of collections
  `collections_vector_total`                number of vectors in all collections
  `collections_full_total`                  collections reported in full by `/telemetry` (0)
  `collections_aggregated_total`            collections reported aggregated (all of them)
  `collections_points_total`                number of points in all collections (ours)
  `collection_points{collection}`           points of one collection (ours)
  `collection_vectors{collection}`          vectors of one collection (ours)
  ========================================= =====================================================

  With `anonymize=true` the `collection` label is a hash of the name, not the name.
* `GET /issues` answers `{"issues": []}` and `DELETE /issues` `true`: Vectorizer records
  no performance issues.
* `GET /cluster` answers `{"status": "disabled"}`; `GET /collections/{name}/cluster` one
  local shard (id 0, `Active`) holding all the collection's points.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, delete, get, post
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

import vectorizer
from vectorizer import Engine, SegmentInfo
from vectorizer.errors import BadRequest, NotFound
from vectorizer.models import (
    CollectionConfig,
    CollectionInfo,
    SparseIndexParams,
    SparseVectorParams,
)
from vectorizer_qdrant_rest.endpoints.base import (
    ENGINE_OPT,
    C,
    respond,
)
from vectorizer_qdrant_rest.wire import structs
from vectorizer_qdrant_rest.wire.collections import collection_config_out, multivector_config_out
from vectorizer_qdrant_rest.wire.errors import JSON, error_response

APP_NAME = "vectorizer"
QDRANT_NAME = "qdrant"
"""`app_info`'s `name`, as Qdrant's metrics have it."""
STATE_OPT = "vectorizer_service_state"
"""The router's `opt` key holding this app's `ServiceState`."""

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4"
"""Prometheus text format; Litestar appends the `charset=utf-8`."""


class LocksOption(msgspec.Struct, forbid_unknown_fields=True):
    """Qdrant's `LocksOption` (request body of `POST /locks`)."""

    write: bool
    error_message: str | None = None


# ----------------------------------------------------------------------------- state


def _anonymized(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def _infos(engine: Engine) -> list[tuple[str, CollectionInfo]]:
    """(name, info) of every collection; one deleted meanwhile is left out."""
    out = []
    for name in engine.list_collections():
        try:
            out.append((name, engine.get_collection(name).info()))
        except NotFound:
            continue
    return out


class EngineCollector(Collector):
    """Reads the engine's collections at every scrape."""

    def __init__(
        self, engine: Engine, anonymize: bool, qdrant_version: str = vectorizer.QDRANT_VERSION
    ) -> None:
        self.engine = engine
        self.anonymize = anonymize
        self.qdrant_version = qdrant_version

    def collect(self) -> Iterator[Metric]:
        infos = _infos(self.engine)
        app = GaugeMetricFamily(
            "app_info", "information about qdrant server", labels=["name", "version"]
        )
        app.add_metric([QDRANT_NAME, self.qdrant_version], 1)
        yield app
        ours = GaugeMetricFamily(
            "vectorizer_info", "information about the vectorizer server", labels=["version"]
        )
        ours.add_metric([vectorizer.__version__], 1)
        yield ours
        yield GaugeMetricFamily("cluster_enabled", "is cluster support enabled", value=0)
        yield GaugeMetricFamily("collections_total", "number of collections", value=len(infos))
        yield GaugeMetricFamily(
            "collections_vector_total",
            "total number of vectors in all collections",
            value=sum(i.vectors_count for _, i in infos),
        )
        yield GaugeMetricFamily(
            "collections_full_total", "number of full collections (telemetry)", value=0
        )
        yield GaugeMetricFamily(
            "collections_aggregated_total",
            "number of aggregated collections (telemetry)",
            value=len(infos),
        )
        yield GaugeMetricFamily(
            "collections_points_total",
            "total number of points in all collections",
            value=sum(i.points_count for _, i in infos),
        )
        points = GaugeMetricFamily(
            "collection_points", "number of points in the collection", labels=["collection"]
        )
        vectors = GaugeMetricFamily(
            "collection_vectors", "number of vectors in the collection", labels=["collection"]
        )
        for name, info in infos:
            label = _anonymized(name) if self.anonymize else name
            points.add_metric([label], info.points_count)
            vectors.add_metric([label], info.vectors_count)
        yield points
        yield vectors


class ServiceState:
    """Per-app state: telemetry id, startup time, the app's metrics registries, and the
    Qdrant API version reported (`GET /`, `app_info`; the `qdrant_version` setting).

    Held in a router's `opt`, which Litestar deep-copies: copies share it.
    """

    def __init__(self, engine: Engine, qdrant_version: str | None = None) -> None:
        self.qdrant_version = qdrant_version or vectorizer.QDRANT_VERSION
        self.id = uuid.uuid4()
        self.peer_id = self.id.int >> 64
        """This node's peer id (a random 64-bit number, fixed for the app's life)."""
        self.startup = dt.datetime.now(dt.UTC)
        self.registries: dict[bool, CollectorRegistry] = {}
        for anonymize in (False, True):
            registry = CollectorRegistry(auto_describe=False)
            registry.register(EngineCollector(engine, anonymize, self.qdrant_version))
            self.registries[anonymize] = registry

    def __copy__(self) -> ServiceState:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ServiceState:
        return self


# ----------------------------------------------------------------------------- plumbing

_BOOL = {"true": True, "false": False}


def _query_bool(request: Request[Any, Any, Any], name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    try:
        return _BOOL[raw.lower()]
    except KeyError:
        raise BadRequest(
            f"Query deserialize error: {name}: expected true or false, got {raw!r}"
        ) from None


def _query_level(request: Request[Any, Any, Any]) -> int:
    raw = request.query_params.get("details_level")
    if raw is None:
        return 0
    if not raw.isdigit():
        raise BadRequest(
            f"Query deserialize error: details_level: expected a non-negative integer, got {raw!r}"
        )
    return int(raw)


def _engine(request: Request[Any, Any, Any]) -> Engine:
    return request.route_handler.opt[ENGINE_OPT].engine


def _state(request: Request[Any, Any, Any]) -> ServiceState:
    return request.route_handler.opt[STATE_OPT]


# ----------------------------------------------------------------------------- locks


def _locks(state: tuple[bool, str | None]) -> dict[str, Any]:
    return {"write": state[0], "error_message": state[1]}


@get("/locks")
async def get_locks(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    engine = _engine(request)
    return await respond(lambda: _locks(engine.write_lock), started)


@post("/locks", status_code=200)
async def post_locks(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Set the write lock; answers the state before the change, as Qdrant does."""
    started = time.perf_counter()
    engine = _engine(request)
    body = await request.body()

    def work() -> dict[str, Any]:
        option = structs.decode(body, LocksOption)
        return _locks(engine.set_write_lock(option.write, option.error_message))

    return await respond(work, started)


# ----------------------------------------------------------------------------- metrics


@get("/metrics")
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    try:
        anonymize = _query_bool(request, "anonymize")
    except BadRequest as exc:
        return error_response(exc, started)
    registry = _state(request).registries[anonymize]
    try:
        text = await anyio.to_thread.run_sync(generate_latest, registry)
    except Exception as exc:
        return error_response(exc, started)
    return Response(content=text, status_code=200, media_type=METRICS_CONTENT_TYPE)


# ----------------------------------------------------------------------------- telemetry


def telemetry_data(
    engine: Engine, state: ServiceState, details_level: int, anonymize: bool
) -> dict[str, Any]:
    """`TelemetryData` with what Vectorizer knows; sections it has no data for are null.

    Aggregated collection telemetry names no collection, so `anonymize` changes nothing.
    """
    infos = _infos(engine)
    collections: dict[str, Any] = {"number_of_collections": len(infos)}
    if details_level == 1:
        collections["collections"] = [
            {
                "vectors": info.vectors_count,
                "optimizers_status": info.optimizer_status,
                "params": collection_config_out(info.config)["params"],
            }
            for _, info in infos
        ]
    elif details_level >= 2:
        collections["collections"] = [
            _collection_telemetry(engine, state, name, info, details_level, anonymize)
            for name, info in infos
        ]
    out: dict[str, Any] = {
        "id": str(state.id),
        "app": {
            "name": APP_NAME,
            "version": vectorizer.__version__,
            "startup": state.startup.isoformat().replace("+00:00", "Z"),
        },
        "collections": collections,
        "cluster": {"enabled": False},
        "requests": {
            "rest": {"responses": engine.request_stats.report("rest")},
            "grpc": {"responses": _flat(engine.request_stats.report("grpc"))},
        },
    }
    if details_level >= 1:  # as Qdrant: these sections from level 1 on
        out["memory"] = None
        out["hardware"] = None
    return out


def _collection_telemetry(
    engine: Engine,
    state: ServiceState,
    name: str,
    info: CollectionInfo,
    details_level: int,
    anonymize: bool,
) -> dict[str, Any]:
    """Qdrant's full `CollectionTelemetry` (details level 2 and up): the collection's id,
    how long it took to create or load, its config; from level 3 its one local shard.

    The shard's byte sizes are null at level 3 (measured only from level 4, with its
    segment; the spec allows null); it runs no segment optimizers, so none are counted.
    """
    try:
        collection = engine.get_collection(name)
    except NotFound:
        collection = None
    init_time_ms = collection.init_time_ms if collection is not None else 0
    config = collection_config_out(info.config)
    config.pop("metadata", None)  # not part of CollectionConfigTelemetry
    out: dict[str, Any] = {
        "id": _anonymized(name) if anonymize else name,
        "init_time_ms": init_time_ms,
        "config": config,
    }
    if details_level < 3:
        return out
    local: dict[str, Any] = {
        "variant_name": "local",
        "status": str(info.status),
        "total_optimized_points": 0,
        "vectors_size_bytes": None,
        "payloads_size_bytes": None,
        "num_points": info.points_count,
        "num_vectors": info.vectors_count,
        "optimizations": {"status": info.optimizer_status, "optimizations": {"count": 0}},
        "async_scorer": False,
    }
    if details_level >= 4:
        local["segments"] = []
        if collection is not None:
            try:
                segment = collection.segment_info()
            except NotFound:  # dropped meanwhile
                segment = None
            if segment is not None:
                local["segments"] = [_segment_telemetry(segment, info.config, anonymize)]
                local["vectors_size_bytes"] = segment.vectors_size_bytes
                local["payloads_size_bytes"] = segment.payloads_size_bytes
    out["shards"] = [
        {
            "id": 0,
            "key": None,
            "local": local,
            "remote": [],
            "replicate_states": {str(state.peer_id): "Active"},
            "partial_snapshot": None,
        }
    ]
    out["transfers"] = []
    out["resharding"] = []
    return out


PAYLOAD_INDEX_TYPES = {
    "keyword": "mutable_map",
    "uuid": "mutable_map",
    "integer": "mutable_numeric",
    "float": "mutable_numeric",
    "datetime": "mutable_numeric",
    "geo": "mutable_geo",
    "text": "mutable_full_text",
    "bool": "mutable_bool",
}
"""`PayloadIndexTelemetry.index_type` by payload schema type: Qdrant's names of its
in-memory (appendable segment) index kinds."""


def _segment_telemetry(
    segment: SegmentInfo, config: CollectionConfig, anonymize: bool
) -> dict[str, Any]:
    """Qdrant's `SegmentTelemetry` of the collection's one segment."""
    info = {
        "segment_type": segment.segment_type,
        "num_vectors": segment.num_vectors,
        "num_points": segment.num_points,
        "num_indexed_vectors": segment.num_indexed_vectors,
        "num_deleted_vectors": segment.num_deleted_vectors,
        "vectors_size_bytes": segment.vectors_size_bytes,
        "payloads_size_bytes": segment.payloads_size_bytes,
        "ram_usage_bytes": segment.ram_usage_bytes,
        "disk_usage_bytes": segment.disk_usage_bytes,
        "is_appendable": segment.is_appendable,
        "index_schema": segment.payload_schema,
        "vector_data": {
            name: {
                "num_vectors": data.num_vectors,
                "num_indexed_vectors": data.num_indexed_vectors,
                "num_deleted_vectors": data.num_deleted_vectors,
            }
            for name, data in segment.vector_data.items()
        },
    }
    vector_data: dict[str, Any] = {}
    for name, params in config.params.vectors.items():
        graph = segment.graphs.get(name)
        index: dict[str, Any] = {"type": "plain", "options": {}}
        if graph is not None:
            index = {"type": "hnsw", "options": _skip_none(dataclasses.asdict(graph))}
        vector_data[name] = {
            "size": params.size,
            "distance": str(params.distance),
            "storage_type": "Memory",  # numpy columns in RAM
            "index": index,
            "quantization_config": None,  # vectors are kept unquantized
            "multivector_config": multivector_config_out(params.multivector_config),
            "datatype": str(params.datatype) if params.datatype is not None else None,
        }
    sparse_vector_data = {
        name: {"index": _sparse_index_config(raw)} for name, raw in config.sparse_vectors.items()
    }
    return {
        "info": info,
        "config": {
            "vector_data": vector_data,
            "sparse_vector_data": sparse_vector_data,
            "payload_storage_type": {"type": "in_memory"},  # payloads are held in RAM
        },
        "vector_index_searches": [
            {"index_name": name, **categories} for name, categories in segment.searches.items()
        ],
        "payload_field_indices": [
            {
                "field_name": None if anonymize else index.field_name,
                "index_type": PAYLOAD_INDEX_TYPES.get(index.data_type, index.data_type),
                "points_values_count": index.values,
                "points_count": index.points,
            }
            for index in segment.payload_indexes
        ],
    }


def _sparse_index_config(params: SparseVectorParams) -> dict[str, Any]:
    """`SparseIndexConfig` of a sparse vector: its inverted index is in RAM and mutable."""
    index = params.index or SparseIndexParams()
    return {
        "full_scan_threshold": index.full_scan_threshold,
        "index_type": "MutableRam",
        "datatype": str(index.datatype) if index.datatype is not None else None,
    }


def _skip_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _flat(table: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """gRPC's table: one statistics object per method (it has no HTTP status)."""
    return {method: statuses[""] for method, statuses in table.items() if "" in statuses}


@get("/telemetry")
async def telemetry(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    try:
        anonymize = _query_bool(request, "anonymize")
        level = _query_level(request)
    except BadRequest as exc:
        return error_response(exc, started)
    engine, state = _engine(request), _state(request)
    return await respond(lambda: telemetry_data(engine, state, level, anonymize), started)


# ----------------------------------------------------------------------------- issues


@get("/issues")
async def get_issues(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Vectorizer detects no performance issues, so there are none to report."""
    return await respond(lambda: {"issues": []}, time.perf_counter())


@delete("/issues", status_code=200)
async def clear_issues(request: Request[Any, Any, Any]) -> Response[bytes]:
    return await respond(lambda: True, time.perf_counter())


# ----------------------------------------------------------------------------- cluster


@get("/cluster")
async def cluster_status(request: Request[Any, Any, Any]) -> Response[bytes]:
    """A single node: distributed mode is disabled."""
    return await respond(lambda: {"status": "disabled"}, time.perf_counter())


@get(C + "/cluster")
async def collection_cluster_info(request: Request[Any, Any, Any]) -> Response[bytes]:
    """One local shard (id 0) holding every point; no remote shards, no transfers."""
    started = time.perf_counter()
    engine, state = _engine(request), _state(request)
    name = request.path_params["collection_name"]

    def work() -> dict[str, Any]:
        info = engine.get_collection(name).info()
        return {
            "peer_id": state.peer_id,
            "shard_count": 1,
            "local_shards": [{"shard_id": 0, "points_count": info.points_count, "state": "Active"}],
            "remote_shards": [],
            "shard_transfers": [],
        }

    return await respond(work, started)


VERSION_HEADER = "x-vectorizer-version"


def _text(content: str) -> Response[str]:
    return Response(content=content, media_type="text/plain", status_code=200)


@get("/", sync_to_thread=False)
def root(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Qdrant's `VersionInfo`, exactly its keys: the Qdrant title, the Qdrant API version
    reported (the `qdrant_version` setting, by default `vectorizer.QDRANT_VERSION`: the
    official clients warn when its minor version is more than one away from theirs), and
    the source commit of this build (null when unknown). Vectorizer's own version is in
    the `x-vectorizer-version` header."""
    body = {
        "title": vectorizer.QDRANT_TITLE,
        "version": _state(request).qdrant_version,
        "commit": vectorizer.build_commit(),
    }
    return Response(
        content=msgspec.json.encode(body),
        media_type=JSON,
        status_code=200,
        headers={VERSION_HEADER: vectorizer.__version__},
    )


@get("/healthz", sync_to_thread=False)
def healthz() -> Response[str]:
    return _text("healthz check passed")


@get("/livez", sync_to_thread=False)
def livez() -> Response[str]:
    return _text("healthz check passed")


@get("/readyz", sync_to_thread=False)
def readyz() -> Response[str]:
    return _text("all shards are ready")


HANDLERS = [
    root,
    healthz,
    livez,
    readyz,
    get_locks,
    post_locks,
    metrics,
    telemetry,
    get_issues,
    clear_issues,
    cluster_status,
    collection_cluster_info,
]
