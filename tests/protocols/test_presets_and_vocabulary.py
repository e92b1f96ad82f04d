"""Presets written by what happens, and each protocol's declared vocabulary
(protocols/kernel/script.py and vocabulary.py)."""

import pytest

from protocols import registry
from protocols.kernel import (Message, Node, Preset, PresetError, Protocol, Simulation, act,
                              check, deliver, fire)

ALL_PRESETS = [(p.name, key) for p in registry.all_protocols() for key in p.presets]


def _line_happened(line, events):
    """Does the step's events show what the script line says?"""
    first = events[0]
    text = line["line"]
    verb = text.split(" ", 1)[0]
    if verb in ("deliver", "drop", "duplicate"):
        kind = text.split(" ")[1]
        return first["type"] in ("deliver", "drop", "duplicate") and first["kind"] == kind
    if verb == "fire":
        return first["type"] == "timer"
    if verb in ("crash", "restart", "pause", "resume", "partition"):
        return first["type"] == verb
    if verb == "heal":
        return first["type"] == "heal"
    return first["type"] == "request" and first["action"]["type"] == verb


@pytest.mark.parametrize("name,key", ALL_PRESETS)
def test_every_preset_remark_lands_on_the_step_of_its_line(name, key):
    proto = registry.get(name)
    preset = proto.presets[key]
    assert "script" in preset, f"{name} {key} is not written as a script"
    sim = Simulation(proto, preset["variant"], preset["config"], preset["seed"])
    lines = preset["script"]
    assert len(lines) == len(preset["actions"])
    for line, action in zip(lines, preset["actions"]):
        sim.apply(action)
        assert line["step"] == sim.step
        events = [e for e in sim.trace if e["step"] == sim.step]
        assert _line_happened(line, events), (line, events[:2])
        if line["remark"]:
            assert preset["narration"][str(sim.step)] == line["remark"]
    remarked = {str(line["step"]) for line in lines if line["remark"]}
    assert set(preset["narration"]) - {"0"} == remarked


def test_a_script_line_that_finds_nothing_names_the_preset_and_the_line():
    twopc = registry.get("twopc")
    story = Preset("broken", script=[act("begin", "client"), deliver("VOTE", frm="p1")],
                   config={"transactions": 0})
    with pytest.raises(PresetError) as info:
        story.resolve(twopc, "broken")
    assert "line 2 (deliver VOTE from p1)" in info.value.message
    assert "in flight: BEGIN client→coord" in info.value.message


def test_a_timer_line_names_what_is_armed():
    twopc = registry.get("twopc")
    story = Preset("broken", script=[fire("p1", "in-doubt")], config={"transactions": 0})
    with pytest.raises(PresetError, match="p1 has no 'in-doubt' timer armed"):
        story.resolve(twopc, "broken")


class _Ping(Node):
    role = "pinger"
    timers = ("again",)

    def on_start(self):
        if self.id == "a":
            self.send("b", "PING", n=1)

    def on_ping(self, src, n):
        self.send(src, "PONG", n=n)


def test_a_handler_for_a_misspelt_kind_fails_when_the_protocol_is_defined():
    class Pinger(Node):
        role = "pinger"

        def on_pnog(self, src, n):   # PONG, misspelt
            pass

    with pytest.raises(TypeError, match=r"Pinger\.on_pnog handles no message kind .* "
                                        r"\(did you mean 'on_pong'\?\)"):
        class Broken(Protocol):
            name = "broken"
            node_types = (Pinger,)
            messages = {"PING": Message(), "PONG": Message()}


def test_sending_an_undeclared_kind_fails_at_the_send():
    class Typo(_Ping):
        def on_ping(self, src, n):
            self.send(src, "PONGG", n=n)

    class PingPong(Protocol):
        name = "pingpong"
        node_types = (Typo,)
        messages = {"PING": Message("n={n}"), "PONG": Message("n={n}")}

        def build(self, sim):
            sim.add_node(Typo, "a")
            sim.add_node(Typo, "b")

    sim = Simulation(PingPong(), seed=1)
    with pytest.raises(ValueError, match=r"b sent 'PONGG', which pingpong does not declare .* "
                                         r"\(did you mean 'PONG'\?\)"):
        sim.apply({"type": "deliver", "msg": 1})


def test_arming_an_undeclared_timer_fails():
    class Sleepy(_Ping):
        def on_ping(self, src, n):
            self.set_timer("snooze", 10)

    class Sleep(Protocol):
        name = "sleep"
        node_types = (Sleepy,)
        messages = {"PING": Message(), "PONG": Message()}

        def build(self, sim):
            sim.add_node(Sleepy, "a")
            sim.add_node(Sleepy, "b")

    sim = Simulation(Sleep(), seed=1)
    with pytest.raises(ValueError, match="arms timer 'snooze', which is not in Sleepy.timers"):
        sim.apply({"type": "deliver", "msg": 1})


def test_labels_and_tones_travel_with_sends_and_snapshots_but_not_the_trace_hash():
    twopc = registry.get("twopc")
    preset = twopc.presets["vote-no"]
    sim = Simulation(twopc, preset["variant"], preset["config"], preset["seed"])
    for action in preset["actions"][:15]:
        sim.apply(action)
    votes = [e for e in sim.trace if e["type"] == "send" and e["kind"] == "VOTE"]
    assert [v["label"] for v in votes] == ["VOTE yes tx1", "VOTE no tx1", "VOTE yes tx1"]
    assert [v["tone"] for v in votes] == ["ok", "warning", "ok"]
    in_flight = {m["label"] for m in sim.snapshot()["messages"]}
    assert "ABORT tx1" in in_flight
    # The same run in search mode (no labels) hashes the same events.
    import hashlib
    from protocols.kernel import canonical
    bare = hashlib.sha256()
    for e in sim.trace:
        bare.update(canonical({k: v for k, v in e.items() if k not in ("label", "tone")})
                    .encode() + b"\n")
    assert bare.hexdigest() == sim.trace_hash


def test_a_declared_check_reports_its_name_once_and_the_holds_sentence():
    @check("nothing lost", holds="every message arrived")
    def nothing_lost(sim):
        return None

    class Quiet(Protocol):
        name = "quiet"
        checks = (nothing_lost,)

        def build(self, sim):
            sim.add_node(Node, "a")

    sim = Simulation(Quiet())
    assert sim.checks == [{"name": "nothing lost", "ok": True, "detail": "every message arrived"}]


def test_every_protocol_declares_its_vocabulary_and_checks():
    for proto in registry.all_protocols():
        assert proto.vocabulary is not None, proto.name
        assert proto.node_types, proto.name
        assert not callable(proto.checks), f"{proto.name} still computes checks in a method"
