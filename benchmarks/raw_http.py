"""A small HTTP/1.1 load generator on asyncio streams: one fixed request body sent over many
keep-alive connections for a fixed time, to show the server's own ceiling apart from the
official client's cost. Loopback only; bounded in time."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    connections: int
    seconds: float
    requests: int
    errors: int
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _connection(host: str, port: int, request: bytes, until: float, out: LoadResult) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            sent = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            out.latencies.append(time.perf_counter() - sent)
            if status_line.split(b" ", 2)[1:2] == [b"200"]:
                out.requests += 1
            else:
                out.errors += 1
    finally:
        writer.close()


async def _load(
    host: str, port: int, request: bytes, connections: int, seconds: float
) -> LoadResult:
    out = LoadResult(connections, 0.0, 0, 0, [])
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(
        *(_connection(host, port, request, until, out) for _ in range(connections))
    )
    out.seconds = time.perf_counter() - start
    return out


def post_request(host: str, port: int, path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def load(
    host: str, port: int, path: str, body: bytes, connections: int, seconds: float
) -> LoadResult:
    """POST `body` to `path` over `connections` connections for `seconds`."""
    request = post_request(host, port, path, body)
    return asyncio.run(_load(host, port, request, connections, seconds))
