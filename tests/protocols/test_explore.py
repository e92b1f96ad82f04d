"""The counterexample search (protocols/search/explore.py), its share links (scenario_link.py), the
kernel's search mode it relies on (fork, StreamRandom, RecentEvents) and `explore` on the CLI."""

import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from protocols import registry
from protocols.links import share as scenario_link
from protocols.search.explore import ExploreError, explore, minimise, settings
from protocols.kernel import ConfigError, InvalidAction, Simulation, replay
from protocols.kernel.rngstream import StreamRandom
from protocols.kernel.simulation import RecentEvents

ROOT = Path(__file__).resolve().parents[2]
ATOMICITY = "atomicity"


def _violated(sim, name):
    return any(c["name"] == name and not c["ok"] for c in sim.checks)


def _open_link(link):
    path, token = link.split("?s=")
    scenario = scenario_link.decode(token)
    assert path == f"/play/{scenario['protocol']}/"
    sim = replay(registry.get(scenario["protocol"]), scenario["variant"], scenario["config"],
                 scenario["seed"], scenario["actions"][:scenario["cursor"]])
    return scenario, sim


# -- the kernel's search mode -----------------------------------------------------------------

def test_a_stream_random_draws_exactly_what_the_seeded_rng_draws():
    for seed in range(10):
        original = random.Random(seed)
        original.random()
        stream = StreamRandom(original)
        twin = stream.fork()
        draws = [[(rng.randint(10, 40), rng.random(), rng.choice("abcde"), rng.getrandbits(70),
                   rng.sample(range(50), 3), rng.uniform(1, 2)) for _ in range(40)]
                 for rng in (original, stream, twin)]
        assert draws[0] == draws[1] == draws[2]


def test_recent_events_count_every_event_but_keep_only_the_latest():
    trace = RecentEvents(dropped=5)
    trace.append("a")
    trace.append("b")
    assert len(trace) == 7 and list(trace) == ["a", "b"]
    assert trace[5] == "a" and trace[-1] == "b" and trace[6:] == ["b"] and trace[2:] == ["a", "b"]
    with pytest.raises(IndexError):
        trace[1]


def _search_walk_cases():
    cases = []
    for proto in registry.all_protocols():
        for variant in proto.variants:
            cases.append((proto.name, variant))
    return cases


@pytest.mark.parametrize("name,variant", _search_walk_cases())
def test_a_fork_changes_nothing_it_shares_and_steps_like_the_ordinary_kernel(name, variant):
    """Forks share node state, messages, timers and history records with their parent; every
    enabled action applied to a fork must leave the parent as it was and give the state the
    ordinary kernel gives."""
    proto = registry.get(name)
    rng = random.Random(f"{name}:{variant}")
    config = settings(proto, variant)["config"]
    sim = Simulation(proto, variant, config, 3)
    sim.enter_search(freeze_clock=False)
    plain = Simulation(proto, variant, config, 3)
    for _ in range(25):
        actions = sim.enabled()
        if not actions:
            break
        before = json.dumps(sim.snapshot(), sort_keys=True)
        for action in rng.sample(actions, min(6, len(actions))):
            child = sim.fork(sim.touches(action))
            child.apply(action)
            assert json.dumps(sim.snapshot(), sort_keys=True) == before, action
        action = rng.choice(actions)
        sim = sim.fork(sim.touches(action))
        sim.apply(action)
        plain.apply(action)
        ours, theirs = sim.snapshot(), plain.snapshot()
        for snap in (ours, theirs):
            snap.pop("trace_hash")
            # A view may fold the trace (protocols.kernel.panels.fold_trace), which search
            # mode does not keep; the search never shows one.
            snap.pop("view", None)
            snap["checks"] = [(c["name"], c["ok"], c["detail"]) for c in snap["checks"]]
        assert ours == theirs, action


def test_search_mode_leaves_ordinary_runs_and_their_trace_hashes_alone():
    proto = registry.get("twopc")
    a = Simulation(proto, "correct", {}, 7)
    a.run(200)
    b = Simulation(proto, "correct", {}, 7)
    b.clone().enter_search()
    b.fork(None).enter_search(freeze_clock=True)
    b.run(200)
    assert a.trace_hash == b.trace_hash and not b.searching


# -- finding the known failures -----------------------------------------------------------------

@pytest.fixture(scope="module")
def heuristic():
    """The search over 2PC's heuristic variant with the default bounds (a few seconds)."""
    return explore("twopc", "heuristic")


