"""Two-phase commit, one test per failure scenario of DDIA's telling."""

import pytest

from protocols import registry
from protocols.kernel import InvalidAction, Simulation

from .drive import check, deliver_all, fire, pending, run_until, timer

TWOPC = registry.get("twopc")


def new(variant="correct", **config):
    config.setdefault("transactions", 0)
    return Simulation(TWOPC, variant, config, seed=1)


def until_prepared(sim):
    """Begin a transaction and drive it by hand to the point where every participant has
    received PREPARE and voted (votes still in flight)."""
    sim.apply({"type": "begin", "node": "client"})
    deliver_all(sim, "BEGIN")
    deliver_all(sim, "BEGUN")
    deliver_all(sim, "WRITE")
    deliver_all(sim, "WRITTEN")
    deliver_all(sim, "COMMIT-REQUEST")
    deliver_all(sim, "PREPARE")
    return sim


def outcomes(sim, tx=1):
    return {p: [r["record"] for r in sim.nodes[p].durable.log if r["tx"] == tx]
            for p in sim.node_ids("participant")}


def test_a_transaction_commits_when_every_participant_votes_yes():
    sim = Simulation(TWOPC, seed=7)
    sim.run(1000)
    assert all(c["ok"] for c in sim.checks)
    assert outcomes(sim) == {p: ["prepared", "committed"] for p in ("p1", "p2", "p3")}
    assert all(sim.nodes[p].durable.data == {"x": 1} for p in ("p1", "p2", "p3"))
    assert [r["decision"] for r in sim.nodes["coord"].durable.log] == ["commit", "end"]
    assert sim.history[0]["status"] == "ok" and sim.history[0]["result"] == "commit"
    assert not check(sim, "in-doubt participants")["warn"]


def test_one_no_vote_aborts_the_transaction_everywhere():
    sim = new()
    sim.apply({"type": "vote-no", "node": "p2"})
    until_prepared(sim)
    run_until(sim, lambda s: s.history[0]["status"] != "pending")
    sim.run(500)
    assert sim.history[0]["status"] == "fail"
    assert all("committed" not in recs for recs in outcomes(sim).values())
    assert sim.nodes["coord"].durable.log[0]["decision"] == "abort"
    assert all(not sim.nodes[p].volatile.locks for p in sim.node_ids("participant"))
    assert all(c["ok"] for c in sim.checks)


def test_the_decision_is_written_to_the_coordinator_log_before_commit_is_sent():
    sim = until_prepared(new())
    deliver_all(sim, "VOTE")
    decided = next(i for i, e in enumerate(sim.trace) if e["type"] == "note" and "decide" in e["text"])
    first_commit = next(i for i, e in enumerate(sim.trace)
                        if e["type"] == "send" and e["kind"] == "COMMIT")
    assert decided < first_commit
    assert sim.nodes["coord"].durable.log[0]["decision"] == "commit"


def test_coordinator_crash_after_prepare_leaves_participants_in_doubt():
    sim = until_prepared(new())
    sim.apply({"type": "crash", "node": "coord"})
    deliver_all(sim, "VOTE")         # lost: the coordinator is down
    # Time passes: the participants ask, nobody answers, they keep waiting.
    for _ in range(3):
        for p in ("p1", "p2", "p3"):
            fire(sim, p, "in-doubt")
        for msg in pending(sim, "STATUS"):
            sim.apply({"type": "deliver", "msg": msg["id"]})
    assert all(sim.nodes[p].in_doubt() == [1] for p in ("p1", "p2", "p3"))
    assert all(sim.nodes[p].volatile.locks == {"x": 1} for p in ("p1", "p2", "p3"))
    blocking = check(sim, "in-doubt participants")
    assert blocking["warn"] and "p1 in doubt on tx1" in blocking["detail"]
    assert "holding lock on x" in blocking["detail"]
    assert all(c["ok"] for c in sim.checks)


