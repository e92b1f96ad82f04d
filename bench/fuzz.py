"""Fuzz a real Daphne on loopback: fuzzed frames at the play socket and the room socket
(instructor and follower), and hostile HTTP requests at the views; then count what must never
happen: responses >= 500, `internal` error frames, sockets the server closed, and tracebacks
in the server log. The target (issue 15): 0 of each.

    python bench/fuzz.py [--frames 10000] [--requests 1000] [--seed 1]

Bounded: every wait has a timeout, the whole run stops after --budget seconds, and the
Daphne it starts is stopped at the end. Frames are sent 50 per connection (within the rate
limit's burst, so they are parsed rather than refused for rate) over several connections.
"""

import argparse
import asyncio
import base64
import json
import random
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.playground.test_rooms_two_processes import start_daphne  # noqa: E402
from tests.playground.test_settings_env import django_process_env, free_port  # noqa: E402
from tests.playground.wsclient import Closed, WebSocket  # noqa: E402

PER_CONNECTION = 50
PARALLEL = 8
SURROGATE = "\\ud800"
POISONS = ["NaN", "Infinity", "-Infinity", "1e999", "1" * 5000, "9223372036854775808",
           f'"{SURROGATE}"', '"\\udfff"', "[" * 40 + "]" * 40, "[" * 20000 + "]" * 20000,
           '"\\ud800\\ud800"', "{}", "[]", "null", "true", "-1", "1.5", '"x"', '""', "[1]"]
INTENTS = ["start", "action", "step", "back", "seek", "play", "pause", "speed", "snapshot",
           "ping", "caption", "undo_fork", "explore", "explore_cancel", "launch"]
FIELDS = ["config", "actions", "seed", "cursor", "narration", "action", "count", "step",
          "interval_ms", "text", "token", "preset", "variant", "type", "checks", "depth"]
VALID = ['{"type":"step"}', '{"type":"back"}', '{"type":"snapshot"}', '{"type":"ping"}',
         '{"type":"seek","step":1}', '{"type":"start"}', '{"type":"pause"}',
         '{"type":"caption","text":"hi"}', '{"type":"start","config":{"kinds":["db"]}}',
         '{"type":"start","narration":{"1":"x"}}']


def raw_token(text):
    data = zlib.compress(text.encode("utf-8", "surrogatepass"), 9)
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def fuzzed_frame(rng):
    """One frame: a poisoned message, a mutation of a valid one, or noise."""
    roll = rng.random()
    if roll < 0.45:
        kind, field, poison = rng.choice(INTENTS), rng.choice(FIELDS), rng.choice(POISONS)
        where = rng.choice(["field", "config", "list", "type", "key"])
        body = {"field": f'"{field}":{poison}',
                "config": f'"config":{{"{rng.choice(["kinds", "labels", "keys", "send_ratio"])}":[{poison}]}}',
                "list": f'"actions":[{{"type":"deliver","msg":{poison}}}]',
                "type": None, "key": f'"{SURROGATE}":1'}[where]
        return f'{{"type":{poison}}}' if body is None else f'{{"type":"{kind}",{body}}}'
    if roll < 0.8:
        text = list(rng.choice(VALID))
        for _ in range(rng.randint(1, 4)):
            op, at = rng.random(), rng.randrange(len(text) + 1)
            if op < 0.4 and text:
                del text[min(at, len(text) - 1)]
            elif op < 0.8:
                text.insert(at, rng.choice('{}[]",:\\0123456789eE.-+ntfu\u00b2\u0663x'))
            else:
                text[at:at] = list(rng.choice(POISONS)[:50])
        return "".join(text)
    if roll < 0.9:
        return rng.choice(['{"type":"token_start","token":"%s"}', '{"type":"start","token":"%s"}']) \
            % raw_token(hostile_scenario(rng))
    return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randint(0, 40)))


def hostile_scenario(rng):
    poison = rng.choice(POISONS)
    parts = {"config": "{}", "seed": "0", "actions": "[]", "cursor": "0"}
    field = rng.choice(list(parts) + ["in_config"])
    if field == "in_config":
        parts["config"] = f'{{"send_ratio":{poison}}}'
    else:
        parts[field] = poison
    return ('{"v":1,"protocol":"twopc","variant":"correct",' + ",".join(
        f'"{k}":{v}' for k, v in parts.items()) + "}")


async def fuzz_socket(port, path, frames, tally, deadline):
    try:
        ws = await WebSocket.connect("127.0.0.1", port, path)
    except (OSError, Closed, asyncio.TimeoutError) as exc:
        tally["connect failed"] += 1
        tally[f"connect failed: {exc}"[:80]] += 1
        return
    try:
        await ws.recv(10) if "/room/" in path else None  # the room's first snapshot
        for text in frames:
            if time.monotonic() > deadline:
                break
            ws._frame(0x1, text.encode("utf-8", "surrogatepass"))
            await ws.writer.drain()
            tally["frames"] += 1
            try:
                reply = await ws.recv(15)
            except asyncio.TimeoutError:
                tally["no reply (timeout)"] += 1
                continue
            tally[f"reply {reply.get('type')}"] += 1
            if reply.get("type") == "error":
                tally[f"error {reply.get('code')}"] += 1
        # Drain what auto-play may still send before closing: a close while the server is
        # replying is a different matter (counted apart in the log summary).
        await ws.send({"type": "pause"})
        await ws.send({"type": "ping"})
        for _ in range(200):
            if (await ws.recv(15)).get("type") == "pong":
                break
    except Closed as exc:
        tally[f"closed by server ({exc})"] += 1
    except (ConnectionError, asyncio.IncompleteReadError):
        tally["connection lost"] += 1
    except asyncio.TimeoutError:
        tally["no reply (timeout)"] += 1
    finally:
        await ws.close()