def test_heuristic_2pc_the_search_finds_atomicity_broken_by_a_heuristic_abort(heuristic):
    result = heuristic
    violation = result["violation"]
    assert result["stopped"] == "violation"
    assert violation["check"] == ATOMICITY
    assert "heuristic decision" in violation["detail"]
    # One transaction with two participants: begin, 11 deliveries up to the votes, and one
    # participant's heuristic timer firing before the decision reaches it.
    assert violation["depth"] == 13
    fired = [a for a in violation["trace"] if a["type"] == "fire"]
    assert len(fired) == 2  # the client's first transaction, then the heuristic timeout
    sim = replay(registry.get("twopc"), "heuristic", result["config"], 0, violation["trace"])
    assert _violated(sim, ATOMICITY)
    assert sim.trace_hash == violation["trace_hash"]


def test_heuristic_2pc_with_three_participants_is_found_at_the_bound_it_needs():
    # Deeper (17 actions): begin, BEGIN/BEGUN, 3 writes, 3 acks, the commit request,
    # 3 PREPAREs, a heuristic abort and the 3 votes. Start halfway, after the writes, so the
    # test stays quick: the search continues from a scenario's state.
    proto = registry.get("twopc")
    sim = Simulation(proto, "heuristic", {"participants": 3, "transactions": 1,
                                          "fault_drop": 0.0, "fault_crash": 0.0}, 0)
    prefix = []
    while len(sim.history) == 0 or sim.nodes["client"].volatile.phase != "committing":
        action, _ = sim.auto_step()
        prefix.append(action)
    result = explore("twopc", "heuristic", config={"participants": 3}, prefix=prefix)
    violation = result["violation"]
    assert violation["check"] == ATOMICITY
    assert violation["trace"][:len(prefix)] == prefix
    assert len(prefix) == 9 and violation["depth"] == 8
    assert _violated(replay(registry.get("twopc"), "heuristic", result["config"], 0, violation["trace"]),
                     ATOMICITY)


def test_correct_2pc_keeps_its_checks_within_the_bounds():
    result = explore("twopc", "correct", max_states=15_000)
    assert result["violation"] is None
    assert result["stopped"] == "max-states" and result["distinct"] == 15_000
    assert result["depth"] >= 10
    assert "every schedule of up to" in result["covered"]


def test_correct_2pc_with_a_crash_and_a_duplicate_allowed_is_clean_to_depth_ten():
    result = explore("twopc", "correct", depth=10, max_states=100_000,
                     budgets={"crashes": 1, "duplicates": 1, "drops": 1})
    assert result["violation"] is None and result["stopped"] == "depth"
    assert result["depth"] == 10


def test_the_link_opens_the_scenario_at_the_violating_step(heuristic):
    violation = heuristic["violation"]
    scenario, sim = _open_link(violation["link"])
    assert scenario["cursor"] == len(violation["trace"]) == violation["cursor"]
    assert scenario["variant"] == "heuristic" and scenario["actions"] == violation["trace"]
    assert _violated(sim, ATOMICITY)
    # One step earlier the check still holds: the link opens *at* the violation.
    assert not _violated(replay(registry.get("twopc"), "heuristic", scenario["config"], 0,
                                violation["trace"][:-1]), ATOMICITY)


def test_the_minimised_trace_still_violates_when_replayed_and_drops_what_is_not_needed(
        heuristic):
    found = heuristic["violation"]["trace"]
    setup = settings("twopc", "heuristic")
    setup["seed"] = 0
    # Pad the schedule with actions the violation does not need: p2 crashing and restarting
    # before anything happens, and pausing and resuming in the middle.
    padded = ([{"type": "crash", "node": "p2"}, {"type": "restart", "node": "p2"}]
              + found[:11] + [{"type": "pause", "node": "p2"}, {"type": "resume", "node": "p2"}]
              + found[11:])
    sim = replay(registry.get("twopc"), "heuristic", setup["config"], 0, padded)
    assert _violated(sim, ATOMICITY)
    shorter = minimise(setup, [], padded, ATOMICITY)
    assert len(shorter) < len(padded)
    assert not any(a["type"] in ("crash", "restart", "pause", "resume") for a in shorter)
    assert _violated(replay(registry.get("twopc"), "heuristic", setup["config"], 0, shorter), ATOMICITY)


