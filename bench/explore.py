"""States per second of the counterexample search (protocols/search/explore.py).

    python bench/explore.py [--runs 5] [--states 50000]

Each run explores the correct protocol breadth first until it has stored --states distinct
states, and prints the median rate over runs: "states" are successors generated (each one a
fork, an action applied, the state hashed, and the checks run when it is new), "distinct"
those kept. Rates are per second of this process's CPU time (one core; the machine may be
shared), with wall-clock rates beside them. Cases: two-phase commit with 3 participants
(one transaction, one crash allowed, clock frozen), and the election with 3 nodes (its
search defaults: clock running, time order, one partition, one crash).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from protocols import registry  # noqa: E402
from protocols.search.explore import explore  # noqa: E402

CASES = [
    ("twopc", "2PC, 3 participants, 1 crash", {"participants": 3}, {}),
    ("election", "election, 3 nodes, time order with 1 partition and 1 crash", {"nodes": 3}, {}),
]


def one_run(name, config, faults, states):
    cpu, wall = time.process_time(), time.perf_counter()
    result = explore(name, "correct", config=config, budgets=faults or None, depth=200,
                     max_states=states, seconds=600)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return result["states"] / cpu, result["states"] / wall, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--states", type=int, default=50_000, help="distinct states per run")
    args = parser.parse_args()
    for name, label, config, faults in CASES:
        if name not in registry.names():
            print(f"{label}: protocol {name!r} is not registered; skipped")
            continue
        rates, walls, last = [], [], None
        for _ in range(args.runs):
            rate, wall, last = one_run(name, config, faults, args.states)
            rates.append(rate)
            walls.append(wall)
        print(f"{label}: median {statistics.median(rates):,.0f} states/s of CPU (min "
              f"{min(rates):,.0f}, max {max(rates):,.0f}); wall clock median "
              f"{statistics.median(walls):,.0f}/s; {args.runs} runs, each {last['states']:,} "
              f"states, {last['distinct']:,} distinct, to depth {last['depth']}")


if __name__ == "__main__":
    main()