async def fuzz_sockets(port, paths, count, rng, deadline):
    tally = Counter()
    batches = []
    while sum(len(b[1]) for b in batches) < count:
        n = min(PER_CONNECTION, count - sum(len(b[1]) for b in batches))
        batches.append((rng.choice(paths), [fuzzed_frame(rng) for _ in range(n)]))
    gate = asyncio.Semaphore(PARALLEL)

    async def one(path, frames):
        async with gate:
            await fuzz_socket(port, path, frames, tally, deadline)

    await asyncio.gather(*(one(p, f) for p, f in batches))
    return tally


def hostile_request(rng, port, code, key):
    base = f"http://127.0.0.1:{port}"
    token = raw_token(hostile_scenario(rng))
    roll = rng.randrange(9)
    if roll == 0:
        return base + f"/play/twopc/?s={token}", None
    if roll == 1:
        return base + f"/api/export/{rng.choice(['mermaid', 'trace'])}?s={token}", None
    if roll == 2:
        return base + "/api/export/trace", json.dumps({"s": token}).encode()
    if roll == 3:
        return base + f"/room/{code}/?key={rng.choice(['', key, 'x'])}&key={key}", None
    field, poison = rng.choice(["title", "config", "seed", "actions", "cursor", "narration",
                                "variant", "preset"]), rng.choice(POISONS)
    body = f'{{"protocol":"{rng.choice(["twopc", "lamport", "x"])}","{field}":{poison}}}'
    if roll in (4, 5):
        return base + "/api/scenarios", body.encode("utf-8", "surrogatepass")
    if roll == 6:
        return base + "/api/rooms", f'{{"scenario":{body}}}'.encode("utf-8", "surrogatepass")
    if roll == 7:
        return base + f"/play/twopc/?s={''.join(rng.choice('AZaz09-_%=') for _ in range(30))}", None
    noise = "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randint(0, 60)))
    return base + rng.choice(["/api/scenarios", "/api/rooms"]), noise.encode("utf-8", "surrogatepass")


def fuzz_http(port, count, rng, code, key, deadline):
    tally = Counter()
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        url, data = hostile_request(rng, port, code, key)
        request = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            status = f"failed ({type(exc).__name__})"
        tally["requests"] += 1
        tally[status] += 1
    return tally


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10_000, help="per socket type")
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=900, help="seconds, at most")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.budget
    workdir = tempfile.mkdtemp(prefix="fuzz-bench-")
    env = django_process_env(DATABASE_URL=f"sqlite:///{workdir}/db.sqlite3",
                             PLAYGROUND_API_CREATE_PER_HOUR="100000")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    log_path = f"{workdir}/daphne.log"
    proc = start_daphne(env, port, log_path)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/rooms",
            data=json.dumps({"scenario": {"protocol": "twopc"}}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        room = json.loads(urllib.request.urlopen(request, timeout=30).read())
        code, key = room["code"], room["instructor_url"].split("?key=")[1]
        started = time.monotonic()
        play = asyncio.run(fuzz_sockets(port, ["/ws/play/twopc/", "/ws/play/lamport/"],
                                        args.frames, rng, deadline))
        play_s = time.monotonic() - started
        started = time.monotonic()
        rooms = asyncio.run(fuzz_sockets(port, [f"/ws/room/{code}/?key={key}",
                                                f"/ws/room/{code}/"], args.frames, rng,
                                         deadline))
        room_s = time.monotonic() - started
        started = time.monotonic()
        http = fuzz_http(port, args.requests, rng, code, key, deadline)
        http_s = time.monotonic() - started
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    log = Path(log_path).read_text(errors="replace")
    tracebacks = log.count("Traceback (most recent call last)")
    kinds = Counter()  # the exception each traceback ends with
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            end = index + 1
            while end < len(lines) and (lines[end].startswith(" ") or not lines[end].strip()):
                end += 1
            kinds[lines[end].split(":")[0] if end < len(lines) else "?"] += 1
    errors = sum(1 for line in log.splitlines() if " ERROR " in line)
    for name, tally, seconds in (("play socket", play, play_s), ("room socket", rooms, room_s)):
        print(f"{name}: {tally['frames']} frames in {seconds:.1f} s; internal errors "
              f"{tally['error internal']}; closed by server "
              f"{sum(v for k, v in tally.items() if k.startswith('closed'))}; no reply "
              f"{tally['no reply (timeout)']}; replies: "
              + ", ".join(f"{k[6:]} {v}" for k, v in tally.most_common() if k.startswith("error ")))
    over = sum(v for k, v in http.items() if isinstance(k, int) and k >= 500)
    failed = sum(v for k, v in http.items() if isinstance(k, str) and k.startswith("failed"))
    print(f"http: {http['requests']} requests in {http_s:.1f} s; responses >= 500: {over}; "
          f"failed: {failed}; statuses: "
          + ", ".join(f"{k} {v}" for k, v in sorted(http.items(), key=str) if k != "requests"))
    print(f"server log: {tracebacks} tracebacks, {errors} ERROR lines ({log_path})"
          + ("; tracebacks end with: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common())
             if kinds else ""))
    print(f"TARGET (0 and 0): responses >= 500 + internal frames = "
          f"{over + play['error internal'] + rooms['error internal']}, tracebacks = {tracebacks}")


if __name__ == "__main__":
    main()
