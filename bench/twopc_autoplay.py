"""Engine steps per second for two-phase commit auto-play (checks included).

    python bench/twopc_autoplay.py [--runs 5] [--steps 20000]

Prints the median over runs; each run auto-plays many seeded transactions with faults on.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from protocols import registry  # noqa: E402
from protocols.kernel import Simulation  # noqa: E402

CONFIGS = {
    "no faults": {"transactions": 5},
    "faults on": {"transactions": 5, "fault_drop": 0.1, "fault_crash": 0.03,
                  "fault_duplicate": 0.05},
}


def one_run(config, steps):
    proto = registry.get("twopc")
    taken, seed = 0, 0
    start = time.perf_counter()
    while taken < steps:
        sim = Simulation(proto, "correct", config, seed)
        taken += sim.run(min(2000, steps - taken))
        seed += 1
    return taken / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20000)
    args = parser.parse_args()
    for name, config in CONFIGS.items():
        rates = [one_run(config, args.steps) for _ in range(args.runs)]
        print(f"twopc auto-play, 3 participants, {name}: median {statistics.median(rates):,.0f} "
              f"steps/s (min {min(rates):,.0f}, max {max(rates):,.0f}, {args.runs} runs of "
              f"{args.steps} steps)")


if __name__ == "__main__":
    main()
