"""How long the linearizability checker takes per history (protocols/checkers/linearizability.py).

    python bench/linearizability.py [--histories 20] [--sizes 100,500,2000] [--clients 10,50]
                                    [--dump DIR]

Random single-register histories in the style of Jepsen's etcd tests: each client runs one
operation at a time (50% reads, 25% writes, 25% compare-and-sets on values 0-4), each
operation takes effect at a random point between its invocation and its response, and
about 1% never get a response (a timed-out write or cas that may or may not have happened).
10 clients share one key; 50 clients spread over 5 keys (about ten operations in flight
per key). "Not linearizable" histories are the same with one read's result changed (a
corruption that happens to stay linearizable is drawn again).

Prints the median and the slowest time per history for each (clients, operations, kind).
`--dump DIR` also writes every history as Jepsen log lines (DIR/<name>.log), so another
checker -- Porcupine, say -- can be timed on exactly the same work.
"""

import argparse
import heapq
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from protocols.checkers.linearizability import Operation, check  # noqa: E402

VALUES = 5


def generate(seed, clients, count, corrupt=False, info_rate=0.01, keys=1):
    """A random history that is linearizable by construction, or the same with one read's
    result changed (`corrupt`: the caller keeps it only if it is then not linearizable)."""
    rng = random.Random(f"{seed}:{clients}:{count}:{keys}:{corrupt}")
    free = [(rng.uniform(0, 5), c) for c in range(clients)]
    heapq.heapify(free)
    ops, points, happened = [], [], []
    while len(ops) < count:
        at, client = heapq.heappop(free)
        call = at + rng.uniform(0, 2)
        point = call + rng.expovariate(1 / 10)
        ret = point + rng.expovariate(1 / 10)
        roll = rng.random()
        f = "read" if roll < 0.5 else "write" if roll < 0.75 else "cas"
        op = Operation(len(ops) + 1, client, f, call=call, ret=ret,
                       key=rng.randrange(keys) if keys > 1 else None)
        op.value = rng.randrange(VALUES) if f != "read" else None
        op.expected = rng.randrange(VALUES) if f == "cas" else None
        points.append(point)
        happened.append(True)
        pending = f != "read" and rng.random() < info_rate
        if pending:
            op.status, op.ret, happened[-1] = "info", None, rng.random() < 0.5
            client += clients  # Jepsen retires a process whose operation is unknown
        ops.append(op)
        heapq.heappush(free, (ret, client))
    states = {}
    for index in sorted(range(len(ops)), key=points.__getitem__):
        op = ops[index]
        state = states.get(op.key, 0)
        if op.f == "read":
            op.value = state
        elif not happened[index]:
            continue
        elif op.f == "write":
            state = op.value
        elif op.status != "info":
            op.status = "ok" if state == op.expected else "fail"
            if op.status == "ok":
                state = op.value
        elif state == op.expected:
            state = op.value
        states[op.key] = state
    reads = [op for op in ops if op.f == "read"]
    if corrupt and reads:
        victim = rng.choice(reads[len(reads) // 2:])
        victim.value = (victim.value + rng.randrange(1, VALUES)) % VALUES
    for op in ops:
        op.invoke_t, op.complete_t = op.call, op.ret
    return ops, 0


def jepsen_lines(ops):
    """The history as Jepsen log lines, in real-time order."""
    events = []
    for op in ops:
        events.append((op.call, 0, op))
        if op.ret is not None:
            events.append((op.ret, 1, op))
    events.sort(key=lambda e: (e[0], e[1]))
    def fmt(op, value):
        text = {"read": "nil" if value is None else str(value), "write": str(value),
                "cas": f"[{op.expected} {op.value}]"}[op.f]
        return text if op.key is None else f"[{op.key} {text}]"

    lines = []
    for _, kind, op in events:
        if kind == 0:
            value = fmt(op, None if op.f == "read" else op.value)
            lines.append(f"INFO  jepsen.util - {op.client}\t:invoke\t:{op.f}\t{value}")
        else:
            value = fmt(op, op.value)
            lines.append(f"INFO  jepsen.util - {op.client}\t:{op.status}\t:{op.f}\t{value}")
    for op in ops:
        if op.ret is None:
            lines.append(f"INFO  jepsen.util - {op.client}\t:info\t:{op.f}\t"
                         f"{fmt(op, op.value)}\t:timed-out")
    return lines


WORKLOADS = {10: 1, 50: 5}   # clients -> keys: about ten operations in flight per key


def timed_check(ops, initial):
    start = time.perf_counter()
    verdict = check(ops, initial)
    return verdict["linearizable"], (time.perf_counter() - start) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--histories", type=int, default=20, help="histories per cell")
    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument("--clients", default="10,50")
    parser.add_argument("--dump", help="also write each history as Jepsen lines here")
    args = parser.parse_args()
    if args.dump:
        os.makedirs(args.dump, exist_ok=True)
    print(f"{'clients':>7} {'keys':>4} {'ops':>5} {'kind':<16} {'median ms':>10} {'max ms':>9}")
    for clients in map(int, args.clients.split(",")):
        keys = WORKLOADS.get(clients, max(1, clients // 10))
        for size in map(int, args.sizes.split(",")):
            for corrupt in (False, True):
                times = []
                for seed in range(args.histories):
                    for attempt in range(50):
                        ops, initial = generate(seed * 1000 + attempt, clients, size, corrupt,
                                                keys=keys)
                        linearizable, ms = timed_check(ops, initial)
                        if linearizable != corrupt:
                            break
                    else:
                        raise SystemExit("no corruption made a history non-linearizable")
                    if not corrupt and not linearizable:
                        raise SystemExit(f"BUG: a history linearizable by construction was "
                                         f"judged not (seed {seed})")
                    times.append(ms)
                    if args.dump:
                        name = f"c{clients}-n{size}-{'bad' if corrupt else 'ok'}-{seed:03}.log"
                        with open(os.path.join(args.dump, name), "w") as fh:
                            fh.write("\n".join(jepsen_lines(ops)) + "\n")
                kind = "not linearizable" if corrupt else "linearizable"
                print(f"{clients:>7} {keys:>4} {size:>5} {kind:<16} "
                      f"{statistics.median(times):>10.2f} {max(times):>9.2f}", flush=True)


if __name__ == "__main__":
    main()
