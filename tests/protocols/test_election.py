"""Leader election with epochs, leases and fencing: one test per scenario, each preset replayed
to its moment, each unsafe variant shown breaking, and a property test over faulty seeds."""

import pytest

from protocols import registry
from protocols.kernel import ConfigError, InvalidAction, Simulation, replay

from .drive import check, pending, run_until, timer

ELECTION = registry.get("election")
SAFETY = ("uniform agreement", "integrity", "validity", "one leader per epoch")


def new(variant="correct", **config):
    config.setdefault("requests", 0)
    return Simulation(ELECTION, variant, config, seed=1)


def deliver(sim, kind, src=None, dst=None):
    """Deliver every deliverable in-flight message of one kind, as a user clicking arrows."""
    msgs = [m for m in pending(sim, kind, dst=dst, src=src) if sim.deliverable(m)]
    assert msgs, f"no deliverable {kind} message"
    for msg in msgs:
        sim.apply({"type": "deliver", "msg": msg["id"]})


def drop(sim, kind, src=None, dst=None):
    for msg in pending(sim, kind, dst=dst, src=src):
        sim.apply({"type": "drop", "msg": msg["id"]})


def fire(sim, node, name):
    sim.apply({"type": "fire", "timer": timer(sim, node, name)["id"]})


def elect(sim, node):
    """`node` times out first and wins the election; its first heartbeats are answered."""
    fire(sim, node, "election")
    deliver(sim, "VOTE-REQUEST", src=node)
    deliver(sim, "VOTE", dst=node)
    deliver(sim, "HEARTBEAT", src=node)
    deliver(sim, "HEARTBEAT-ACK", dst=node)
    return sim


def ask(sim, client="client"):
    sim.apply({"type": "request", "node": client})
    deliver(sim, "REQUEST", src=client)


def role(sim, node):
    return sim.nodes[node].volatile.role


def decided(sim, node):
    return [(d["slot"], d["value"]) for d in sim.nodes[node].durable.decided]


def notes(sim, text):
    return [e for e in sim.trace if e["type"] == "note" and text in e["text"]]


def safe(sim):
    return all(check(sim, name)["ok"] for name in SAFETY)


# -- round one: the election ----------------------------------------------------------------

def test_a_majority_of_votes_makes_a_leader_for_the_epoch():
    sim = new()
    fire(sim, "n1", "election")
    assert role(sim, "n1") == "candidate"
    assert sim.nodes["n1"].durable.epoch == 1 and sim.nodes["n1"].durable.voted_for == "n1"
    votes = pending(sim, "VOTE-REQUEST")
    for msg in votes[:2]:
        sim.apply({"type": "deliver", "msg": msg["id"]})
    deliver(sim, "VOTE", dst="n1")
    assert role(sim, "n1") == "leader"   # itself, n2 and n3: three of five
    assert [sim.nodes[n].durable.voted_for for n in ("n2", "n3", "n4")] == ["n1", "n1", None]
    assert check(sim, "one leader per epoch")["leaders"] == {"1": ["n1"]}


def test_a_candidate_without_a_majority_does_not_lead():
    sim = new()
    fire(sim, "n1", "election")
    first = pending(sim, "VOTE-REQUEST")[0]
    sim.apply({"type": "deliver", "msg": first["id"]})
    deliver(sim, "VOTE", dst="n1")
    assert role(sim, "n1") == "candidate"   # two of five votes
    fire(sim, "n1", "election")             # no majority in time: campaign again, higher epoch
    assert sim.nodes["n1"].durable.epoch == 2 and role(sim, "n1") == "candidate"


def test_election_timeouts_are_drawn_from_the_seeded_rng_and_differ_between_nodes():
    sim = new()
    deadlines = [timer(sim, n, "election")["at"] for n in sim.node_ids("node")]
    assert all(400 <= at <= 700 for at in deadlines)
    assert len(set(deadlines)) > 1
    assert deadlines == [timer(new(), n, "election")["at"] for n in sim.node_ids("node")]


def test_a_node_grants_at_most_one_vote_per_epoch():
    sim = new(nodes=3)
    fire(sim, "n1", "election")
    fire(sim, "n2", "election")             # both campaign in epoch 1
    deliver(sim, "VOTE-REQUEST", src="n1", dst="n3")
    deliver(sim, "VOTE-REQUEST", src="n2", dst="n3")
    answers = {m["dst"]: m["payload"] for m in pending(sim, "VOTE", src="n3")}
    assert answers["n1"]["granted"] is True
    assert answers["n2"]["granted"] is False
    assert "n1's lease" in answers["n2"]["reason"] or "already voted" in answers["n2"]["reason"]


