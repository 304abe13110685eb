"""Shared by the compatibility tests: paths, the spec check, the test server, the client.

`SpecCheck` is an ASGI middleware for the test server: it matches every request to its
operation in Qdrant's OpenAPI spec (v1.14.x) by method and path template, validates each
JSON response body against that operation's response schema (error bodies against
`ErrorResponse`), and keeps an `Exchange` per request in `EXCHANGES`, where the pytest
hooks in `conftest.py` read them to fail the test that caused a bad body and to record
which operations each test exercised. `ThreadedServer` serves the Qdrant REST app wrapped
in it; `connect` builds the official client the way each qdrant-client version allows.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import inspect
import json
import os
import pkgutil
import re
import socket
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import uvicorn
from jsonschema import FormatChecker
from jsonschema.exceptions import best_match
from litestar import Litestar
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from qdrant_client import QdrantClient

import vectorizer
from vectorizer import Engine
from vectorizer.host.settings import Settings
from vectorizer_qdrant_rest import register_http_apis

REPO = Path(__file__).resolve().parents[2]
DATASET_DIR = Path(
    os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared" / "datasets" / "words-e5")
)
"""The words-e5 dataset (CI clones the repo with shared/ beside it)."""
SPEC_PATH = Path(
    os.environ.get(
        "VECTORIZER_QDRANT_SPEC", REPO.parent / "shared" / "qdrant" / "openapi-v1.14.x.json"
    )
)
"""Qdrant's OpenAPI spec, v1.14.x."""
CLIENT_VERSION = importlib.metadata.version("qdrant-client")


def version_tuple(version: str) -> tuple[int, int]:
    """(major, minor) of a version string."""
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


SERVER_MINOR = version_tuple(vectorizer.QDRANT_VERSION)
"""The Qdrant version our server reports (major, minor)."""


def client_is_compatible(version: str = CLIENT_VERSION) -> bool:
    """qdrant-client's own rule: same major, minor versions at most one apart."""
    major, minor = version_tuple(version)
    return major == SERVER_MINOR[0] and abs(minor - SERVER_MINOR[1]) <= 1


# ----------------------------------------------------------------------------- the spec


@dataclass(frozen=True)
class Operation:
    """One operation of the spec."""

    operation_id: str
    method: str
    path: str
    responses: dict[str, Any]
    pattern: re.Pattern[str]
    literal_segments: int


@cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (fails with the path to set if the file is missing)."""
    assert SPEC_PATH.exists(), f"no Qdrant OpenAPI spec at {SPEC_PATH}; set VECTORIZER_QDRANT_SPEC"
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the spec, most literal path segments first (so `points/search`
    wins over `points/{id}`)."""
    ops = []
    for path, item in load_spec()["paths"].items():
        segments = path.strip("/").split("/")
        regex = "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments)
        for method, op in item.items():
            ops.append(
                Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    responses=op["responses"],
                    pattern=re.compile(f"^/{regex}/?$" if regex else "^/$"),
                    literal_segments=sum(not s.startswith("{") for s in segments),
                )
            )
    return tuple(sorted(ops, key=lambda o: -o.literal_segments))


def find_operation(method: str, path: str) -> Operation | None:
    """The spec operation a request is routed to, if any."""
    for op in operations():
        if op.method == method and op.pattern.match(path):
            return op
    return None


def _is_datetime(value: object) -> bool:
    """RFC 3339, or ISO 8601 without a zone as Qdrant itself writes (snapshot times)."""
    if not isinstance(value, str):
        return True
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


FORMATS = FormatChecker()
FORMATS.checkers = dict(oas30_format_checker.checkers)
FORMATS.checks("date-time")(_is_datetime)


ERRATA: dict[tuple[str, int], dict[str, Any]] = {
    # The spec gives a bare boolean, but Qdrant wraps the answer in its usual envelope
    # (`helpers::time` in src/actix/api/issues_api.rs), as Vectorizer does; the generated
    # qdrant-client method, typed by the spec, cannot parse real Qdrant's answer either.
    ("clear_issues", 200): {
        "type": "object",
        "required": ["result", "status", "time"],
        "properties": {
            "result": {"type": "boolean"},
            "status": {"type": "string"},
            "time": {"type": "number"},
        },
    },
}
"""(operationId, status) -> the schema real Qdrant follows where its own spec is wrong."""


