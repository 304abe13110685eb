"""Qdrant's snapshot endpoints over the core's `vectorizer.snapshots` (our own file format).

* `POST /collections/{c}/snapshots` - create; `SnapshotDescription`.
* `GET /collections/{c}/snapshots` - list; `GET .../snapshots/{name}` - download the file;
  `DELETE .../snapshots/{name}` - delete it (and its checksum file); `true`.
* `PUT /collections/{c}/snapshots/recover` - recover from a `SnapshotRecover` location
  (`file://`, `http://`, `https://`); `POST .../snapshots/upload` - recover from the
  multipart field `snapshot` (streamed to disk, no body size limit); `true`.
* `POST/GET /snapshots`, `GET/DELETE /snapshots/{name}` - the same for full snapshots.
* `/collections/{c}/shards/{shard_id}/snapshots...` - one node holds one shard, id 0: its
  snapshots are collection snapshots kept in their own folder; other ids are 404.

As in Qdrant, `wait` defaults to true; `wait=false` starts the work in a background
thread and answers 202 `{"status": "accepted", "time": ...}` at once (a failure is then
only logged). `priority` is accepted and validated: one node has no replicas to sync.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import anyio.to_thread
import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.response import File
from multipart import MultipartSegment, ParserError, PushMultipartParser

from vectorizer import Engine, validate_collection_name
from vectorizer.errors import BadRequest, NotFound
from vectorizer.snapshots import SnapshotDescription, Snapshots
from vectorizer_qdrant_rest.endpoints.base import ENGINE_OPT, respond
from vectorizer_qdrant_rest.wire.errors import JSON, error_response
from vectorizer_qdrant_rest.wire.structs import decode

log = logging.getLogger("vectorizer_qdrant_rest")

C = "/collections/{collection_name:str}"
SHARD = C + "/shards/{shard_id:str}"
NAME = "/{snapshot_name:str}"

PRIORITIES = ("replica", "snapshot", "no_sync")
UPLOAD_FIELD = "snapshot"
FLUSH_BYTES = 1 << 20

Priority = Literal["replica", "snapshot", "no_sync"]


class SnapshotRecover(msgspec.Struct):
    """Qdrant's `SnapshotRecover` (and `ShardSnapshotRecover`, whose location may also be
    the plain name of one of the shard's snapshots)."""

    location: str
    priority: Priority | None = None
    checksum: str | None = None
    api_key: str | None = None


# ----------------------------------------------------------------------------- plumbing


def _snapshots(request: Request[Any, Any, Any]) -> Snapshots:
    engine: Engine = request.route_handler.opt[ENGINE_OPT].engine
    return engine.snapshots


def description(snapshot: SnapshotDescription) -> dict[str, Any]:
    """Qdrant's `SnapshotDescription`."""
    created = snapshot.creation_time
    return {
        "name": snapshot.name,
        "creation_time": None if created is None else created.isoformat(timespec="seconds"),
        "size": snapshot.size,
        "checksum": snapshot.checksum,
    }


_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def _wait(request: Request[Any, Any, Any]) -> bool:
    """The `wait` query parameter; Qdrant's snapshot endpoints default it to true."""
    raw = request.query_params.get("wait")
    if raw is None:
        return True
    try:
        return _BOOLS[raw.lower()]
    except KeyError:
        raise BadRequest(
            f"Query deserialize error: wait: expected true or false, got {raw!r}"
        ) from None


def _priority(raw: str | None) -> None:
    if raw is not None and raw not in PRIORITIES:
        raise BadRequest(
            f"Query deserialize error: priority: unknown variant `{raw}`, expected one of "
            + ", ".join(f"`{p}`" for p in PRIORITIES)
        )


def _shard(request: Request[Any, Any, Any]) -> int:
    """The `{shard_id}` of the path: 0, the only shard of a single node."""
    raw = request.path_params["shard_id"]
    if not raw.isdigit():
        raise BadRequest(f"Wrong input: shard_id must be an unsigned integer, got {raw!r}")
    if int(raw) != 0:
        collection = request.path_params["collection_name"]
        raise NotFound(
            f"Not found: Shard {int(raw)} of collection {collection} does not exist "
            "(a single node holds one shard, id 0)"
        )
    return 0


def _in_background(work: Callable[[], Any], what: str) -> None:
    """Run `work` in a daemon thread, logging its failure (wait=false)."""

    def run() -> None:
        try:
            work()
        except Exception as exc:
            log.error("%s failed: %s", what, getattr(exc, "message", exc), exc_info=exc)

    threading.Thread(target=run, name=f"vectorizer-{what}", daemon=True).start()


