"""The WebSocket endpoint ws/play/<name>/, driven through the real ASGI application
(origin validation, routing and consumer) with channels' WebsocketCommunicator."""

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from protocols import registry
from protocols.kernel import replay

ORIGIN = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


class Client:
    """A test client that checks every server message's `seq` is the next one."""

    def __init__(self, communicator):
        self.communicator = communicator
        self.last_seq = 0
        self.received = []

    async def send(self, message):
        await self.communicator.send_to(text_data=json.dumps(message))

    async def send_text(self, text):
        await self.communicator.send_input({"type": "websocket.receive", "text": text})

    async def receive(self, timeout=2):
        message = await self.communicator.receive_json_from(timeout=timeout)
        assert message["seq"] == self.last_seq + 1, "seq must increase by one per message"
        self.last_seq = message["seq"]
        self.received.append(message)
        return message

    async def request(self, message, timeout=2):
        await self.send(message)
        return await self.receive(timeout)

    async def nothing(self, timeout=0.3):
        return await self.communicator.receive_nothing(timeout=timeout)

    async def state(self):
        reply = await self.request({"type": "snapshot"})
        assert reply["type"] == "snapshot"
        return reply


async def open_socket(path="/ws/play/twopc/", headers=ORIGIN):
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


@pytest.fixture
async def ws():
    communicator, connected = await open_socket()
    assert connected
    client = Client(communicator)
    yield client
    await communicator.disconnect()


async def start(ws, **run):
    reply = await ws.request({"type": "start", **run})
    assert reply["type"] == "snapshot", reply
    return reply


def messages_in_flight(state):
    return [m["id"] for m in state["messages"]]


# -- starting a run ------------------------------------------------------------------------


async def test_start_replies_with_a_full_snapshot_numbered_from_one(ws):
    reply = await start(ws)
    assert reply["seq"] == 1
    assert reply["protocol"]["name"] == "twopc"
    assert reply["run"] == {"variant": "correct", "config": {}, "seed": 0, "actions": [],
                            "cursor": 0, "preset": None, "as_written": False, "changed": {}, "fork": None}
    assert reply["step"] == 0 and reply["state"]["step"] == 0
    assert reply["playing"] is False
    assert {"type": "begin", "node": "client"} in reply["enabled"]
    assert reply["trace"] == []
    assert reply["state"]["trace_hash"] == replay(registry.get("twopc"), "correct", {}, 0, []).trace_hash


async def test_start_replays_the_action_list_of_a_shared_run(ws):
    actions = [{"type": "begin", "node": "client"}, {"type": "crash", "node": "coord"}]
    reply = await start(ws, variant="heuristic", seed=5, config={"participants": 2},
                        actions=actions)
    expected = replay(registry.get("twopc"), "heuristic", {"participants": 2}, 5, actions)
    assert reply["run"]["actions"] == actions
    assert reply["run"]["cursor"] == 2
    assert reply["state"]["trace_hash"] == expected.trace_hash
    assert reply["trace"] == expected.trace
    coord = next(n for n in reply["state"]["nodes"] if n["id"] == "coord")
    assert coord["status"] == "crashed"


async def test_start_with_a_cursor_opens_the_run_part_way_with_its_future_kept(ws):
    actions = [{"type": "begin", "node": "client"}, {"type": "crash", "node": "coord"}]
    reply = await start(ws, actions=actions, cursor=1)
    assert reply["step"] == 1
    assert reply["run"] == {"variant": "correct", "config": {}, "seed": 0,
                            "actions": actions, "cursor": 1, "preset": None, "as_written": False, "changed": {}, "fork": None}


async def test_bad_config_is_refused_and_the_run_is_unchanged(ws):
    before = await start(ws, seed=3)
    error = await ws.request({"type": "start", "config": {"participants": 99}})
    assert error["type"] == "error" and error["code"] == "bad_config"
    assert "participants" in error["message"]
    error = await ws.request({"type": "start", "variant": "no-such-variant"})
    assert error["code"] == "bad_config"
    after = await ws.state()
    assert after["run"] == before["run"]
    assert after["state"]["trace_hash"] == before["state"]["trace_hash"]


