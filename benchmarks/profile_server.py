"""Where a `vectorizer serve` process spends its time under the official client's
`query_points` load: py-spy samples the frames holding the GIL, per transport.

    python benchmarks/profile_server.py [--points N] [--processes P] [--seconds S]
                                        [--transports gRPC,"REST keep-alive"] [--out DIR]

Loads the first N words-e5 points into a fresh server (waits for green), then for each
transport runs P client processes for S seconds while `py-spy record --gil` samples the
server for S - 4 seconds in the middle. Prints requests/s and the frames with the largest
inclusive and self shares; the raw samples stay in DIR for flame graphs. Needs py-spy
(in the `bench` extra) and permission to read the server's memory (same user).
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import re
import subprocess
import sys
import tempfile
import time
from multiprocessing.queues import Queue
from pathlib import Path

import numpy as np
from qdrant_client import models

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import transport
from benchmarks.data import DATASET

NAME = "profiled"
FRAME = re.compile(r"(.*?) \((.*?)(?::\d+)?\)$")
# frames every sample of a thread has (start-up, the event loop's outer calls): no signal
OUTER = re.compile(
    r"click/|runpy|asyncio/runners|core/cli\.py|__main__|threading\.py|run_until|run_forever"
)


def client_load(rest_url: str, grpc_port: int, kind: str, seconds: float, done: Queue) -> None:
    """One client process: `query_points` with the held-out queries until time is up."""
    client = transport.connect(rest_url, grpc_port, kind)
    queries = np.load(DATASET / "queries.npy").astype(np.float32).tolist()
    count, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        client.query_points(NAME, query=queries[count % len(queries)], limit=10)
        count += 1
    done.put(count)


def frame_name(frame: str) -> str:
    """`function (file)` with the path shortened to the package-relative part."""
    match = FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match.group(2).split("site-packages/")[-1]
    return f"{match.group(1)} ({path.split('/core/')[-1].split('/plugins/')[-1]})"


def summarise(raw: Path, top: int) -> str:
    """Inclusive and self shares of py-spy's raw (collapsed) samples."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [frame_name(f) for f in stack.split(";")]
        total += int(count)
        for name in set(frames):
            if not OUTER.search(name):
                inclusive[name] += int(count)
        own[frames[-1]] += int(count)
    if not total:
        return f"{raw.name}: no samples"
    lines = [f"{raw.name}: {total} GIL-holding samples", "  inclusive:"]
    lines += [f"  {100 * n / total:5.1f} %  {k}" for k, n in inclusive.most_common(top)]
    lines += ["  self:"] + [f"  {100 * n / total:5.1f} %  {k}" for k, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=14.0)
    parser.add_argument("--transports", default="gRPC,REST keep-alive")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="profile-")))
    args = parser.parse_args()
    base = np.load(DATASET / "base.npy")[: args.points].astype(np.float32)
    args.out.mkdir(parents=True, exist_ok=True)
    with transport.serving(None) as server:
        grpc_port = server.ports["qdrant_grpc"]
        client = transport.connect(server.rest_url, grpc_port, "gRPC")
        transport.create(client, NAME)
        for start in range(0, len(base), 1000):
            ids = list(range(start, min(start + 1000, len(base))))
            client.upsert(NAME, models.Batch(ids=ids, vectors=base[ids].tolist()), wait=True)
        transport.wait_green(client, NAME)
        for kind in args.transports.split(","):
            done: Queue = mp.Queue()
            load_args = (server.rest_url, grpc_port, kind, args.seconds, done)
            procs = [mp.Process(target=client_load, args=load_args) for _ in range(args.processes)]
            for proc in procs:
                proc.start()
            time.sleep(2)
            raw = args.out / f"{kind.replace(' ', '-')}.txt"
            spy = ["py-spy", "record", "--pid", str(server.proc.pid), "--gil", "--nonblocking"]
            spy += ["-r", "200", "-f", "raw", "-d", str(int(args.seconds - 4)), "-o", str(raw)]
            subprocess.run(spy, capture_output=True, check=False)
            for proc in procs:
                proc.join()
            requests = sum(done.get() for _ in procs)
            print(f"\n{kind}: {requests / args.seconds:,.0f} requests/s from {args.processes}")
            print(summarise(raw, args.top) if raw.exists() else "py-spy wrote nothing")


if __name__ == "__main__":
    main()