async def _run(
    request: Request[Any, Any, Any],
    work: Callable[[], Any],
    started: float,
    what: str,
    cleanup: Callable[[], None] | None = None,
) -> Response[bytes]:
    """`work` in a worker thread, answered in the success envelope (wait=true); or in the
    background, answered 202 `accepted` at once (wait=false). `cleanup` runs after it."""

    def job() -> Any:
        try:
            return work()
        finally:
            if cleanup is not None:
                cleanup()

    try:
        wait = _wait(request)
    except BadRequest as exc:
        if cleanup is not None:
            cleanup()
        return error_response(exc, started)
    if wait:
        return await respond(job, started)
    _in_background(job, what)
    body = msgspec.json.encode({"status": "accepted", "time": time.perf_counter() - started})
    return Response(content=body, status_code=202, media_type=JSON)


async def _download(request: Request[Any, Any, Any], find: Callable[[], Path]) -> Response[Any]:
    """The snapshot file `find()` names, streamed as application/octet-stream."""
    started = time.perf_counter()
    try:
        path = await anyio.to_thread.run_sync(find)
    except Exception as exc:
        return error_response(exc, started)
    return File(path, filename=path.name, media_type="application/octet-stream")


async def _receive_upload(request: Request[Any, Any, Any], target: Path) -> None:
    """Stream the multipart field `snapshot` of the request body into `target`."""
    content_type, options = request.content_type
    boundary = options.get("boundary")
    if content_type != "multipart/form-data" or not boundary:
        raise BadRequest(
            "Wrong input: expected a multipart/form-data body with the snapshot file "
            f"in the field `{UPLOAD_FIELD}`"
        )
    found = False
    writing = False
    buffer = bytearray()
    with target.open("wb") as out:

        async def flush() -> None:
            if buffer:
                await anyio.to_thread.run_sync(out.write, bytes(buffer))
                buffer.clear()

        try:
            with PushMultipartParser(boundary.encode(), max_segment_count=16) as parser:
                async for chunk in request.stream():
                    for part in parser.parse(chunk):
                        if isinstance(part, MultipartSegment):
                            writing = part.name == UPLOAD_FIELD and not found
                            found = found or writing
                        elif part is None:
                            writing = False
                        elif writing:
                            buffer += part
                            if len(buffer) >= FLUSH_BYTES:
                                await flush()
                    if parser.closed:
                        break
                if not parser.closed:
                    raise BadRequest("Wrong input: the multipart/form-data body is truncated")
        except ParserError as exc:
            raise BadRequest(f"Wrong input: invalid multipart/form-data body: {exc}") from None
        await flush()
    if not found:
        raise BadRequest(f"Wrong input: the multipart field `{UPLOAD_FIELD}` is missing")


# ----------------------------------------------------------------------------- collection


