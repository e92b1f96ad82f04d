"""Instructor rooms at class size, over two Daphne processes and a real redis-server
(loopback only): followers split across both processes, the instructor on the first, stepping
at a fixed rate. For each step: the time from the instructor sending it until *every* follower
has its frame; p50 / p99 over the steps, and how many (follower, step) frames never arrived.

    python bench/rooms.py [--seconds 20] [--workloads 100x20,300x10]

Goal (docs/rooms.md): p99 <= 50 ms for 100 followers at 20 steps/s, <= 150 ms for 300 at
10 steps/s, zero missing. Not a test: numbers depend on the machine (2 shared cores here).
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.playground.test_rooms_two_processes import create_room, start_daphne  # noqa: E402
from tests.playground.test_settings_env import django_process_env, free_port  # noqa: E402
from tests.playground.wsclient import WebSocket  # noqa: E402

ROOM_SEQ = re.compile(rb'"room_seq":(\d+)')
CONFIG = {"transactions": 5, "participants": 5}


def start_redis(workdir):
    port = free_port()
    proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, f"redis://127.0.0.1:{port}/0"


class Follower:
    def __init__(self, ws):
        self.ws = ws
        self.arrived = {}  # room_seq -> perf_counter

    async def listen(self):
        try:
            while True:
                data = await self.ws.recv_bytes()
                match = ROOM_SEQ.search(data[:80])
                if match and data.startswith(b'{"type":"frame"'):
                    self.arrived.setdefault(int(match.group(1)), time.perf_counter())
        except Exception:
            return


async def workload(ports, followers_n, rate, seconds):
    code, key = create_room(ports[0], {"protocol": "twopc", "config": CONFIG})
    path = f"/ws/room/{code}/"
    teacher = await WebSocket.connect("127.0.0.1", ports[0], f"{path}?key={key}")
    await teacher.recv()
    followers = []
    for index in range(followers_n):
        ws = await WebSocket.connect("127.0.0.1", ports[index % 2], path)
        await ws.recv(timeout=30)  # the catch-up snapshot
        followers.append(Follower(ws))
    tasks = [asyncio.create_task(f.listen()) for f in followers]
    echo = Follower(teacher)  # the instructor's own copy: server time, before the fan-out
    drain = asyncio.create_task(echo.listen())
    await asyncio.sleep(1.5)  # subscriptions settle; the joins' follower-count notice passes
    steps = int(rate * seconds)
    sent = {}
    start = time.perf_counter()
    for index in range(1, steps + 1):
        target = start + (index - 1) / rate
        await asyncio.sleep(max(0.0, target - time.perf_counter()))
        sent[index] = time.perf_counter()
        await teacher.send({"type": "step", "count": 1})
    await asyncio.sleep(2.0)  # bounded wait for stragglers
    latencies, missing = [], 0
    for seq, at in sent.items():
        arrivals = [f.arrived.get(seq) for f in followers]
        missing += sum(1 for a in arrivals if a is None)
        got = [a for a in arrivals if a is not None]
        if len(got) == len(arrivals):
            latencies.append((max(got) - at) * 1000)
    for task in tasks + [drain]:
        task.cancel()
    for ws in [teacher] + [f.ws for f in followers]:
        await ws.close()
    echoes = sorted((echo.arrived[seq] - at) * 1000 for seq, at in sent.items()
                    if seq in echo.arrived)
    latencies.sort()

    def p(q, values=latencies):
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    print(f"{followers_n} followers over 2 processes, {rate} steps/s for {seconds} s "
          f"({steps} steps): until every follower has the step p50 {p(0.5):.1f} ms, "
          f"p99 {p(0.99):.1f} ms, max {latencies[-1] if latencies else float('nan'):.1f} ms; "
          f"missing {missing} of {steps * followers_n} frames; the instructor's own frame "
          f"p50 {p(0.5, echoes):.1f} ms, p99 {p(0.99, echoes):.1f} ms", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workloads", default="100x20,300x10",
                        help="comma-separated FOLLOWERSxSTEPS_PER_SECOND")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="rooms-bench-")
    redis, url = start_redis(workdir)
    env = django_process_env(REDIS_URL=url, DATABASE_URL=f"sqlite:///{workdir}/db.sqlite3",
                             PLAYGROUND_API_CREATE_PER_HOUR="1000")
    procs = []
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=120)
        ports = [free_port(), free_port()]
        for index, port in enumerate(ports):
            procs.append(start_daphne(env, port, f"{workdir}/daphne{index}.log"))
        for spec in args.workloads.split(","):
            n, rate = spec.lower().split("x")
            try:
                asyncio.run(asyncio.wait_for(workload(ports, int(n), float(rate),
                                                      args.seconds), args.seconds + 120))
            except Exception:
                for index in range(len(procs)):
                    text = Path(f"{workdir}/daphne{index}.log").read_text(errors="replace")
                    print(f"-- daphne{index}.log (end)\n{text[-3000:]}", file=sys.stderr)
                raise
    finally:
        for proc in procs + [redis]:
            proc.terminate()
        for proc in procs + [redis]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
