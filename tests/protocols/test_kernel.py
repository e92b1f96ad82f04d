"""The kernel contract: actions, enabled(), crashes, timers, partitions, determinism."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from protocols import registry
from protocols.kernel import (ConfigError, InvalidAction, Node, Option, Protocol, Simulation,
                              UserAction, canonical, replay)
from protocols.kernel.usertext import text_field

ROOT = Path(__file__).resolve().parents[2]


class Pinger(Node):
    role = "pinger"

    def initial_durable(self):
        return {"pongs": 0}

    def initial_volatile(self):
        return {"sent": 0}

    def on_start(self):
        self.set_timer("tick", 50)

    def on_tick(self):
        self.volatile.sent += 1
        self.send("ponger", "PING", n=self.volatile.sent)
        if self.volatile.sent < self.config["pings"]:
            self.set_timer("tick", 50)

    def on_pong(self, src, n):
        self.durable.pongs += 1
        self.note(f"pong {n}")


class Ponger(Node):
    role = "ponger"

    def on_ping(self, src, n):
        self.send(src, "PONG", n=n)


class PingPong(Protocol):
    name = "pingpong"
    options = {"pings": Option(2, "how many pings", minimum=0, maximum=10)}

    def build(self, sim):
        sim.add_node(Pinger, "pinger")
        sim.add_node(Ponger, "ponger")

    def checks(self, sim):
        pongs = sim.nodes["pinger"].durable.pongs
        ok = pongs <= sim.config["pings"]
        return [{"name": "no extra pongs", "ok": ok, "detail": f"{pongs} pongs"}]


@pytest.fixture
def sim():
    return Simulation(PingPong(), seed=1)


def test_a_timer_fires_and_its_message_gets_a_stable_id(sim):
    assert sim.enabled()[0] == {"type": "fire", "timer": 1}
    sim.apply({"type": "fire", "timer": 1})
    assert [m["id"] for m in sim.messages.values()] == [1]
    assert sim.now == 50
    assert {"type": "deliver", "msg": 1} in sim.enabled()


def test_applying_an_action_that_is_not_enabled_is_an_error_that_changes_nothing(sim):
    before = (canonical(sim.snapshot()), list(sim.actions), len(sim.trace))
    for bad in ({"type": "deliver", "msg": 99}, {"type": "restart", "node": "pinger"},
                {"type": "fire", "timer": "1"}, {"type": "heal"}, {"type": "teleport"},
                {"type": "crash", "node": "nobody"}, "deliver", {"msg": 1},
                {"type": "crash", "node": "pinger", "bogus": 1},
                {"type": "partition", "groups": [["pinger", "pinger"]]},
                {"type": "partition", "groups": [["pinger", "ponger"]]}):
        with pytest.raises(InvalidAction) as info:
            sim.apply(bad)
        assert info.value.message
    assert (canonical(sim.snapshot()), list(sim.actions), len(sim.trace)) == before


def test_a_crash_loses_volatile_state_and_timers_but_keeps_durable_state(sim):
    sim.apply({"type": "fire", "timer": 1})
    sim.apply({"type": "deliver", "msg": 1})
    sim.apply({"type": "deliver", "msg": 2})
    assert sim.nodes["pinger"].durable.pongs == 1
    assert sim.nodes["pinger"].volatile.sent == 1
    sim.apply({"type": "crash", "node": "pinger"})
    assert sim.nodes["pinger"].volatile is None
    assert not any(t["node"] == "pinger" for t in sim.timers.values())
    assert sim.snapshot()["nodes"][0]["status"] == "crashed"
    sim.apply({"type": "restart", "node": "pinger"})
    assert sim.nodes["pinger"].durable.pongs == 1
    assert sim.nodes["pinger"].volatile.sent == 0      # rebuilt, not remembered
    assert any(t["node"] == "pinger" for t in sim.timers.values())  # on_start ran again


def test_a_message_to_a_crashed_node_is_lost_on_delivery(sim):
    sim.apply({"type": "fire", "timer": 1})
    sim.apply({"type": "crash", "node": "ponger"})
    events = sim.apply({"type": "deliver", "msg": 1})
    assert events[0]["type"] == "drop" and events[0]["reason"] == "receiver-down"


def test_drop_and_duplicate(sim):
    sim.apply({"type": "fire", "timer": 1})
    sim.apply({"type": "duplicate", "msg": 1})
    assert sorted(sim.messages) == [1, 2]
    sim.apply({"type": "drop", "msg": 1})
    assert sorted(sim.messages) == [2]
    sim.apply({"type": "deliver", "msg": 2})
    assert [m["kind"] for m in sim.messages.values()] == ["PONG"]


def test_a_partition_holds_messages_until_it_heals(sim):
    sim.apply({"type": "fire", "timer": 1})
    sim.apply({"type": "partition", "groups": [["pinger"], ["ponger"]]})
    assert {"type": "deliver", "msg": 1} not in sim.enabled()
    with pytest.raises(InvalidAction, match="partitioned"):
        sim.apply({"type": "deliver", "msg": 1})
    assert {"type": "drop", "msg": 1} in sim.enabled()
    sim.apply({"type": "heal"})
    sim.apply({"type": "deliver", "msg": 1})


def test_a_paused_node_keeps_its_state_but_receives_nothing_until_resumed(sim):
    sim.apply({"type": "fire", "timer": 1})
    sim.apply({"type": "pause", "node": "ponger"})
    assert {"type": "deliver", "msg": 1} not in sim.enabled()
    sim.apply({"type": "resume", "node": "ponger"})
    sim.apply({"type": "deliver", "msg": 1})


def test_every_enabled_action_is_accepted(sim):
    for _ in range(6):
        for action in sim.enabled():
            other = sim.clone()
            other.apply(action)
        sim.auto_step()


class PingOnRequest(PingPong):
    """PingPong with user actions: the pinger may be asked to ping, or to note a word."""

    name = "pingrequest"
    user_actions = {
        "ping": UserAction("The pinger pings now", role="pinger",
                           only_as_listed="ping is enabled only while {node!r} has pinged "
                                          "fewer than 3 times"),
        "say": UserAction("A node notes a word", fields={"word": text_field(8)}),
    }

    def enabled_actions(self, sim):
        pinger = sim.nodes["pinger"]
        if sim.status["pinger"] == "up" and pinger.volatile.sent < 3:
            return [{"type": "ping", "node": "pinger"}]
        return []

    def on_ping(self, sim, pinger, action):
        pinger.volatile.sent += 1
        pinger.send("ponger", "PING", n=pinger.volatile.sent)

    def on_say(self, sim, node, action):
        node.note(action["word"])


def test_declared_user_actions_are_checked_by_the_kernel_and_change_nothing_when_refused():
    sim = Simulation(PingOnRequest(), seed=1)
    before = (canonical(sim.snapshot()), len(sim.trace))
    for bad, code, words in (
            ({"type": "teleport"}, "unknown_action", "unknown action type 'teleport' for "
                                                     "pingrequest"),
            ({"type": "ping", "node": "pinger", "n": 2}, "bad_action",
             "unexpected field 'n' in ping action"),
            ({"type": "ping", "node": "ponger"}, "bad_action", "ping needs 'node', one of: "
                                                               "pinger"),
            ({"type": "say", "node": "mars", "word": "hi"}, "bad_action",
             "say needs 'node', one of: pinger, ponger"),
            ({"type": "say", "node": "ponger", "word": "a\u202eb"}, "bad_action",
             "say 'word' must not contain control or invisible characters (U+202E)"),
            ({"type": "say", "node": "ponger"}, "bad_action", "say 'word' must be a string")):
        with pytest.raises(InvalidAction) as info:
            sim.apply(bad)
        assert (info.value.code, info.value.message) == (code, words)
    assert (canonical(sim.snapshot()), len(sim.trace)) == before

    events = sim.apply({"type": "say", "node": "ponger", "word": "hello"})
    assert [(e["type"], e.get("action"), e.get("text")) for e in events] == [
        ("request", {"type": "say", "node": "ponger", "word": "hello"}, None),
        ("note", None, "hello")]
    for _ in range(3):
        sim.apply({"type": "ping", "node": "pinger"})
    with pytest.raises(InvalidAction, match="while 'pinger' has pinged fewer than 3") as info:
        sim.apply({"type": "ping", "node": "pinger"})
    assert info.value.code == "not_enabled"
    sim.apply({"type": "crash", "node": "ponger"})
    with pytest.raises(InvalidAction, match="ponger is crashed: only a node that is up"):
        sim.apply({"type": "say", "node": "ponger", "word": "hi"})
    assert PingOnRequest().describe()["actions"] == {"ping": "The pinger pings now",
                                                     "say": "A node notes a word"}


def test_a_protocol_without_user_actions_refuses_other_types_and_a_missing_handler_is_caught():
    with pytest.raises(InvalidAction, match="^unknown action type 'ping'$") as info:
        Simulation(PingPong(), seed=1).apply({"type": "ping", "node": "pinger"})
    assert info.value.code == "unknown_action"
    with pytest.raises(TypeError, match="on_vote_no"):
        type("Forgetful", (PingPong,), {"user_actions": {"vote-no": UserAction("vote no")}})


def test_checks_run_after_every_step_and_report_changes():
    sim = Simulation(PingPong(), config={"pings": 1}, seed=3)
    sim.run(100)
    assert sim.checks == [{"name": "no extra pongs", "ok": True, "detail": "1 pongs"}]
    dup = Simulation(PingPong(), config={"pings": 1}, seed=3)
    dup.apply({"type": "fire", "timer": 1})
    dup.apply({"type": "duplicate", "msg": 1})
    dup.run(100)
    assert not dup.checks[0]["ok"]
    assert any(e["type"] == "check" and not e["ok"] for e in dup.trace)


def test_bad_config_is_rejected_with_a_reason():
    for config, words in (({"pings": 11}, "at most 10"), ({"pings": "2"}, "whole number"),
                          ({"colour": 1}, "unknown config option"),
                          ({"latency": [5, 1]}, "min <= max"), ({"fault_drop": 2}, "probability"),
                          ([], "JSON object")):
        with pytest.raises(ConfigError, match=words):
            Simulation(PingPong(), config=config)
    with pytest.raises(ConfigError, match="unknown variant"):
        Simulation(PingPong(), variant="nope")
    with pytest.raises(ConfigError, match="seed"):
        Simulation(PingPong(), seed=-1)


def test_clone_is_independent_and_continues_identically(sim):
    sim.run(3)
    twin = sim.clone()
    sim.run(50)
    twin.run(50)
    assert twin.trace_hash == sim.trace_hash
    twin.apply({"type": "crash", "node": "ponger"}) if twin.status["ponger"] == "up" else None
    assert canonical(twin.snapshot()) != canonical(sim.snapshot())


def test_replay_of_the_action_list_reproduces_the_run():
    sim = Simulation(registry.get("twopc"), "correct",
                     {"transactions": 3, "fault_drop": 0.1, "fault_crash": 0.05}, 11)
    sim.run(400)
    again = replay(registry.get("twopc"), "correct", sim.config, 11, sim.actions)
    assert again.trace_hash == sim.trace_hash
    assert canonical(again.snapshot()) == canonical(sim.snapshot())


def test_replay_names_the_first_action_that_is_not_enabled():
    with pytest.raises(InvalidAction, match="action 2 of 2"):
        replay(registry.get("twopc"), "correct", {}, 1, [{"type": "crash", "node": "coord"},
                                           {"type": "crash", "node": "coord"}])


def test_fault_injection_is_off_by_default_and_seeded_when_on():
    quiet = Simulation(registry.get("twopc"), seed=5)
    quiet.run(1000)
    assert not any(a["type"] in ("drop", "crash", "duplicate", "pause", "partition")
                   for a in quiet.actions)
    faulty = {"transactions": 5, "fault_drop": 0.2, "fault_crash": 0.1, "fault_partition": 0.05,
              "fault_pause": 0.05, "fault_duplicate": 0.1}
    a = Simulation(registry.get("twopc"), config=faulty, seed=5)
    b = Simulation(registry.get("twopc"), config=faulty, seed=5)
    a.run(1000)
    b.run(1000)
    kinds = {x["type"] for x in a.actions}
    assert {"drop", "crash", "restart"} <= kinds
    assert a.trace_hash == b.trace_hash


def test_snapshot_is_plain_json():
    sim = Simulation(registry.get("twopc"), seed=2)
    sim.run(10)
    snap = sim.snapshot()
    assert json.loads(json.dumps(snap)) == snap
    for key in ("nodes", "messages", "timers", "checks", "step", "time", "trace_hash", "history"):
        assert key in snap


def _cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "protocols", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_the_same_inputs_give_the_same_trace_hash_in_two_processes():
    runs = [_cli("run", "twopc", "--seed", "7", "--json") for _ in range(2)]
    hashes = [json.loads(r.stdout)["trace_hash"] for r in runs]
    assert runs[0].returncode == 0
    assert hashes[0] == hashes[1]
    # ... and in this process too, with a different hash seed in the children
    sim = Simulation(registry.get("twopc"), seed=7)
    sim.run(1000)
    assert sim.trace_hash == hashes[0]


def test_cli_run_prints_the_contract_fields():
    out = json.loads(_cli("run", "twopc", "--seed", "7", "--json").stdout)
    for key in ("protocol", "variant", "seed", "steps", "trace_hash", "checks", "state"):
        assert key in out
    assert all(set(c) >= {"name", "ok", "detail"} for c in out["checks"])


def test_cli_bad_input_exits_2_with_a_one_line_reason(tmp_path):
    bad_file = tmp_path / "a.json"
    bad_file.write_text("[{\"type\": \"deliver\", \"msg\": 99}]")
    broken = tmp_path / "b.json"
    broken.write_text("[{")
    cases = [("run", "nope"), ("run", "twopc", "--config", "{"),
             ("run", "twopc", "--config", '{"participants": 9}'),
             ("run", "twopc", "--variant", "sloppy"), ("run", "twopc", "--seed", "x"),
             ("run", "twopc", "--actions", str(bad_file)),
             ("run", "twopc", "--actions", str(broken)),
             ("run", "twopc", "--actions", str(tmp_path / "missing.json")), ("frobnicate",)]
    for args in cases:
        result = _cli(*args)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_cli_actions_from_stdin_and_exit_1_on_violation():
    script = json.dumps([{"type": "fire", "timer": 1}])
    ok = _cli("run", "twopc", "--actions", "-", "--json", stdin=script)
    assert ok.returncode == 0
    assert json.loads(ok.stdout)["state"]["step"] >= 1
    heuristic = _cli("run", "twopc", "--variant", "heuristic", "--seed", "6")
    assert heuristic.returncode == 1
    assert "FAIL" in heuristic.stdout


def test_cli_list():
    result = _cli("list", "--json")
    assert result.returncode == 0
    assert "twopc" in [p["name"] for p in json.loads(result.stdout)]
