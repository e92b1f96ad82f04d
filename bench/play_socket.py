"""Round trips through the play WebSocket consumer (in process, no network): how long a
`step` frame and a `seek` (which replays a prefix of the run) take as a run grows.

    python bench/play_socket.py [--repeat 20]

Prints medians in milliseconds. Not a test: numbers depend on the machine.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

from channels.testing import WebsocketCommunicator  # noqa: E402
from django.test import override_settings  # noqa: E402

from playground.asgi import application  # noqa: E402

HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
CONFIG = {"transactions": 5, "participants": 5}


async def timed(communicator, message):
    start = time.perf_counter()
    await communicator.send_to(text_data=json.dumps(message))
    reply = json.loads(await communicator.receive_from(timeout=60))
    elapsed = (time.perf_counter() - start) * 1000
    assert reply["type"] != "error", reply
    return elapsed, reply


async def main(repeat):
    communicator = WebsocketCommunicator(application, "/ws/play/twopc/", headers=HEADERS)
    connected, _ = await communicator.connect()
    assert connected
    step_ms, seek_ms = [], {}
    seed = 0
    while True:
        _, snap = await timed(communicator, {"type": "start", "seed": seed, "config": CONFIG})
        _, frame = await timed(communicator, {"type": "step", "count": 50})
        if not frame["quiescent"]:
            break
        seed += 1
    for _ in range(repeat):
        ms, frame = await timed(communicator, {"type": "step"})
        step_ms.append(ms)
        if frame["quiescent"]:
            break
    length = frame["step"]
    for target in sorted({length // 4, length // 2, length * 3 // 4}):
        backward, forward = [], []
        for _ in range(repeat):
            # From the end back to the target: a replay of `target` actions from scratch.
            await timed(communicator, {"type": "seek", "step": length})
            backward.append((await timed(communicator, {"type": "seek", "step": target}))[0])
            # From the start forward to the target: the timeline applied to the live run.
            await timed(communicator, {"type": "seek", "step": 0})
            forward.append((await timed(communicator, {"type": "seek", "step": target}))[0])
        seek_ms[target] = (statistics.median(backward), statistics.median(forward))
    _, snap = await timed(communicator, {"type": "snapshot"})
    await communicator.disconnect()
    print(f"twopc {CONFIG}, seed {seed}: run of {length} actions")
    print(f"  step frame round trip: median {statistics.median(step_ms):.2f} ms "
          f"({len(json.dumps(frame)) / 1024:.1f} KiB per frame)")
    for target, (backward, forward) in seek_ms.items():
        print(f"  seek to {target:>4}: median {backward:.2f} ms backward (replay), "
              f"{forward:.2f} ms forward from 0")
    print(f"  snapshot message: {len(json.dumps(snap)) / 1024:.1f} KiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    # Benchmarks send faster than a person; lift the per-socket rate limit for them.
    with override_settings(PLAYGROUND_WS_RATE_PER_SECOND=10**6, PLAYGROUND_WS_RATE_BURST=10**6):
        asyncio.run(main(args.repeat))