async def test_a_shared_run_with_an_action_that_is_not_enabled_is_refused(ws):
    before = await start(ws)
    error = await ws.request({"type": "start", "actions": [
        {"type": "begin", "node": "client"}, {"type": "deliver", "msg": 999}]})
    assert error["type"] == "error" and error["code"] == "not_enabled"
    assert "action 2 of 2" in error["message"]
    after = await ws.state()
    assert after["state"]["trace_hash"] == before["state"]["trace_hash"]
    assert after["run"]["actions"] == []


# -- actions ----------------------------------------------------------------------------


async def test_begin_then_deliver_applies_the_delivery_and_replies_with_a_frame(ws):
    await start(ws)
    frame = await ws.request({"type": "action", "action": {"type": "begin", "node": "client"}})
    assert frame["type"] == "frame"
    assert frame["step"] == 1 and frame["length"] == 1
    assert frame["action"] == {"type": "begin", "node": "client"}
    assert frame["actions"] == [frame["action"]]
    assert any(e["type"] == "send" for e in frame["events"])
    msg = messages_in_flight(frame["state"])[0]
    assert {"type": "deliver", "msg": msg} in frame["enabled"]

    frame = await ws.request({"type": "action", "action": {"type": "deliver", "msg": msg}})
    assert frame["type"] == "frame" and frame["step"] == 2
    assert frame["events"][0]["type"] == "deliver" and frame["events"][0]["msg"] == msg
    assert msg not in messages_in_flight(frame["state"])


async def test_crash_marks_the_node_crashed_and_loses_its_volatile_state(ws):
    await start(ws)
    frame = await ws.request({"type": "action", "action": {"type": "crash", "node": "coord"}})
    assert frame["type"] == "frame"
    assert [e["type"] for e in frame["events"]] == ["crash"]
    coord = next(n for n in frame["state"]["nodes"] if n["id"] == "coord")
    assert coord["status"] == "crashed"
    assert coord["volatile"] is None
    assert {"type": "restart", "node": "coord"} in frame["enabled"]


async def test_an_action_that_is_not_enabled_gets_an_error_and_changes_nothing(ws):
    await start(ws)
    before = await ws.state()
    error = await ws.request({"type": "action", "action": {"type": "deliver", "msg": 999}})
    assert error["type"] == "error"
    assert error["code"] == "not_enabled"
    assert "999" in error["message"]
    error = await ws.request({"type": "action", "action": {"type": "restart", "node": "coord"}})
    assert error["code"] == "not_enabled"
    error = await ws.request({"type": "action", "action": {"type": "crash", "node": "mars"}})
    assert error["code"] == "bad_action"
    error = await ws.request({"type": "action", "action": {"type": "teleport"}})
    assert error["code"] == "unknown_action"
    after = await ws.state()
    assert after["state"]["trace_hash"] == before["state"]["trace_hash"]
    assert after["state"]["step"] == before["state"]["step"]
    assert after["run"] == before["run"]


async def test_intents_work_before_any_start_on_the_default_run(ws):
    frame = await ws.request({"type": "step"})
    assert frame["type"] == "frame" and frame["step"] == 1


# -- stepping and quiescence --------------------------------------------------------------


async def test_step_count_takes_several_scheduler_steps_in_one_frame(ws):
    await start(ws)
    frame = await ws.request({"type": "step", "count": 5})
    assert frame["type"] == "frame"
    assert frame["step"] == 5 and len(frame["actions"]) == 5
    assert frame["action"] == frame["actions"][-1]
    expected = replay(registry.get("twopc"), "correct", {}, 0, frame["actions"])
    assert frame["state"]["trace_hash"] == expected.trace_hash
    assert frame["events"] == expected.trace