def test_a_restarted_node_remembers_its_vote_and_does_not_vote_twice():
    # The volatile-votes preset's schedule, on the correct protocol.
    sim = new(nodes=3)
    fire(sim, "n1", "election")
    fire(sim, "n2", "election")
    deliver(sim, "VOTE-REQUEST", src="n1", dst="n3")
    deliver(sim, "VOTE", dst="n1")
    assert role(sim, "n1") == "leader"
    sim.apply({"type": "crash", "node": "n3"})
    sim.apply({"type": "restart", "node": "n3"})
    assert sim.nodes["n3"].durable.epoch == 1 and sim.nodes["n3"].durable.voted_for == "n1"
    deliver(sim, "VOTE-REQUEST", src="n2", dst="n3")
    answer = pending(sim, "VOTE", src="n3", dst="n2")[0]["payload"]
    assert answer["granted"] is False and answer["reason"] == "already voted for n1 in epoch 1"
    deliver(sim, "VOTE", dst="n2")
    assert role(sim, "n2") == "candidate"
    assert check(sim, "one leader per epoch")["ok"]


def test_followers_do_not_vote_for_anyone_else_while_a_leaders_lease_runs():
    sim = elect(new(nodes=3), "n1")
    sim.apply({"type": "partition", "groups": [["n2"], ["n1", "n3", "storage", "client"]]})
    run_until(sim, lambda s: role(s, "n2") == "candidate")   # n1 keeps renewing with n3
    sim.apply({"type": "heal"})
    deliver(sim, "VOTE-REQUEST", src="n2", dst="n3")
    answer = pending(sim, "VOTE", src="n3")[0]["payload"]
    assert answer["granted"] is False and "n1's lease runs until" in answer["reason"]
    assert sim.nodes["n3"].durable.epoch == 1   # under a lease the request changes nothing


def test_a_leader_steps_down_when_it_hears_of_a_higher_epoch():
    sim = elect(new(nodes=3), "n1")
    sim.apply({"type": "partition", "groups": [["n1"], ["n2", "n3"]]})
    sim.run(200)                    # n2 or n3 times out and is elected on the majority side
    leaders = check(sim, "one leader per epoch")["leaders"]
    assert len(leaders) == 2 and role(sim, "n1") == "leader"
    sim.apply({"type": "heal"})
    sim.run(60)
    assert role(sim, "n1") == "follower" and sim.nodes["n1"].durable.epoch == 2
    assert notes(sim, "steps down: epoch 2 has begun")[0]["node"] == "n1"


# -- round two: proposals ---------------------------------------------------------------------

def test_a_value_is_decided_when_a_majority_accepts_it():
    sim = elect(new(), "n1")
    ask(sim)
    proposals = pending(sim, "PROPOSE")
    assert {m["dst"] for m in proposals} == {"n2", "n3", "n4", "n5"}
    sim.apply({"type": "deliver", "msg": proposals[0]["id"]})
    deliver(sim, "ACCEPTED")
    assert decided(sim, "n1") == []          # n1 and n2: two of five
    sim.apply({"type": "deliver", "msg": proposals[1]["id"]})
    deliver(sim, "ACCEPTED")
    assert decided(sim, "n1") == [(1, "v1")]  # three of five
    deliver(sim, "DECIDE")
    deliver(sim, "DONE")
    assert all(decided(sim, n) == [(1, "v1")] for n in sim.node_ids("node"))
    assert sim.history[0]["status"] == "ok" and sim.history[0]["result"] == "slot 1"


def test_the_client_runs_its_requests_to_completion_on_auto_play():
    sim = Simulation(ELECTION, "correct", {"requests": 4}, seed=3)
    sim.run(1500)
    assert [h["status"] for h in sim.history] == ["ok"] * 4
    logs = {tuple(decided(sim, n)) for n in sim.node_ids("node")}
    assert logs == {((1, "v1"), (2, "v2"), (3, "v3"), (4, "v4"))}
    assert sim.nodes["storage"].durable.file == "v4"
    termination = check(sim, "termination")
    assert not termination["warn"] and termination["detail"].startswith("4 slots decided")


