"""Total order broadcast through a sequencer, failover in a higher epoch, and usernames
claimed through the log — against the lamport-early variant that gives one name to two."""

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from protocols import registry
from protocols.kernel import ConfigError, InvalidAction, Simulation, replay

from .drive import check, deliver_all, fire, pending, run_until
from .view_data import component, table_cells

TOB = registry.get("tob")
ROOT = Path(__file__).resolve().parents[2]


def usernames(sim):
    """The usernames panel: {name: {name, holder, refused, waiting}} as shown."""
    return table_cells(component(sim.snapshot()["view"], "table", "usernames"))


def shown_sequencer(sim):
    """[(node, badge)] for the node(s) the delivered-logs panel shows as sequencer."""
    logs = component(sim.snapshot()["view"], "lists", "logs")["lists"]
    return [(log["key"], b["text"]) for log in logs for b in log.get("badges", [])
            if b["text"].startswith("sequencer")]


def new(variant="correct", seed=1, **config):
    config.setdefault("claims", [])
    return Simulation(TOB, variant, config, seed)


def claim(sim, node, user, name="bob"):
    sim.apply({"type": "claim", "node": node, "user": user, "name": name})


def delivered(sim, node):
    return [m["id"] for m in sim.nodes[node].durable.delivered]


def outcomes(sim):
    return [(op["args"]["to"], op["status"], op["result"]) for op in sim.history]


def all_ok(sim):
    return all(c["ok"] for c in sim.checks)


def preset(name):
    p = TOB.presets[name]
    return replay(TOB, p["variant"], p["config"], p["seed"], p["actions"])


def settle(sim, steps=500):
    sim.run(steps)
    return sim


# -- total order broadcast ---------------------------------------------------------------

def test_the_sequencer_numbers_each_message_and_every_node_delivers_in_that_order():
    sim = new()
    claim(sim, "n2", "alice", "bob")
    claim(sim, "n3", "carol", "amy")
    claim(sim, "n1", "erin", "erin")       # at the sequencer itself
    settle(sim)
    order = delivered(sim, "n1")
    assert sorted(order) == ["n1.1", "n2.1", "n3.1"]
    assert delivered(sim, "n2") == delivered(sim, "n3") == order
    assert [m["slot"] for m in sim.nodes["n2"].durable.delivered] == [1, 2, 3]
    assert [op["status"] for op in sim.history] == ["ok", "ok", "ok"]
    assert all_ok(sim)


def test_a_message_that_arrives_before_the_one_it_follows_is_held_back():
    sim = new()
    claim(sim, "n2", "alice")
    claim(sim, "n3", "carol")
    deliver_all(sim, "SUBMIT")
    first, second = pending(sim, "ORDER", dst="n3")
    assert (first["payload"]["slot"], second["payload"]["slot"]) == (1, 2)
    sim.apply({"type": "deliver", "msg": second["id"]})
    hold_back = sim.nodes["n3"].volatile.hold_back
    assert [(h["slot"], h["why"]) for h in hold_back] == [(2, "waiting for #1")]
    sim.apply({"type": "deliver", "msg": first["id"]})
    assert [h["slot"] for h in sim.nodes["n3"].volatile.hold_back] == [1, 2]
    settle(sim)
    assert delivered(sim, "n3") == delivered(sim, "n1") == ["n2.1", "n3.1"]
    assert sim.nodes["n3"].volatile.hold_back == []


def test_nothing_is_delivered_until_a_majority_has_stored_it():
    sim = new()
    claim(sim, "n2", "alice")
    deliver_all(sim, "SUBMIT")
    deliver_all(sim, "ORDER")
    held = sim.nodes["n2"].volatile.hold_back
    assert [h["why"] for h in held] == ["waiting until a majority has it"]
    assert all(delivered(sim, n) == [] for n in ("n1", "n2", "n3"))
    sim.apply({"type": "deliver", "msg": pending(sim, "ACK", src="n2")[0]["id"]})
    assert delivered(sim, "n1") == ["n2.1"]          # n1 and n2: a majority of three
    deliver_all(sim, "COMMIT")
    assert delivered(sim, "n2") == delivered(sim, "n3") == ["n2.1"]


