"""Each protocol's panels (protocols/<name>/view.py) and the vocabulary they speak
(protocols/kernel/panels.py): what a user sees, computed on the server from the run."""

import json

import pytest

from protocols import registry
from protocols.kernel import Simulation, panels as P, replay

from .view_data import component, overlay, table_cell, table_cells


def preset(name, key, cursor=None):
    proto = registry.get(name)
    p = proto.presets[key]
    sim = Simulation(proto, p.get("variant"), p.get("config"), p.get("seed", 1))
    for action in p["actions"][:cursor]:
        sim.apply(action)
    return sim


def view(sim):
    return sim.snapshot()["view"]


def bands(sim, lane=None):
    return [(b["lane"], b["start"], b.get("end"), b["style"], b["key"])
            for b in overlay(view(sim), "bands") if lane in (None, b["lane"])]


# -- election ---------------------------------------------------------------------------------

def test_stale_leader_shows_two_epoch_eras_and_n1s_lease_lapsing_while_it_still_led():
    sim = preset("election", "stale-leader")
    eras = overlay(view(sim), "eras")
    assert [(e["label"], e["start"], e.get("end"), e["hue"]) for e in eras] == [
        ("e1", 6, 31, 0), ("e2", 31, None, 1)]
    assert eras[0]["title"] == "Epoch 1: n1 elected"
    # n1 leads epoch 1 with a valid lease, which runs out while it is paused (hatched, a
    # warning) until it steps down at step 52; n2 still leads epoch 2.
    assert bands(sim, "n1") == [("n1", 6, 27, "solid", "e1"), ("n1", 27, 52, "hatched", "e1")]
    lapsed = overlay(view(sim), "bands")[1]
    assert lapsed["tone"] == "warning" and "still believes it leads" in lapsed["title"]
    assert bands(sim, "n2") == [("n2", 31, None, "solid", "e2")]


def test_the_lease_lapses_at_the_first_step_whose_clock_has_passed_it():
    sim = preset("election", "stale-leader")
    until = int(overlay(view(sim), "bands")[0]["title"].rsplit("t=", 1)[1].rstrip(")"))
    times = {e["step"]: e["t"] for e in sim.trace}
    assert times[26] < until <= times[27]


def test_a_crashed_lease_holder_leaves_a_dashed_lease_that_binds_until_it_runs_out():
    sim = preset("election", "lease-failover")
    assert bands(sim) == [("n1", 4, 20, "solid", "e1"), ("n1", 20, 21, "dashed", "e1"),
                          ("n2", 24, None, "solid", "e2")]
    dashed = overlay(view(sim), "bands")[1]
    # The node's label, not its id: the story calls it App1.
    assert dashed["title"].startswith("App1, leader of epoch 1: has crashed")
    crash = next(e for e in sim.trace if e["type"] == "crash")
    assert crash["step"] == 20 and crash["node"] == "n1"


def test_the_logs_show_accepted_and_decided_values_and_the_refused_stale_write():
    sim = preset("election", "stale-leader")
    logs = component(view(sim), "table", "logs")
    assert [c["key"] for c in logs["columns"]] == ["node", "epoch", "1", "2"]
    decided = table_cell(logs, "n2", 1)
    assert (decided["text"], decided["mark"], decided["sub"], decided["emphasis"]) == (
        "v1", "●", "1", "strong")
    assert table_cell(logs, "n2", 2)["text"] == "w1"
    assert table_cell(logs, "n1", 2) is None
    assert table_cell(logs, "n1", "epoch")["text"] == "e2"
    leader = next(r for r in logs["rows"] if r.get("highlight"))
    assert leader["key"] == "n2" and leader["cells"][0]["mark"] == "★"
    storage = component(view(sim), "text", "logs")
    assert storage["text"] == ("Storage: file = w1, highest fencing token 2, "
                               "1 stale write refused")
    assert storage["tone"] == "warning"


def test_a_split_brain_decision_is_a_violation_cell():
    sim = preset("election", "no-epochs-split-brain")
    logs = component(view(sim), "table", "logs")
    conflict = table_cell(logs, "n2", 1)
    assert conflict["tone"] == "violation" and conflict["emphasis"] == "strong"