async def test_stepping_a_quiescent_run_says_so_and_changes_nothing(ws):
    await start(ws)
    frame = {"quiescent": False}
    for _ in range(20):
        frame = await ws.request({"type": "step", "count": 50})
        if frame["quiescent"]:
            break
    assert frame["quiescent"] is True
    step = frame["step"]
    again = await ws.request({"type": "step", "count": 3})
    assert again["type"] == "frame"
    assert again["quiescent"] is True
    assert again["actions"] == [] and again["action"] is None and again["events"] == []
    assert again["step"] == step
    checks = {c["name"]: c["ok"] for c in again["state"]["checks"]}
    assert all(checks.values()), checks


# -- time travel -----------------------------------------------------------------------------


async def test_back_replays_the_prefix_and_keeps_the_future_for_redo(ws):
    await start(ws)
    at_five = await ws.request({"type": "step", "count": 5})
    back = await ws.request({"type": "back"})
    assert back["type"] == "snapshot"
    assert back["step"] == 4
    assert back["run"]["cursor"] == 4
    assert back["run"]["actions"] == at_five["actions"]
    prefix = replay(registry.get("twopc"), "correct", {}, 0, at_five["actions"][:4])
    assert back["state"]["trace_hash"] == prefix.trace_hash
    assert back["trace"] == prefix.trace

    forward = await ws.request({"type": "seek", "step": 5})
    assert forward["type"] == "snapshot"
    assert forward["state"]["trace_hash"] == at_five["state"]["trace_hash"]


async def test_seek_then_a_different_action_branches_and_drops_the_future(ws):
    await start(ws)
    await ws.request({"type": "step", "count": 6})
    at_two = await ws.request({"type": "seek", "step": 2})
    assert at_two["step"] == 2 and len(at_two["run"]["actions"]) == 6
    future = at_two["run"]["actions"]

    # Redoing the timeline's next action keeps the future.
    redo = await ws.request({"type": "action", "action": future[2]})
    assert redo["step"] == 3 and redo["length"] == 6

    branch = await ws.request({"type": "action", "action": {"type": "crash", "node": "p1"}})
    assert branch["step"] == 4 and branch["length"] == 4
    snapshot = await ws.state()
    assert snapshot["run"]["actions"] == future[:3] + [{"type": "crash", "node": "p1"}]


async def test_back_at_the_start_and_seek_past_the_end(ws):
    await start(ws)
    back = await ws.request({"type": "back"})
    assert back["type"] == "snapshot" and back["step"] == 0
    error = await ws.request({"type": "seek", "step": 1})
    assert error["type"] == "error" and error["code"] == "bad_field"


async def test_auto_play_after_a_replay_matches_auto_play_without_one(ws):
    # The scheduler's choices depend only on (seed, step): stepping after a seek continues
    # exactly as the uninterrupted run did.
    await start(ws, seed=11)
    straight = await ws.request({"type": "step", "count": 12})
    await ws.request({"type": "seek", "step": 4})
    resumed = await ws.request({"type": "step", "count": 8})
    assert resumed["step"] == 12
    assert resumed["state"]["trace_hash"] == straight["state"]["trace_hash"]
    assert resumed["length"] == 12


# -- server-side auto-play ------------------------------------------------------------------


async def test_play_sends_frames_until_the_run_is_quiescent(ws):
    await start(ws)
    reply = await ws.request({"type": "play", "interval_ms": 50})
    assert reply == {"type": "playing", "seq": reply["seq"], "playing": True,
                     "interval_ms": 50, "reason": "play"}
    frames = []
    while True:
        message = await ws.receive(timeout=3)
        if message["type"] == "playing":
            break
        assert message["type"] == "frame"
        frames.append(message)
    assert message["playing"] is False and message["reason"] == "quiescent"
    assert len(frames) > 5
    assert [f["step"] for f in frames] == list(range(1, len(frames) + 1))
    assert all(f["playing"] for f in frames[:-1])
    assert frames[-1]["playing"] is False and frames[-1]["quiescent"] is True
    await ws.nothing()


