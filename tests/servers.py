"""Test helpers: free ports and real `vectorizer serve` processes, driven over sockets."""

from __future__ import annotations

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

from vectorizer.host.settings import ENV_CONFIG, ENV_VARS

REPO = Path(__file__).resolve().parent.parent
DATASET = Path(os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared/datasets/words-e5"))
LISTENING = re.compile(r"(\S+) listening on (?:http://)?(\S+):(\d+)$")


def free_port() -> int:
    """A port free right now (prefer `--port NAME=0` for servers: no race)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without any VECTORIZER_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in (*ENV_VARS.values(), ENV_CONFIG)}
    env.update(extra)
    return env


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
            self.ready = self.ready or "vectorizer.host.server: ready (pid" in line
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


class ServerProcess:
    """A restartable server on its own data dir; listeners bind port 0 and are read off the log.

    Binding port 0 lets the kernel pick a free port at bind time, so restarts never race
    another socket for a port picked in advance.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        grpc: bool = False,
        native: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.env = dict(env or {})
        """Extra environment variables of the server process (on top of `clean_env`)."""
        self.names = {"qdrant_rest"} | ({"qdrant_grpc"} if grpc else set())
        self.names |= {"vectorizer_api"} if native else set()
        self.server: Server | None = None

    def args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        for name in ("qdrant_rest", "qdrant_grpc", "vectorizer_api"):
            args += ["--port", f"{name}=0"] if name in self.names else ["--disable", name]
        return args

    @property
    def ports(self) -> dict[str, int]:
        assert self.server is not None
        return self.server.ports

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['qdrant_rest']}"

    def start(self) -> ServerProcess:
        self.server = Server(self.args(), cwd=self.data_dir.parent, env=self.env)
        self.server.wait_for(self.names)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.server is not None
        self.server.stop(signal.SIGKILL)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.server is not None
        return self.server.stop(sig, timeout)

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.proc.poll() is None