def test_a_crash_budget_adds_crash_and_recovery_schedules_and_correct_2pc_survives_them():
    # Correct 2PC stays safe when a node crashes and recovers from its log: the search
    # tries every such schedule to depth 9 and finds nothing wrong.
    result = explore("twopc", "correct", depth=9, budgets={"crashes": 1})
    assert result["violation"] is None and result["stopped"] == "depth"
    no_crash = explore("twopc", "correct", depth=9, budgets={"crashes": 0})
    assert no_crash["distinct"] < result["distinct"]


# -- state hashing ----------------------------------------------------------------------------------

def test_two_orders_of_the_same_deliveries_count_as_one_state():
    """WRITE to p1 then p2, or p2 then p1: different message ids for the replies, one state."""
    from protocols.search.explore import _Keys, _State

    proto = registry.get("twopc")
    base = Simulation(proto, "correct", {"participants": 2, "transactions": 1}, 0)
    for _ in range(3):
        base.auto_step()  # begin, BEGIN, BEGUN: the two WRITEs are in flight
    writes = [m["id"] for m in base.messages.values() if m["kind"] == "WRITE"]
    assert len(writes) == 2
    keys = _Keys(timed=False, check_state=None)
    digests, reply_ids = [], []
    for order in (writes, writes[::-1]):
        sim = base.clone()
        sim.enter_search(freeze_clock=True)
        for msg in order:
            sim.apply({"type": "deliver", "msg": msg})
        digests.append(_State.root(keys, sim).digest(keys))
        reply_ids.append({m["src"]: m["id"] for m in sim.messages.values()
                          if m["kind"] == "WRITTEN"})
    assert reply_ids[0] != reply_ids[1]      # the replies have different ids...
    assert digests[0] == digests[1]          # ...and it is one state


def test_with_the_clock_running_time_tells_states_apart():
    from protocols.search.explore import _Keys, _State

    proto = registry.get("twopc")
    sim = Simulation(proto, "correct", {"transactions": 1}, 0)
    later = sim.clone()
    later.now += 100
    for timed, same in ((False, True), (True, False)):
        keys = _Keys(timed=timed, check_state=None)
        assert (_State.root(keys, sim).digest(keys) == _State.root(keys, later).digest(keys)) \
            is same


def test_a_state_reached_again_with_more_budget_left_is_explored_again():
    from protocols.search.explore import _Seen

    seen = _Seen()
    assert seen.add(1, (0, 1, 0))
    assert not seen.add(1, (0, 1, 0))
    assert not seen.add(1, (1, 1, 0))        # more spent: nothing new can follow
    assert seen.add(1, (0, 0, 0))            # less spent: more can follow
    assert seen.add(1, (1, 0, 1)) is False   # dominated by (0, 0, 0)
    assert seen.count == 2


# -- progress and cancelling --------------------------------------------------------------------------

def test_progress_reports_states_depth_rate_and_time_left():
    reports = []
    explore("twopc", "correct", max_states=3000, progress=reports.append,
            progress_interval=0.0)
    assert reports
    last = reports[-1]
    for key in ("states", "distinct", "depth", "frontier", "seconds", "rate", "eta",
                "max_states", "max_depth", "max_seconds"):
        assert key in last
    assert [r["states"] for r in reports] == sorted(r["states"] for r in reports)


def test_cancelling_stops_the_work():
    cancel = threading.Event()
    reports = []

    def progress(report):
        reports.append(report)
        if report["states"] > 500:
            cancel.set()

    result = explore("twopc", "correct", config={"participants": 3}, max_states=10**6,
                     seconds=120, progress=progress, cancel=cancel, progress_interval=0.0)
    assert result["stopped"] == "cancelled" and result["violation"] is None
    assert result["states"] < 5000
    assert "cancelling" in result["covered"]


def test_cancelling_from_another_thread_ends_a_running_search_promptly():
    cancel = threading.Event()
    out = {}
    worker = threading.Thread(target=lambda: out.update(explore(
        "twopc", "correct", config={"participants": 3}, max_states=10**6, seconds=120,
        cancel=cancel, pause_gc=False)))
    worker.start()
    time.sleep(0.3)
    cancel.set()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert out["stopped"] == "cancelled"