def test_a_vote_kept_in_memory_is_shown_lost_while_the_node_is_down():
    sim = preset("election", "volatile-votes-double-vote", cursor=5)   # n3 has crashed
    logs = component(view(sim), "table", "logs")
    assert sim.status["n3"] == "crashed"
    assert table_cell(logs, "n3", "epoch") == {"text": "—", "title": "lost in crash"}
    assert logs["columns"][-1]["title"] == "no value proposed yet"


@pytest.mark.parametrize("seed", range(4))
def test_leases_folded_step_by_step_equal_a_fresh_read_and_leave_the_trace_alone(seed):
    proto = registry.get("election")
    config = {"requests": 3, "fault_crash": 0.03, "fault_pause": 0.03, "fault_drop": 0.05,
              "fault_downtime": [100, 900]}
    sim = Simulation(proto, "correct", config, seed)
    plain = Simulation(proto, "correct", config, seed)
    for _ in range(160):
        if sim.auto_step() is None:
            break
        plain.apply(sim.actions[-1])
        view(sim)   # folds what this step added
    assert sim.trace_hash == plain.trace_hash
    fresh = replay(registry.get("election"), "correct", config, seed, list(sim.actions))
    assert view(sim) == view(fresh)
    assert view(sim.clone()) == view(sim)
    assert overlay(view(sim), "bands")


# -- lamport ----------------------------------------------------------------------------------

def test_the_lamport_order_links_each_event_to_its_note_and_causal_predecessors():
    sim = preset("lamport", "image-versions")
    order = component(view(sim), "list", "lamport-order")
    assert order["relate"] == {"before": "before", "after": "after", "neither": "concurrent"}
    items = {e["key"]: e for e in order["items"]}
    assert [e["mark"] for e in order["items"]] == ["(1,n1)", "(1,n3)", "(2,n1)", "(2,n2)",
                                                   "(3,n2)", "(4,n2)"]
    receive = items["n2.2"]
    assert receive["text"] == "receive image 2 v1 from n3" and receive["sub"] == "[1,2,1]"
    assert receive["after"] == ["n2.1", "n3.1"]
    # Its note on the diagram, and the message that carried the link from n3.1.
    (note,) = receive["events"]
    assert sim.trace[note]["type"] == "note" and sim.trace[note]["data"]["event"] == "n2.2"
    (send,) = receive["via"]["n3.1"]
    assert sim.trace[send]["type"] == "send" and sim.trace[send]["payload"]["event"] == "n3.1"


# -- replication ------------------------------------------------------------------------------

def test_a_stale_quorum_read_is_a_violation_naming_its_operations():
    sim = preset("replication", "quorum-stale-read")
    verdict = component(view(sim), "callout", "verdict")
    assert verdict["tone"] == "violation" and verdict["title"] == "✗ Not linearizable"
    assert verdict["detail"].startswith("stale read")
    refs = verdict["refs"]["items"]
    assert [(r["op"], r["tone"], r.get("strong", False)) for r in refs] == [
        (3, "violation", True), (2, "warning", True), (1, "violation", False)]
    assert len(verdict["events"]) >= 4
    replicas = table_cells(component(view(sim), "table", "replicas"))
    assert replicas["r1"] == {"replica": "r1 (replica)", "x": "1 (v1)"}


def test_the_settings_form_offers_every_mode_s_fields_each_shown_while_its_mode_is_chosen():
    sim = Simulation(registry.get("replication"), "correct", {"replicas": 3}, 1)
    form = component(view(sim), "form", "settings")
    assert form["restart"] is True and form["submit"] == "Restart with these settings"
    fields = {f["name"]: f for f in form["fields"]}

    def shown(mode):
        return [f["name"] for f in form["fields"] if not f.get("hidden")
                and mode in f.get("when", {}).get("mode", [mode])]

    assert shown("single-leader") == ["mode", "replicas", "clients", "read_from",
                                      "sync_followers"]
    assert shown("leaderless") == ["mode", "replicas", "clients", "w", "r", "read_repair"]
    assert shown("multi-leader") == ["mode", "replicas", "clients"]
    assert [o["value"] for o in fields["sync_followers"]["options"]] == ["r2", "r3"]
    assert fields["sync_followers"]["options"][1]["needs"] == {"replicas": 3}
    assert fields["w"]["when"] == {"mode": ["leaderless"]} and fields["w"]["at_most"] == "replicas"
    sim = Simulation(registry.get("replication"), "leaderless", {}, 1)
    form = component(view(sim), "form", "settings")
    assert {f["name"]: f["value"] for f in form["fields"]}["mode"] == "leaderless"


