"""The official JS client (`@qdrant/js-client-rest`) runs a whole scenario against our server.

`tests/js/scenario.mjs` creates a collection, upserts points with payloads, creates a
payload index, runs filtered `search` and `query`, scrolls, counts, deletes points and
drops the collection, checking each answer. tox installs the client with
`npm ci --prefix tests/js` before the tests; without it this test fails and says so.
The server is the spec-checked test server, so every body the JS client gets is
validated against Qdrant's OpenAPI spec too.
"""

from __future__ import annotations

import shutil
import subprocess

from compat_helpers import REPO, ThreadedServer

JS_DIR = REPO / "tests" / "js"


def test_js_client_scenario(server: ThreadedServer) -> None:
    node = shutil.which("node")
    assert node, "node is not on PATH: the JS client scenario needs Node.js >= 18.17"
    assert (JS_DIR / "node_modules" / "@qdrant" / "js-client-rest").is_dir(), (
        f"@qdrant/js-client-rest is not installed: run `npm ci --prefix {JS_DIR}` (tox does)"
    )
    done = subprocess.run(
        [node, str(JS_DIR / "scenario.mjs"), server.url],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == 0, f"node scenario.mjs exited {done.returncode}\n{output}"
    assert "all checks passed" in done.stdout, output
