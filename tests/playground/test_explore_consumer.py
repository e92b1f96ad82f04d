"""The "Find a counterexample" panel over the play socket: `explore` / `explore_cancel`
intents, the search in a worker process (playground/search.py), progress and results."""

import asyncio

import pytest

from playground import search
from protocols import registry
from protocols.links import share as scenario_link
from protocols.kernel import replay

from .test_play_consumer import Client, open_socket, start

SEARCH_TIMEOUT = 60


@pytest.fixture
async def ws():
    communicator, connected = await open_socket()
    assert connected
    client = Client(communicator)
    yield client
    await communicator.disconnect()


async def until_explore_ends(ws, timeout=SEARCH_TIMEOUT):
    """Read explore messages until `done` or `failed`; return (progress reports, final)."""
    progress = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await ws.receive(timeout=max(0.5, deadline - loop.time()))
        assert message["type"] == "explore", message
        if message["status"] == "progress":
            progress.append(message["progress"])
        elif message["status"] in ("done", "failed"):
            return progress, message


async def test_the_search_finds_the_heuristic_failure_and_the_result_opens_at_the_violation(ws):
    await start(ws, variant="heuristic")
    started = await ws.request({"type": "explore", "checks": ["atomicity"]})
    assert started["type"] == "explore" and started["status"] == "started"
    assert started["from"] == "defaults" and started["prefix"] == 0
    progress, final = await until_explore_ends(ws)
    assert final["status"] == "done", final
    result = final["result"]
    violation = result["violation"]
    assert violation["check"] == "atomicity" and result["stopped"] == "violation"
    for report in progress:
        assert {"states", "distinct", "depth", "rate", "eta"} <= set(report)
    # The panel opens the result as a normal scenario, at the violating step.
    token = violation["link"].split("?s=")[1]
    scenario = scenario_link.decode(token)
    snapshot = await start(ws, variant=scenario["variant"], config=scenario["config"],
                           seed=scenario["seed"], actions=scenario["actions"],
                           cursor=scenario["cursor"])
    assert snapshot["step"] == len(violation["trace"])
    broken = [c for c in snapshot["state"]["checks"] if not c["ok"]]
    assert [c["name"] for c in broken] == ["atomicity"]


async def test_a_search_within_small_bounds_reports_what_it_covered(ws):
    await start(ws)
    await ws.request({"type": "explore", "max_states": 500})
    _, final = await until_explore_ends(ws)
    result = final["result"]
    assert result["violation"] is None and result["stopped"] == "max-states"
    assert "state budget" in result["covered"]
    assert result["bounds"]["max_states"] == 500


async def test_cancelling_stops_the_search_and_says_what_it_covered(ws):
    await start(ws)
    await ws.request({"type": "explore", "max_states": 100_000, "seconds": 60,
                      "budgets": {"crashes": 2, "duplicates": 1}})
    # Wait for the worker to be under way, then cancel.
    message = await ws.receive(timeout=SEARCH_TIMEOUT)
    assert message["status"] == "progress"
    await ws.send({"type": "explore_cancel"})
    _, final = await until_explore_ends(ws, timeout=20)
    assert final["status"] == "done"
    assert final["result"]["stopped"] == "cancelled"
    assert "cancelling" in final["result"]["covered"]
    assert not search._running


async def test_one_search_at_a_time_per_connection(ws):
    await start(ws)
    await ws.request({"type": "explore", "max_states": 100_000})
    error = await ws.request({"type": "explore"})
    while error["type"] == "explore":  # progress may come first
        error = await ws.receive()
    assert error["type"] == "error" and error["code"] == "busy"
    await ws.send({"type": "explore_cancel"})
    _, final = await until_explore_ends(ws, timeout=20)
    assert final["result"]["stopped"] == "cancelled"


async def test_the_search_starts_from_the_state_at_the_cursor_when_asked(ws):
    actions = [{"type": "fire", "timer": 1}, {"type": "deliver", "msg": 1},
               {"type": "deliver", "msg": 2}]
    await start(ws, variant="heuristic", config={"participants": 2, "transactions": 1},
                actions=actions)
    started = await ws.request({"type": "explore", "from": "here", "checks": ["atomicity"]})
    assert started["prefix"] == 3
    _, final = await until_explore_ends(ws)
    violation = final["result"]["violation"]
    assert violation["trace"][:3] == actions
    sim = replay(registry.get("twopc"), "heuristic", final["result"]["config"], 0, violation["trace"])
    assert any(c["name"] == "atomicity" and not c["ok"] for c in sim.checks)


@pytest.mark.parametrize("fields,words", [
    ({"max_states": 10**9}, "max_states"),
    ({"seconds": 0}, "seconds"),
    ({"depth": "deep"}, "depth"),
    ({"from": "elsewhere"}, "from"),
    ({"checks": "atomicity"}, "checks"),
    ({"checks": ["no such check"]}, "unknown check"),
    ({"budgets": {"floods": 1}}, "unknown budget"),
    ({"budgets": {"crashes": 99}}, "crashes"),
])
async def test_bad_explore_fields_are_refused_and_nothing_starts(ws, fields, words):
    await start(ws)
    error = await ws.request({"type": "explore", **fields})
    assert error["type"] == "error" and error["code"] == "bad_field"
    assert words in error["message"]
    assert await ws.nothing()
    assert not search._running


async def test_cancel_without_a_search_says_idle(ws):
    await start(ws)
    reply = await ws.request({"type": "explore_cancel"})
    assert reply == {"type": "explore", "seq": reply["seq"], "status": "idle"}


async def test_closing_the_socket_ends_its_search():
    communicator, connected = await open_socket()
    assert connected
    client = Client(communicator)
    await start(client)
    await client.request({"type": "explore", "max_states": 100_000, "seconds": 60})
    assert len(search._running) == 1
    worker = next(iter(search._running)).process
    await communicator.disconnect()
    for _ in range(50):
        if not worker.is_alive():
            break
        await asyncio.sleep(0.1)
    assert not worker.is_alive()
    assert not search._running