def test_a_node_refuses_a_proposal_from_an_older_epoch():
    # The no-epochs preset's schedule, on the correct protocol: n1's proposal is cut off by a
    # partition while n2 is elected; after the heal it arrives in a stale epoch.
    sim = elect(new(nodes=3, clients=2), "n1")
    ask(sim)
    sim.apply({"type": "partition", "groups": [["n1", "client"], ["n2", "n3", "storage",
                                                                  "client2"]]})
    elect(sim, "n2")
    ask(sim, "client2")
    deliver(sim, "PROPOSE", src="n2")
    deliver(sim, "ACCEPTED", dst="n2")
    assert decided(sim, "n2") == [(1, "w1")]
    sim.apply({"type": "heal"})
    deliver(sim, "PROPOSE", src="n1", dst="n3")
    refused = pending(sim, "REFUSED", src="n3")[0]
    assert refused["payload"] == {"epoch": 2, "slot": 1}
    assert notes(sim, "refuses n1's proposal: epoch 1 < 2")
    assert sim.nodes["n3"].durable.accepted["1"] == {"epoch": 2, "value": "w1"}
    sim.apply({"type": "deliver", "msg": refused["id"]})
    assert role(sim, "n1") == "follower"
    sim.run(300)
    assert safe(sim) and all(decided(sim, n)[0] == (1, "w1") for n in ("n1", "n2", "n3"))


def test_a_new_leader_proposes_again_what_a_majority_accepted():
    sim = elect(new(nodes=3), "n1")
    ask(sim)
    deliver(sim, "PROPOSE")          # n2 and n3 accept v1 ...
    sim.apply({"type": "crash", "node": "n1"})   # ... but n1 crashes before it hears so
    elect(sim, "n2")
    assert pending(sim, "PROPOSE", src="n2")[0]["payload"] == {"epoch": 2, "slot": 1,
                                                               "value": "v1"}
    deliver(sim, "PROPOSE", src="n2")
    deliver(sim, "ACCEPTED", dst="n2")
    assert decided(sim, "n2") == [(1, "v1")]


def test_an_empty_slot_below_a_used_one_is_filled_with_a_no_op():
    sim = elect(new(nodes=3, clients=2), "n1")
    ask(sim)                                   # v1 for slot 1: its proposals are lost
    drop(sim, "PROPOSE", src="n1")
    sim.apply({"type": "request", "node": "client2"})
    deliver(sim, "REQUEST", src="client2", dst="n2")
    deliver(sim, "REDIRECT", dst="client2")   # n2 points client2 at n1
    deliver(sim, "REQUEST", src="client2", dst="n1")
    deliver(sim, "PROPOSE", src="n1")          # w1 for slot 2 reaches n2 and n3
    sim.apply({"type": "crash", "node": "n1"})
    elect(sim, "n3")
    proposed = {m["payload"]["slot"]: m["payload"]["value"] for m in pending(sim, "PROPOSE")}
    assert proposed == {1: "no-op", 2: "w1"}


def test_lost_proposals_are_sent_again_with_the_next_heartbeat():
    sim = elect(new(nodes=3), "n1")
    ask(sim)
    drop(sim, "PROPOSE")
    fire(sim, "n1", "renew")     # sent less than a heartbeat ago: it may still arrive
    assert pending(sim, "PROPOSE", src="n1") == []
    fire(sim, "n1", "renew")
    assert len(pending(sim, "PROPOSE", src="n1")) == 2
    sim.run(100)
    assert sim.history[0]["status"] == "ok"


def test_a_follower_that_missed_a_decision_learns_it_from_the_leader():
    sim = elect(new(nodes=3), "n1")
    ask(sim)
    deliver(sim, "PROPOSE")
    deliver(sim, "ACCEPTED")
    drop(sim, "DECIDE", dst="n3")
    assert decided(sim, "n3") == []
    fire(sim, "n1", "renew")
    deliver(sim, "HEARTBEAT")
    deliver(sim, "HEARTBEAT-ACK")
    deliver(sim, "DECIDE", dst="n3")
    assert decided(sim, "n3") == [(1, "v1")]


