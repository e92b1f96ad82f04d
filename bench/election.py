"""Leader election: engine steps per second (checks included), and how often each unsafe
variant's default config breaks safety.

    python bench/election.py [--runs 5] [--steps 10000] [--seeds 30]

Steps per second: the median over runs; each run auto-plays seeded elections until --steps.
Variants: over --seeds seeds of 2000 steps each, how many break a safety check, and the median
step at which the first violation appears.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from protocols import registry  # noqa: E402
from protocols.kernel import Simulation  # noqa: E402

FAULTS = {"requests": 10, "fault_drop": 0.1, "fault_duplicate": 0.05, "fault_crash": 0.03,
          "fault_pause": 0.03, "fault_partition": 0.03, "fault_downtime": [100, 1500]}
CONFIGS = {
    "5 nodes, no faults": {"requests": 10},
    "5 nodes, faults on": FAULTS,
    "7 nodes, faults on": dict(FAULTS, nodes=7),
}
SAFETY = ("uniform agreement", "integrity", "validity", "one leader per epoch")


def steps_per_second(config, steps):
    proto = registry.get("election")
    taken, seed = 0, 0
    start = time.perf_counter()
    while taken < steps:
        sim = Simulation(proto, "correct", config, seed)
        taken += sim.run(min(2000, steps - taken))
        seed += 1
    return taken / (time.perf_counter() - start)


def first_violation(variant, seed, steps=2000):
    sim = Simulation(registry.get("election"), variant, None, seed)
    for _ in range(steps):
        if sim.auto_step() is None:
            return None
        broken = [c["name"] for c in sim.checks if c["name"] in SAFETY and not c["ok"]]
        if broken:
            return sim.step, broken
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--seeds", type=int, default=30)
    args = parser.parse_args()
    for name, config in CONFIGS.items():
        rates = [steps_per_second(config, args.steps) for _ in range(args.runs)]
        print(f"election auto-play, {name}: median {statistics.median(rates):,.0f} steps/s "
              f"(min {min(rates):,.0f}, max {max(rates):,.0f}, {args.runs} runs of "
              f"{args.steps} steps)")
    for variant in ("no-epochs", "no-quorum", "volatile-votes"):
        found = [first_violation(variant, seed) for seed in range(args.seeds)]
        hits = [f for f in found if f]
        checks = sorted({name for _, names in hits for name in names})
        median = statistics.median(step for step, _ in hits) if hits else None
        print(f"variant {variant} (default config): {len(hits)}/{args.seeds} seeds break "
              f"safety within 2000 steps; median first violation at step {median}; "
              f"checks: {', '.join(checks) or 'none'}")


if __name__ == "__main__":
    main()