def test_a_lost_order_is_sent_again_by_the_sequencer():
    sim = new()
    claim(sim, "n2", "alice")
    deliver_all(sim, "SUBMIT")
    for msg in pending(sim, "ORDER"):
        sim.apply({"type": "drop", "msg": msg["id"]})
    fire(sim, "n1", "resend")
    assert len(pending(sim, "ORDER")) == 2
    settle(sim)
    assert all(delivered(sim, n) == ["n2.1"] for n in ("n1", "n2", "n3"))


def test_a_duplicated_message_is_delivered_once():
    sim = new()
    claim(sim, "n2", "alice")
    for msg in pending(sim, "SUBMIT"):
        sim.apply({"type": "duplicate", "msg": msg["id"]})
    deliver_all(sim, "SUBMIT")
    assert len(sim.nodes["n1"].durable.log) == 1
    for msg in pending(sim, "ORDER"):
        sim.apply({"type": "duplicate", "msg": msg["id"]})
    settle(sim)
    assert all(delivered(sim, n) == ["n2.1"] for n in ("n1", "n2", "n3"))
    assert all_ok(sim)


# -- failover -------------------------------------------------------------------------------

def crash_sequencer_after_n2_stored_alice(sim):
    """Alice's claim is sequenced as #1 and stored at n2 only; then the sequencer dies."""
    claim(sim, "n2", "alice")
    deliver_all(sim, "SUBMIT")
    sim.apply({"type": "deliver", "msg": pending(sim, "ORDER", dst="n2")[0]["id"]})
    sim.apply({"type": "crash", "node": "n1"})
    sim.apply({"type": "drop", "msg": pending(sim, "ORDER", dst="n3")[0]["id"]})
    return sim


def test_a_sequencer_crash_is_survived_by_a_new_sequencer_in_a_higher_epoch():
    sim = crash_sequencer_after_n2_stored_alice(new())
    claim(sim, "n3", "carol")
    run_until(sim, lambda s: s.nodes["n2"].volatile.sequencer is not None)
    assert sim.nodes["n2"].durable.epoch == 2 and sim.nodes["n3"].durable.epoch == 2
    notes = [e["text"] for e in sim.trace if e["type"] == "note" and e["node"] == "n2"]
    assert "no word from sequencer n1: suspect it" in notes
    assert "bid to sequence epoch 2" in notes
    assert "sequencer of epoch 2: 1 message recovered" in notes
    run_until(sim, lambda s: all(op["status"] != "pending" for op in s.history))
    # Alice's claim, stored only at n2 when n1 died, keeps slot #1; Carol's is re-sent.
    assert delivered(sim, "n2")[:2] == delivered(sim, "n3")[:2] == ["n2.1", "n3.1"]
    assert outcomes(sim) == [("alice", "ok", "yours"), ("carol", "fail", "taken by alice")]
    assert shown_sequencer(sim) == [("n2", "sequencer, epoch 2")]
    assert all_ok(sim)


def test_messages_not_yet_sequenced_are_resent_to_the_new_sequencer():
    sim = crash_sequencer_after_n2_stored_alice(new())
    claim(sim, "n3", "carol")
    deliver_all(sim, "SUBMIT")          # to the dead sequencer: lost
    assert sim.nodes["n3"].volatile.outbox[0]["id"] == "n3.1"
    run_until(sim, lambda s: any(m["kind"] == "SUBMIT" and m["dst"] == "n2"
                                 for m in s.messages.values()))
    resent = pending(sim, "SUBMIT", dst="n2")[0]
    assert resent["src"] == "n3" and resent["payload"]["msg"]["id"] == "n3.1"
    settle(sim)
    assert sim.nodes["n3"].volatile.outbox == []


