"""`start` with a share link's token: a long run reconnects in one small message."""

import pytest

from protocols import registry
from protocols.kernel import Simulation
from protocols.scenario_link import encode, scenario

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