def test_the_client_follows_a_redirect_to_the_leader():
    sim = elect(new(nodes=3), "n2")
    ask(sim)                                   # the client starts with n1, a follower
    redirect = pending(sim, "REDIRECT")[0]
    assert redirect["payload"] == {"value": "v1", "leader": "n2"}
    sim.apply({"type": "deliver", "msg": redirect["id"]})
    assert pending(sim, "REQUEST")[0]["dst"] == "n2"


def test_duplicated_messages_do_no_harm():
    sim = elect(new(nodes=3), "n1")
    ask(sim)
    for msg in pending(sim, "PROPOSE"):
        sim.apply({"type": "duplicate", "msg": msg["id"]})
    sim.run(100)
    for msg in pending(sim, "DECIDE"):
        sim.apply({"type": "duplicate", "msg": msg["id"]})
    sim.run(100)
    assert all(decided(sim, n) == [(1, "v1")] for n in ("n1", "n2", "n3")) and safe(sim)


# -- leases, pauses and fencing ------------------------------------------------------------

def test_a_paused_leader_comes_back_believing_it_still_leads():
    sim = elect(new(nodes=3), "n1")
    sim.apply({"type": "pause", "node": "n1"})
    sim.run(150)
    assert role(sim, "n2") == "leader" or role(sim, "n3") == "leader"
    sim.apply({"type": "resume", "node": "n1"})
    assert role(sim, "n1") == "leader" and sim.nodes["n1"].durable.epoch == 1
    assert not sim.nodes["n1"].lease_valid()
    assert "lease lapsed" in sim.nodes["n1"].summary()


def test_a_leader_whose_lease_has_lapsed_redirects_clients_instead_of_proposing():
    sim = elect(new(nodes=3), "n1")
    sim.apply({"type": "partition", "groups": [["n1", "client"], ["n2", "n3", "storage"]]})
    fire(sim, "n1", "renew")
    fire(sim, "n1", "renew")
    fire(sim, "n1", "renew")      # no acknowledgements: the lease runs out
    ask(sim)
    assert pending(sim, "PROPOSE") == []
    assert pending(sim, "REDIRECT")[0]["payload"]["leader"] is None


def test_the_storage_refuses_a_write_with_a_stale_fencing_token():
    sim = new(nodes=3)
    storage = sim.nodes["storage"]
    storage.on_write("n2", token=2, slot=2, value="w1")
    storage.on_write("n1", token=1, slot=1, value="v1")
    assert storage.durable.file == "w1" and storage.durable.token == 2
    assert [w["ok"] for w in storage.durable.writes] == [True, False]
    assert pending(sim, "FENCED")[0]["payload"] == {"token": 2, "slot": 1}


def test_only_a_majority_up_can_decide_and_termination_says_why():
    sim = elect(Simulation(ELECTION, "correct", {"requests": 2}, seed=1), "n1")
    for node in ("n3", "n4", "n5"):
        sim.apply({"type": "crash", "node": node})
    sim.run(400)
    assert all(decided(sim, n) == [] for n in sim.node_ids("node"))
    termination = check(sim, "termination")
    assert termination["ok"] and termination["warn"]
    assert "only 2 of 5 nodes are up and can reach each other" in termination["detail"]
    assert "a majority of 3 is needed" in termination["detail"]
    assert "client waiting" in termination["detail"]
    sim.apply({"type": "restart", "node": "n3"})
    sim.run(400)
    assert sim.history[0]["status"] == "ok" and not check(sim, "termination")["warn"]


def test_a_minority_side_of_a_partition_decides_nothing():
    sim = elect(new(), "n1")
    sim.apply({"type": "partition", "groups": [["n1", "n2", "client"],
                                               ["n3", "n4", "n5", "storage"]]})
    ask(sim)                       # the client reaches only the minority side
    sim.run(300)
    assert all(decided(sim, n) == [] for n in ("n1", "n2"))
    assert check(sim, "termination")["warn"]
    assert "undecided: slot 1" in check(sim, "termination")["detail"]


# -- the request action and configuration ------------------------------------------------

def test_request_is_enabled_only_for_an_idle_client_that_is_up():
    sim = new(clients=2)
    assert {"type": "request", "node": "client2"} in sim.enabled()
    sim.apply({"type": "request", "node": "client"})
    with pytest.raises(InvalidAction, match="request is enabled only on a client"):
        sim.apply({"type": "request", "node": "client"})
    with pytest.raises(InvalidAction):
        sim.apply({"type": "request", "node": "n1"})
    with pytest.raises(InvalidAction, match="unexpected field"):
        sim.apply({"type": "request", "node": "client2", "value": "x"})
    sim.apply({"type": "crash", "node": "client2"})
    assert {"type": "request", "node": "client2"} not in sim.enabled()


