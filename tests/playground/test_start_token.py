"""`start` with a share link's token: a long run reconnects in one small message."""

import pytest

from protocols import registry
from protocols.kernel import Simulation, replay
from protocols.links.share import encode, scenario

from .test_play_consumer import ws  # noqa: F401  (the socket fixture)


async def test_start_with_a_token_opens_a_run_too_long_to_send_as_a_list(ws):  # noqa: F811
    sim = Simulation(registry.get("election"), seed=4)
    sim.run(3000)
    token = encode(scenario("election", sim.variant, {}, 4, sim.actions, cursor=2500))
    assert len(token) < 60_000 < len(str(sim.actions))
    ws_path = "/ws/play/election/"
    from .test_play_consumer import Client, open_socket

    communicator, connected = await open_socket(ws_path)
    assert connected
    client = Client(communicator)
    reply = await client.request({"type": "start", "token": token}, timeout=30)
    assert reply["type"] == "snapshot", reply
    assert reply["step"] == 2500 and reply["run"]["actions"] == sim.actions
    await communicator.disconnect()


@pytest.mark.parametrize("message, code", [
    ({"type": "start", "token": "eJzz"}, "bad_link"),
    ({"type": "start", "token": 5}, "bad_field"),
    ({"type": "start", "token": encode(scenario("twopc", "correct", {}, 0, [])), "seed": 3}, "bad_field"),
    ({"type": "start", "token": encode(scenario("lamport", "correct", {}, 0, []))}, "bad_field"),
])
async def test_start_with_a_bad_token_is_refused_with_a_reason(ws, message, code):  # noqa: F811
    reply = await ws.request(message)
    assert reply["type"] == "error" and reply["code"] == code and reply["message"]


def _election_run(steps, seed=4):
    sim = Simulation(registry.get("election"), seed=seed)
    sim.run(steps)
    return sim


async def test_a_run_too_long_for_a_url_still_resumes_by_token_up_to_the_action_cap():
    from protocols.links.share import MAX_TOKEN_CHARS, LinkError

    from .test_play_consumer import Client, open_socket

    sim = _election_run(10_000)
    run = scenario("election", sim.variant, {}, 4, sim.actions, cursor=9_000)
    with pytest.raises(LinkError):
        encode(run)  # no URL can carry it
    token = encode(run, max_chars=60_000)
    assert MAX_TOKEN_CHARS < len(token) < 60_000
    communicator, connected = await open_socket("/ws/play/election/")
    assert connected
    reply = await Client(communicator).request({"type": "start", "token": token}, timeout=60)
    await communicator.disconnect()
    assert reply["type"] == "snapshot", reply
    assert reply["step"] == 9_000 and len(reply["run"]["actions"]) == 10_000
    expected = replay(registry.get("election"), sim.variant, {}, 4, sim.actions[:9_000])
    assert reply["state"]["trace_hash"] == expected.snapshot()["trace_hash"]
