"""Helpers for the plugin-host tests: free ports, a `vectorizer serve` subprocess, raw HTTP."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from vectorizer.config import ENV_CONFIG, ENV_VARS

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"(\S+) listening on (?:http://)?(\S+):(\d+)$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without any VECTORIZER_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in (*ENV_VARS.values(), ENV_CONFIG)}
    env.update(extra)
    return env


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


class Server:
    """A `vectorizer serve` subprocess; `ports` maps listener names to bound ports."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vectorizer", "serve", *args],
            cwd=cwd,
            env=clean_env(**env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: list[str] = []
        self.ports: dict[str, int] = {}
        self.ready = False
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _take(self, timeout: float) -> str | None:
        line = self._lines.get(timeout=timeout)
        if line is not None:
            self.log.append(line)
            if match := LISTENING.search(line):
                self.ports[match.group(1)] = int(match.group(3))
            self.ready = self.ready or "vectorizer.server: ready (pid" in line
        return line

    def wait_for(self, names: set[str], timeout: float = 60) -> None:
        """Read the log until the server is ready and every listener in `names` listens."""
        deadline = time.monotonic() + timeout
        while not (self.ready and names <= set(self.ports)):
            try:
                line = self._take(max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"timed out waiting for {names}; log:\n{self.text}") from None
            if line is None:
                raise AssertionError(f"server exited ({self.proc.wait()}); log:\n{self.text}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Send `sig`, wait for exit and the whole log; return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        while self._take(timeout) is not None:
            pass
        return code

    @property
    def text(self) -> str:
        return "\n".join(self.log)
