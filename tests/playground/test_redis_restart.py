"""A room survives Redis being killed (-9) and restarted on the same port (issue 15, finding 4):
two Daphne processes share one SQLite file and REDIS_URL; the instructor steps at 10/s on the
first, followers watch on both. No follower misses a step, nobody gets `internal`, auto-play
goes on after the restart.

`restart_during_room` is also what bench/redis_restart.py measures."""

import asyncio
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.playground.test_rooms_two_processes import DAPHNE, create_room
from tests.playground.test_settings_env import DAPHNE_LIMITS, django_process_env, free_port
from tests.playground.wsclient import WebSocket

pytestmark = pytest.mark.multiprocess

ROOT = Path(__file__).resolve().parents[2]
CONFIG = {"transactions": 5, "participants": 5}


class RestartableRedis:
    """A redis-server on a fixed port that can be killed -9 and started again on it."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self):
        self.proc.kill()  # SIGKILL: no goodbye to any client
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class Watcher:
    """A room socket read in the background: which room_seqs reached it as frames, which
    snapshots (each covers every seq up to its own), errors, the last `playing` it was told."""

    def __init__(self, ws, name):
        self.ws, self.name = ws, name
        self.frames = set()
        self.snapshots = []
        self.shown = None
        self.playing = None
        self.errors = []
        self.task = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self):
        try:
            while True:
                message = await self.ws.recv(timeout=3600)
                kind = message["type"]
                if kind == "error":
                    self.errors.append(message["code"])
                if "room_seq" not in message:
                    continue
                seq = message["room_seq"]
                if kind == "snapshot":
                    self.snapshots.append(seq)
                else:
                    self.frames.add(seq)
                self.shown = max(self.shown or 0, seq) if kind != "snapshot" else seq
                if "playing" in message:
                    self.playing = message["playing"]
        except Exception:
            return

    def missing(self, upto):
        """The room seqs 1..upto that reached this socket neither as a message nor inside a
        later snapshot."""
        covered = set(self.frames)
        for seq in self.snapshots:
            covered.update(range(1, seq + 1))
        return sorted(set(range(1, upto + 1)) - covered)

    def only_in_snapshot(self, upto, after=0):
        """How many of the seqs after..upto reached this socket only inside a snapshot."""
        return len(set(range(after + 1, upto + 1)) - self.frames - set(self.missing(upto)))

    async def close(self):
        self.task.cancel()
        await self.ws.close()


def row(db, code):
    """(room seq, playing) as the database holds them."""
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute("select seq, playing from playground_room where code = ?",
                            (code,)).fetchone()


async def settle(watchers, db, code, timeout):
    """Wait until every watcher has been shown the row's seq (or `timeout` passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seq, _ = row(db, code)
        if all(w.shown == seq for w in watchers):
            return
        await asyncio.sleep(0.1)