async def test_pause_stops_auto_play(ws):
    await start(ws)
    await ws.request({"type": "play", "interval_ms": 50})
    first = await ws.receive(timeout=3)
    assert first["type"] == "frame" and first["playing"] is True
    await ws.send({"type": "pause"})
    while True:  # a frame may already have been sent before the pause arrived
        message = await ws.receive()
        if message["type"] == "playing":
            break
    assert message == {"type": "playing", "seq": message["seq"], "playing": False,
                       "interval_ms": 50, "reason": "pause"}
    await ws.nothing(timeout=0.4)
    snapshot = await ws.state()
    assert snapshot["playing"] is False


async def test_speed_changes_the_interval_while_playing(ws):
    await start(ws)
    await ws.request({"type": "play", "interval_ms": 5000})
    await ws.nothing(timeout=0.3)  # nothing for a long interval …
    reply = await ws.request({"type": "speed", "interval_ms": 50})
    assert reply["type"] == "playing" and reply["playing"] is True
    assert reply["interval_ms"] == 50 and reply["reason"] == "speed"
    frame = await ws.receive(timeout=2)  # … then frames at the new speed
    assert frame["type"] == "frame"
    await ws.request({"type": "pause"})


async def test_seek_while_playing_stops_auto_play(ws):
    await start(ws)
    await ws.request({"type": "play", "interval_ms": 50})
    await ws.receive(timeout=3)
    await ws.send({"type": "seek", "step": 0})
    while True:
        message = await ws.receive()
        if message["type"] == "snapshot":
            break
    assert message["playing"] is False and message["step"] == 0
    await ws.nothing(timeout=0.3)


async def test_play_on_a_quiescent_run_reports_not_playing(ws):
    # With no transaction of its own to run, the client schedules nothing.
    snapshot = await start(ws, config={"transactions": 0})
    assert snapshot["quiescent"] is True
    reply = await ws.request({"type": "play"})
    assert reply["type"] == "playing" and reply["playing"] is False
    assert reply["reason"] == "quiescent"
    await ws.nothing()
    # The user can still act; a transaction gives auto-play something to do.
    frame = await ws.request({"type": "action", "action": {"type": "begin", "node": "client"}})
    assert frame["quiescent"] is False
    reply = await ws.request({"type": "play", "interval_ms": 50})
    assert reply["playing"] is True
    assert (await ws.receive(timeout=3))["type"] == "frame"


# -- bad input never breaks the connection ---------------------------------------------------


async def test_malformed_json_gets_bad_json_and_the_connection_still_works(ws):
    await start(ws)
    await ws.send_text("{this is not json")
    error = await ws.receive()
    assert error["type"] == "error" and error["code"] == "bad_json"
    await ws.send_text("")
    assert (await ws.receive())["code"] == "bad_json"
    await ws.communicator.send_to(bytes_data=b"\x00\x01")
    assert (await ws.receive())["code"] == "bad_json"
    assert (await ws.request({"type": "ping"}))["type"] == "pong"
    frame = await ws.request({"type": "step"})
    assert frame["type"] == "frame" and frame["step"] == 1


async def test_non_objects_and_unknown_types_get_errors(ws):
    await ws.send_text("[1, 2, 3]")
    assert (await ws.receive())["code"] == "not_object"
    error = await ws.request({"type": "fly-to-the-moon"})
    assert error["code"] == "unknown_type"
    assert "fly-to-the-moon" in error["message"]
    error = await ws.request({"no": "type"})
    assert error["code"] == "unknown_type"
    error = await ws.request({"type": "step", "count": 500})
    assert error["code"] == "bad_field"
    assert (await ws.request({"type": "ping"}))["type"] == "pong"


async def test_an_oversized_message_gets_too_large_and_is_not_parsed(ws):
    await start(ws)
    before = await ws.state()
    huge = json.dumps({"type": "start", "seed": 9, "padding": "x" * (64 * 1024)})
    await ws.send_text(huge)
    error = await ws.receive()
    assert error["type"] == "error" and error["code"] == "too_large"
    # Measured in bytes: 30 000 three-byte characters are over 64 KiB.
    await ws.send_text(json.dumps({"type": "ping", "pad": "€" * 30_000}, ensure_ascii=False))
    assert (await ws.receive())["code"] == "too_large"
    after = await ws.state()
    assert after["run"] == before["run"]


