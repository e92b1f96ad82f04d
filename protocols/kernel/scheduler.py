"""The auto-play scheduler: the next event in simulated-time order, with optional
fault injection (drops, duplicates, crashes, pauses, partitions) from a seeded RNG.

Its randomness is derived from (seed, step) alone, so auto-play continues identically
after a replay from an action list: the scheduler's choices are themselves actions.
"""

import random

from .simulation import CRASHED, UP


def _rng(sim):
    return random.Random(f"scheduler:{sim.seed}:{sim.step}")


def next_event(sim):
    """The earliest pending event as (time, action), or None when quiescent."""
    best = None
    for msg in sim.messages.values():
        if sim.deliverable(msg):
            key = (msg["arrives_at"], 0, msg["id"])
            if best is None or key < best[0]:
                best = (key, {"type": "deliver", "msg": msg["id"]})
    for timer in sim.timers.values():
        if sim.fireable(timer):
            key = (timer["at"], 1, timer["id"])
            if best is None or key < best[0]:
                best = (key, {"type": "fire", "timer": timer["id"]})
    for index, planned in enumerate(sim.plan):
        key = (planned["at"], 2, index)
        if best is None or key < best[0]:
            best = (key, dict(planned["action"]))
    return None if best is None else (best[0][0], best[1])


def next_action(sim):
    """The action auto-play takes next (not yet applied), or None when nothing is left."""
    cfg = sim.config
    rng = _rng(sim)
    downtime = cfg["fault_downtime"]
    event = next_event(sim)
    if event is None:
        return None
    up = [n for n, s in sim.status.items() if s == UP]
    # Faults that strike between events.
    if cfg["fault_crash"] and up and rng.random() < cfg["fault_crash"]:
        return {"type": "crash", "node": rng.choice(up),
                "restart_after": rng.randint(max(1, downtime[0]), max(1, downtime[1]))}
    if cfg["fault_pause"] and up and rng.random() < cfg["fault_pause"]:
        return {"type": "pause", "node": rng.choice(up),
                "resume_after": rng.randint(max(1, downtime[0]), max(1, downtime[1]))}
    if (cfg["fault_partition"] and sim.partition is None and len(sim.nodes) > 1
            and rng.random() < cfg["fault_partition"]):
        ids = list(sim.nodes)
        side = [n for n in ids if rng.random() < 0.5]
        if 0 < len(side) < len(ids):
            return {"type": "partition", "groups": [side, [n for n in ids if n not in side]],
                    "heal_after": rng.randint(max(1, downtime[0]), max(1, downtime[1]))}
    _, action = event
    if action["type"] == "deliver" and sim.status[sim.messages[action["msg"]]["dst"]] != CRASHED:
        roll = rng.random()
        if roll < cfg["fault_drop"]:
            return {"type": "drop", "msg": action["msg"]}
        if roll < cfg["fault_drop"] + cfg["fault_duplicate"]:
            return {"type": "duplicate", "msg": action["msg"]}
    return action
