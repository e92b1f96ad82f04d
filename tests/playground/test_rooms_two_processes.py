"""Instructor rooms across processes: a real redis-server, two Daphne processes on different
ports sharing one SQLite file and REDIS_URL. The instructor drives on one process; followers
on both receive every step in order; followers that try to drive are refused; a follower
that reconnects catches up; an instructor connection on the other process continues the
room's sequence."""

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.playground.test_settings_env import (  # noqa: F401  (redis_url is a fixture)
    DAPHNE_LIMITS,
    django_process_env,
    free_port,
    redis_url,
)
from tests.playground.wsclient import WebSocket

ROOT = Path(__file__).resolve().parents[2]
DAPHNE = Path(sys.executable).parent / "daphne"
CONFIG = {"transactions": 5, "participants": 5}


def start_daphne(env, port, log_path):
    log = open(log_path, "w")
    proc = subprocess.Popen([str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), *DAPHNE_LIMITS,
                             "playground.asgi:application"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(Path(log_path).read_text())
            time.sleep(0.1)


class Servers(list):
    """The servers' ports, with their processes (`procs`, in the same order)."""

    def __init__(self, ports):
        super().__init__(ports)
        self.procs = []


@pytest.fixture
def two_servers(redis_url, tmp_path):  # noqa: F811
    env = django_process_env(REDIS_URL=redis_url,
                             DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    ports = Servers([free_port(), free_port()])
    procs = ports.procs
    try:
        for index, port in enumerate(ports):
            procs.append(start_daphne(env, port, tmp_path / f"daphne{index}.log"))
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def create_room(port, scenario):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/rooms", data=json.dumps({"scenario": scenario}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    body = json.loads(urllib.request.urlopen(request, timeout=10).read())
    return body["code"], body["instructor_url"].split("?key=")[1]


async def run_message(ws, timeout=10):
    """The next message about the run (follower-count notices skipped)."""
    while True:
        message = await ws.recv(timeout)
        if message["type"] != "followers":
            return message


async def scenario(ports):
    code, key = create_room(ports[0], {"protocol": "twopc", "config": CONFIG})
    path = f"/ws/room/{code}/"
    teacher = await WebSocket.connect("127.0.0.1", ports[0], f"{path}?key={key}")
    assert (await run_message(teacher))["room"]["instructor"] is True
    followers = []
    for port in ports:
        for _ in range(3):
            ws = await WebSocket.connect("127.0.0.1", port, path)
            first = await run_message(ws)
            assert first["type"] == "snapshot" and first["room_seq"] == 0
            followers.append(ws)
    await asyncio.sleep(0.3)  # Redis pub/sub subscriptions are asynchronous: let them settle

    steps = 20
    sent = []
    for _ in range(steps):
        await teacher.send({"type": "step", "count": 1})
        frame = await run_message(teacher)
        assert frame["type"] == "frame"
        sent.append((frame["room_seq"], frame["step"], frame["state"]["trace_hash"]))
    assert [s[0] for s in sent] == list(range(1, steps + 1))

    for ws in followers:
        got = []
        while len(got) < steps:
            message = await run_message(ws)
            assert message["type"] == "frame", message
            got.append((message["room_seq"], message["step"], message["state"]["trace_hash"]))
        assert got == sent, "every follower, on either process, gets every step in order"

    # Followers on both processes that try to drive are refused, every time.
    for ws in followers:
        for intent in ({"type": "step"}, {"type": "seek", "step": 0}):
            await ws.send(intent)
            reply = await run_message(ws)
            assert reply["type"] == "error" and reply["code"] == "forbidden"

    # A follower on the second process drops out, misses steps, reconnects and catches up.
    await followers[-1].close()
    for _ in range(3):
        await teacher.send({"type": "step", "count": 1})
        last = await run_message(teacher)
    back = await WebSocket.connect("127.0.0.1", ports[1], path)
    snap = await run_message(back)
    assert snap["type"] == "snapshot" and snap["room_seq"] == steps + 3
    assert snap["step"] == last["step"]
    assert snap["state"]["trace_hash"] == last["state"]["trace_hash"]

    # The instructor's key on the other process continues the room's sequence.
    teacher2 = await WebSocket.connect("127.0.0.1", ports[1], f"{path}?key={key}")
    await run_message(teacher2)
    await teacher2.send({"type": "step", "count": 1})
    for ws in [teacher, back, *followers[:-1]]:
        message = await run_message(ws)
        while message.get("room_seq", 0) < steps + 3 + 1:   # frames still in flight
            message = await run_message(ws)
        assert message["type"] == "frame" and message["room_seq"] == steps + 4

    # Auto-play started on the first process goes on when that instructor leaves; a pause
    # from the instructor's key on the second process stops it; the follower count is the
    # sum over both processes.
    await teacher.send({"type": "play", "interval_ms": 50})
    await teacher.close()
    watcher = followers[0]  # on the first process
    seen = []
    while len(seen) < 5:
        message = await run_message(watcher)
        if message["type"] == "frame":
            assert message["playing"] is True
            seen.append(message["room_seq"])
    assert seen == list(range(seen[0], seen[0] + 5))
    await teacher2.send({"type": "pause"})
    message = await run_message(teacher2)
    while not (message["type"] == "playing" and message["playing"] is False):
        message = await run_message(teacher2)
    paused_at = message["room_seq"]
    await asyncio.sleep(0.5)  # ten play intervals: the player on the first process has stopped
    snap_ws = await WebSocket.connect("127.0.0.1", ports[0], path)
    snap = await run_message(snap_ws)
    assert snap["room_seq"] == paused_at and snap["playing"] is False
    assert snap["room"]["followers"] == 7  # 3 + 3 followers and `back`, on both, and this one

    for ws in [teacher2, back, snap_ws, *followers[:-1]]:
        await ws.close()


def test_followers_on_two_daphne_processes_get_every_step_in_order_over_redis(two_servers):
    asyncio.run(asyncio.wait_for(scenario(two_servers), 120))


async def adoption(servers):
    """Auto-play runs in the process that received `play`; that process is killed; the other
    process, which serves followers of the room, adopts play and the class goes on watching."""
    code, key = create_room(servers[0], {"protocol": "twopc", "config": CONFIG})
    path = f"/ws/room/{code}/"
    teacher = await WebSocket.connect("127.0.0.1", servers[0], f"{path}?key={key}")
    await run_message(teacher)
    follower = await WebSocket.connect("127.0.0.1", servers[1], path)
    await run_message(follower)
    await asyncio.sleep(0.3)  # let the Redis subscriptions settle
    await teacher.send({"type": "play", "interval_ms": 100})
    seen = []
    while len(seen) < 3:
        message = await run_message(follower)
        if message["type"] == "frame":
            seen.append(message["room_seq"])

    servers.procs[0].kill()  # the player's process dies mid-run, without closing anything
    servers.procs[0].wait(timeout=10)
    last_before = seen[-1]
    after = []
    while len(after) < 5:
        message = await run_message(follower, timeout=30)
        assert message["type"] in ("frame", "snapshot"), message
        assert message["playing"] is True
        after.append(message["room_seq"])
    assert after[0] > last_before
    assert after == list(range(after[0], after[0] + 5)), "one player: one step per room_seq"

    teacher2 = await WebSocket.connect("127.0.0.1", servers[1], f"{path}?key={key}")
    await teacher2.send({"type": "pause"})
    message = await run_message(teacher2)
    while not (message["type"] == "playing" and message["playing"] is False):
        message = await run_message(teacher2)
    for ws in (teacher2, follower):
        await ws.close()


def test_auto_play_goes_on_when_the_process_running_it_is_killed(two_servers):
    asyncio.run(asyncio.wait_for(adoption(two_servers), 120))