async def test_a_flood_of_messages_is_rate_limited_and_the_socket_survives(ws):
    for _ in range(100):
        await ws.send({"type": "ping"})
    replies = [await ws.receive() for _ in range(100)]
    pongs = [r for r in replies if r["type"] == "pong"]
    limited = [r for r in replies if r["type"] == "error" and r["code"] == "rate_limited"]
    assert len(pongs) + len(limited) == 100
    assert 60 <= len(pongs) < 100
    assert limited
    await asyncio.sleep(0.2)  # the bucket refills at 30 per second
    assert (await ws.request({"type": "ping"}))["type"] == "pong"


async def test_rate_limit_follows_the_settings(settings):
    settings.PLAYGROUND_WS_RATE_PER_SECOND = 1
    settings.PLAYGROUND_WS_RATE_BURST = 3
    communicator, connected = await open_socket()
    assert connected
    client = Client(communicator)
    for _ in range(5):
        await client.send({"type": "ping"})
    kinds = [(await client.receive())["type"] for _ in range(5)]
    assert kinds == ["pong", "pong", "pong", "error", "error"]
    await communicator.disconnect()


# -- connection-level rules ------------------------------------------------------------------


async def test_unknown_protocol_gets_an_error_then_close_code_4404():
    communicator, connected = await open_socket("/ws/play/paxos-made-up/")
    assert connected
    error = await communicator.receive_json_from()
    assert error == {"type": "error", "seq": 1, "code": "unknown_protocol",
                     "message": error["message"]}
    assert "paxos-made-up" in error["message"] and "twopc" in error["message"]
    closed = await communicator.receive_output()
    assert closed == {"type": "websocket.close", "code": 4404}
    await communicator.wait()


async def test_a_foreign_origin_is_rejected():
    communicator, connected = await open_socket(
        headers=[(b"origin", b"http://evil.example"), (b"host", b"testserver")])
    assert not connected
    communicator, connected = await open_socket(headers=[(b"host", b"testserver")])
    assert not connected


async def test_every_message_carries_a_strictly_increasing_seq(ws):
    await start(ws)
    await ws.request({"type": "step", "count": 2})
    await ws.request({"type": "nonsense"})
    await ws.request({"type": "back"})
    await ws.request({"type": "ping"})
    await ws.request({"type": "play", "interval_ms": 50})
    await ws.receive(timeout=3)
    await ws.request({"type": "pause"})
    seqs = [m["seq"] for m in ws.received]
    assert seqs == list(range(1, len(seqs) + 1))


async def test_a_kernel_failure_is_an_internal_error_with_generic_text_and_no_change(
        ws, monkeypatch, caplog):
    from protocols.kernel import Simulation

    await start(ws)
    before = await ws.request({"type": "step", "count": 2})
    real_apply = Simulation.apply
    failures = []

    def apply_failing_once(self, action):
        if failures:
            return real_apply(self, action)
        failures.append(action)
        self.step += 1  # corrupts the simulation half way, then fails
        self.actions.append(action)
        raise RuntimeError("boom: secret internals")

    monkeypatch.setattr(Simulation, "apply", apply_failing_once)
    error = await ws.request({"type": "action", "action": {"type": "crash", "node": "p1"}})
    assert failures == [{"type": "crash", "node": "p1"}]
    assert error["type"] == "error" and error["code"] == "internal"
    assert "boom" not in error["message"] and "Traceback" not in error["message"]
    assert "boom: secret internals" in caplog.text  # the traceback is logged server-side
    after = await ws.state()
    assert after["step"] == 2
    assert after["run"]["actions"] == before["actions"]
    assert (await ws.request({"type": "step"}))["step"] == 3


