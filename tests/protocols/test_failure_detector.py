"""The heartbeat failure detector (protocols/failure_detector/): completeness, accuracy, and
how a fixed short timeout, a generous one and an adaptive one behave on the same network."""

import pytest

from protocols import registry
from protocols.failure_detector.nodes import (MAX_TIMEOUT, SHORT_TIMEOUT, TIMEOUT,
                                              adaptive_timeout)
from protocols.kernel import Simulation, replay
from protocols.search.explore import explore

from .drive import check, run_until

# Simulation(failure_detector, "correct", {}, seed=7).run(300): heartbeats only, nothing lost.
GOLDEN_CORRECT_SEED_7 = "a0ab6b115f9414856d5d49d266868e1996105122eac670c21e798cd3430797e7"


@pytest.fixture(scope="module")
def fd():
    return registry.get("failure_detector")


def _preset_run(fd, key, until=None):
    """The preset's simulation after its whole script (or after step `until`)."""
    preset = fd.presets[key]
    sim = Simulation(fd, preset["variant"], preset["config"], preset["seed"])
    for action in preset["actions"][:until]:
        sim.apply(action)
    return sim


def _step_of(fd, key, line):
    return next(s["step"] for s in fd.presets[key]["script"] if s["line"] == line)


def _monitor(sim):
    return sim.nodes["monitor"].volatile


def _notes(sim, key):
    return [e for e in sim.trace if e["type"] == "note" and key in e["data"]]


def test_a_crashed_node_is_eventually_suspected_by_the_monitor(fd):
    crash_step = _step_of(fd, "crash-detected", "crash n2")
    suspected_step = _step_of(fd, "crash-detected", "fire monitor's timeout n2 timer")

    sim = _preset_run(fd, "crash-detected", crash_step)
    completeness = check(sim, "completeness")
    assert completeness["ok"] and completeness["warn"]          # amber: down, not suspected yet
    assert "n2 (silent 1 ms)" in completeness["detail"]

    sim = _preset_run(fd, "crash-detected", suspected_step)
    assert list(_monitor(sim).suspects) == ["n2"]
    assert check(sim, "completeness") == {
        "name": "completeness", "ok": True, "warn": False,
        "detail": "every crashed node is suspected: n2"}
    assert check(sim, "detection time")["detail"] == "n2 suspected after 300 ms of silence"
    assert check(sim, "accuracy")["ok"]


def test_every_variant_suspects_a_crashed_node_within_its_detection_bound(fd):
    for variant, bound in (("correct", TIMEOUT), ("aggressive-timeout", SHORT_TIMEOUT),
                           ("adaptive", MAX_TIMEOUT)):
        sim = Simulation(fd, variant, {}, 3)
        run_until(sim, lambda s: s.now >= 1000)
        sim.apply({"type": "crash", "node": "n3"})
        heard = _monitor(sim).heard["n3"]
        run_until(sim, lambda s: "n3" in _monitor(s).suspects)
        silent = _monitor(sim).suspects["n3"] - heard
        assert silent <= bound, variant
        assert check(sim, "completeness")["warn"] is False
        assert check(sim, "accuracy")["ok"]


def test_a_restarted_node_comes_back_in_a_new_incarnation_and_is_trusted_again(fd):
    sim = _preset_run(fd, "crash-detected")
    assert sim.nodes["n2"].durable.incarnation == 2
    assert sim.nodes["n2"].volatile.seq == 1
    assert _monitor(sim).suspects == {}
    texts = [e["text"] for e in sim.trace if e["type"] == "note"][-2:]
    assert texts == ["n2 restarted (incarnation 2)", "trusts n2 again"]
    labels = [e["label"] for e in sim.trace if e["type"] == "send" and e["src"] == "n2"]
    assert labels == ["HEARTBEAT n2 #1", "HEARTBEAT n2 #2", "HEARTBEAT n2 #1 incarnation 2"]
    # While it was down and after it came back (but before it was heard), suspecting n2 was fair.
    assert all(c["ok"] for c in sim.checks)


def test_a_short_timeout_falsely_suspects_a_live_node_during_a_delay_spike(fd):
    suspected = _step_of(fd, "late-heartbeat", "fire monitor's timeout n2 timer")
    sim = _preset_run(fd, "late-heartbeat", suspected)
    accuracy = check(sim, "accuracy")
    assert not accuracy["ok"]
    assert accuracy["detail"].startswith("the monitor suspects n2, which is up")
    [event] = accuracy["events"]
    assert sim.trace[event]["type"] == "note"
    assert sim.trace[event]["data"] == {"suspects": "n2", "silent": 150, "timeout": 150}
    assert sim.status["n2"] == "up"
    # Its heartbeat was on its way all along; when it lands the suspicion is withdrawn.
    sim = _preset_run(fd, "late-heartbeat")
    assert check(sim, "accuracy")["ok"] and _monitor(sim).suspects == {}
    assert [e["text"] for e in sim.trace if e["type"] == "note"][-1] == "trusts n2 again"