def test_what_was_delivered_before_a_failover_keeps_its_place_everywhere():
    sim = new()
    claim(sim, "n2", "alice")
    claim(sim, "n3", "carol", "amy")
    settle(sim, 60)
    before = delivered(sim, "n1")
    assert len(before) == 2
    sim.apply({"type": "crash", "node": "n1"})
    claim(sim, "n2", "dave", "dan")
    run_until(sim, lambda s: s.history[-1]["status"] != "pending", limit=1000)
    assert delivered(sim, "n2")[:2] == before == delivered(sim, "n3")[:2]
    sim.apply({"type": "restart", "node": "n1"})
    settle(sim, 300)
    assert delivered(sim, "n1") == delivered(sim, "n2") == delivered(sim, "n3")
    assert all_ok(sim)


def test_a_restarted_sequencer_learns_of_the_new_epoch_and_follows_it():
    sim = preset("sequencer-crash")
    notes = [e["text"] for e in sim.trace if e["type"] == "note" and e["node"] == "n1"]
    assert "epoch 2 has begun: stop sequencing" in notes
    assert sim.nodes["n1"].volatile.sequencer is None
    assert sim.nodes["n1"].durable.epoch == 2
    assert delivered(sim, "n1") == delivered(sim, "n2") == ["n2.1", "n3.1"]


def test_a_node_that_promised_a_later_epoch_refuses_the_old_sequencer():
    sim = new()
    sim.apply({"type": "pause", "node": "n1"})           # a long GC pause, not a crash
    claim(sim, "n2", "alice")
    run_until(sim, lambda s: s.nodes["n2"].volatile.sequencer is not None)
    sim.apply({"type": "resume", "node": "n1"})
    # n1 still believes it sequences epoch 1; Alice's SUBMIT reaches it late.
    deliver_all(sim, "SUBMIT", dst="n1")
    deliver_all(sim, "ORDER", dst="n3")
    assert any(m["kind"] == "REJECT" and m["payload"]["epoch"] == 2
               for m in sim.messages.values())
    settle(sim)
    assert sim.nodes["n1"].volatile.sequencer is None
    assert delivered(sim, "n1") == delivered(sim, "n2") == delivered(sim, "n3")
    assert all_ok(sim)


def test_an_old_sequencer_cut_off_by_a_partition_steps_down_after_the_heal():
    sim = new()
    sim.apply({"type": "partition", "groups": [["n1"], ["n2", "n3"]]})
    claim(sim, "n1", "erin", "bob")                   # the minority side: cannot commit
    claim(sim, "n2", "alice", "bob")
    run_until(sim, lambda s: s.history[1]["status"] != "pending", limit=1000)
    assert outcomes(sim)[1] == ("alice", "ok", "yours")
    assert sim.history[0]["status"] == "pending"
    assert delivered(sim, "n1") == []
    sim.apply({"type": "heal"})
    settle(sim, 1000)
    assert outcomes(sim)[0] == ("erin", "fail", "taken by alice")
    assert delivered(sim, "n1") == delivered(sim, "n2") == delivered(sim, "n3")
    assert all_ok(sim)


# -- usernames --------------------------------------------------------------------------------

def test_the_first_claim_delivered_wins_and_the_later_one_is_refused():
    sim = preset("first-claim-wins")
    assert outcomes(sim) == [("alice", "fail", "taken by carol"), ("carol", "ok", "yours")]
    assert delivered(sim, "n1") == ["n3.1", "n2.1"]
    assert all_ok(sim)


def test_a_claimer_decides_only_once_its_own_claim_is_delivered_back():
    sim = new()
    claim(sim, "n2", "alice")
    deliver_all(sim, "SUBMIT")
    deliver_all(sim, "ORDER")
    deliver_all(sim, "ACK")
    assert delivered(sim, "n1") == ["n2.1"]           # delivered at the sequencer ...
    assert sim.history[0]["status"] == "pending"      # ... but not yet back at n2
    deliver_all(sim, "COMMIT", dst="n2")
    assert outcomes(sim) == [("alice", "ok", "yours")]


def test_claims_are_compare_and_set_operations_in_the_client_history():
    sim = settle(new(claims=[{"node": "n2", "user": "alice", "name": "bob", "at": 5}]))
    (op,) = sim.history
    assert op["op"] == "cas" and op["client"] == "n2"
    assert op["args"] == {"key": "bob", "from": None, "to": "alice", "claim": "n2.1"}
    assert op["status"] == "ok" and op["invoke_t"] == 5 and op["complete_t"] > 5


