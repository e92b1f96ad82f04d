"""Lamport timestamps: every event counted, receives after sends, a total order that
respects causality — and vector clocks showing what that order cannot: concurrency."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from protocols import registry
from protocols.kernel import ConfigError, InvalidAction, Simulation, replay
from protocols.lamport import concurrent, happened_before

from .drive import check
from .view_data import component

LAMPORT = registry.get("lamport")
ROOT = Path(__file__).resolve().parents[2]


def new(variant="correct", seed=1, **config):
    config.setdefault("events", 0)
    return Simulation(LAMPORT, variant, config, seed)


def events(sim, node):
    return sim.nodes[node].durable.events


def event(sim, event_id):
    node = event_id.split(".")[0]
    return next(e for e in events(sim, node) if e["id"] == event_id)


def order_items(sim):
    """The entries of the Lamport order panel, in the order it shows them."""
    return component(sim.snapshot()["view"], "list", "lamport-order")["items"]


def order_ids(sim):
    return [e["key"] for e in order_items(sim)]


def only_message(sim):
    (msg,) = sim.messages.values()
    return msg


def preset(name):
    p = LAMPORT.presets[name]
    return replay(LAMPORT, p["variant"], p["config"], p["seed"], p["actions"])


def test_each_event_adds_one_to_the_node_counter_and_notes_its_timestamp():
    sim = new()
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "local", "node": "n2"})
    assert [e["ts"] for e in events(sim, "n1")] == [[1, "n1"], [2, "n1"]]
    assert events(sim, "n2")[0]["ts"] == [1, "n2"]
    notes = [e for e in sim.trace if e["type"] == "note"]
    assert [n["text"] for n in notes] == ["(1,n1) local event", "(2,n1) local event",
                                         "(1,n2) local event"]
    assert notes[1]["data"] == {"event": "n1.2", "kind": "local", "ts": [2, "n1"]}


def test_a_message_carries_the_sender_counter_and_the_receiver_moves_past_it():
    sim = new()
    for _ in range(3):
        sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "send", "node": "n1", "to": "n2"})
    msg = only_message(sim)
    assert msg["payload"]["ts"] == 4 and msg["payload"]["event"] == "n1.4"
    sim.apply({"type": "deliver", "msg": msg["id"]})
    receive = events(sim, "n2")[0]
    assert receive["kind"] == "receive" and receive["cause"] == "n1.4"
    assert receive["ts"] == [5, "n2"]           # max(0, 4) + 1
    assert all(c["ok"] for c in sim.checks)


def test_a_receiver_already_ahead_just_counts_one_more():
    sim = new()
    sim.apply({"type": "send", "node": "n1", "to": "n2"})
    for _ in range(5):
        sim.apply({"type": "local", "node": "n2"})
    sim.apply({"type": "deliver", "msg": only_message(sim)["id"]})
    assert events(sim, "n2")[-1]["ts"] == [6, "n2"]


def test_the_total_order_sorts_by_counter_then_node_id():
    sim = new()
    sim.apply({"type": "local", "node": "n3"})
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "local", "node": "n2"})
    assert order_ids(sim) == ["n1.1", "n2.1", "n3.1", "n1.2"]


@pytest.mark.parametrize("seed", range(25))
def test_lamport_order_respects_happens_before_on_random_workloads(seed):
    sim = Simulation(LAMPORT, "correct", {"events": 6, "vector_clocks": True, "nodes": 4,
                                          "fault_duplicate": 0.1}, seed)
    sim.run(500)
    order = [event(sim, key) for key in order_ids(sim)]
    assert len(order) >= 24
    position = {e["id"]: i for i, e in enumerate(order)}
    for a in order:
        for b in order:
            if happened_before(a["vector"], b["vector"]):
                assert position[a["id"]] < position[b["id"]]
                assert a["ts"][0] < b["ts"][0]
    assert all(c["ok"] for c in sim.checks)


def test_vector_clocks_are_off_by_default_and_a_config_toggle_turns_them_on():
    sim = new()
    sim.apply({"type": "local", "node": "n1"})
    assert "vector" not in sim.nodes["n1"].durable
    assert "vector" not in events(sim, "n1")[0]
    assert "sub" not in order_items(sim)[0]
    sim = new(vector_clocks=True)
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "send", "node": "n1", "to": "n2"})
    sim.apply({"type": "deliver", "msg": only_message(sim)["id"]})
    assert events(sim, "n2")[0]["vector"] == [2, 1, 0]
    notes = [e["text"] for e in sim.trace if e["type"] == "note"]
    assert notes[-1] == "(3,n2) receive from n1 [2,1,0]"


def test_vector_clocks_show_concurrent_events_that_lamport_timestamps_put_in_order():
    sim = new(vector_clocks=True)
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "local", "node": "n2"})
    a, b = event(sim, "n2.1"), event(sim, "n1.2")
    assert a["ts"][0] < b["ts"][0]                 # Lamport puts n2.1 first ...
    assert concurrent(a["vector"], b["vector"])    # ... but neither knew of the other
    order = [event(sim, key) for key in order_ids(sim)]
    pairs = [(a["id"], b["id"]) for i, a in enumerate(order) for b in order[i + 1:]
             if concurrent(a["vector"], b["vector"])]
    assert pairs == [("n1.1", "n2.1"), ("n2.1", "n1.2")]


def test_preset_image_versions_v1_before_v2_and_image_2_concurrent_with_both():
    sim = preset("image-versions")
    by_label = {e["label"]: e for n in ("n1", "n3") for e in events(sim, n)}
    v1, v2, image2 = by_label["image 1 v1"], by_label["image 1 v2"], by_label["image 2 v1"]
    assert happened_before(v1["vector"], v2["vector"])
    assert concurrent(image2["vector"], v1["vector"])
    assert concurrent(image2["vector"], v2["vector"])
    # The Lamport total order puts image 2 between the two versions all the same.
    order = order_ids(sim)
    assert order.index(v1["id"]) < order.index(image2["id"]) < order.index(v2["id"])
    storage = events(sim, "n2")
    assert [e["label"] for e in storage] == ["receive image 1 v1 from n1",
                                             "receive image 2 v1 from n3",
                                             "receive image 1 v2 from n1"]
    assert all(c["ok"] for c in sim.checks)
    assert [n["label"] for n in sim.snapshot()["nodes"]] == ["Alice's phone", "storage",
                                                            "Bob's laptop"]


def test_no_max_variant_lets_a_receive_look_older_than_its_send():
    sim = new("no-max")
    for _ in range(3):
        sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "send", "node": "n1", "to": "n2"})
    sim.apply({"type": "deliver", "msg": only_message(sim)["id"]})
    result = check(sim, "a receive is later than its send")
    assert not result["ok"]
    assert "n2.1 received at (1,n2) but sent at (4,n1)" in result["detail"]
    assert result["events"]
    assert any(e["type"] == "check" and not e["ok"] for e in sim.trace)


def test_preset_receive_before_send_breaks_the_check_at_its_last_step():
    sim = preset("receive-before-send")
    assert not check(sim, "a receive is later than its send")["ok"]
    assert check(sim, "each node's clock only grows")["ok"]


def test_the_clock_is_durable_so_it_keeps_growing_across_a_crash():
    sim = new()
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "crash", "node": "n1"})
    sim.apply({"type": "restart", "node": "n1"})
    sim.apply({"type": "local", "node": "n1"})
    assert [e["ts"][0] for e in events(sim, "n1")] == [1, 2, 3]
    assert check(sim, "each node's clock only grows")["ok"]


def test_clock_check_names_the_node_whose_clock_went_back():
    sim = new()
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "local", "node": "n1"})
    events(sim, "n1")[1]["ts"] = [1, "n1"]     # as if the counter had been reset
    sim.apply({"type": "local", "node": "n2"})
    result = check(sim, "each node's clock only grows")
    assert not result["ok"] and result["detail"].startswith("n1: n1.2 at (1,n1) after n1.1")


def test_local_and_send_are_enabled_on_up_nodes_only():
    sim = new(nodes=2)
    assert [a for a in sim.enabled() if a["type"] in ("local", "send")] == [
        {"type": "local", "node": "n1"}, {"type": "send", "node": "n1", "to": "n2"},
        {"type": "local", "node": "n2"}, {"type": "send", "node": "n2", "to": "n1"}]
    sim.apply({"type": "crash", "node": "n2"})
    with pytest.raises(InvalidAction, match="n2 is crashed"):
        sim.apply({"type": "local", "node": "n2"})
    with pytest.raises(InvalidAction, match="another node"):
        sim.apply({"type": "send", "node": "n1", "to": "n1"})
    with pytest.raises(InvalidAction, match="unexpected field"):
        sim.apply({"type": "local", "node": "n1", "to": "n2"})
    with pytest.raises(InvalidAction, match="unknown action"):
        sim.apply({"type": "tick", "node": "n1"})


@pytest.mark.parametrize("label, reason", [
    ("", "1 to 40"), ("x" * 41, "1 to 40"), ("   ", "blank"), (7, "string"),
    ("bell\x07", "U+0007"), ("new\nline", "U+000A"), ("rtl\u202eevil", "U+202E"),
    ("zero\u200bwidth", "U+200B"),
])
def test_event_labels_are_untrusted_text_and_bad_ones_are_refused(label, reason):
    sim = new()
    with pytest.raises(InvalidAction, match=re.escape(reason)):
        sim.apply({"type": "local", "node": "n1", "label": label})
    assert sim.step == 0 and not events(sim, "n1")


def test_a_label_with_markup_is_kept_verbatim_as_text():
    sim = new()
    sim.apply({"type": "local", "node": "n1", "label": "<img src=x onerror=alert(1)> é"})
    assert events(sim, "n1")[0]["label"] == "<img src=x onerror=alert(1)> é"


def test_node_labels_in_the_config_are_checked_too():
    with pytest.raises(ConfigError, match="labels"):
        Simulation(LAMPORT, config={"labels": ["ok", "bad\x00"]})


def test_each_event_in_the_view_lists_the_events_it_directly_follows():
    sim = new()
    sim.apply({"type": "local", "node": "n1"})
    sim.apply({"type": "send", "node": "n1", "to": "n2"})
    sim.apply({"type": "local", "node": "n2"})
    sim.apply({"type": "deliver", "msg": only_message(sim)["id"]})
    after = {e["key"]: e.get("after", []) for e in order_items(sim)}
    assert after == {"n1.1": [], "n1.2": ["n1.1"], "n2.1": [], "n2.2": ["n2.1", "n1.2"]}


def test_auto_play_does_the_configured_number_of_own_events_per_node():
    sim = Simulation(LAMPORT, "correct", {"events": 5}, seed=4)
    sim.run(1000)
    assert sim.auto_step() is None
    for node in ("n1", "n2", "n3"):
        own = [e for e in events(sim, node) if e["kind"] != "receive"]
        assert len(own) == 5
    sends = sum(1 for n in ("n1", "n2", "n3") for e in events(sim, n) if e["kind"] == "send")
    receives = sum(1 for n in ("n1", "n2", "n3") for e in events(sim, n) if e["kind"] == "receive")
    assert sends == receives > 0


def test_every_preset_narration_points_at_a_step_of_its_run():
    for name, p in LAMPORT.presets.items():
        sim = preset(name)
        sim.run(200)
        assert all(0 <= int(k) <= sim.step for k in p["narration"]), name


def test_workload_story_has_no_script_and_its_intro_says_to_press_play():
    p = LAMPORT.presets["workload"]
    assert p["actions"] == []
    assert "▶ Play" in p["narration"]["0"] and "→" in p["narration"]["0"]
    assert set(p["narration"]) == {"0"}


def test_image_versions_story_remarks_each_receive_at_the_step_storage_counts_it():
    p = LAMPORT.presets["image-versions"]
    sim = Simulation(LAMPORT, p["variant"], p["config"], p["seed"])
    for action in p["actions"]:
        sim.apply(action)
        remark = p["narration"].get(str(sim.step), "")
        received = [e for e in sim.trace if e["step"] == sim.step and e["type"] == "note"
                    and e["data"]["kind"] == "receive"]
        assert remark.startswith("Storage receives") == bool(received), sim.step
        for note in received:
            assert note["text"].split(" ")[0] in remark, sim.step   # its timestamp, "(3,n2)"


def test_a_message_label_shows_the_send_timestamp_and_sender_then_its_subject_or_vector():
    sim = preset("image-versions")
    sends = [e["label"] for e in sim.trace if e["type"] == "send"]
    assert sends == ["MESSAGE (1,n1) image 1 v1", "MESSAGE (1,n3) image 2 v1",
                     "MESSAGE (2,n1) image 1 v2"]
    sim = new(vector_clocks=True)
    sim.apply({"type": "local", "node": "n3"})
    sim.apply({"type": "send", "node": "n3", "to": "n1"})
    assert [m["label"] for m in sim.snapshot()["messages"]] == ["MESSAGE (2,n3) [0,0,2]"]
    sim = new()
    sim.apply({"type": "send", "node": "n2", "to": "n1"})
    assert [m["label"] for m in sim.snapshot()["messages"]] == ["MESSAGE (1,n2)"]


def test_receive_before_send_story_notes_the_too_old_receive_as_a_violation():
    sim = preset("receive-before-send")
    notes = [e for e in sim.trace if e["type"] == "note"]
    assert [n.get("tone") for n in notes] == [None, None, None, None, "violation"]
    assert notes[-1]["text"].startswith("(1,n2) receive from n1")


def test_cli_runs_lamport_and_exits_1_when_the_no_max_variant_breaks():
    def run(*args):
        return subprocess.run([sys.executable, "-m", "protocols", "run", "lamport", *args,
                               "--json"], cwd=ROOT, capture_output=True, text=True)

    ok = run("--seed", "2")
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out["protocol"] == "lamport"
    assert component(out["state"]["view"], "list", "lamport-order")["items"]
    broken = [run("--variant", "no-max", "--seed", str(seed)).returncode for seed in range(3)]
    assert 1 in broken


def test_a_protocol_without_a_view_has_no_view_in_its_snapshot():
    assert "view" not in Simulation(registry.get("twopc"), seed=1).snapshot()
    assert set(new().snapshot()["view"]) == {"sections"}