def test_nodes_are_configurable_from_three_to_seven_and_can_be_named():
    assert len(new(nodes=7).node_ids("node")) == 7
    for n in (2, 8):
        with pytest.raises(ConfigError, match="nodes"):
            new(nodes=n)
    sim = new(nodes=3, labels=["App1", "App2", "App3"])
    assert [v["label"] for v in sim.snapshot()["nodes"]][:3] == ["App1", "App2", "App3"]


def test_a_lease_must_outlast_a_heartbeat_and_end_before_anyone_campaigns():
    with pytest.raises(ConfigError, match="heartbeat < lease <= election_timeout"):
        new(lease=50)
    with pytest.raises(ConfigError, match="heartbeat < lease <= election_timeout"):
        new(lease=500)


def test_same_inputs_give_the_same_trace_under_faults():
    config = {"requests": 4, "fault_drop": 0.1, "fault_pause": 0.05, "fault_partition": 0.05,
              "fault_crash": 0.05}
    a = Simulation(ELECTION, "correct", config, seed=11)
    a.run(600)
    b = replay(registry.get("election"), "correct", config, 11, a.actions)
    assert b.trace_hash == a.trace_hash and b.snapshot() == a.snapshot()


# -- presets ------------------------------------------------------------------------------

def _preset(name):
    preset = ELECTION.presets[name]
    return replay(ELECTION, preset["variant"], preset["config"], preset["seed"],
                  preset["actions"])


def test_preset_stale_leader_is_fenced_by_the_storage_and_refused_by_followers():
    preset = ELECTION.presets["stale-leader"]
    sim = Simulation(ELECTION, preset["variant"], preset["config"], preset["seed"])
    for step, action in enumerate(preset["actions"], start=1):
        sim.apply(action)
        if step == 22:
            assert sim.status["n1"] == "paused" and role(sim, "n1") == "leader"
            assert timer(sim, "n1", "apply") is not None   # lease checked, write not yet sent
        if step == 31:
            assert role(sim, "n2") == "leader" and sim.nodes["n2"].durable.epoch == 2
        if step == 47:   # back from the pause, n1 still believes it leads epoch 1
            assert role(sim, "n1") == "leader" and sim.nodes["n1"].durable.epoch == 1
    storage = sim.nodes["storage"].durable
    assert storage.file == "w1" and storage.token == 2
    assert storage.writes[-1] == {"from": "n1", "token": 1, "slot": 1, "value": "v1",
                                  "ok": False, "at": storage.writes[-1]["at"]}
    assert notes(sim, "refuses n1's heartbeat: epoch 1 < 2")
    assert role(sim, "n1") == "follower" and sim.nodes["n1"].durable.epoch == 2
    assert check(sim, "one leader per epoch")["leaders"] == {"1": ["n1"], "2": ["n2"]}
    assert all(c["ok"] for c in sim.checks)


def test_preset_lease_failover_promotes_app2_after_app1s_lease_runs_out():
    sim = _preset("lease-failover")
    assert sim.status["n1"] == "crashed"
    assert role(sim, "n2") == "leader" and sim.nodes["n2"].label == "App2"
    renewed = [e for e in sim.trace if e["type"] == "deliver" and e["kind"] == "HEARTBEAT-ACK"]
    assert len(renewed) >= 6    # App1 renewed its lease (three rounds)
    crash = next(e for e in sim.trace if e["type"] == "crash")
    promoted = notes(sim, "leader of epoch 2")[0]
    assert promoted["t"] - crash["t"] >= 10000   # not while App1's 10 s lease could still run
    assert all(c["ok"] for c in sim.checks)


def test_preset_no_epochs_split_brain_breaks_uniform_agreement():
    sim = _preset("no-epochs-split-brain")
    agreement = check(sim, "uniform agreement")
    assert not agreement["ok"] and agreement["detail"].startswith("slot 1 decided differently")
    assert agreement["events"]
    assert check(sim, "integrity")["detail"] == "n2 decided slot 1 twice: w1, then v1"
    assert role(sim, "n1") == "leader" and role(sim, "n2") == "leader"