def test_the_same_user_claiming_again_is_told_the_name_is_taken():
    sim = new()
    claim(sim, "n2", "alice")
    settle(sim)
    claim(sim, "n3", "alice")
    settle(sim)
    assert outcomes(sim) == [("alice", "ok", "yours"), ("alice", "fail", "taken by alice")]
    assert all_ok(sim)


def test_the_view_has_a_usernames_table_of_holders_refused_and_waiting():
    sim = new()
    claim(sim, "n2", "alice")
    claim(sim, "n3", "carol")
    claim(sim, "n1", "erin", "erin")
    settle(sim)
    claim(sim, "n2", "dave", "dave")
    table = usernames(sim)
    assert table["bob"] == {"name": "bob", "holder": "alice (via n2)",
                            "refused": "carol (via n3)", "waiting": "—"}
    assert table["erin"]["holder"] == "erin (via n1)"
    assert table["dave"]["holder"] == "—" and table["dave"]["waiting"] == "dave (via n2)"
    assert shown_sequencer(sim) == [("n1", "sequencer, epoch 1")]


def test_claim_is_offered_on_up_nodes_not_already_waiting_on_a_claim():
    sim = new()
    offered = [a for a in sim.enabled() if a["type"] == "claim"]
    assert [a["node"] for a in offered] == ["n1", "n2", "n3"]
    claim(sim, "n2", "alice")
    sim.apply({"type": "crash", "node": "n3"})
    assert [a["node"] for a in sim.enabled() if a["type"] == "claim"] == ["n1"]
    claim(sim, "n2", "someone", "else")               # any name may still be claimed
    with pytest.raises(InvalidAction, match="n3 is crashed"):
        claim(sim, "n3", "carol")


@pytest.mark.parametrize("field, value, reason", [
    ("name", "", "1 to 32"), ("name", "b" * 33, "1 to 32"), ("user", "  ", "blank"),
    ("name", None, "string"), ("name", ["bob"], "string"), ("name", "bo\x00b", "U+0000"),
    ("user", "al\x1bice", "U+001B"), ("name", "b\u202eob", "U+202E"),
    ("name", "bo\u200db", "U+200D"), ("name", "two\nlines", "U+000A"),
])
def test_usernames_are_untrusted_text_and_bad_ones_are_refused(field, value, reason):
    sim = new()
    action = {"type": "claim", "node": "n2", "user": "alice", "name": "bob", field: value}
    with pytest.raises(InvalidAction, match=re.escape(reason)) as info:
        sim.apply(action)
    assert info.value.code == "bad_action"
    assert sim.step == 0 and sim.history == [] and not sim.messages


def test_a_name_with_markup_or_accents_is_kept_verbatim_as_text():
    sim = new()
    claim(sim, "n2", "zoë", "<script>alert(1)</script>")
    settle(sim)
    assert outcomes(sim) == [("zoë", "ok", "yours")]
    assert sim.nodes["n3"].durable.delivered[0]["name"] == "<script>alert(1)</script>"


def test_planned_claims_in_the_config_are_checked_like_typed_ones():
    with pytest.raises(ConfigError, match="1 to 32"):
        new(claims=[{"node": "n2", "user": "alice", "name": "x" * 40, "at": 5}])
    with pytest.raises(ConfigError, match="n9"):
        new(claims=[{"node": "n9", "user": "alice", "name": "bob", "at": 5}])
    with pytest.raises(ConfigError, match="at"):
        new(claims=[{"node": "n2", "user": "alice", "name": "bob"}])


def test_unexpected_fields_and_unknown_actions_are_refused():
    sim = new()
    with pytest.raises(InvalidAction, match="unexpected field 'html'"):
        sim.apply({"type": "claim", "node": "n2", "user": "a", "name": "b", "html": "<b>"})
    with pytest.raises(InvalidAction, match="unknown action"):
        sim.apply({"type": "release", "node": "n2"})
    with pytest.raises(InvalidAction, match="one of: n1, n2, n3"):
        sim.apply({"type": "claim", "node": "n7", "user": "a", "name": "b"})