@post(C + "/snapshots")
async def create_snapshot(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    name = request.path_params["collection_name"]
    snapshots = _snapshots(request)
    return await _run(
        request, lambda: description(snapshots.create(name)), started, "create-snapshot"
    )


@get(C + "/snapshots")
async def list_snapshots(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    name = request.path_params["collection_name"]
    snapshots = _snapshots(request)
    return await respond(lambda: [description(d) for d in snapshots.list_snapshots(name)], started)


@get(C + "/snapshots" + NAME)
async def get_snapshot(request: Request[Any, Any, Any]) -> Response[Any]:
    name, snapshot = request.path_params["collection_name"], request.path_params["snapshot_name"]
    snapshots = _snapshots(request)
    return await _download(request, lambda: snapshots.path(name, snapshot))


@delete(C + "/snapshots" + NAME, status_code=200)
async def delete_snapshot(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    name, snapshot = request.path_params["collection_name"], request.path_params["snapshot_name"]
    snapshots = _snapshots(request)
    return await _run(request, lambda: snapshots.delete(name, snapshot), started, "delete-snapshot")


async def _recover(request: Request[Any, Any, Any], shard: int | None) -> Response[bytes]:
    started = time.perf_counter()
    name = request.path_params["collection_name"]
    snapshots = _snapshots(request)
    try:
        if shard is not None:
            shard = _shard(request)
        req = decode(await request.body(), SnapshotRecover)
    except Exception as exc:
        return error_response(exc, started)

    def work() -> bool:
        snapshots.recover_from_location(name, req.location, req.checksum, req.api_key, shard=shard)
        return True

    return await _run(request, work, started, "recover-snapshot")


@put(C + "/snapshots/recover")
async def recover_from_snapshot(request: Request[Any, Any, Any]) -> Response[bytes]:
    return await _recover(request, None)


async def _upload(request: Request[Any, Any, Any], shard: int | None) -> Response[bytes]:
    started = time.perf_counter()
    name = request.path_params["collection_name"]
    snapshots = _snapshots(request)
    checksum = request.query_params.get("checksum")
    target: Path | None = None
    try:
        if shard is not None:
            shard = _shard(request)
        validate_collection_name(name)
        _priority(request.query_params.get("priority"))
        _wait(request)  # a bad `wait` fails before the upload is read
        target = snapshots.temp_file("upload")
        await _receive_upload(request, target)
    except Exception as exc:
        if target is not None:
            target.unlink(missing_ok=True)
        return error_response(exc, started)
    upload = target

    def work() -> bool:
        snapshots.recover(name, upload, checksum, must_exist=shard is not None)
        return True

    return await _run(
        request, work, started, "recover-uploaded-snapshot", lambda: upload.unlink(missing_ok=True)
    )


@post(C + "/snapshots/upload", request_max_body_size=None)
async def recover_from_uploaded_snapshot(request: Request[Any, Any, Any]) -> Response[bytes]:
    return await _upload(request, None)


# ----------------------------------------------------------------------------- full storage


@post("/snapshots")
async def create_full_snapshot(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    snapshots = _snapshots(request)
    return await _run(
        request, lambda: description(snapshots.create_full()), started, "create-full-snapshot"
    )


@get("/snapshots")
async def list_full_snapshots(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    snapshots = _snapshots(request)
    return await respond(lambda: [description(d) for d in snapshots.list_full()], started)


@get("/snapshots" + NAME)
async def get_full_snapshot(request: Request[Any, Any, Any]) -> Response[Any]:
    snapshot = request.path_params["snapshot_name"]
    snapshots = _snapshots(request)
    return await _download(request, lambda: snapshots.full_path(snapshot))


@delete("/snapshots" + NAME, status_code=200)
async def delete_full_snapshot(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    snapshot = request.path_params["snapshot_name"]
    snapshots = _snapshots(request)
    return await _run(
        request, lambda: snapshots.delete_full(snapshot), started, "delete-full-snapshot"
    )


# ----------------------------------------------------------------------------- shard 0


@post(SHARD + "/snapshots")
async def create_shard_snapshot(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    name = request.path_params["collection_name"]
    snapshots = _snapshots(request)
    try:
        shard = _shard(request)
    except Exception as exc:
        return error_response(exc, started)
    return await _run(
        request,
        lambda: description(snapshots.create(name, shard)),
        started,
        "create-shard-snapshot",
    )


@get(SHARD + "/snapshots")
async def list_shard_snapshots(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    name = request.path_params["collection_name"]
    snapshots = _snapshots(request)

    def work() -> list[dict[str, Any]]:
        return [description(d) for d in snapshots.list_snapshots(name, _shard(request))]

    return await respond(work, started)


@get(SHARD + "/snapshots" + NAME)
async def get_shard_snapshot(request: Request[Any, Any, Any]) -> Response[Any]:
    name, snapshot = request.path_params["collection_name"], request.path_params["snapshot_name"]
    snapshots = _snapshots(request)
    return await _download(request, lambda: snapshots.path(name, snapshot, _shard(request)))


@delete(SHARD + "/snapshots" + NAME, status_code=200)
async def delete_shard_snapshot(request: Request[Any, Any, Any]) -> Response[bytes]:
    started = time.perf_counter()
    name, snapshot = request.path_params["collection_name"], request.path_params["snapshot_name"]
    snapshots = _snapshots(request)
    try:
        shard = _shard(request)
    except Exception as exc:
        return error_response(exc, started)
    return await _run(
        request, lambda: snapshots.delete(name, snapshot, shard), started, "delete-shard-snapshot"
    )


@put(SHARD + "/snapshots/recover")
async def recover_shard_from_snapshot(request: Request[Any, Any, Any]) -> Response[bytes]:
    return await _recover(request, 0)


@post(SHARD + "/snapshots/upload", request_max_body_size=None)
async def recover_shard_from_uploaded_snapshot(
    request: Request[Any, Any, Any],
) -> Response[bytes]:
    return await _upload(request, 0)


HANDLERS = [
    create_snapshot,
    list_snapshots,
    get_snapshot,
    delete_snapshot,
    recover_from_snapshot,
    recover_from_uploaded_snapshot,
    create_full_snapshot,
    list_full_snapshots,
    get_full_snapshot,
    delete_full_snapshot,
    create_shard_snapshot,
    list_shard_snapshots,
    get_shard_snapshot,
    delete_shard_snapshot,
    recover_shard_from_snapshot,
    recover_shard_from_uploaded_snapshot,
]