async def restart_during_room(ports, redis, db, *, followers_per_process=2, rate=10,
                              steps=30, down_s=1.0, settle_s=8.0):
    """The instructor (first process) steps at `rate`/s; after a third of the steps Redis is
    killed -9, restarted on its port `down_s` later, the stepping goes on; one last step
    after the others. Then auto-play at `rate`/s, Redis killed and restarted again, a pause.
    A report: per follower the seqs missing after each phase (and how many only came inside a
    snapshot), `internal` errors anywhere, and whether auto-play went on after the restart."""
    code, key = create_room(ports[0], {"protocol": "twopc", "config": CONFIG})
    path = f"/ws/room/{code}/"
    teacher = Watcher(await WebSocket.connect("127.0.0.1", ports[0], f"{path}?key={key}"),
                      "instructor")
    followers = []
    for index, port in enumerate(ports):
        for n in range(followers_per_process):
            ws = await WebSocket.connect("127.0.0.1", port, path)
            followers.append(Watcher(ws, f"p{index}f{n}"))
    everyone = [teacher, *followers]
    await asyncio.sleep(0.5)  # let the Redis subscriptions settle
    report = {"code": code}

    # Phase 1: the instructor steps through a Redis restart.
    interval = 1 / rate
    for i in range(steps):
        if i == steps // 3:
            redis.kill()
            killed = time.monotonic()
        if i == steps // 3 + round(down_s * rate):
            await asyncio.sleep(max(0.0, down_s - (time.monotonic() - killed)))
            redis.start()
        await teacher.ws.send({"type": "step", "count": 1})
        await asyncio.sleep(interval)
    await asyncio.sleep(1.0)
    await teacher.ws.send({"type": "step", "count": 1})  # the room then stays still
    await settle(everyone, db, code, settle_s)
    seq, _ = row(db, code)
    stepped = seq
    report["stepped"] = {"room_seq": seq,
                         "missing": {w.name: len(w.missing(seq)) for w in followers},
                         "only_in_snapshot": {w.name: w.only_in_snapshot(seq)
                                              for w in followers}}

    # Phase 2: auto-play through a Redis restart.
    await teacher.ws.send({"type": "play", "interval_ms": round(1000 / rate)})
    await asyncio.sleep(1.5)
    redis.kill()
    await asyncio.sleep(down_s)
    redis.start()
    restarted_at, _ = row(db, code)
    await asyncio.sleep(3.0)
    seq, playing = row(db, code)
    await settle(everyone, db, code, settle_s)
    seq, playing = row(db, code)  # a player still going has moved on meanwhile: look again
    report["auto_play"] = {
        "playing": bool(playing), "steps_after_restart": seq - restarted_at,
        "followers_told": {w.name: w.playing == bool(playing) for w in followers},
        "missing": {w.name: len(w.missing(seq)) for w in followers}}
    for _ in range(5):  # a pause racing the player's step can be refused with `conflict`
        await teacher.ws.send({"type": "pause"})
        await asyncio.sleep(0.5)
        if not row(db, code)[1]:
            break
    await settle(everyone, db, code, settle_s)
    seq, playing = row(db, code)
    report["paused"] = {"room_seq": seq, "playing": bool(playing),
                        "missing": {w.name: len(w.missing(seq)) for w in followers},
                        "only_in_snapshot": {w.name: w.only_in_snapshot(seq, stepped)
                                             for w in followers},
                        "followers_playing": {w.name: w.playing for w in followers}}
    report["internal"] = sum(w.errors.count("internal") for w in everyone)
    report["errors"] = sorted({e for w in everyone for e in w.errors})
    for w in everyone:
        await w.close()
    return report


def serve_two(redis, workdir, root=ROOT):
    """Two Daphne processes on one SQLite file and `redis`; (ports, processes, db path)."""
    db = Path(workdir) / "db.sqlite3"
    env = django_process_env(REDIS_URL=redis.url, DATABASE_URL=f"sqlite:///{db}",
                             PYTHONPATH=str(root))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=root, env=env,
                   check=True, capture_output=True, timeout=120)
    ports, procs = [free_port(), free_port()], []
    for index, port in enumerate(ports):
        log = open(Path(workdir) / f"daphne{index}.log", "w")
        procs.append(subprocess.Popen(
            [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), *DAPHNE_LIMITS,
             "playground.asgi:application"], cwd=root, env=env, stdout=log,
            stderr=subprocess.STDOUT))
    for port, proc in zip(ports, procs):
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    stop_all(procs)
                    raise RuntimeError(f"Daphne on {port} did not start (see {workdir})")
                time.sleep(0.1)
    return ports, procs, db


def stop_all(procs):
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_redis_restart_loses_no_room_step_and_auto_play_goes_on(tmp_path):
    redis = RestartableRedis(tmp_path)
    redis.start()
    procs = []
    try:
        ports, procs, db = serve_two(redis, tmp_path)
        report = asyncio.run(asyncio.wait_for(restart_during_room(ports, redis, db), 120))
    finally:
        stop_all(procs)
        redis.stop()
    assert report["internal"] == 0, report
    assert set(report["errors"]) <= {"conflict"}, report  # the pause racing the player
    assert all(n == 0 for n in report["stepped"]["missing"].values()), report
    assert report["auto_play"]["playing"] is True, report  # the player went on
    assert report["auto_play"]["steps_after_restart"] > 0, report
    assert all(report["auto_play"]["followers_told"].values()), report
    assert all(n == 0 for n in report["auto_play"]["missing"].values()), report
    assert all(n == 0 for n in report["paused"]["missing"].values()), report
    assert not any(report["paused"]["followers_playing"].values()), report