# -- the checks themselves -----------------------------------------------------------------

def test_prefix_agreement_check_names_the_slot_where_logs_differ():
    sim = settle(new(claims=[{"node": "n2", "user": "alice", "name": "bob", "at": 5},
                             {"node": "n3", "user": "carol", "name": "amy", "at": 6}]))
    log = sim.nodes["n3"].durable.delivered
    log[0], log[1] = log[1], log[0]                   # forge a reordering at n3
    claim(sim, "n1", "erin", "erin")
    result = check(sim, "every node delivers the same sequence")
    assert not result["ok"] and result["detail"].startswith("#1: n1 delivered")
    assert "but n3 delivered" in result["detail"]


def test_yours_iff_first_check_catches_a_claimer_told_the_wrong_answer():
    sim = new()
    claim(sim, "n2", "alice")
    settle(sim)
    sim.history[0]["status"], sim.history[0]["result"] = "fail", "taken by nobody"
    claim(sim, "n1", "erin", "erin")
    result = check(sim, "told “yours” iff the claim is first for the name")
    assert not result["ok"]
    assert "alice was told “taken by nobody” for “bob”, but its claim comes first" in \
        result["detail"]


@pytest.mark.parametrize("seed", range(40))
def test_correct_tob_keeps_usernames_unique_with_drops_and_a_sequencer_crash(seed):
    rng = random.Random(seed)
    claims = [{"node": f"n{1 + i % 3}", "user": user, "name": name, "at": at}
              for i, (user, name, at) in enumerate([
                  ("alice", "bob", 10), ("carol", "bob", 12), ("dave", "bob", 15),
                  ("erin", "erin", 30), ("frank", "erin", 31), ("gina", "bob", 200)])]
    sim = Simulation(TOB, "correct", {"claims": claims, "fault_drop": 0.15,
                                      "fault_duplicate": 0.05}, seed)
    sim.run(rng.randint(5, 40))
    sequencer = shown_sequencer(sim)[0][0]
    sim.apply({"type": "crash", "node": sequencer, "restart_after": rng.randint(300, 2000)})
    for _ in range(2000):
        if sim.auto_step() is None:
            break
        assert all_ok(sim), sim.violations
    # Liveness too: every claim whose node did not crash got an answer.
    for op in sim.history:
        if op["client"] != sequencer:
            assert op["status"] in ("ok", "fail"), op
    holders = {}
    for op in sim.history:
        if op["status"] == "ok":
            assert op["args"]["key"] not in holders
            holders[op["args"]["key"]] = op["args"]["to"]


@pytest.mark.parametrize("seed", range(15))
def test_correct_tob_survives_random_user_schedules_with_crashes_and_partitions(seed):
    """A random walk over the enabled actions — any delivery order, drops, duplicates,
    crashes, restarts, partitions, claims — never breaks a check."""
    rng = random.Random(seed)
    sim = Simulation(TOB, "correct", {"claims": [], "nodes": 3 + seed % 3}, seed)
    for _ in range(250):
        enabled = sim.enabled()
        roll = rng.random()
        timely = [a for a in enabled if a["type"] in ("deliver", "fire")]
        if roll < 0.6 and timely:
            action = rng.choice(timely)
        elif roll < 0.7:
            up = [n for n in sim.nodes if sim.status[n] == "up"]
            if not up:
                continue
            action = {"type": "claim", "node": rng.choice(up), "user": rng.choice("abcdef"),
                      "name": rng.choice(["bob", "amy"])}
        elif roll < 0.73 and sim.partition is None:
            side = [n for n in sim.nodes if rng.random() < 0.5]
            if not 0 < len(side) < len(sim.nodes):
                continue
            action = {"type": "partition", "groups": [side]}
        else:
            action = rng.choice([a for a in enabled if a["type"] != "pause"])
        sim.apply(action)
        assert all_ok(sim), (sim.violations, sim.actions)


# -- the lamport-early variant ------------------------------------------------------------------