def test_preset_no_quorum_split_brain_decides_two_values_for_one_slot():
    sim = _preset("no-quorum-split-brain")
    assert decided(sim, "n1") == [(1, "v1")] and decided(sim, "n2") == [(1, "w1")]
    assert not check(sim, "uniform agreement")["ok"]


def test_preset_volatile_votes_double_vote_makes_two_leaders_in_one_epoch():
    sim = _preset("volatile-votes-double-vote")
    one = check(sim, "one leader per epoch")
    assert not one["ok"] and one["detail"] == "epoch 1 has two leaders: n1 and n2"
    assert any(e["type"] == "check" and e["name"] == "one leader per epoch" for e in sim.trace)


def test_every_preset_replays_and_its_narration_points_at_a_step_of_its_run():
    for name, preset in ELECTION.presets.items():
        sim = _preset(name)
        assert set(preset) >= {"title", "summary", "variant", "config", "seed", "actions",
                               "narration"}, name
        assert all(1 <= int(k) <= sim.step for k in preset["narration"]), name



def _story(name):
    """Each step of a preset's run: the simulation after it, and the remark shown there."""
    preset = ELECTION.presets[name]
    sim = Simulation(ELECTION, preset["variant"], preset["config"], preset["seed"])
    for action in preset["actions"]:
        sim.apply(action)
        yield sim, preset["narration"].get(str(sim.step), "")


def _this_step(sim):
    return [e for e in sim.trace if e["step"] == sim.step]


def _nothing_decided_and_no_leader(sim):
    up = [n for n in sim.node_ids("node") if sim.status[n] == "up"]
    assert all(decided(sim, n) == [] for n in sim.node_ids("node")), sim.step
    assert all(role(sim, n) != "leader" for n in up), sim.step
    assert check(sim, "one leader per epoch")["leaders"] == {}, sim.step


def test_with_only_a_minority_up_nothing_is_decided():
    for sim, remark in _story("minority-up"):
        _nothing_decided_and_no_leader(sim)
    assert [sim.status[n] for n in ("n3", "n4", "n5")] == ["crashed"] * 3
    assert sim.nodes["n2"].durable.epoch == 3   # n1 campaigned twice, then n2: three epochs
    assert role(sim, "n2") == "candidate" and len(sim.nodes["n2"].volatile.votes) == 2
    termination = check(sim, "termination")
    assert termination["ok"] and termination["warn"]
    assert "only 2 of 5 nodes are up and can reach each other" in termination["detail"]
    assert "client waiting" in termination["detail"]
    # Auto-play on, the crashed nodes still down: n1 and n2 campaign on, and on.
    for _ in range(300):
        assert sim.auto_step() is not None
        _nothing_decided_and_no_leader(sim)
    assert [sim.status[n] for n in ("n3", "n4", "n5")] == ["crashed"] * 3
    assert max(sim.nodes[n].durable.epoch for n in ("n1", "n2")) > 10
    assert sim.history[0]["status"] == "pending" and check(sim, "termination")["warn"]


def test_stale_leader_story_tells_of_each_round_at_the_step_it_happens():
    for sim, remark in _story("stale-leader"):
        events = _this_step(sim)
        if "promises it a lease" in remark:   # every follower has had n1's heartbeat
            heard = {e["dst"] for e in sim.trace if e["type"] == "deliver"
                     and e["kind"] == "HEARTBEAT" and e["src"] == "n1"}
            assert heard == {"n2", "n3", "n4"}
        if "proposes" in remark:
            assert any(e["type"] == "send" and e["kind"] == "PROPOSE" for e in events)
        if "followers accept" in remark:
            assert all("1" in sim.nodes[n].durable.accepted for n in ("n2", "n3", "n4"))
        if "decided" in remark:
            assert any(e["type"] == "note" and e["data"].get("decided") for e in events)


def test_lease_failover_story_says_renewed_when_a_majority_has_acknowledged():
    said = 0
    for sim, remark in _story("lease-failover"):
        if "renew" in remark.lower():
            said += 1
            renewed = [e for e in _this_step(sim) if e["type"] == "note"
                       and "lease_until" in e["data"] and "leader_of" not in e["data"]]
            assert renewed and renewed[0]["node"] == "n1"
    assert said == 2


