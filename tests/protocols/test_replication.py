"""Replication: the seed claims about which setups behave like a single copy, each proved
on a run -- hand-driven, a shipped preset, or auto-play over many seeds."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from protocols import registry
from protocols.kernel import InvalidAction, Simulation, replay

from .drive import check, fire, pending

ROOT = Path(__file__).resolve().parents[2]
REPLICATION = registry.get("replication")


def new(variant="correct", **config):
    config.setdefault("operations", 0)
    config.setdefault("fault_drop", 0.0)
    return Simulation(REPLICATION, variant, config, seed=1)


def deliver(sim, kind, dst=None):
    """Deliver the first in-flight message of this kind (to this node)."""
    msg = pending(sim, kind, dst)[0]
    sim.apply({"type": "deliver", "msg": msg["id"]})


def play_preset(name):
    preset = REPLICATION.presets[name]
    return replay(REPLICATION, preset["variant"], preset["config"], preset["seed"],
                  preset["actions"])


def history(sim):
    return [(h["client"], h["op"], h["status"], h["result"]) for h in sim.history]


# -- single leader ----------------------------------------------------------------------

def test_reads_at_the_leader_stay_linearizable_on_many_seeds_with_drops_and_crashes():
    faults = {"clients": 3, "operations": 6, "fault_drop": 0.1, "fault_crash": 0.03,
              "fault_duplicate": 0.05}
    completed = crashes = drops = 0
    for seed in range(40):
        sim = Simulation(REPLICATION, "correct", faults, seed)
        sim.run(2000)
        assert check(sim, "linearizable")["ok"], (seed, check(sim, "linearizable"))
        completed += sum(1 for h in sim.history if h["status"] == "ok")
        crashes += sum(1 for e in sim.trace if e["type"] == "crash")
        drops += sum(1 for e in sim.trace if e["type"] == "drop")
    assert completed > 200 and crashes > 5 and drops > 50  # the faults really happened


def test_an_asynchronous_follower_read_can_be_stale():
    sim = new("follower-reads", clients=2)
    sim.apply({"type": "write", "node": "c1", "key": "x", "value": 1})
    deliver(sim, "WRITE", "r1")
    deliver(sim, "WRITTEN", "c1")          # acknowledged before any follower has it
    assert sim.history[0]["status"] == "ok"
    sim.apply({"type": "read", "node": "c2", "key": "x", "via": "r3"})
    deliver(sim, "READ", "r3")
    deliver(sim, "VALUE", "c2")
    assert history(sim)[1] == ("c2", "read", "ok", None)
    verdict = check(sim, "linearizable")
    assert not verdict["ok"] and "stale read" in verdict["detail"]
    assert verdict["ops"][:2] == [2, 1]     # the stale read, then the write it contradicts
    assert check(sim, "replication lag")["warn"]


def test_a_synchronous_follower_has_every_acknowledged_write():
    sim = new("correct", sync_followers=["r2"])
    sim.apply({"type": "write", "node": "c1", "key": "x", "value": 1})
    deliver(sim, "WRITE", "r1")
    assert not pending(sim, "WRITTEN")      # the leader waits for r2
    deliver(sim, "APPEND", "r2")
    deliver(sim, "APPENDED", "r1")
    deliver(sim, "WRITTEN", "c1")
    sim.apply({"type": "read", "node": "c2", "key": "x", "via": "r2"})
    deliver(sim, "READ", "r2")
    deliver(sim, "VALUE", "c2")
    assert history(sim)[1] == ("c2", "read", "ok", 1)
    assert check(sim, "linearizable")["ok"]


def test_a_crashed_synchronous_follower_blocks_writes_until_it_returns():
    sim = new("correct", sync_followers=["r2"])
    sim.apply({"type": "crash", "node": "r2"})
    sim.apply({"type": "write", "node": "c1", "key": "x", "value": 1})
    deliver(sim, "WRITE", "r1")
    deliver(sim, "APPEND", "r2")            # lost: r2 is down
    fire(sim, "c1", "timeout")
    assert history(sim)[0] == ("c1", "write", "info", "timed out")  # may or may not have happened
    sim.apply({"type": "restart", "node": "r2"})
    fire(sim, "r1", "resend")
    deliver(sim, "APPEND", "r2")
    deliver(sim, "APPENDED", "r1")
    assert sim.nodes["r2"].durable.data == {"x": 1}
    assert pending(sim, "WRITTEN")          # answered now, to a client that gave up
    assert check(sim, "linearizable")["ok"]


def test_a_duplicated_write_request_is_applied_once():
    sim = new("correct")
    sim.apply({"type": "write", "node": "c1", "key": "x", "value": 1})
    copy_of = pending(sim, "WRITE")[0]["id"]
    sim.apply({"type": "duplicate", "msg": copy_of})
    deliver(sim, "WRITE", "r1")
    deliver(sim, "WRITE", "r1")
    assert len(sim.nodes["r1"].durable.log) == 1


def test_a_timed_out_read_returns_nothing_and_a_timed_out_write_is_unknown():
    sim = new("correct")
    sim.apply({"type": "read", "node": "c1", "key": "x"})
    sim.apply({"type": "drop", "msg": pending(sim, "READ")[0]["id"]})
    fire(sim, "c1", "timeout")
    sim.apply({"type": "cas", "node": "c1", "key": "x", "from": None, "to": 5})
    sim.apply({"type": "drop", "msg": pending(sim, "CAS")[0]["id"]})
    fire(sim, "c1", "timeout")
    assert [h["status"] for h in sim.history] == ["fail", "info"]
    assert check(sim, "linearizable")["ok"]


# -- multi-leader -----------------------------------------------------------------------

def test_multi_leader_loses_an_update():
    sim = new("multi-leader")
    sim.apply({"type": "write", "node": "c1", "key": "x", "value": 11})
    sim.apply({"type": "write", "node": "c2", "key": "x", "value": 12})
    deliver(sim, "WRITE", "r1")
    deliver(sim, "WRITE", "r2")
    deliver(sim, "WRITTEN", "c1")
    deliver(sim, "WRITTEN", "c2")
    assert [h["status"] for h in sim.history] == ["ok", "ok"]   # both were told it worked
    sim.run(200)                                                 # the leaders converge
    values = {r: sim.nodes[r].value("x") for r in ("r1", "r2", "r3")}
    assert len(set(values.values())) == 1
    lost = check(sim, "no lost updates")
    assert not lost["ok"] and lost["ops"] == [1 if values["r1"] == 12 else 2]
    assert "lost to" in lost["detail"] and lost["events"]


def test_clock_skew_makes_the_later_write_lose():
    sim = new("multi-leader", clock_offsets=[0, -1000])
    sim.apply({"type": "write", "node": "c1", "key": "x", "value": 11})
    sim.run(100)                                    # settled everywhere
    sim.apply({"type": "write", "node": "c2", "key": "x", "value": 12})
    sim.run(100)
    assert sim.history[1]["status"] == "ok"
    assert {sim.nodes[r].value("x") for r in ("r1", "r2", "r3")} == {11}
    assert not check(sim, "no lost updates")["ok"]


def test_two_leaders_both_grant_a_username_but_one_leader_grants_it_once():
    race = play_preset("username-race")
    assert [h["status"] for h in race.history] == ["ok", "ok"]
    assert not check(race, "linearizable")["ok"]
    single = play_preset("username-at-the-leader")
    assert sorted(h["status"] for h in single.history) == ["fail", "ok"]
    assert check(single, "linearizable")["ok"]


# -- leaderless -------------------------------------------------------------------------

def test_leaderless_with_w_plus_r_greater_than_n_still_shows_a_non_linearizable_history():
    sim = play_preset("quorum-stale-read")
    cfg = sim.config
    assert cfg["w"] + cfg["r"] > cfg["replicas"]
    reads = [h for h in sim.history if h["op"] == "read"]
    assert [(h["client"], h["result"]) for h in reads] == [("c2", 1), ("c3", None)]
    assert reads[0]["complete_step"] < reads[1]["invoke_step"]   # c2 had its answer first
    verdict = check(sim, "linearizable")
    assert not verdict["ok"] and verdict["ops"][0] == reads[1]["id"]


def test_synchronous_read_repair_keeps_leaderless_linearizable_on_many_seeds():
    config = {"read_repair": "sync", "clients": 3, "operations": 6, "fault_drop": 0.1}
    for seed in range(30):
        sim = Simulation(REPLICATION, "leaderless", config, seed)
        sim.run(3000)
        assert check(sim, "linearizable")["ok"], (seed, check(sim, "linearizable"))


def test_quorums_that_do_not_overlap_are_flagged():
    sim = new("leaderless", w=1, r=1)
    assert check(sim, "quorums overlap")["warn"]
    assert not check(new("leaderless"), "quorums overlap")["warn"]


# -- the stories ------------------------------------------------------------------------

def test_the_image_resizer_processes_an_old_version():
    sim = play_preset("image-resizer")
    assert not check(sim, "resizer fetched the uploaded image")["ok"]
    verdict = check(sim, "linearizable")
    assert not verdict["ok"] and "c1's write" in verdict["detail"]


@pytest.mark.parametrize("name", sorted(REPLICATION.presets))
def test_every_preset_replays_and_narrates_steps_that_exist(name):
    preset = REPLICATION.presets[name]
    sim = play_preset(name)
    assert sim.step == len(preset["actions"])
    assert all(1 <= int(step) <= sim.step for step in preset["narration"])


# -- actions, the live check, the CLI ---------------------------------------------------

def test_user_actions_are_validated():
    sim = new("leaderless")
    with pytest.raises(InvalidAction):
        sim.apply({"type": "cas", "node": "c1", "key": "x", "from": None, "to": 1})
    with pytest.raises(InvalidAction):
        sim.apply({"type": "read", "node": "c1", "key": "x", "via": "r2"})
    sim = new("correct")
    with pytest.raises(InvalidAction):
        sim.apply({"type": "write", "node": "c1", "key": "x", "value": 1, "via": "r2"})
    with pytest.raises(InvalidAction):
        sim.apply({"type": "write", "node": "c1", "key": "nope", "value": 1})
    sim.apply({"type": "write", "node": "c1", "key": "x", "value": 1})
    with pytest.raises(InvalidAction):     # one operation at a time
        sim.apply({"type": "read", "node": "c1", "key": "x"})
    assert all(sim.is_enabled(a) for a in sim.enabled())


def test_the_violation_names_the_operations_and_the_messages_involved():
    sim = play_preset("async-follower-stale-read")
    verdict = check(sim, "linearizable")
    kinds = {sim.trace[i]["type"] for i in verdict["events"]}
    assert {"invoke", "complete", "send", "deliver"} <= kinds
    sent = {sim.trace[i]["kind"] for i in verdict["events"] if sim.trace[i]["type"] == "send"}
    assert {"READ", "VALUE", "WRITE", "WRITTEN"} <= sent


def test_the_live_check_of_a_clone_follows_its_own_history():
    sim = new("follower-reads")
    sim.apply({"type": "write", "node": "c1", "key": "x", "value": 1})
    deliver(sim, "WRITE", "r1")
    deliver(sim, "WRITTEN", "c1")
    twin = sim.clone()
    for s, via in ((sim, "r1"), (twin, "r3")):
        s.apply({"type": "read", "node": "c2", "key": "x", "via": via})
        deliver(s, "READ", via)
        deliver(s, "VALUE", "c2")
    assert check(sim, "linearizable")["ok"] and not check(twin, "linearizable")["ok"]


def test_runs_are_deterministic():
    config = {"clients": 3, "operations": 5, "fault_drop": 0.1}
    hashes = set()
    for _ in range(2):
        sim = Simulation(REPLICATION, "multi-leader", config, 7)
        sim.run(500)
        hashes.add(sim.trace_hash)
    assert len(hashes) == 1


def test_the_cli_runs_it_and_check_history_reads_the_output(tmp_path):
    run = subprocess.run([sys.executable, "-m", "protocols", "run", "replication", "--variant",
                          "multi-leader", "--seed", "1", "--json"], cwd=ROOT,
                         capture_output=True, text=True)
    out = json.loads(run.stdout)
    failing = [c["name"] for c in out["checks"] if not c["ok"]]
    assert run.returncode == (1 if failing else 0)
    assert out["protocol"] == "replication" and out["state"]["history"]
    (tmp_path / "run.json").write_text(run.stdout)
    checked = subprocess.run([sys.executable, "-m", "protocols", "check-history",
                              str(tmp_path / "run.json")], cwd=ROOT, capture_output=True,
                             text=True)
    live = next(c for c in out["checks"] if c["name"] == "linearizable")
    assert checked.returncode == (0 if live["ok"] else 1), checked.stdout + checked.stderr


# -- the package: labels, checks per mode, the stories' remarks ------------------------

def _labels(sim, kind=None):
    return [e["label"] for e in sim.trace
            if e["type"] == "send" and (kind is None or e["kind"] == kind)]


def test_the_stale_read_at_an_asynchronous_follower_reads_value_x_nil():
    sim = play_preset("async-follower-stale-read")
    assert _labels(sim, "VALUE") == ["VALUE x=1", "VALUE x=nil", "VALUE x=1"]
    assert {"WRITE x=1", "APPEND x=1", "APPENDED log 1", "WRITTEN #1", "READ x"} \
        <= set(_labels(sim))


def test_labels_say_what_each_message_carries_in_every_mode():
    quorum = set(_labels(play_preset("quorum-stale-read")))
    assert {"GET-VERSION x", "VERSION x v0", "PUT x=1 v1", "PUT-OK #1", "GET x",
            "GOT x=nil v0", "GOT x=1 v1"} <= quorum
    race = play_preset("username-race")
    assert {"CAS jim: nil→alice", "CAS-OK #1", "REPLICATE jim=bob",
            "REPLICATED upto 1"} <= set(_labels(race))
    leader = play_preset("username-at-the-leader")
    failed = next(e for e in leader.trace if e["type"] == "send" and e["kind"] == "CAS-FAILED")
    assert (failed["label"], failed["tone"]) == ("CAS-FAILED #2 is alice", "warning")
    resizer = set(_labels(play_preset("image-resizer")))
    assert {"ENQUEUE image=v2", "RESIZE image=v3", "APPEND image=v1 image=v2"} <= resizer
    repaired = Simulation(REPLICATION, "leaderless", {"read_repair": "sync"}, 0)
    repaired.run(400)
    assert any(label.startswith("REPAIR x=") and label.split()[-1].startswith("v")
               for label in _labels(repaired, "REPAIR"))


def test_each_mode_reports_the_linearizable_check_and_its_own():
    names = {variant: [c["name"] for c in new(variant).checks]
             for variant in ("correct", "multi-leader", "leaderless")}
    assert names == {"correct": ["linearizable", "replication lag"],
                     "multi-leader": ["linearizable", "no lost updates"],
                     "leaderless": ["linearizable", "quorums overlap"]}
    story = play_preset("image-resizer")
    assert [c["name"] for c in story.checks] == [
        "linearizable", "replication lag", "resizer fetched the uploaded image"]


def test_the_linearizable_check_reports_every_field_of_the_live_checker():
    from protocols.checkers.linearizability import live_check
    sim = play_preset("quorum-stale-read")
    verdict = check(sim, "linearizable")
    assert verdict == live_check(sim) and {"ops", "contradicts", "events"} <= set(verdict)


def test_lost_update_story_shows_each_leader_discard_c1s_write_on_its_remarked_step():
    preset = REPLICATION.presets["lost-update"]
    sim = Simulation(REPLICATION, preset["variant"], preset["config"], preset["seed"])
    discarded_at = {}
    for action in preset["actions"]:
        sim.apply(action)
        for e in sim.trace:
            if e["step"] == sim.step and e["type"] == "note" and e["data"].get("lost") == 1:
                discarded_at[e["node"]] = sim.step
                assert e["tone"] == "violation"
    assert "r2 receives c1's write" in preset["narration"][str(discarded_at["r2"])]
    assert "r1 receives c2's write" in preset["narration"][str(discarded_at["r1"])]


def test_username_at_the_leader_answers_alice_only_once_the_synchronous_follower_has_it():
    preset = REPLICATION.presets["username-at-the-leader"]
    sim = Simulation(REPLICATION, preset["variant"], preset["config"], preset["seed"])
    for action in preset["actions"]:
        sim.apply(action)
        sent = [e for e in sim.trace if e["step"] == sim.step and e["type"] == "send"]
        if any(e["kind"] == "CAS-OK" for e in sent):
            break
    delivered = next(e for e in sim.trace if e["step"] == sim.step and e["type"] == "deliver")
    assert (delivered["kind"], delivered["src"]) == ("APPENDED", "r2")
    assert "only now does the leader answer her" in preset["narration"][str(sim.step)]
