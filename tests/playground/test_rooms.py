"""Instructor rooms in one process: the HTTP API and pages, and ws/room/<code>/ driven through
the real ASGI application with channels' WebsocketCommunicator (in-memory channel layer)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from playground.asgi import application
from playground.models import Room
from protocols import registry
from protocols.kernel import replay
from protocols.links.share import decode

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


@pytest.fixture(autouse=True)
async def forget_worker_thread_connections(transactional_db):
    """The consumers reach the database from asgiref's worker thread. Forget that thread's
    connection after each test: channels checks it before every message, which a later test
    without database access would otherwise be refused."""
    yield

    def forget():
        for conn in connections.all(initialized_only=True):
            conn.connection = None

    await sync_to_async(forget, thread_sensitive=True)()


class Member:
    """One room connection; checks the per-connection seq and the room_seq order."""

    def __init__(self, communicator):
        self.communicator = communicator
        self.last_seq = 0
        self.room_seq = None

    async def send(self, message):
        await self.communicator.send_to(text_data=json.dumps(message))

    async def receive(self, timeout=3):
        message = await self.communicator.receive_json_from(timeout=timeout)
        assert message["seq"] == self.last_seq + 1
        self.last_seq = message["seq"]
        if "room_seq" in message:
            if message["type"] != "snapshot":
                assert message["room_seq"] == self.room_seq + 1, "room frames arrive in order"
            self.room_seq = message["room_seq"]
        return message

    async def receive_run(self, timeout=3):
        """The next run message (skipping follower-count notices)."""
        while True:
            message = await self.receive(timeout)
            if message["type"] != "followers":
                return message

    async def close(self):
        await self.communicator.disconnect()


async def join(code, key=None, timeout=3):
    """Connect to a room; its first message (a snapshot). `timeout`: how long to wait for it
    (a room of 10,000 actions replays its run first: a guard, not a measure)."""
    path = f"/ws/room/{code}/" + (f"?key={key}" if key else "")
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    member = Member(communicator)
    first = await member.receive(timeout)
    return member, first


async def load_row(code):
    """The room's row and its whole timeline (its actions and the steps appended since)."""
    row = await Room.objects.aget(pk=code)
    return row, await sync_to_async(row.timeline)()


def create_room(client, scenario):
    response = client.post("/api/rooms", json.dumps({"scenario": scenario}),
                           content_type="application/json")
    return response


@pytest.fixture
def room(client):
    response = create_room(client, {"protocol": "twopc"})
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["instructor_url"].split("?key=")[1]
    return body["code"], key


# -- HTTP -----------------------------------------------------------------------------------


def test_creating_a_room_returns_a_short_follow_link_and_a_private_instructor_link(client):
    response = create_room(client, {"protocol": "twopc", "seed": 3})
    assert response.status_code == 201
    body = response.json()
    code = body["code"]
    assert len(code) == 10 and code.isalnum()
    assert body["follow_url"].endswith(f"/room/{code}/")
    assert body["instructor_url"].startswith(body["follow_url"] + "?key=")
    key = body["instructor_url"].split("?key=")[1]
    row = Room.objects.get(pk=code)
    assert key not in json.dumps(row.key_hash) and len(row.key_hash) == 64  # only a hash
    assert row.seed == 3


def test_a_room_opens_from_a_saved_scenario_id_and_from_a_preset(client):
    saved = client.post("/api/scenarios", json.dumps({"protocol": "twopc", "seed": 5}),
                        content_type="application/json").json()
    response = create_room(client, saved["id"])
    assert response.status_code == 201
    assert Room.objects.get(pk=response.json()["code"]).seed == 5
    from protocols import registry

    proto = registry.get("twopc")
    if proto.presets:
        name = next(iter(proto.presets))
        response = create_room(client, {"protocol": "twopc", "preset": name})
        assert response.status_code == 201
        assert Room.objects.get(pk=response.json()["code"]).preset == name


