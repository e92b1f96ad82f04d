"""Engine speed for lamport and tob, the cost of a snapshot (what every frame sends), and
how often the lamport-early variant gives one name to two users.

    python bench/lamport_tob.py [--runs 5] [--steps 10000]

Prints medians over runs.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from protocols import registry  # noqa: E402
from protocols.kernel import Simulation  # noqa: E402

CLAIMS = [{"node": f"n{1 + i % 3}", "user": f"user{i}", "name": ("bob", "amy", "dan")[i % 3],
           "at": 10 + 37 * i} for i in range(12)]
AUTOPLAY = {
    ("lamport", "correct"): {"events": 20, "vector_clocks": True, "nodes": 6},
    ("tob", "correct"): {"claims": CLAIMS, "fault_drop": 0.1, "fault_duplicate": 0.05,
                         "fault_crash": 0.01, "fault_downtime": [100, 1500]},
}


def steps_per_second(name, variant, config, steps):
    proto = registry.get(name)
    taken, seed = 0, 0
    start = time.perf_counter()
    while taken < steps:
        sim = Simulation(proto, variant, config, seed)
        taken += sim.run(min(3000, steps - taken))
        seed += 1
    return taken / (time.perf_counter() - start)


def snapshot_ms(name, config, steps):
    sim = Simulation(registry.get(name), "correct", config, 1)
    sim.run(steps)
    start = time.perf_counter()
    for _ in range(20):
        sim.snapshot()
    return (time.perf_counter() - start) / 20 * 1000, sim


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10000)
    args = parser.parse_args()
    for (name, variant), config in AUTOPLAY.items():
        rates = [steps_per_second(name, variant, config, args.steps) for _ in range(args.runs)]
        print(f"{name} ({variant}) auto-play: median {statistics.median(rates):,.0f} steps/s "
              f"(min {min(rates):,.0f}, max {max(rates):,.0f}, {args.runs} runs of "
              f"{args.steps} steps)")
    for name, config in AUTOPLAY.items():
        times = [snapshot_ms(name[0], config, 1000) for _ in range(args.runs)]
        sim = times[0][1]
        size = (f"{sum(len(n.durable.events) for n in sim.nodes.values())} events"
                if name[0] == "lamport" else f"{len(sim.history)} claims, {sim.step} steps")
        print(f"{name[0]} snapshot with view, {size}: median "
              f"{statistics.median(t for t, _ in times):.2f} ms")
    tob = registry.get("tob")
    broken = 0
    for seed in range(200):
        sim = Simulation(tob, "lamport-early", None, seed)
        sim.run(200)
        broken += any(not c["ok"] for c in sim.checks)
    print(f"tob lamport-early with its default config: one name given to two users on "
          f"{broken} of 200 seeds")


if __name__ == "__main__":
    main()