@cache
def _validator(pointer: str) -> OAS30ReadValidator:
    """A validator for the schema at JSON pointer `pointer` in the spec, `$ref`s resolved."""
    spec = load_spec()
    schema: Any = spec
    if pointer.startswith("errata:"):
        _, operation_id, status = pointer.split(":")
        schema = ERRATA[operation_id, int(status)]
    else:
        for part in pointer.lstrip("#/").split("/"):
            schema = schema[part.replace("~1", "/").replace("~0", "~")]
    return OAS30ReadValidator({**schema, "components": spec["components"]}, format_checker=FORMATS)


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def check_body(op: Operation | None, status: int, content_type: str, body: bytes) -> list[str]:
    """What is wrong with a response body by the spec (empty when it conforms)."""
    media = content_type.split(";")[0].strip().lower()
    name = op.operation_id if op else "(no spec operation)"
    if 200 <= status < 300:
        if op is None:
            return []
        response = op.responses.get(str(status))
        if response is None:
            return [f"{name}: status {status} is not a response of this operation in the spec"]
        content = response.get("content", {})
        if content and media not in content:
            return [f"{name}: content-type {media!r}, the spec says {sorted(content)}"]
        if media != "application/json":
            return []
        where = ("responses", str(status), "content", media, "schema")
        pointer = _pointer("paths", op.path, op.method.lower(), *where)
        if (op.operation_id, status) in ERRATA:
            pointer = f"errata:{op.operation_id}:{status}"
    elif media == "application/json":
        pointer = "#/components/schemas/ErrorResponse"
    else:
        return [f"{name}: error status {status} with content-type {media!r}, not a JSON error"]
    try:
        instance = json.loads(body)
    except ValueError as exc:
        return [f"{name}: status {status}: body is not JSON ({exc})"]
    errors = list(_validator(pointer).iter_errors(instance))
    if not errors:
        return []
    best = best_match(errors)
    assert best is not None
    return [
        f"{name}: status {status}: at {best.json_path}: {best.message[:300]}"
        + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
    ]


# ----------------------------------------------------------------------------- ASGI middleware


@dataclass
class Exchange:
    """One request the test server answered, checked against the spec."""

    method: str
    path: str
    operation_id: str | None
    status: int
    problems: list[str] = field(default_factory=list)


EXCHANGES: list[Exchange] = []
"""Every exchange of every test server in this process, in order (append-only)."""
_LOCK = threading.Lock()

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SpecCheck:
    """ASGI middleware: checks each response against the spec and records an `Exchange`.

    The exchange is recorded before the last body chunk goes out, so by the time a client
    has its answer, the record is there.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        status = 0
        content_type = ""
        chunks: list[bytes] = []

        async def checked_send(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for key, value in message.get("headers", []):
                    if key.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    record(method, path, status, content_type, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, checked_send)


def record(method: str, path: str, status: int, content_type: str, body: bytes) -> Exchange:
    """Check one answered request and append it to `EXCHANGES`."""
    op = find_operation(method, path)
    try:
        problems = check_body(op, status, content_type, body)
    except Exception as exc:  # a bug here must fail a test, not kill the server
        problems = [f"spec check crashed on {method} {path}: {exc!r}"]
    exchange = Exchange(method, path, op.operation_id if op else None, status, problems)
    with _LOCK:
        EXCHANGES.append(exchange)
    return exchange


# ----------------------------------------------------------------------------- the server


class ThreadedServer:
    """uvicorn serving the Qdrant REST app (checked against the spec) in a daemon thread."""

    def __init__(self, engine: Engine) -> None:
        (api,) = register_http_apis(engine=engine, settings=Settings())
        app = Litestar(route_handlers=api.route_handlers, **api.app_options)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(SpecCheck(app), log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Qdrant REST test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


# ----------------------------------------------------------------------------- the client


def has_version_check() -> bool:
    """Whether this qdrant-client checks the server version (1.13 on: `check_compatibility`)."""
    return "check_compatibility" in inspect.signature(QdrantClient.__init__).parameters


def connect(url: str, check: bool | None = None) -> tuple[QdrantClient, list[str]]:
    """The official client over REST, and the warnings its construction gave.

    `check` is passed as `check_compatibility` when the client has that argument
    (default: check when the client's rule says this version is compatible). Newer clients
    run the check in a background thread; it is waited for, so its warning is caught here.
    """
    kwargs: dict[str, Any] = {}
    if has_version_check():
        kwargs["check_compatibility"] = client_is_compatible() if check is None else check
    before = set(threading.enumerate())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = QdrantClient(url=url, prefer_grpc=False, timeout=60, **kwargs)
        for thread in set(threading.enumerate()) - before:
            if "compatibility" in thread.name:
                thread.join(timeout=60)
    return client, [str(w.message) for w in caught]


@cache
def _generated_api_classes() -> tuple[type, ...]:
    """The generated synchronous REST API classes of this qdrant-client (`Sync*Api`)."""
    package = importlib.import_module("qdrant_client.http.api")
    classes = []
    for module in pkgutil.iter_modules(package.__path__):
        mod = importlib.import_module(f"{package.__name__}.{module.name}")
        classes += [c for n, c in vars(mod).items() if isinstance(c, type) and n.startswith("Sync")]
    return tuple(classes)


def client_has(name: str) -> bool:
    """Whether this qdrant-client has `QdrantClient.<name>`; for `http.<name>`, that
    operation in its generated REST API; for `init.<name>`, that `QdrantClient(...)`
    keyword."""
    if name.startswith("init."):
        return name[5:] in inspect.signature(QdrantClient.__init__).parameters
    if name.startswith("http."):
        return any(hasattr(c, name[5:]) for c in _generated_api_classes())
    return hasattr(QdrantClient, name)


def http_operation(client: QdrantClient, name: str) -> Callable[..., Any]:
    """An operation of the client's generated REST API (`client.http.<group>_api.<name>`;
    the groups differ between versions)."""
    for group in vars(client.http).values():
        if type(group).__name__.endswith("Api") and hasattr(group, name):
            method: Callable[..., Any] = getattr(group, name)
            return method
    raise AssertionError(f"qdrant-client {CLIENT_VERSION} has no REST operation {name}")
