"""Helpers for the plugin-host tests: free ports, a `vectorizer serve` subprocess, raw HTTP."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

from servers import Server, clean_env, free_port

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m vectorizer ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "vectorizer", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(**env),
        timeout=60,
    )


def http_get(port: int, path: str) -> tuple[int, bytes]:
    return http_request(port, "GET", path)


def http_request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """One HTTP request to 127.0.0.1:port over a plain socket; (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def listening_ports(pid: int) -> set[int]:
    """TCP ports process `pid` has listening sockets on (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


__all__ = [
    "Server",
    "clean_env",
    "free_port",
    "http_get",
    "http_request",
    "listening_ports",
    "run_cli",
]