def test_in_doubt_participants_block_the_next_transaction_on_their_locks():
    sim = until_prepared(new())
    sim.apply({"type": "crash", "node": "coord"})
    sim.apply({"type": "restart", "node": "coord"})
    # The coordinator forgot tx1 (no decision logged); the client gives up on it.
    fire(sim, "client", "reply-timeout")
    sim.apply({"type": "begin", "node": "client"})
    deliver_all(sim, "BEGIN")
    deliver_all(sim, "BEGUN")
    deliver_all(sim, "WRITE")
    deliver_all(sim, "WRITE-FAILED")
    assert sim.history[-1]["status"] == "fail"
    assert "locked by tx1" in sim.history[-1]["result"]


def test_coordinator_recovers_its_commit_decision_from_the_log_after_a_crash():
    sim = until_prepared(new())
    deliver_all(sim, "VOTE")        # all yes: commit logged, COMMITs in flight
    for msg in pending(sim, "COMMIT"):
        sim.apply({"type": "drop", "msg": msg["id"]})
    sim.apply({"type": "crash", "node": "coord"})
    assert all(sim.nodes[p].in_doubt() == [1] for p in ("p1", "p2", "p3"))
    sim.apply({"type": "restart", "node": "coord"})
    assert any(e["type"] == "note" and "recovered tx1" in e["text"] for e in sim.trace)
    deliver_all(sim, "COMMIT")
    deliver_all(sim, "ACK")
    assert outcomes(sim) == {p: ["prepared", "committed"] for p in ("p1", "p2", "p3")}
    assert [r["decision"] for r in sim.nodes["coord"].durable.log] == ["commit", "end"]
    assert all(c["ok"] for c in sim.checks)


def test_coordinator_crash_before_deciding_is_resolved_as_abort_after_restart():
    sim = until_prepared(new())
    sim.apply({"type": "crash", "node": "coord"})
    sim.apply({"type": "restart", "node": "coord"})
    for p in ("p1", "p2", "p3"):
        fire(sim, p, "in-doubt")
    deliver_all(sim, "STATUS")
    deliver_all(sim, "ABORT")
    assert outcomes(sim) == {p: ["prepared", "aborted"] for p in ("p1", "p2", "p3")}
    assert all(c["ok"] for c in sim.checks)


def test_participant_that_has_not_voted_aborts_on_timeout_and_then_votes_no():
    sim = new()
    sim.apply({"type": "begin", "node": "client"})
    deliver_all(sim, "BEGIN")
    deliver_all(sim, "BEGUN")
    deliver_all(sim, "WRITE")
    fire(sim, "p3", "prepare-timeout")       # the PREPARE took too long
    assert outcomes(sim)["p3"] == ["aborted"]
    deliver_all(sim, "WRITTEN")
    deliver_all(sim, "COMMIT-REQUEST")
    deliver_all(sim, "PREPARE")
    votes = {m["src"]: m["payload"]["vote"] for m in pending(sim, "VOTE")}
    assert votes == {"p1": "yes", "p2": "yes", "p3": "no"}
    sim.run(500)
    assert sim.history[0]["status"] == "fail"
    assert all(c["ok"] for c in sim.checks)


def test_participant_that_voted_yes_keeps_waiting_and_does_not_time_out():
    sim = until_prepared(new())
    assert timer(sim, "p1", "prepare-timeout") is None
    assert timer(sim, "p1", "heuristic") is None
    assert timer(sim, "p1", "in-doubt") is not None


def test_prepared_participant_restarts_still_in_doubt_and_holding_its_locks():
    sim = until_prepared(new())
    sim.apply({"type": "crash", "node": "p2"})
    assert check(sim, "in-doubt participants")["warn"]
    sim.apply({"type": "restart", "node": "p2"})
    assert sim.nodes["p2"].in_doubt() == [1]
    assert sim.nodes["p2"].volatile.locks == {"x": 1}
    sim.run(500)
    assert outcomes(sim)["p2"] == ["prepared", "committed"]


