"""Test helpers: free ports and a real `vectorizer serve` process over sockets."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATASET = Path(os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared/datasets/words-e5"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


class ServerProcess:
    """`vectorizer serve` in a subprocess, on free ports, with its own data dir."""

    def __init__(self, data_dir: Path, *, grpc: bool = False, native: bool = False) -> None:
        self.data_dir = data_dir
        self.ports = {"qdrant_rest": free_port()}
        self.disabled = []
        for name, enabled in (("qdrant_grpc", grpc), ("vectorizer_api", native)):
            if enabled:
                self.ports[name] = free_port()
            else:
                self.disabled.append(name)
        self.proc: subprocess.Popen | None = None
        self.log = data_dir.parent / f"{data_dir.name}.log"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['qdrant_rest']}"

    def command(self) -> list[str]:
        exe = shutil.which("vectorizer")
        cmd = [exe] if exe else [sys.executable, "-m", "vectorizer"]
        cmd += ["serve", "--data-dir", str(self.data_dir)]
        for name, port in self.ports.items():
            cmd += ["--port", f"{name}={port}"]
        for name in self.disabled:
            cmd += ["--disable", name]
        return cmd

    def start(self) -> ServerProcess:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT)
        for port in self.ports.values():
            wait_for_port(port, proc=self.proc)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)