async def test_replaying_a_long_run_is_charged_against_the_rate_limit(settings):
    settings.PLAYGROUND_WS_RATE_PER_SECOND = 1
    settings.PLAYGROUND_WS_RATE_BURST = 10
    settings.PLAYGROUND_WS_ACTIONS_PER_TOKEN = 2
    communicator, connected = await open_socket()
    assert connected
    client = Client(communicator)
    actions = [{"type": "crash", "node": "p1"}, {"type": "restart", "node": "p1"}] * 10
    reply = await client.request({"type": "start", "actions": actions})  # 20 actions: 10 tokens
    assert reply["type"] == "snapshot" and reply["step"] == 20
    error = await client.request({"type": "ping"})
    assert error["type"] == "error" and error["code"] == "rate_limited"
    await communicator.disconnect()


# -- presets -----------------------------------------------------------------------------------


async def test_a_preset_starts_at_its_beginning_with_its_script_as_the_future(ws):
    from protocols import registry

    preset = registry.get("twopc").presets["coordinator-crash"]
    reply = await ws.request({"type": "start", "preset": "coordinator-crash"})
    assert reply["type"] == "snapshot"
    assert reply["step"] == 0
    assert reply["run"] == {"variant": preset["variant"], "config": preset["config"],
                            "seed": preset["seed"], "actions": preset["actions"],
                            "cursor": 0, "preset": "coordinator-crash", "as_written": True, "changed": {"transactions": 0},
                            "fork": None}
    assert reply["narration"] == preset["narration"]

    # Stepping forward through the script is a seek: the future is kept, nothing branches.
    for step in range(1, 16):
        frame = await ws.request({"type": "seek", "step": step})
        assert frame["step"] == step and len(frame["run"]["actions"]) == len(preset["actions"])
    coord = next(n for n in frame["state"]["nodes"] if n["id"] == "coord")
    assert coord["status"] == "crashed"  # the 14th action crashed it
    end = await ws.request({"type": "seek", "step": len(preset["actions"])})
    expected = replay(registry.get("twopc"), preset["variant"], preset["config"], preset["seed"],
                      preset["actions"])
    assert end["state"]["trace_hash"] == expected.trace_hash


async def test_step_on_a_preset_walks_its_script_then_hands_over_to_the_scheduler(ws):
    preset = registry.get("twopc").presets["coordinator-crash"]
    script = preset["actions"]
    await ws.request({"type": "start", "preset": "coordinator-crash"})
    frame = await ws.request({"type": "step", "count": len(script) - 1})
    assert frame["actions"] == script[:-1] and "patch" not in frame["run"]
    assert "notice" not in frame
    last = await ws.request({"type": "step", "count": 3})
    # The script's last action, then the scheduler's, which join the timeline's end.
    assert last["actions"][0] == script[-1]
    assert last["run"]["patch"]["at"] == len(script)
    assert last["run"]["patch"]["actions"] == last["actions"][1:]
    assert "scheduler" in last["notice"]
    state = await ws.state()
    assert state["run"]["actions"][:len(script)] == script and state["run"]["as_written"] is False
    assert state["narration"] == preset["narration"]   # the story's remarks stay


async def test_play_on_a_preset_walks_the_script_and_does_not_stop_as_quiescent(ws):
    await ws.request({"type": "start", "preset": "coordinator-crash"})
    playing = await ws.request({"type": "play", "interval_ms": 50})
    assert playing["type"] == "playing" and playing["playing"] is True
    preset = registry.get("twopc").presets["coordinator-crash"]
    frames = [await ws.receive(timeout=5) for _ in range(5)]
    assert [f["action"] for f in frames] == preset["actions"][:5]
    await ws.request({"type": "pause"})


