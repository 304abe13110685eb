"""The official JS gRPC client (`@qdrant/js-client-grpc`) runs a whole scenario against
a real `vectorizer serve` process.

`tests/js/scenario_grpc.mjs` creates a collection, upserts points with integer and UUID
ids and payloads, creates a payload index, runs filtered `Search` and `Query`, scrolls,
counts, deletes points (by ids and by filter) and drops the collection, checking each
answer. The client speaks gRPC over HTTP/2 through connect-es, with gzip-compressed
requests, so this also checks the server against a second gRPC stack beside grpcio.
tox installs the client with `npm ci --prefix tests/js` before the tests; without it this
test fails and says so.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from compat_helpers import REPO
from grpc_fixtures import Servers, grpc_servers

__all__ = ["grpc_servers"]  # the fixture this module uses

JS_DIR = REPO / "tests" / "js"
CLIENT = JS_DIR / "node_modules" / "@qdrant" / "js-client-grpc"

pytestmark = pytest.mark.grpc_server


def test_js_grpc_client_scenario(grpc_servers: Servers) -> None:
    node = shutil.which("node")
    assert node, "node is not on PATH: the JS client scenario needs Node.js >= 18.17"
    assert CLIENT.is_dir(), (
        f"@qdrant/js-client-grpc is not installed: run `npm ci --prefix {JS_DIR}` (tox does)"
    )
    done = subprocess.run(
        [node, str(JS_DIR / "scenario_grpc.mjs"), f"http://{grpc_servers.grpc_target}"],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == 0, f"node scenario_grpc.mjs exited {done.returncode}\n{output}"
    assert "all checks passed" in done.stdout, output
    server = grpc_servers.process.server
    assert server is not None
    assert "Traceback" not in server.text, f"the server logged an exception:\n{server.text}"
