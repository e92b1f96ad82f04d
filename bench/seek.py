"""Seeking in a long run: a 10,000-step run (actions recorded from auto-play, fault rates on so
it keeps going), then seeks to random steps through the play session, which replays from the
nearest checkpoint (playground/session.py, CHECKPOINT_EVERY), step back, and one scheduler
step at the end of the long run. Prints medians.

    .venv/bin/python bench/seek.py [--steps 10000] [--seeks 40]
"""

import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

from playground.session import PlaySession  # noqa: E402
from protocols.kernel.run import CHECKPOINT_EVERY  # noqa: E402
from protocols import registry  # noqa: E402
from protocols.kernel import Simulation, replay  # noqa: E402


def long_run(name, steps, seed):
    """Actions of a `steps`-long auto-played run (election never goes quiet: leases renew)."""
    config = {}
    sim = Simulation(registry.get(name), config=config, seed=seed)
    if sim.run(steps) < steps:
        sys.exit(f"{name} went quiet before {steps} steps; pick a protocol that keeps going")
    return config, sim.actions


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", default="election")
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--seeks", type=int, default=40)
    args = parser.parse_args()
    config, actions = long_run(args.protocol, args.steps, 7)
    print(f"{args.protocol}: run of {len(actions)} actions; checkpoint every {CHECKPOINT_EVERY}")

    t0 = time.perf_counter()
    session = PlaySession(registry.get(args.protocol))
    session.start(config=config, seed=7, actions=actions)
    print(f"start (replay the whole run once, keeping checkpoints): "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms, {len(session.run.checkpoints)} checkpoints")

    rng = random.Random(1)
    targets = [rng.randint(0, len(actions)) for _ in range(args.seeks)]
    seeks = []
    for target in targets:
        t = time.perf_counter()
        session.seek(target)
        seeks.append(time.perf_counter() - t)
    print(f"seek to a random step: median {statistics.median(seeks) * 1000:.1f} ms, "
          f"max {max(seeks) * 1000:.1f} ms over {len(seeks)} seeks")

    backs = []
    session.seek(len(actions))
    for _ in range(20):
        t = time.perf_counter()
        session.back()
        backs.append(time.perf_counter() - t)
    print(f"step back at the end of the run: median {statistics.median(backs) * 1000:.1f} ms")

    forward = []
    session.start(config=config, seed=7, actions=actions[:-40])  # room for 40 more
    for _ in range(40):
        t = time.perf_counter()
        session.step(1)
        forward.append(time.perf_counter() - t)
    print(f"one scheduler step at the end of the run: median "
          f"{statistics.median(forward) * 1000:.2f} ms")

    plain = []
    for target in targets[:5]:
        t = time.perf_counter()
        replay(registry.get(args.protocol), session.variant, config, 7, actions[:target])
        plain.append(time.perf_counter() - t)
    print(f"for comparison, a plain replay from step 0: median "
          f"{statistics.median(plain) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