def test_a_bad_room_request_is_refused_with_a_reason(client):
    assert create_room(client, {"protocol": "nope"}).status_code == 400
    assert create_room(client, "missing1").status_code == 400
    response = client.post("/api/rooms", "{}", content_type="application/json")
    assert response.status_code == 400


def test_follow_page_exists_and_an_unknown_code_is_a_404_page(client, room):
    code, key = room
    assert client.get(f"/room/{code}/").status_code == 200
    assert client.get("/room/zzzzzzzzzz/").status_code == 404
    page = client.get(f"/room/{code}/?key={key}")
    assert page.status_code == 200 and b'"instructor": true' in page.content


def test_presenter_view_needs_the_instructor_key(client, room):
    code, key = room
    assert client.get(f"/room/{code}/present").status_code == 403
    assert client.get(f"/room/{code}/present?key=wrong").status_code == 403
    assert client.get(f"/room/{code}/present?key={key}").status_code == 200


def test_fork_opens_a_private_sandbox_at_the_rooms_current_step(client, room):
    code, _ = room
    Room.objects.filter(pk=code).update(actions=[{"type": "step"}], cursor=0)
    response = client.get(f"/room/{code}/fork")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/play/twopc/?s=")
    scen = decode(location.split("?s=")[1])
    assert scen["cursor"] == 0 and scen["protocol"] == "twopc"


# -- WebSocket ------------------------------------------------------------------------------