async def test_acting_in_the_past_forks_and_undo_fork_brings_the_future_and_remarks_back(ws):
    preset = registry.get("twopc").presets["coordinator-crash"]
    await ws.request({"type": "start", "preset": "coordinator-crash", "cursor": 13})
    # The script crashes the coordinator at step 14; drop a VOTE instead.
    state = await ws.state()
    vote = next(m for m in state["state"]["messages"] if m["kind"] == "VOTE")
    frame = await ws.request({"type": "action", "action": {"type": "drop", "msg": vote["id"]}})
    assert frame["run"]["forked_at"] == 13 and frame["run"]["length"] == 14
    assert frame["run"]["fork"] == {"at": 13, "cut": len(preset["actions"]) - 13}
    assert frame["run"]["patch"] == {"at": 13, "actions": [{"type": "drop", "msg": vote["id"]}]}
    forked = await ws.state()
    assert all(int(k) <= 13 for k in forked["narration"])
    undone = await ws.request({"type": "undo_fork"})
    assert undone["type"] == "snapshot" and undone["step"] == 13
    assert undone["run"]["actions"] == preset["actions"] and undone["run"]["fork"] is None
    assert undone["narration"] == preset["narration"]
    again = await ws.request({"type": "undo_fork"})
    assert again["type"] == "error" and again["code"] == "not_enabled"


async def test_redoing_the_timelines_next_action_is_not_a_fork(ws):
    preset = registry.get("twopc").presets["commit"]
    await ws.request({"type": "start", "preset": "commit", "cursor": 3})
    frame = await ws.request({"type": "action", "action": preset["actions"][3]})
    assert frame["run"]["forked_at"] is None and frame["run"]["fork"] is None
    assert frame["run"]["length"] == len(preset["actions"]) and "patch" not in frame["run"]


async def test_a_forked_story_restarted_with_its_actions_keeps_the_remarks_it_shares(ws):
    preset = registry.get("twopc").presets["coordinator-crash"]
    mine = preset["actions"][:13] + [{"type": "crash", "node": "p1"}]
    reply = await ws.request({"type": "start", "preset": "coordinator-crash", "actions": mine})
    assert reply["type"] == "snapshot", reply
    assert reply["narration"] == {k: v for k, v in preset["narration"].items() if int(k) <= 13}
    assert reply["run"]["preset"] == "coordinator-crash" and reply["run"]["as_written"] is False


async def test_presets_are_checked_like_any_other_run(ws):
    error = await ws.request({"type": "start", "preset": "no-such-preset"})
    assert error["type"] == "error" and error["code"] == "bad_config"
    assert "coordinator-crash" in error["message"]
    error = await ws.request({"type": "start", "preset": "commit", "seed": 4})
    assert error["code"] == "bad_field"
    plain = await start(ws)
    assert plain["run"]["preset"] is None and plain["narration"] == {}


async def test_a_run_stops_at_the_action_cap_and_auto_play_says_why(settings):
    settings.PLAYGROUND_WS_ACTIONS_PER_TOKEN = 1_000_000  # the long start must not rate-limit
    from playground.wire import MAX_ACTIONS
    from protocols import registry
    from protocols.kernel import Simulation
    from protocols.links.share import encode, scenario

    sim = Simulation(registry.get("election"), seed=1)
    sim.run(MAX_ACTIONS - 2)
    communicator, connected = await open_socket("/ws/play/election/")
    assert connected
    client = Client(communicator)
    token = encode(scenario("election", sim.variant, {}, 1, sim.actions), max_chars=60_000)
    assert (await client.request({"type": "start", "token": token}, timeout=60))["step"] == MAX_ACTIONS - 2
    frame = await client.request({"type": "step", "count": 5})
    assert frame["type"] == "frame" and frame["step"] == MAX_ACTIONS  # two of five fit
    refused = await client.request({"type": "step"})
    assert refused["type"] == "error" and refused["code"] == "too_large"
    refused = await client.request({"type": "action", "action": frame["enabled"][0]})
    assert refused["code"] == "too_large"
    playing = await client.request({"type": "play"})
    assert playing["type"] == "playing" and not playing["playing"] and playing["reason"] == "limit"
    back = await client.request({"type": "back"})
    assert back["step"] == MAX_ACTIONS - 1  # stepping back makes room again
    await communicator.disconnect()