def test_no_epochs_story_says_integrity_breaks_at_the_step_it_breaks():
    for sim, remark in _story("no-epochs-split-brain"):
        broke = any(e["type"] == "check" and e["name"] == "integrity" and not e["ok"]
                    for e in _this_step(sim))
        assert ("integrity is broken" in remark) == broke, sim.step
        if remark == "So does n3.":
            assert decided(sim, "n3") == [(1, "w1"), (1, "v1")]


def test_messages_read_by_epoch_slot_and_value_and_notes_carry_their_tone():
    sim = _preset("stale-leader")
    labels = {e["label"]: e["tone"] for e in sim.trace if e["type"] == "send"}
    for label, tone in [("VOTE-REQUEST e1", "info"), ("VOTE e1 yes", "ok"),
                        ("HEARTBEAT e1", "info"), ("HEARTBEAT-ACK e1", "info"),
                        ("HEARTBEAT-ACK e2 refused", "warning"), ("REQUEST v1", "info"),
                        ("PROPOSE e1 #1=v1", "info"), ("ACCEPTED e1 #1", "info"),
                        ("DECIDE #1=v1", "ok"), ("DONE #2=w1", "ok"),
                        ("WRITE #1=v1 token 1", "info"), ("FENCED #1 token 2", "warning")]:
        assert labels.get(label) == tone, label
    tones = {e["text"]: e.get("tone", "info") for e in sim.trace if e["type"] == "note"}
    assert tones["leader of epoch 2"] == "ok" and tones["steps down: epoch 2 has begun"] == \
        "warning"
    assert tones["refuses n1's write of v1: token 1 < 2"] == "warning"
    redirects = [e["label"] for e in _preset("minority-up").trace
                 if e["type"] == "send" and e["kind"] == "REDIRECT"]
    assert redirects[0] == "REDIRECT v1, no leader"
    again = [e for e in _preset("no-epochs-split-brain").trace if e["type"] == "note"
             and "decided again" in e["text"]]
    assert again and all(e["tone"] == "violation" for e in again)

# -- each unsafe variant breaks under its default faults ---------------------------------------

def broken_seeds(variant, check_names, wanted=3, seeds=40, steps=2000):
    """Seeds on which the variant's default config (Protocol.defaults) breaks one of the
    named checks; stops once `wanted` are found."""
    found = []
    for seed in range(seeds):
        sim = Simulation(ELECTION, variant, None, seed)
        for _ in range(steps):
            if sim.auto_step() is None:
                break
            if any(not check(sim, name)["ok"] for name in check_names):
                found.append(seed)
                break
        if len(found) == wanted:
            break
    return found


def test_no_epochs_variant_defaults_break_agreement_on_some_seeds():
    assert len(broken_seeds("no-epochs", ["uniform agreement"])) == 3


def test_no_quorum_variant_defaults_break_safety_on_some_seeds():
    assert len(broken_seeds("no-quorum", ["uniform agreement"])) == 3
    assert len(broken_seeds("no-quorum", ["one leader per epoch"])) == 3


def test_volatile_votes_variant_defaults_elect_two_leaders_in_an_epoch_on_some_seeds():
    assert len(broken_seeds("volatile-votes", ["one leader per epoch"])) == 3


def test_variant_defaults_carry_the_faults_that_break_them():
    assert ELECTION.defaults("no-epochs")["fault_pause"] > 0
    assert ELECTION.defaults("no-quorum")["fault_partition"] > 0
    assert ELECTION.defaults("volatile-votes")["fault_crash"] > 0
    assert all(ELECTION.defaults("correct")[k] == 0 for k in
               ("fault_drop", "fault_pause", "fault_partition", "fault_crash"))


# -- property: the correct protocol stays safe whatever the faults -------------------------

FAULTS = {"requests": 6, "clients": 2, "fault_drop": 0.1, "fault_duplicate": 0.05,
          "fault_crash": 0.03, "fault_pause": 0.03, "fault_partition": 0.03,
          "fault_downtime": [100, 1500]}


@pytest.mark.parametrize("seed", range(60))
def test_correct_election_never_violates_safety_under_drops_pauses_crashes_and_partitions(seed):
    config = dict(FAULTS, nodes=3 if seed % 2 else 5)
    sim = Simulation(ELECTION, "correct", config, seed)
    for _ in range(1200):
        if sim.auto_step() is None:
            break
        assert safe(sim), [c for c in sim.checks if not c["ok"]]