def test_unprepared_work_is_lost_in_a_participant_crash_so_it_votes_no():
    sim = new()
    sim.apply({"type": "begin", "node": "client"})
    deliver_all(sim, "BEGIN")
    deliver_all(sim, "BEGUN")
    deliver_all(sim, "WRITE")
    sim.apply({"type": "crash", "node": "p1"})
    sim.apply({"type": "restart", "node": "p1"})
    deliver_all(sim, "WRITTEN")
    deliver_all(sim, "COMMIT-REQUEST")
    deliver_all(sim, "PREPARE")
    assert {m["src"]: m["payload"]["vote"] for m in pending(sim, "VOTE")}["p1"] == "no"


def test_lost_commit_messages_are_retried_until_acknowledged():
    sim = until_prepared(new())
    deliver_all(sim, "VOTE")
    for msg in pending(sim, "COMMIT"):
        sim.apply({"type": "drop", "msg": msg["id"]})
    fire(sim, "coord", "resend")
    assert len(pending(sim, "COMMIT")) == 3
    sim.run(500)
    assert outcomes(sim) == {p: ["prepared", "committed"] for p in ("p1", "p2", "p3")}


def test_duplicated_messages_do_no_harm():
    sim = until_prepared(new())
    for msg in pending(sim, "VOTE"):
        sim.apply({"type": "duplicate", "msg": msg["id"]})
    sim.run(500)
    assert outcomes(sim) == {p: ["prepared", "committed"] for p in ("p1", "p2", "p3")}
    assert all(c["ok"] for c in sim.checks)


def test_heuristic_decision_by_an_in_doubt_participant_breaks_atomicity():
    sim = until_prepared(new("heuristic"))
    deliver_all(sim, "VOTE")                   # the coordinator decides COMMIT
    commit_to_p3 = pending(sim, "COMMIT", dst="p3")[0]
    sim.apply({"type": "drop", "msg": commit_to_p3["id"]})
    deliver_all(sim, "COMMIT")
    fire(sim, "p3", "heuristic")               # p3 gives up waiting and aborts
    atomicity = check(sim, "atomicity")
    assert not atomicity["ok"]
    assert "tx1 committed at coord, p1, p2 but aborted at p3" in atomicity["detail"]
    assert "heuristic decision at p3" in atomicity["detail"]
    assert atomicity["events"]
    assert any(e["type"] == "check" and e["name"] == "atomicity" for e in sim.trace)


def test_correct_variant_never_decides_heuristically():
    sim = until_prepared(new())
    deliver_all(sim, "VOTE")
    sim.apply({"type": "drop", "msg": pending(sim, "COMMIT", dst="p3")[0]["id"]})
    assert timer(sim, "p3", "heuristic") is None


@pytest.mark.parametrize("seed", range(120))
def test_correct_two_phase_commit_never_violates_atomicity_under_faults(seed):
    config = {"transactions": 3, "fault_drop": 0.15, "fault_duplicate": 0.05,
              "fault_crash": 0.05, "fault_pause": 0.03, "fault_partition": 0.03,
              "fault_downtime": [100, 1500]}
    sim = Simulation(TWOPC, "correct", config, seed)
    for _ in range(1500):
        if sim.auto_step() is None:
            break
        assert all(c["ok"] for c in sim.checks), sim.checks


def test_heuristic_variant_defaults_break_atomicity_on_some_seeds():
    broken = []
    for seed in range(30):
        sim = Simulation(TWOPC, "heuristic", None, seed)
        sim.run(3000)
        if not check(sim, "atomicity")["ok"]:
            broken.append(seed)
    assert broken


def test_xa_flavour_labels_participants_by_kind():
    sim = Simulation(TWOPC, config={"participants": 2, "kinds": ["database", "message queue"]})
    views = sim.snapshot()["nodes"]
    assert [v["label"] for v in views] == ["Client", "Transaction manager", "p1 (database)",
                                          "p2 (message queue)"]


def test_begin_is_enabled_only_while_the_client_is_idle():
    sim = new()
    sim.apply({"type": "begin", "node": "client"})
    with pytest.raises(InvalidAction, match="begin is enabled only"):
        sim.apply({"type": "begin", "node": "client"})
    with pytest.raises(InvalidAction):
        sim.apply({"type": "begin", "node": "p1"})
    with pytest.raises(InvalidAction):
        sim.apply({"type": "vote-no", "node": "coord"})
    sim.apply({"type": "vote-no", "node": "p1"})
    with pytest.raises(InvalidAction, match="already voting no"):
        sim.apply({"type": "vote-no", "node": "p1"})