def test_a_search_that_exceeds_its_time_budget_stops_and_says_what_it_covered():
    result = explore("twopc", "correct", config={"participants": 3}, max_states=10**6,
                     seconds=0.3)
    assert result["stopped"] == "time" and result["violation"] is None
    assert "time budget" in result["covered"]


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,error,words", [
    ({"variant": "nope"}, ExploreError, "unknown variant"),
    ({"checks": ["no such check"]}, ExploreError, "unknown check"),
    ({"budgets": {"floods": 1}}, ExploreError, "unknown budget"),
    ({"budgets": {"crashes": -1}}, ExploreError, "crashes"),
    ({"actions": ["teleport"]}, ExploreError, "unknown protocol action"),
    ({"depth": -1}, ExploreError, "depth"),
    ({"max_states": 0}, ExploreError, "max_states"),
    ({"seconds": 0}, ExploreError, "seconds"),
    ({"config": {"participants": 99}}, ConfigError, "participants"),
    ({"prefix": [{"type": "deliver", "msg": 42}]}, InvalidAction, "prefix action 1"),
])
def test_bad_input_is_refused_with_a_reason(kwargs, error, words):
    with pytest.raises(error) as info:
        explore("twopc", **kwargs)
    assert words in str(info.value)


# -- share links ----------------------------------------------------------------------------------

def test_a_share_link_round_trips_the_whole_scenario():
    actions = [{"type": "deliver", "msg": i} for i in range(1, 200)]
    scenario = scenario_link.scenario("twopc", "heuristic", {"participants": 2}, 7, actions, 150)
    token = scenario_link.encode(scenario)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(token) < 5 * len(actions)  # compact: the repeated keys compress away
    assert scenario_link.decode(token) == scenario
    assert scenario_link.encode(scenario_link.decode(token)) == token  # canonical
    assert scenario_link.share_path(scenario) == f"/play/twopc/?s={token}"


def _token_of(value):
    import base64
    import zlib

    text = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(zlib.compress(text)).rstrip(b"=").decode()


GOOD = {"v": 1, "protocol": "twopc", "variant": "correct", "config": {}, "seed": 0,
        "actions": [], "cursor": 0}


@pytest.mark.parametrize("token,words", [
    ("", "no scenario"),
    ("abc$def", "characters"),
    ("A" * 20_000, "too long"),
    ("abcde", "truncated"),
    (_token_of(GOOD)[:-6], "truncated"),
    ("AAAA" * 10, "damaged"),
    (_token_of(b"not json at all"), "not valid JSON"),
    (_token_of(b"\xff\xfe"), "not valid JSON"),
    (_token_of([1, 2]), "JSON object"),
    (_token_of(dict(GOOD, v=2)), "unsupported link version"),
    (_token_of(dict(GOOD, extra=1)), "unknown field"),
    (_token_of(dict(GOOD, seed=-1)), "seed"),
    (_token_of(dict(GOOD, seed=True)), "seed"),
    (_token_of(dict(GOOD, actions={"a": 1})), "actions"),
    (_token_of(dict(GOOD, cursor=3)), "cursor"),
    (_token_of(dict(GOOD, protocol="<script>")), "protocol"),
    (_token_of(dict(GOOD, config=[])), "config"),
    (_token_of(b"{" + b" " * 2_000_000 + b"}"), "too large"),
])
def test_a_tampered_link_gets_a_clear_error(token, words):
    with pytest.raises(scenario_link.LinkError) as info:
        scenario_link.decode(token)
    assert words in info.value.message


def test_a_scenario_too_large_for_a_link_is_refused_when_encoding():
    rng = random.Random(1)
    actions = [{"type": "partition", "groups": [[f"n{rng.randrange(10**9)}"]]}
               for _ in range(5000)]
    with pytest.raises(scenario_link.LinkError) as info:
        scenario_link.encode(scenario_link.scenario("twopc", "correct", {}, 0, actions))
    assert "too large" in info.value.message


# -- the command line -----------------------------------------------------------------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "protocols", "explore", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_explore_finds_the_heuristic_failure_exits_1_and_prints_the_contract_fields():
    run = _cli("twopc", "--variant", "heuristic", "--json")
    assert run.returncode == 1, run.stderr
    out = json.loads(run.stdout)
    for key in ("states", "distinct", "seconds", "violation"):
        assert key in out
    assert out["violation"]["check"] == ATOMICITY
    assert out["violation"]["link"].startswith("/play/twopc/?s=")
    assert _violated(_open_link(out["violation"]["link"])[1], ATOMICITY)