def test_the_adaptive_timeout_absorbs_the_spike_that_fools_the_fixed_one(fd):
    fixed = _preset_run(fd, "late-heartbeat")
    adaptive = _preset_run(fd, "adaptive-absorbs")

    def arrivals(sim):
        return [(e["t"], e["src"]) for e in sim.trace if e["type"] == "deliver"]

    assert arrivals(adaptive) == arrivals(fixed)          # the same network, the same heartbeats
    assert _notes(fixed, "suspects") and not _notes(adaptive, "suspects")
    assert not any(e["type"] == "check" for e in adaptive.trace)   # accuracy never broke
    gaps = _monitor(adaptive).gaps["n2"]
    assert gaps == [135, 117, 60, 116, 165]
    assert max(gaps) < adaptive_timeout(gaps[:-1]) == 247 < _monitor(adaptive).timeout["n2"]


def test_a_paused_node_is_suspected_even_by_the_generous_timeout(fd):
    suspected = _step_of(fd, "gc-pause", "fire monitor's timeout n2 timer")
    sim = _preset_run(fd, "gc-pause", suspected)
    assert sim.status["n2"] == "paused"
    assert "n2, which is paused, not crashed" in check(sim, "accuracy")["detail"]
    sim = _preset_run(fd, "gc-pause")
    assert check(sim, "accuracy")["ok"]
    # Paused, not restarted: the same incarnation, and its count goes on.
    assert [e["label"] for e in sim.trace if e["type"] == "send" and e["src"] == "n2"] == \
        ["HEARTBEAT n2 #1", "HEARTBEAT n2 #2"]


@pytest.mark.parametrize("variant", ["correct", "aggressive-timeout", "adaptive"])
def test_on_the_default_network_no_variant_suspects_a_live_node(fd, variant):
    for seed in range(4):
        sim = Simulation(fd, variant, {}, seed)
        for _ in range(400):
            sim.auto_step()
            assert check(sim, "accuracy")["ok"], (seed, sim.step)
        assert _monitor(sim).suspects == {}


def _next_event_but(sim, held):
    """What auto-play would do next, while the network holds message `held` back."""
    events = [(m["arrives_at"], 0, m["id"], {"type": "deliver", "msg": m["id"]})
              for m in sim.messages.values() if m["id"] != held and sim.deliverable(m)]
    events += [(t["at"], 1, t["id"], {"type": "fire", "timer": t["id"]})
               for t in sim.timers.values() if sim.fireable(t)]
    return min(events, key=lambda e: e[:3])[3]


def test_a_late_copy_of_an_old_heartbeat_does_not_clear_a_suspicion(fd):
    sim = Simulation(fd, "correct", {}, 2)
    run_until(sim, lambda s: any(m["src"] == "n1" for m in s.messages.values()))
    original = next(m["id"] for m in sim.messages.values() if m["src"] == "n1")
    sim.apply({"type": "duplicate", "msg": original})
    late = sim.trace[-1]["copy"]
    sim.apply({"type": "deliver", "msg": original})
    sim.apply({"type": "crash", "node": "n1"})
    while "n1" not in _monitor(sim).suspects:
        sim.apply(_next_event_but(sim, late))
    sim.apply({"type": "deliver", "msg": late})
    assert sim.trace[-1]["type"] == "deliver" and sim.trace[-1]["src"] == "n1"
    assert "n1" in _monitor(sim).suspects
    assert check(sim, "completeness")["warn"] is False


def test_the_adaptive_timeout_is_the_mean_gap_plus_five_deviations_within_bounds():
    assert adaptive_timeout([]) == adaptive_timeout([100, 100]) == TIMEOUT   # too few to judge
    assert adaptive_timeout([100, 100, 100]) == 100 + 5 * 20                 # at least 20 ms
    assert adaptive_timeout([60, 140, 60, 140]) == 100 + 5 * 40
    assert adaptive_timeout([10, 990, 10, 990]) == MAX_TIMEOUT


def test_the_explorer_finds_the_short_timeout_suspecting_a_live_node(fd):
    result = explore("failure_detector", "aggressive-timeout")
    violation = result["violation"]
    assert violation["check"] == "accuracy"
    assert any(a["type"] == "drop" for a in violation["shortest"])    # one lost heartbeat
    sim = replay(fd, "aggressive-timeout", result["config"], 0, violation["trace"])
    assert not check(sim, "accuracy")["ok"]
    assert violation["link"].startswith("/play/failure_detector/?s=")


def test_the_explorer_finds_no_false_suspicion_with_the_generous_timeout(fd):
    result = explore("failure_detector", "correct", max_states=3000)
    assert result["violation"] is None and result["stopped"] == "max-states"


def test_golden_trace_hash_of_a_seeded_run(fd):
    sim = Simulation(fd, "correct", {}, 7)
    sim.run(300)
    assert sim.trace_hash == GOLDEN_CORRECT_SEED_7