def test_lamport_early_defaults_give_one_name_to_two_users_on_some_seeds():
    broken = []
    for seed in range(30):
        sim = Simulation(TOB, "lamport-early", None, seed)
        sim.run(200)
        if not check(sim, "each username belongs to at most one user")["ok"]:
            broken.append(seed)
    assert broken and len(broken) < 30     # it depends on the schedule
    assert 0 in broken                     # the seed shipped as preset two-users-one-name


def test_preset_two_users_one_name_tells_both_users_yours():
    sim = preset("two-users-one-name")
    assert outcomes(sim) == [("alice", "ok", "yours"), ("carol", "ok", "yours")]
    unique = check(sim, "each username belongs to at most one user")
    assert not unique["ok"]
    assert unique["detail"] == "“bob” was given to alice (via n2) and carol (via n3)"
    first = check(sim, "told “yours” iff the claim is first for the name")
    assert not first["ok"] and "alice's claim n2.1 comes first" in first["detail"]
    assert usernames(sim)["bob"]["holder"] == "alice (via n2), carol (via n3)"


def test_lamport_early_claim_that_sees_a_smaller_timestamp_in_time_fails():
    sim = new("lamport-early")
    claim(sim, "n2", "alice")
    claim(sim, "n3", "carol")
    deliver_all(sim, "CLAIM")                 # every claim arrives before anyone decides
    fire(sim, "n2", "decide")
    fire(sim, "n3", "decide")
    assert outcomes(sim) == [("alice", "ok", "yours"), ("carol", "fail", "taken by alice")]
    assert all_ok(sim)


def test_the_same_race_through_total_order_broadcast_never_gives_a_name_twice():
    config = TOB.defaults("lamport-early")
    config = {"claims": config["claims"], "latency": config["latency"]}
    for seed in range(30):
        sim = Simulation(TOB, "correct", config, seed)
        sim.run(500)
        assert all_ok(sim), seed
        assert sorted(op["status"] for op in sim.history) == ["fail", "ok"]


def test_preset_same_race_with_tob_gives_bob_to_one_user():
    sim = settle(preset("same-race-with-tob"))
    assert sorted(status for _, status, _ in outcomes(sim)) == ["fail", "ok"]
    assert all_ok(sim)


def test_every_preset_narration_points_at_a_step_of_its_run():
    for name, p in TOB.presets.items():
        sim = preset(name)
        assert all(0 <= int(k) <= sim.step for k in p["narration"]), name


def test_same_race_with_tob_has_no_script_and_its_intro_says_press_play():
    p = TOB.presets["same-race-with-tob"]
    assert p["actions"] == [] and list(p["narration"]) == ["0"]
    assert "▶ Play" in p["narration"]["0"] and "→" in p["narration"]["0"]


def test_first_claim_wins_says_every_node_agrees_at_the_step_the_last_node_delivers():
    p = TOB.presets["first-claim-wins"]
    sim = Simulation(TOB, p["variant"], p["config"], p["seed"])
    for action in p["actions"]:
        before = [len(sim.nodes[n].durable.delivered) for n in ("n1", "n2", "n3")]
        sim.apply(action)
        remark = p["narration"].get(str(sim.step), "")
        if "every node has delivered the same log" in remark:
            assert before != [2, 2, 2]
            assert delivered(sim, "n1") == delivered(sim, "n2") == delivered(sim, "n3")
            assert len(delivered(sim, "n1")) == 2
            break
    else:
        pytest.fail("no step says every node agrees")


def test_sequencer_crash_delivers_the_later_of_two_alike_acks_first_as_it_always_did():
    p = TOB.presets["sequencer-crash"]
    lines = p["script"]
    at = next(i for i, line in enumerate(lines) if "(the newest)" in line["line"])
    sim = Simulation(TOB, p["variant"], p["config"], p["seed"])
    for action in p["actions"][:at]:
        sim.apply(action)
    alike = pending(sim, "ACK", src="n3", dst="n2")
    assert len(alike) == 2 and alike[0]["payload"] == alike[1]["payload"]
    assert p["actions"][at] == {"type": "deliver", "msg": alike[1]["id"]}
    assert p["actions"][at + 1] == {"type": "deliver", "msg": alike[0]["id"]}


