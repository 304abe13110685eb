"""`vectorizer serve` as a subprocess: listeners, disabling, port clashes, signals."""

from __future__ import annotations

import json
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from .helpers import Server, free_port, http_get, http_request, listening_ports, run_cli

StartServer = Callable[..., Server]
# every built-in listener on a free port, so tests never clash with each other
ALL_FREE = "qdrant_rest=0,qdrant_grpc=0,vectorizer_api=0"


def test_third_party_plugin_served_next_to_qdrant_rest(
    start_server: StartServer, tmp_path: Path
) -> None:
    hello = free_port()
    config = tmp_path / "v.toml"
    config.write_text('[plugins.hello]\ngreeting = "ahoy"\n')
    server = start_server(
        *("--port", f"hello={hello}", "--port", "qdrant_rest=0", "--port", "vectorizer_api=0"),
        *("--disable", "qdrant_grpc", "--data-dir", "data", "--config", str(config)),
        wait={"hello", "qdrant_rest"},
    )
    assert server.ports["hello"] == hello
    status, body = http_get(hello, "/hello")
    assert status == 200
    assert json.loads(body) == {"greeting": "ahoy", "collections": []}
    status, _ = http_get(server.ports["qdrant_rest"], "/")
    assert status == 200
    # the process listens on exactly the ports it logged: no gRPC port
    assert "qdrant_grpc" not in server.ports
    assert listening_ports(server.proc.pid) == set(server.ports.values())
    assert (tmp_path / "data").is_dir()
    assert server.stop() == 0


def test_grpc_listens_unless_disabled(start_server: StartServer) -> None:
    server = start_server("--data-dir", "d1", wait={"qdrant_grpc"}, VECTORIZER_PORTS=ALL_FREE)
    grpc_port = server.ports["qdrant_grpc"]
    assert grpc_port in listening_ports(server.proc.pid)
    assert server.stop() == 0

    server = start_server(
        "--data-dir", "d2", wait={"hello"}, VECTORIZER_PORTS=ALL_FREE,
        VECTORIZER_DISABLED_PLUGINS="qdrant_grpc",
    )  # fmt: skip
    assert "qdrant_grpc" not in server.ports
    assert listening_ports(server.proc.pid) == set(server.ports.values())
    assert server.stop() == 0
    assert "qdrant_grpc" not in server.text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_gracefully(start_server: StartServer, sig: signal.Signals) -> None:
    server = start_server("--data-dir", "data", wait={"hello"}, VECTORIZER_PORTS=ALL_FREE)
    assert server.stop(sig) == 0
    assert f"received {sig.name}" in server.text
    assert server.log[-1].endswith("vectorizer.host.server: stopped")
    assert "Traceback" not in server.text
    for port in server.ports.values():
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_sigterm_closes_the_engine_and_data_survives(start_server: StartServer) -> None:
    server = start_server("--data-dir", "data", wait={"qdrant_rest"}, VECTORIZER_PORTS=ALL_FREE)
    body = json.dumps({"vectors": {"size": 2, "distance": "Dot"}}).encode()
    status, _ = http_request(server.ports["qdrant_rest"], "PUT", "/collections/kept", body)
    assert status == 200
    assert server.stop(signal.SIGTERM) == 0

    server = start_server("--data-dir", "data", wait={"qdrant_rest"}, VECTORIZER_PORTS=ALL_FREE)
    status, body = http_get(server.ports["qdrant_rest"], "/collections")
    assert status == 200
    assert json.loads(body)["result"]["collections"] == [{"name": "kept"}]
    assert server.stop() == 0


def test_port_in_use_is_one_line_exit_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cli(
            *("serve", "--data-dir", "data", "--port", f"hello={port}"),
            cwd=tmp_path,
            VECTORIZER_PORTS=ALL_FREE,
        )
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "Error" in line]
    assert errors == [f"Error: hello cannot listen on 127.0.0.1:{port}: address already in use"]
    assert proc.stderr.splitlines()[-1] == errors[0]
    assert "Traceback" not in proc.stderr and "listening on" not in proc.stderr


def test_same_port_twice_is_one_line_exit_2(tmp_path: Path) -> None:
    port = str(free_port())
    proc = run_cli(
        *("serve", "--port", f"hello={port}", "--port", f"qdrant_grpc={port}"),
        cwd=tmp_path,
        VECTORIZER_PORTS=ALL_FREE,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("Error: ports: ")
    assert f"both use port {port}" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("data_dir", "error"),
    [
        ("file", "data dir file is not a directory"),
        ("file/data", "cannot create data dir file/data: Not a directory"),
    ],
)
def test_unusable_data_dir_is_one_line_exit_2(tmp_path: Path, data_dir: str, error: str) -> None:
    (tmp_path / "file").write_text("not a folder")
    proc = run_cli("serve", "--data-dir", data_dir, cwd=tmp_path, VECTORIZER_PORTS=ALL_FREE)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [f"Error: {error}"]


def test_unknown_storage_is_one_line_exit_2(tmp_path: Path) -> None:
    proc = run_cli("serve", "--storage", "floppy", cwd=tmp_path, VECTORIZER_PORTS=ALL_FREE)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.splitlines()[-1]
    assert line.startswith("Error: cannot open data dir vectorizer_data: ")
    assert "Unknown storage backend 'floppy'" in line and "Traceback" not in proc.stderr
