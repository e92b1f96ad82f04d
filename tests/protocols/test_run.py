"""The Run (protocols/kernel/run.py): one place for a timeline — step inside and past it,
forks and their undo, seeks, the longest faithful prefix, narration that follows the run."""

import pytest

from protocols import registry
from protocols.kernel import InvalidAction, replay
from protocols.kernel import run as run_module
from protocols.kernel.run import Run

TWOPC = registry.get("twopc")
STORY = TWOPC.presets["coordinator-crash"]


def test_step_inside_the_timeline_takes_the_scripts_next_actions():
    run = Run.from_preset(TWOPC, "coordinator-crash")
    actions, events = run.step(14)
    assert actions == STORY["actions"][:14] and run.cursor == 14
    assert run.timeline == STORY["actions"] and run.as_written
    assert any(e["type"] == "crash" for e in events)   # the script's crash, not a scheduler step


def test_step_past_the_end_of_the_timeline_lets_the_scheduler_carry_on_and_extends_it():
    run = Run.from_preset(TWOPC, "coordinator-crash")
    length = len(STORY["actions"])
    run.step(length)
    assert run.scripted is False
    actions, _ = run.step(3)
    assert len(actions) == 3 and run.timeline[length:] == actions
    assert not run.as_written
    # The same as a plain replay of the longer list: nothing hidden in the Run.
    again = replay(TWOPC, STORY["variant"], STORY["config"], STORY["seed"], run.timeline)
    assert again.trace_hash == run.sim.trace_hash


def test_step_stops_when_nothing_is_left_and_at_the_limit():
    run = Run(TWOPC, "correct", {"transactions": 0}, 0)
    assert run.quiescent and run.step(5) == ([], [])
    run = Run(TWOPC, "correct", {}, 0)
    actions, _ = run.step(50, limit=4)
    assert len(actions) == 4 and run.cursor == 4


def test_acting_at_the_timelines_next_action_is_a_redo_not_a_fork():
    run = Run.from_preset(TWOPC, "coordinator-crash", cursor=5)
    _, _, forked_at = run.act(STORY["actions"][5])
    assert forked_at is None and run.fork is None and run.timeline == STORY["actions"]


def test_acting_in_the_past_forks_cuts_the_future_and_its_remarks_and_undo_brings_them_back():
    run = Run.from_preset(TWOPC, "coordinator-crash", cursor=13)
    vote = next(m for m in run.sim.messages.values() if m["kind"] == "VOTE")
    actions, _, forked_at = run.act({"type": "drop", "msg": vote["id"]})
    assert forked_at == 13 and run.timeline == STORY["actions"][:13] + actions
    assert run.fork.describe() == {"at": 13, "cut": len(STORY["actions"]) - 13}
    assert all(int(step) <= 13 for step in run.narration)
    assert run.preset == "coordinator-crash" and not run.as_written
    run.undo_fork()
    assert run.cursor == 13 and run.timeline == STORY["actions"] and run.fork is None
    assert run.narration == STORY["narration"] and run.as_written
    with pytest.raises(InvalidAction, match="no fork to undo"):
        run.undo_fork()


def test_an_action_that_is_not_enabled_changes_nothing():
    run = Run.from_preset(TWOPC, "coordinator-crash", cursor=13)
    before = (list(run.timeline), run.cursor, run.sim.trace_hash)
    with pytest.raises(InvalidAction):
        run.act({"type": "deliver", "msg": 999})
    assert (run.timeline, run.cursor, run.sim.trace_hash) == before


def test_seek_and_back_from_checkpoints_match_a_plain_replay(monkeypatch):
    monkeypatch.setattr(run_module, "CHECKPOINT_EVERY", 4)
    run = Run(TWOPC, "correct", {"transactions": 3}, 5)
    run.step(30)
    assert run.checkpoints
    for target in (29, 3, 17, 0, 30, 8):
        run.seek(target)
        plain = replay(TWOPC, "correct", {"transactions": 3}, 5, run.timeline[:target])
        assert run.sim.trace_hash == plain.trace_hash and run.cursor == target
        assert run.work <= max(4, target)
    run.back()
    assert run.cursor == 7
    with pytest.raises(InvalidAction):
        run.seek(len(run.timeline) + 1)


def test_a_run_refuses_a_timeline_whose_later_action_is_not_enabled_naming_it():
    bad = STORY["actions"][:5] + [{"type": "deliver", "msg": 999}]
    with pytest.raises(InvalidAction, match="action 6 of 6"):
        Run(TWOPC, STORY["variant"], STORY["config"], STORY["seed"], bad)


def test_the_longest_faithful_prefix_keeps_what_replays_and_says_what_does_not():
    bad = STORY["actions"][:20] + [{"type": "deliver", "msg": 999}] + STORY["actions"][20:]
    run, problem = Run.longest_faithful_prefix(
        TWOPC, STORY["variant"], STORY["config"], STORY["seed"], bad, cursor=25,
        narration=STORY["narration"], preset="coordinator-crash")
    assert run.timeline == STORY["actions"][:20] and run.cursor == 20
    assert "action 21 of 34" in problem and "not enabled" in problem
    assert all(int(k) <= 20 for k in run.narration)
    whole, none = Run.longest_faithful_prefix(TWOPC, STORY["variant"], STORY["config"],
                                              STORY["seed"], STORY["actions"], cursor=3)
    assert none is None and whole.cursor == 3 and whole.timeline == STORY["actions"]


def test_a_copy_is_independent():
    run = Run.from_preset(TWOPC, "coordinator-crash", cursor=10)
    twin = run.copy()
    twin.step(5)
    twin.narration["99"] = "mine"
    assert run.cursor == 10 and "99" not in run.narration