def test_messages_are_labelled_with_claims_slots_and_epochs():
    p = TOB.presets["sequencer-crash"]
    sim = replay(TOB, p["variant"], p["config"], p["seed"], p["actions"])
    labels = {e["label"] for e in sim.trace if e["type"] == "send"}
    assert {"SUBMIT “bob” ← alice", "ORDER #1 “bob” ← alice", "ORDER #2 “bob” ← carol",
            "ACK stored 1", "COMMIT upto #2", "NEW-EPOCH e2", "EPOCH-OK e2"} <= labels
    order = TOB.vocabulary.message("ORDER")
    assert order.label("ORDER", {"epoch": 2, "slot": 3, "msg": {"id": "noop.2.3", "noop": True},
                                 "commit": 0}, None) == "ORDER #3 no-op"
    assert TOB.vocabulary.message("ACK").label("ACK", {"epoch": 2}, None) == "ACK stored nil"
    early = preset("two-users-one-name")
    assert "CLAIM “bob” ← alice (1,n2)" in {e["label"] for e in early.trace
                                             if e["type"] == "send"}


def test_a_claims_outcome_note_is_toned_yours_ok_and_taken_warning():
    sim = preset("first-claim-wins")
    tones = {e["text"]: e.get("tone") for e in sim.trace if e["type"] == "note"
             and "won" in e["data"]}
    assert tones == {"“bob” is yours, carol": "ok", "“bob” is taken (by carol)": "warning"}


def test_preset_first_claim_wins_holds_back_order_2_at_n3_at_step_6():
    p = TOB.presets["first-claim-wins"]
    sim = Simulation(TOB, p["variant"], p["config"], p["seed"])
    for step, action in enumerate(p["actions"], start=1):
        sim.apply(action)
        if step == 6:
            assert [h["slot"] for h in sim.nodes["n3"].volatile.hold_back] == [2]
        if step == 14:
            assert outcomes(sim)[1] == ("carol", "ok", "yours")


def test_preset_sequencer_crash_recovers_the_claim_in_epoch_2_at_step_16():
    p = TOB.presets["sequencer-crash"]
    sim = Simulation(TOB, p["variant"], p["config"], p["seed"])
    for step, action in enumerate(p["actions"], start=1):
        sim.apply(action)
        if step == 6:
            assert all(delivered(sim, n) == [] for n in ("n2", "n3"))
        if step == 16:
            assert sim.nodes["n2"].volatile.sequencer is not None
            assert sim.nodes["n2"].durable.log[0] == {"epoch": 2, "msg": {
                "id": "n2.1", "node": "n2", "user": "alice", "name": "bob"}}
    assert outcomes(sim) == [("alice", "ok", "yours"), ("carol", "fail", "taken by alice")]


def test_cli_lamport_early_exits_1_and_correct_exits_0():
    def run(*args):
        return subprocess.run([sys.executable, "-m", "protocols", "run", "tob", *args,
                               "--json"], cwd=ROOT, capture_output=True, text=True)

    broken = run("--variant", "lamport-early", "--seed", "0")
    assert broken.returncode == 1, broken.stderr
    out = json.loads(broken.stdout)
    assert out["config"]["claims"][0]["name"] == "bob"
    assert not out["checks"][1]["ok"]
    fine = run("--seed", "0")
    assert fine.returncode == 0, fine.stderr
    assert component(json.loads(fine.stdout)["state"]["view"], "table", "usernames")["rows"]



def test_username_claims_through_tob_are_a_linearizable_compare_and_set_and_lamport_early_is_not():
    tob = registry.get("tob")
    broken_early = 0
    for seed in range(12):
        early = Simulation(tob, "lamport-early", None, seed)
        early.run(2000)
        verdict = check(early, "claims are linearizable")
        unique = check(early, "each username belongs to at most one user")
        assert verdict["ok"] == unique["ok"] or not verdict["ok"]
        broken_early += not verdict["ok"]
        correct = Simulation(tob, "correct", {"fault_drop": 0.1, "fault_crash": 0.05}, seed)
        correct.run(2000)
        assert check(correct, "claims are linearizable")["ok"], seed
    assert broken_early