def test_participants_count_is_configurable_from_two_to_five():
    assert len(Simulation(TWOPC, config={"participants": 5}).node_ids("participant")) == 5
    for n in (1, 6):
        with pytest.raises(Exception, match="participants"):
            Simulation(TWOPC, config={"participants": n})


def _preset(name):
    preset = TWOPC.presets[name]
    from protocols.kernel import replay
    return replay(TWOPC, preset["variant"], preset["config"], preset["seed"], preset["actions"])


def test_preset_commit_commits_everywhere():
    sim = _preset("commit")
    assert outcomes(sim) == {p: ["prepared", "committed"] for p in ("p1", "p2", "p3")}


def test_preset_vote_no_aborts():
    sim = _preset("vote-no")
    assert sim.nodes["coord"].durable.log[0]["decision"] == "abort"


def test_preset_coordinator_crash_is_in_doubt_until_recovery():
    preset = TWOPC.presets["coordinator-crash"]
    sim = Simulation(TWOPC, preset["variant"], preset["config"], preset["seed"])
    for step, action in enumerate(preset["actions"], start=1):
        sim.apply(action)
        if step == 23:
            assert all(sim.nodes[p].in_doubt() == [1] for p in ("p1", "p2", "p3"))
            assert check(sim, "in-doubt participants")["warn"]
    assert outcomes(sim) == {p: ["prepared", "aborted"] for p in ("p1", "p2", "p3")}
    assert not check(sim, "in-doubt participants")["warn"]


def test_preset_xa_commits_across_a_database_and_a_queue():
    sim = _preset("xa")
    sim.run(1000)
    assert sim.history[0]["status"] == "ok"
    assert "p2 (message queue)" in [n["label"] for n in sim.snapshot()["nodes"]]


def test_preset_heuristic_ends_with_atomicity_violated():
    sim = _preset("heuristic")
    assert not check(sim, "atomicity")["ok"]


def test_every_preset_narration_points_at_a_step_of_its_run():
    for name, preset in TWOPC.presets.items():
        sim = _preset(name)
        assert all(0 <= int(k) <= sim.step for k in preset["narration"]), name


def test_vote_no_story_ends_with_every_participant_aborted_and_nobody_in_doubt():
    sim = _preset("vote-no")
    for p in ("p1", "p2", "p3"):
        assert sim.nodes[p].records(1)[-1] == "aborted", p
    assert not check(sim, "in-doubt participants")["warn"]
    assert not sim.messages


def test_commit_story_says_commit_point_when_the_last_vote_arrives():
    preset = TWOPC.presets["commit"]
    sim = Simulation(TWOPC, preset["variant"], preset["config"], preset["seed"])
    for action in preset["actions"]:
        sim.apply(action)
        remark = preset["narration"].get(str(sim.step), "")
        decided = any(e["type"] == "note" and e["data"].get("decision") == "commit"
                      for e in sim.trace if e["step"] == sim.step)
        assert ("commit point" in remark) == decided, sim.step


def test_coordinator_crash_after_logging_commit_leaves_participants_in_doubt_then_all_commit():
    preset = TWOPC.presets["crash-after-commit"]
    sim = Simulation(TWOPC, preset["variant"], preset["config"], preset["seed"])
    saw_in_doubt_while_down = False
    for action in preset["actions"]:
        sim.apply(action)
        if sim.status["coord"] == "crashed" and check(sim, "in-doubt participants")["warn"]:
            saw_in_doubt_while_down = True
    assert saw_in_doubt_while_down
    assert all(sim.nodes[p].records(1)[-1] == "committed" for p in ("p1", "p2", "p3"))
    assert check(sim, "atomicity")["ok"] and not check(sim, "in-doubt participants")["warn"]