# -- tob -------------------------------------------------------------------------------------

def test_the_claim_form_sends_a_claim_through_an_up_node():
    sim = preset("tob", "sequencer-crash", cursor=0)
    sim.apply({"type": "crash", "node": "n2"})
    form = component(view(sim), "form", "usernames")
    assert form["action"] == "claim" and form["inline"] is True
    node = next(f for f in form["fields"] if f["name"] == "node")
    assert node["value"] == "n1"      # n2, the usual choice, is down
    assert [(o["value"], o["label"], o.get("disabled", False)) for o in node["options"]] == [
        ("n1", "n1", False), ("n2", "n2 (crashed)", True), ("n3", "n3", False)]
    crashed = component(view(sim), "lists", "logs")["lists"][1]
    assert crashed["status"] == "crashed" and crashed["badges"][0]["text"] == "crashed"


def test_two_holders_of_one_name_make_a_violation_row():
    sim = preset("tob", "two-users-one-name")
    usernames = component(view(sim), "table", "usernames")
    (row,) = usernames["rows"]
    assert row["key"] == "bob" and row["tone"] == "violation"
    assert table_cells(usernames)["bob"]["holder"] == "alice (via n2), carol (via n3)"
    section = view(sim)["sections"][1]
    assert section["title"] == "Claims seen, in arrival order"
    n3 = next(log for log in section["items"][0]["lists"] if log["key"] == "n3")
    assert len(n3["items"]) == 2 and all(e["mark"].startswith("(") for e in n3["items"])


def test_after_a_sequencer_crash_every_log_holds_the_same_two_claims():
    sim = preset("tob", "sequencer-crash")
    logs = component(view(sim), "lists", "logs")["lists"]
    assert {log["key"]: [e["text"] for e in log["items"]] for log in logs} == {
        n: ["“bob” ← alice", "“bob” ← carol"] for n in ("n1", "n2", "n3")}
    assert [b["text"] for log in logs for b in log.get("badges", [])] == ["sequencer, epoch 2"]


# -- every protocol, and the vocabulary ------------------------------------------------------

@pytest.mark.parametrize("name", [p.name for p in registry.all_protocols()])
def test_every_preset_view_is_plain_json_in_the_panel_vocabulary(name):
    proto = registry.get(name)
    for key in proto.presets:
        snap = preset(name, key).snapshot()
        if "view" not in snap:
            continue
        v = snap["view"]
        assert json.loads(json.dumps(v, allow_nan=False)) == v
        assert set(v) <= {"sections", "diagram"}
        for section in v["sections"]:
            assert section["title"] and section["key"]
            for c in section["items"]:
                assert c["type"] in {"text", "badges", "table", "list", "lists", "callout",
                                     "form"}
        for o in v.get("diagram", []):
            assert o["type"] in {"eras", "bands"}


def test_the_vocabulary_refuses_unknown_tones_styles_and_field_kinds():
    with pytest.raises(ValueError, match="tone"):
        P.text("x", tone="red")
    with pytest.raises(ValueError, match="style"):
        P.band("n1", 1, 2, 0, style="dotted")
    with pytest.raises(ValueError, match="kind"):
        P.field("x", "X", kind="date")
    with pytest.raises(ValueError, match="either"):
        P.form("f", [], "Go")
    assert P.row("n1", ["n1", None]) == {"key": "n1", "cells": [{"text": "n1"}, None]}


def test_fold_trace_reads_each_event_once_and_again_for_another_trace():
    sim = preset("election", "stale-leader", cursor=10)
    seen = []
    fold = lambda: P.fold_trace(sim, "test.count", list, lambda v, e: (v.append(e["i"]),  # noqa: E731
                                                                        seen.append(e["i"])))
    assert fold() == list(range(len(sim.trace)))
    sim.apply(registry.get("election").presets["stale-leader"]["actions"][10])
    before = len(seen)
    assert fold() == list(range(len(sim.trace)))
    assert seen[before:] == list(range(before, len(sim.trace)))   # only the new events
    twin = sim.clone()
    seen.clear()
    assert P.fold_trace(twin, "test.count", list, lambda v, e: (v.append(e["i"]),
                                                                  seen.append(e["i"]))) \
        == list(range(len(sim.trace)))
    assert len(seen) == len(sim.trace)     # another simulation: read from the start