def test_cli_explore_finds_the_failure_detector_suspecting_a_live_node_from_the_start():
    run = _cli("failure_detector", "--variant", "aggressive-timeout", "--json")
    assert run.returncode == 1, run.stderr
    out = json.loads(run.stdout)
    assert out["violation"]["check"] == "accuracy" and out["prefix"] == []
    assert out["states"] < 10_000          # within the default budget, by far
    assert any(a["type"] == "drop" for a in out["violation"]["shortest"])
    assert _violated(_open_link(out["violation"]["link"])[1], "accuracy")


def test_cli_explore_exits_0_when_nothing_breaks_within_the_bounds():
    run = _cli("twopc", "--max-states", "2000")
    assert run.returncode == 0, run.stderr
    assert "no violation" in run.stdout and "state budget" in run.stdout
    run = _cli("twopc", "--depth", "5", "--json")
    assert run.returncode == 0 and json.loads(run.stdout)["violation"] is None


@pytest.mark.parametrize("args,words", [
    (["nope"], "unknown protocol"),
    (["twopc", "--config", "{bad"], "--config"),
    (["twopc", "--variant", "nope"], "unknown variant"),
    (["twopc", "--depth", "-3"], "depth"),
    (["twopc", "--budgets", "{\"crashes\": 99}"], "crashes"),
    (["twopc", "--check", "nope"], "unknown check"),
    (["twopc", "--depth", "many"], "invalid int"),
])
def test_cli_explore_bad_input_exits_2_with_a_one_line_reason(args, words):
    run = _cli(*args)
    assert run.returncode == 2
    assert words in run.stderr and run.stderr.count("\n") == 1


# -- the other protocols' unsafe variants ------------------------------------------------------------

@pytest.mark.parametrize("variant,check", [
    ("no-epochs", "uniform agreement"),      # a partition: an old leader's proposal decided
    ("no-quorum", "one leader per epoch"),   # a leader counting itself as enough
    ("volatile-votes", "one leader per epoch"),  # a restart forgets the vote
])
def test_election_unsafe_variants_are_found_with_the_expected_check(variant, check):
    result = explore("election", variant, checks=[check])
    violation = result["violation"]
    assert violation is not None, result["covered"]
    assert violation["check"] == check
    sim = replay(registry.get("election"), variant, result["config"], 0, violation["trace"])
    assert _violated(sim, check)
    if variant == "no-epochs":
        # Found in time order with a partition; minimised, the messages it held back are
        # simply never delivered, and the partition can go.
        assert any(a["type"] == "partition" for a in violation["shortest"])
        assert len(violation["trace"]) < len(violation["shortest"])
    if variant == "volatile-votes":
        assert [a["type"] for a in violation["trace"]].count("restart") == 1


def test_tob_lamport_early_gives_one_name_to_two_users():
    check = "each username belongs to at most one user"
    result = explore("tob", "lamport-early", checks=[check])
    violation = result["violation"]
    assert violation["check"] == check and "was given to" in violation["detail"]
    assert _violated(replay(registry.get("tob"), "lamport-early", result["config"], 0, violation["trace"]),
                     check)


@pytest.mark.parametrize("name", ["election", "tob", "replication"])
def test_correct_protocols_are_clean_within_small_bounds(name):
    result = explore(name, "correct", max_states=5000)
    assert result["violation"] is None and result["stopped"] == "max-states"


@pytest.mark.parametrize("variant,config,check", [
    ("leaderless", {"w": 1, "r": 1}, "linearizable"),   # W + R <= N: a read misses a write
    ("follower-reads", {}, "linearizable"),              # an asynchronous follower lags
    ("multi-leader", {}, "no lost updates"),             # last writer wins
])
def test_replication_unsafe_configurations_are_found_with_the_expected_check(variant, config,
                                                                             check):
    result = explore("replication", variant, config=config, checks=[check])
    violation = result["violation"]
    assert violation is not None, result["covered"]
    assert violation["check"] == check
    assert _violated(replay(registry.get("replication"), variant, result["config"], 0, violation["trace"]),
                     check)
    if check == "linearizable":
        assert "stale read" in violation["detail"]
    # Two operations at most: the requests budget the protocol asks for.
    assert sum(a["type"] in ("read", "write", "cas") for a in violation["shortest"]) <= 2


def test_the_requests_budget_bounds_protocol_actions():
    result = explore("replication", "leaderless", config={"w": 1, "r": 1},
                     budgets={"requests": 1}, checks=["linearizable"])
    assert result["violation"] is None and result["stopped"] == "exhausted"
    assert result["complete"]