@pytest.fixture
async def aroom(async_client):
    response = await async_client.post("/api/rooms", json.dumps({"scenario": {"protocol": "twopc"}}),
                                       content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    return body["code"], body["instructor_url"].split("?key=")[1]


async def test_followers_see_every_instructor_step_live_in_order(aroom):
    code, key = aroom
    teacher, snap = await join(code, key)
    assert snap["type"] == "snapshot" and snap["room"]["instructor"] is True
    a, _ = await join(code)
    b, _ = await join(code)
    for _ in range(5):
        await teacher.send({"type": "step", "count": 1})
    for member in (teacher, a, b):
        frames = [await member.receive_run() for _ in range(5)]
        assert [f["type"] for f in frames] == ["frame"] * 5
        assert [f["step"] for f in frames] == [1, 2, 3, 4, 5]
    row = await Room.objects.aget(pk=code)
    assert row.seq == 5 and row.cursor == 5
    for member in (teacher, a, b):
        await member.close()


async def test_a_follower_that_tries_to_drive_is_refused_every_time(aroom):
    code, key = aroom
    teacher, _ = await join(code, key)
    follower, _ = await join(code)
    for intent in ({"type": "step"}, {"type": "back"}, {"type": "seek", "step": 0},
                   {"type": "play"}, {"type": "start"}, {"type": "caption", "text": "x"},
                   {"type": "action", "action": {"type": "crash", "node": "c"}}):
        await follower.send(intent)
        reply = await follower.receive_run()
        assert reply["type"] == "error" and reply["code"] == "forbidden"
    # a wrong key is a follower too
    impostor, snap = await join(code, "not-the-key")
    assert snap["room"]["instructor"] is False
    await impostor.send({"type": "step"})
    assert (await impostor.receive_run())["code"] == "forbidden"
    assert (await Room.objects.aget(pk=code)).seq == 0
    # watching is allowed
    await follower.send({"type": "snapshot"})
    assert (await follower.receive_run())["type"] == "snapshot"
    for member in (teacher, follower, impostor):
        await member.close()


async def test_a_late_joiner_catches_up_at_once_from_the_database(aroom):
    code, key = aroom
    teacher, _ = await join(code, key)
    await drive(teacher, {"type": "step", "count": 2}, times=4)
    back = await drive(teacher, {"type": "back"})
    assert back["type"] == "snapshot" and back["step"] == 7
    late, snap = await join(code)
    assert snap["type"] == "snapshot" and snap["room_seq"] == 5
    assert snap["step"] == 7 and len(snap["run"]["actions"]) == 8
    row, timeline = await load_row(code)
    expected = replay(registry.get("twopc"), row.variant, row.config, row.seed, timeline[:7])
    assert snap["state"]["trace_hash"] == expected.snapshot()["trace_hash"]
    await teacher.send({"type": "step"})
    frame = await late.receive_run()
    assert frame["room_seq"] == 6 and frame["step"] == 8
    await teacher.close()
    await late.close()


async def test_captions_reach_followers(aroom):
    code, key = aroom
    teacher, _ = await join(code, key)
    follower, _ = await join(code)
    await teacher.send({"type": "caption", "text": "Watch the coordinator."})
    caption = await follower.receive_run()
    assert caption["type"] == "caption" and caption["text"] == "Watch the coordinator."
    late, snap = await join(code)
    assert snap["caption"] == "Watch the coordinator."
    assert snap["narration"] == {"0": "Watch the coordinator."}
    for member in (teacher, follower, late):
        await member.close()


async def test_a_gap_in_room_seq_is_filled_by_a_snapshot(aroom):
    code, key = aroom
    follower, _ = await join(code)
    # Another process advanced the room without this process seeing the frame.
    sim = replay(registry.get("twopc"), "correct", {}, 0, [])
    action, _ = sim.auto_step()
    await Room.objects.filter(pk=code).aupdate(seq=3, actions=[action], cursor=1)
    teacher, _ = await join(code, key)
    await teacher.send({"type": "step"})
    caught_up = await follower.receive_run()
    assert caught_up["type"] == "snapshot" and caught_up["room_seq"] == 4
    assert caught_up["step"] == 2
    await teacher.close()
    await follower.close()


async def test_an_unknown_room_socket_is_closed(db):
    communicator = WebsocketCommunicator(application, "/ws/room/zzzzzzzzzz/", headers=ORIGIN)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    message = await communicator.receive_json_from()
    assert message["code"] == "unknown_room"
    assert (await communicator.receive_output())["type"] == "websocket.close"


async def test_the_instructor_is_told_how_many_follow(aroom):
    code, key = aroom
    teacher, _ = await join(code, key)
    a, _ = await join(code)
    b, _ = await join(code)
    notice = await teacher.receive(timeout=5)  # one notice a second, with the latest count
    assert notice["type"] == "followers" and notice["count"] == 2
    presenter_view, snap = await join(code, key)
    assert snap["room"]["followers"] == 2  # the presenter's page shows it from the start
    for member in (teacher, a, b, presenter_view):
        await member.close()


async def test_two_instructor_connections_take_turns_without_losing_a_step(aroom):
    code, key = aroom
    page, _ = await join(code, key)
    presenter_view, _ = await join(code, key)
    follower, _ = await join(code)
    for turn in range(6):
        driver = (page, presenter_view)[turn % 2]
        await driver.send({"type": "step", "count": 1})
        for member in (page, presenter_view, follower):
            frame = await member.receive_run()
            assert frame["room_seq"] == turn + 1 and frame["step"] == turn + 1
    assert (await Room.objects.aget(pk=code)).cursor == 6
    for member in (page, presenter_view, follower):
        await member.close()


# -- auto-play belongs to the room -----------------------------------------------------------


async def receive_until(member, predicate, limit=200):
    for _ in range(limit):
        message = await member.receive_run()
        if predicate(message):
            return message
    raise AssertionError("no such message")


async def test_auto_play_goes_on_after_the_instructor_leaves_and_a_pause_from_another_instructor_connection_stops_it(aroom):
    from playground import roomrun

    code, key = aroom
    teacher, _ = await join(code, key)
    follower, _ = await join(code)
    await teacher.send({"type": "play", "interval_ms": 50})
    started = await follower.receive_run()
    assert started["type"] == "playing" and started["playing"] is True
    assert started["interval_ms"] == 50 and started["room_seq"] == 1
    first = await follower.receive_run()
    assert first["type"] == "frame" and first["playing"] is True and first["step"] == 1
    await teacher.close()  # the instructor's page closes: the class keeps watching
    frames = [await follower.receive_run() for _ in range(3)]
    assert [f["step"] for f in frames] == [2, 3, 4]
    late, snap = await join(code)
    assert snap["playing"] is True and snap["interval_ms"] == 50
    presenter_view, _ = await join(code, key)
    await presenter_view.send({"type": "pause"})
    paused = await receive_until(follower, lambda m: m["type"] == "playing")
    assert paused["playing"] is False and paused["reason"] == "pause"
    row = await Room.objects.aget(pk=code)
    assert row.playing is False and row.player == "" and row.seq == paused["room_seq"]
    for task in list(roomrun._players.values()):
        await task  # the player saw the pause and ended
    assert (await Room.objects.aget(pk=code)).seq == row.seq  # and took no further step
    for member in (follower, late, presenter_view):
        await member.close()


async def test_a_second_play_takes_over_so_only_one_player_steps(aroom):
    from playground import roomrun

    code, key = aroom
    teacher, _ = await join(code, key)
    await teacher.send({"type": "play", "interval_ms": 50})
    await receive_until(teacher, lambda m: m["type"] == "frame")
    first_player = roomrun._players[code]
    await teacher.send({"type": "play", "interval_ms": 50})
    await receive_until(teacher, lambda m: m["type"] == "playing")
    assert first_player.done() and roomrun._players[code] is not first_player
    steps = [(await receive_until(teacher, lambda m: m["type"] == "frame"))["step"]
             for _ in range(4)]
    assert steps == sorted(set(steps)) and steps[-1] - steps[0] == 3  # one step at a time
    await teacher.send({"type": "pause"})
    await receive_until(teacher, lambda m: m["type"] == "playing" and not m["playing"])
    await teacher.close()


async def test_auto_play_whose_player_died_with_its_process_is_adopted_by_a_process_serving_the_room(
        aroom, monkeypatch):
    from datetime import timedelta

    from channels.layers import get_channel_layer
    from django.utils import timezone

    from playground import roomrun

    monkeypatch.setattr(roomrun, "UPKEEP_S", 0.05)
    code, key = aroom
    # The row says a player on another process plays every 100 ms, but that process died ten
    # seconds ago: nothing moves the run.
    await Room.objects.filter(pk=code).aupdate(
        playing=True, player="gone-with-its-process", interval_ms=100,
        changed=timezone.now() - timedelta(seconds=10))
    follower, snap = await join(code)
    assert snap["playing"] is True and snap["step"] == 0
    frames = [await receive_until(follower, lambda m: m["type"] == "frame") for _ in range(3)]
    assert [f["step"] for f in frames] == [1, 2, 3] and all(f["playing"] for f in frames)
    row = await Room.objects.aget(pk=code)
    assert row.playing and row.player not in ("", "gone-with-its-process")
    adopted = roomrun._players[code]
    # A player that does step is left alone.
    assert await roomrun.adopt_orphaned_players(get_channel_layer(), [code]) == []
    assert roomrun._players[code] is adopted and row.player == (
        await Room.objects.aget(pk=code)).player
    teacher, _ = await join(code, key)
    await teacher.send({"type": "pause"})
    await receive_until(teacher, lambda m: m["type"] == "playing" and not m["playing"])
    await adopted  # the adopted player saw the pause and ended
    for member in (follower, teacher):
        await member.close()


async def test_auto_play_stops_by_itself_when_the_run_is_quiescent(async_client):
    from playground import roomrun

    response = await async_client.post(
        "/api/rooms", json.dumps({"scenario": {"protocol": "twopc", "config": {"participants": 2}}}),
        content_type="application/json")
    body = response.json()
    code, key = body["code"], body["instructor_url"].split("?key=")[1]
    teacher, _ = await join(code, key)
    await teacher.send({"type": "play", "interval_ms": 50})
    done = await receive_until(teacher, lambda m: m["type"] == "playing" and not m["playing"])
    assert done["reason"] == "quiescent"
    row, timeline = await load_row(code)
    assert not row.playing and replay(registry.get("twopc"), row.variant, row.config, row.seed,
                                      timeline).enabled()  # the user may still act
    assert code not in roomrun._players or roomrun._players[code].done()
    await teacher.close()


# -- starting from a share link's token ------------------------------------------------------


async def test_the_instructor_starts_a_share_links_run_and_a_token_of_another_protocol_is_refused(aroom):
    from protocols.links.share import encode, scenario

    code, key = aroom
    teacher, _ = await join(code, key)
    follower, _ = await join(code)
    sim = replay(registry.get("twopc"), "correct", {}, 4, [])
    actions = [sim.auto_step()[0] for _ in range(6)]
    await teacher.send({"type": "start",
                        "token": encode(scenario("twopc", "correct", {}, 4, actions, 3))})
    snap = await follower.receive_run()
    assert snap["type"] == "snapshot" and snap["step"] == 3 and snap["run"]["seed"] == 4
    assert len(snap["run"]["actions"]) == 6
    assert (await teacher.receive_run())["room_seq"] == snap["room_seq"]
    other = encode(scenario("lamport", "correct", {}, 0, [], 0))
    await teacher.send({"type": "start", "token": other})
    refused = await teacher.receive_run()
    assert refused["type"] == "error" and refused["code"] == "bad_field"
    assert "lamport" in refused["message"]
    assert (await Room.objects.aget(pk=code)).seed == 4
    await teacher.close()
    await follower.close()


# -- the follower count ----------------------------------------------------------------------


async def test_the_follower_count_forgets_a_process_that_died(aroom):
    from datetime import timedelta

    from django.utils import timezone

    from playground.models import RoomPresence

    code, key = aroom
    # A process that held 7 followers died 5 minutes ago without closing their sockets.
    await RoomPresence.objects.acreate(room_id=code, process="gone:1:x", count=7,
                                       seen=timezone.now() - timedelta(minutes=5))
    # One that is alive (another Daphne) holds 2.
    await RoomPresence.objects.acreate(room_id=code, process="alive:2:y", count=2,
                                       seen=timezone.now())
    a, snap = await join(code)
    assert snap["room"]["followers"] == 3  # 2 over there + this one; the dead process's 7 not
    teacher, snap = await join(code, key)
    assert snap["room"]["followers"] == 3  # the instructor is no follower
    await a.close()
    presenter_view, snap = await join(code, key)
    assert snap["room"]["followers"] == 2
    for member in (teacher, presenter_view):
        await member.close()


# -- snapshots come from a per-process cache, advanced incrementally -------------------------


async def test_cached_snapshots_match_a_fresh_replay_through_steps_back_branches_and_seeks(aroom):
    from playground import roomrun

    code, key = aroom
    teacher, _ = await join(code, key)
    intents = [{"type": "step", "count": 3}, {"type": "back"}, {"type": "step", "count": 2},
               {"type": "seek", "step": 1}, {"type": "step", "count": 4},
               {"type": "action", "action": {"type": "crash", "node": "coord"}},
               {"type": "caption", "text": "crashed"}, {"type": "seek", "step": 0},
               {"type": "seek", "step": 5}, {"type": "seek", "step": 2},
               {"type": "action", "action": {"type": "crash", "node": "coord"}},
               {"type": "step", "count": 2}]
    sessions = []
    for intent in intents:
        await teacher.send(intent)
        reply = await teacher.receive_run()
        assert reply["type"] != "error", reply
        watcher, snap = await join(code)
        row, timeline = await load_row(code)
        if not any(roomrun._snapshots[code][1] is known for known in sessions):
            sessions.append(roomrun._snapshots[code][1])
        expected = replay(registry.get("twopc"), row.variant, row.config, row.seed, timeline[:row.cursor])
        assert snap["room_seq"] == row.seq and snap["step"] == row.cursor
        assert snap["state"]["trace_hash"] == expected.snapshot()["trace_hash"]
        assert snap["trace"] == expected.trace and snap["run"]["actions"] == timeline
        assert snap["caption"] == row.narration.get(str(row.cursor))
        await watcher.close()
    # Steps, backs, seeks and an action at the end advanced one cached session; only the
    # branch (a crash at step 2, where the timeline had a delivery) built a new one.
    assert len(sessions) == 2
    await teacher.close()


async def drive(member, intent, times=1):
    """Send `intent` `times` times, each after the previous one's reply; the last reply."""
    for _ in range(times):
        await member.send(intent)
        reply = await member.receive_run()
    return reply


async def test_a_step_appends_one_row_and_a_branch_rewrites_the_rooms_timeline(aroom):
    from playground.models import RoomStep

    code, key = aroom
    teacher, _ = await join(code, key)
    await drive(teacher, {"type": "step", "count": 1}, times=4)
    row, timeline = await load_row(code)
    assert row.actions == [] and row.base_seq == 0  # the row's list was not rewritten
    assert await RoomStep.objects.filter(room_id=code).acount() == 4 and len(timeline) == 4
    # Back two steps and act: the run branches (the future is cut): one rewrite, no rows.
    await drive(teacher, {"type": "back"}, times=2)
    crash = await drive(teacher, {"type": "action", "action": {"type": "crash", "node": "coord"}})
    assert crash["type"] == "frame"
    row, timeline = await load_row(code)
    assert row.actions == timeline[:3] and row.base_seq == row.seq
    assert timeline[2] == {"type": "crash", "node": "coord"} and len(timeline) == 3
    assert await RoomStep.objects.filter(room_id=code).acount() == 0
    await drive(teacher, {"type": "step", "count": 2})
    row, timeline = await load_row(code)
    assert len(timeline) == 5 and await RoomStep.objects.filter(room_id=code).acount() == 2
    # A late joiner's snapshot is that timeline.
    late, snap = await join(code)
    assert snap["run"]["actions"] == timeline and snap["step"] == 5
    for member in (teacher, late):
        await member.close()


async def test_a_rooms_run_stops_at_the_action_cap(db):
    from playground.rooms import hash_key
    from playground.wire import MAX_ACTIONS

    sim = replay(registry.get("election"), "correct", {}, 0, [])
    actions = [sim.auto_step()[0] for _ in range(MAX_ACTIONS - 1)]
    await Room.objects.acreate(code="capcapcapc", key_hash=hash_key("k"), protocol="election",
                               variant="correct", config={}, seed=0, actions=actions,
                               cursor=len(actions))
    teacher, snap = await join("capcapcapc", "k", timeout=30)
    assert snap["step"] == MAX_ACTIONS - 1
    await teacher.send({"type": "step", "count": 5})
    frame = await teacher.receive_run(timeout=30)
    assert frame["type"] == "frame" and frame["step"] == MAX_ACTIONS  # one step, up to the cap
    await teacher.send({"type": "step"})
    refused = await teacher.receive_run(timeout=30)
    assert refused["type"] == "error" and refused["code"] == "too_large"
    assert (await Room.objects.aget(pk="capcapcapc")).cursor == MAX_ACTIONS
    await teacher.close()


def test_presence_refresh_keeps_this_process_and_forgets_dead_ones(db, client):
    from datetime import timedelta

    from django.utils import timezone

    from playground import roomrun
    from playground.models import RoomPresence

    code = create_room(client, {"protocol": "twopc"}).json()["code"]
    old = timezone.now() - timedelta(seconds=roomrun.PRESENCE_STALE_S + 5)
    RoomPresence.objects.create(room_id=code, process=roomrun.PROCESS, count=4, seen=old)
    RoomPresence.objects.create(room_id=code, process="dead:1:z", count=9, seen=old)
    assert roomrun.follower_total(code) == 0  # both look stale before the refresh
    assert roomrun._refresh([code]) == {code: 4}
    assert list(RoomPresence.objects.values_list("process", flat=True)) == [roomrun.PROCESS]


def test_forking_a_room_whose_run_is_too_long_for_a_link_opens_a_short_link(client):
    from playground.models import Scenario
    from playground.rooms import hash_key

    sim = replay(registry.get("election"), "correct", {}, 0, [])
    actions = [sim.auto_step()[0] for _ in range(6000)]
    Room.objects.create(code="longlonglo", key_hash=hash_key("k"), protocol="election",
                        variant="correct", config={}, seed=0, actions=actions, cursor=5500)
    response = client.get("/room/longlonglo/fork")
    assert response.status_code == 302 and response["Location"].startswith("/s/")
    row = Scenario.objects.get(pk=response["Location"][3:])
    assert row.actions == actions and row.cursor == 5500
    assert client.get(response["Location"]).status_code == 200


async def test_a_preset_room_walks_its_script_step_by_step_and_auto_play_follows_it(async_client):
    from protocols import registry

    script = registry.get("twopc").presets["coordinator-crash"]["actions"]
    response = await async_client.post(
        "/api/rooms", json.dumps({"scenario": {"protocol": "twopc", "preset": "coordinator-crash"}}),
        content_type="application/json")
    body = response.json()
    code, key = body["code"], body["instructor_url"].split("?key=")[1]
    teacher, snap = await join(code, key)
    assert snap["step"] == 0 and snap["run"]["actions"] == script
    await teacher.send({"type": "seek", "step": 1})  # what the Step button sends here
    frame = await teacher.receive_run()
    assert frame["type"] == "frame" and frame["step"] == 1 and frame["actions"] == script[:1]
    assert frame["length"] == len(script)  # the rest of the script is kept
    await teacher.send({"type": "play", "interval_ms": 50})
    done = await receive_until(teacher, lambda m: m["type"] == "playing" and not m["playing"])
    assert done["reason"] == "quiescent"
    row, timeline = await load_row(code)
    assert timeline[:len(script)] == script and row.cursor >= len(script)
    await teacher.close()


def test_a_room_opens_from_a_run_at_the_action_cap(client):
    from playground.wire import MAX_ACTIONS

    sim = replay(registry.get("election"), "correct", {}, 0, [])
    actions = [sim.auto_step()[0] for _ in range(MAX_ACTIONS)]
    response = create_room(client, {"protocol": "election", "actions": actions, "cursor": 9000})
    assert response.status_code == 201, response.content
    assert Room.objects.get(pk=response.json()["code"]).cursor == 9000


@pytest.mark.parametrize("instructor", [True, False])
async def test_bad_frames_get_a_clear_error_and_change_nothing(aroom, instructor):
    code, key = aroom
    member, _ = await join(code, key if instructor else None)
    cases = [
        ("{not json", "bad_json"),
        ("[1, 2]", "not_object"),
        ('{"type": "teleport"}', "unknown_type"),
        ("x" * 70_000, "too_large"),
    ]
    if instructor:
        cases += [
            ('{"type": "step", "count": "many"}', "bad_field"),
            ('{"type": "seek", "step": 99}', "bad_field"),
            ('{"type": "action", "action": {"type": "deliver", "msg": 12345}}', None),
            ('{"type": "caption", "text": 5}', "bad_field"),
            ('{"type": "start", "token": "%%%"}', "bad_link"),
            ('{"type": "start", "preset": "no-such-preset"}', "bad_config"),
        ]
    for text, expected in cases:
        await member.communicator.send_to(text_data=text)
        reply = await member.receive_run()
        assert reply["type"] == "error" and reply["message"], (text[:40], reply)
        if expected:
            assert reply["code"] == expected, (text[:40], reply)
    await member.communicator.send_to(bytes_data=b"\x00\x01")
    assert (await member.receive_run())["code"] == "bad_json"
    row = await Room.objects.aget(pk=code)
    assert row.seq == 0 and row.cursor == 0  # nothing changed
    await member.send({"type": "ping"})
    assert (await member.receive_run())["type"] == "pong"  # and the connection lives on
    await member.close()
