"""Issue 15, findings 2, 3 and 6: hostile input at every boundary (socket frames, share
tokens, API bodies, room messages) is refused with an error frame or a 4xx, before anything
changes: no traceback in the logs, the run (its trace hash) and `seq` continuity intact.

One test per finding, then Hypothesis property tests that throw malformed and hostile frames,
tokens and bodies at the play socket, the room socket and the views.
"""

import base64
import json
import logging
import zlib

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from hypothesis import HealthCheck, given, settings, strategies as st

from playground.asgi import application
from playground.models import Room

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
SURROGATE = "\\ud800"  # a lone surrogate, as JSON text escapes it
BIG_DIGITS = "1" * 5000
DEEP = "[" * 200_000 + "]" * 200_000
HYPOTHESIS = settings(max_examples=150, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


@pytest.fixture(autouse=True)
async def forget_worker_thread_connections(transactional_db):
    """As in test_rooms.py: forget the consumers' worker-thread database connection."""
    yield

    def forget():
        for conn in connections.all(initialized_only=True):
            conn.connection = None

    await sync_to_async(forget, thread_sensitive=True)()


def tracebacks(caplog):
    """Log records a hostile input must never cause: errors, or anything with a traceback."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def raw_token(text):
    """A share token for any JSON text, even text the server's encoder would never write."""
    data = zlib.compress(text.encode("utf-8", "surrogatepass"), 9)
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def scenario_text(protocol="twopc", config="{}", seed="0", actions="[]", cursor="0"):
    return (f'{{"v":1,"protocol":"{protocol}","variant":"correct","config":{config},'
            f'"seed":{seed},"actions":{actions},"cursor":{cursor}}}')


class Socket:
    """A WebsocketCommunicator that checks every message's `seq` is the next one."""

    def __init__(self, communicator):
        self.communicator = communicator
        self.last_seq = 0

    @classmethod
    async def open(cls, path):
        communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        return cls(communicator)

    async def send_text(self, text):
        await self.communicator.send_input({"type": "websocket.receive", "text": text})

    async def receive(self, timeout=5):
        message = await self.communicator.receive_json_from(timeout=timeout)
        assert message["seq"] == self.last_seq + 1, "seq must increase by one per message"
        self.last_seq = message["seq"]
        return message

    async def receive_run(self, timeout=5):
        while True:
            message = await self.receive(timeout)
            if message["type"] != "followers":
                return message

    async def ask(self, text):
        await self.send_text(text)
        return await self.receive_run()

    async def trace_hash(self):
        snap = await self.ask('{"type":"snapshot"}')
        assert snap["type"] == "snapshot", snap
        return snap["state"]["trace_hash"]

    async def close(self):
        await self.communicator.disconnect()


async def started_play_socket(protocol="twopc"):
    ws = await Socket.open(f"/ws/play/{protocol}/")
    snap = await ws.ask('{"type":"start"}')
    assert snap["type"] == "snapshot"
    await ws.ask('{"type":"step","count":3}')
    return ws


async def make_room(code="hostileroo", key="k", protocol="twopc"):
    from playground.rooms import hash_key

    await Room.objects.acreate(code=code, key_hash=hash_key(key), protocol=protocol,
                               variant="correct", config={}, seed=0, actions=[], cursor=0)
    teacher = await Socket.open(f"/ws/room/{code}/?key={key}")
    assert (await teacher.receive_run())["type"] == "snapshot"
    student = await Socket.open(f"/ws/room/{code}/")
    assert (await student.receive_run())["type"] == "snapshot"
    return teacher, student


# -- finding 2: poisoned runs ------------------------------------------------------------------


@pytest.mark.parametrize("protocol, config", [
    ("twopc", f'{{"kinds":["{SURROGATE}"]}}'),
    ("election", f'{{"labels":["{SURROGATE}","b","c","d","e"]}}'),
    ("replication", f'{{"keys":["{SURROGATE}"]}}'),
    ("lamport", '{"send_ratio":NaN}'),
])
async def test_finding_2_a_poisoned_config_start_is_refused_and_keeps_the_run(
        protocol, config, caplog):
    ws = await started_play_socket(protocol)
    before = await ws.trace_hash()
    refused = await ws.ask(f'{{"type":"start","config":{config}}}')
    assert refused["type"] == "error" and refused["code"] in ("bad_json", "bad_field"), refused
    assert await ws.trace_hash() == before  # the old run, and no seq skipped (Socket checks)
    snap = await ws.ask('{"type":"snapshot"}')
    assert snap["type"] == "snapshot"
    assert not tracebacks(caplog)
    await ws.close()


async def test_finding_2_a_lamport_token_with_nan_send_ratio_is_bad_link(client, caplog):
    token = raw_token(scenario_text("lamport", config='{"send_ratio":NaN}'))
    ws = await started_play_socket("lamport")
    before = await ws.trace_hash()
    refused = await ws.ask(json.dumps({"type": "start", "token": token}))
    assert refused["type"] == "error" and refused["code"] == "bad_link", refused
    assert "send_ratio" in refused["message"]
    assert await ws.trace_hash() == before
    await ws.close()
    for url in (f"/play/lamport/?s={token}", f"/api/export/mermaid?s={token}",
                f"/api/export/trace?s={token}"):
        assert (await sync_to_async(client.get)(url)).status_code == 400, url
    assert not tracebacks(caplog)


def test_finding_2_a_share_link_with_a_lone_surrogate_config_is_400(client, caplog):
    token = raw_token(scenario_text("twopc", config=f'{{"kinds":["{SURROGATE}"]}}'))
    for url in (f"/play/twopc/?s={token}", f"/api/export/mermaid?s={token}",
                f"/api/export/trace?s={token}"):
        assert client.get(url).status_code == 400, url
    assert not tracebacks(caplog)


@pytest.mark.parametrize("body", [
    f'{{"protocol":"twopc","title":"{SURROGATE}"}}',
    '{"protocol":"lamport","config":{"send_ratio":NaN}}',
    f'{{"protocol":"twopc","config":{{"kinds":["{SURROGATE}"]}}}}',
])
def test_finding_2_api_scenarios_refuses_surrogate_titles_and_nan_configs_with_400(
        client, caplog, body):
    response = client.post("/api/scenarios", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "bad_json"
    assert not tracebacks(caplog)


def test_finding_2_api_rooms_refuses_a_lone_surrogate_config(client, caplog):
    body = f'{{"scenario":{{"protocol":"twopc","config":{{"kinds":["{SURROGATE}"]}}}}}}'
    response = client.post("/api/rooms", body, content_type="application/json")
    assert response.status_code == 400
    assert not Room.objects.exists()
    assert not tracebacks(caplog)


async def test_finding_2_an_instructor_caption_with_a_lone_surrogate_breaks_no_socket(caplog):
    teacher, student = await make_room()
    refused = await teacher.ask(f'{{"type":"caption","text":"{SURROGATE}"}}')
    assert refused["type"] == "error" and refused["code"] == "bad_json"
    # Both sockets still work, and the room's run still encodes.
    assert (await teacher.ask('{"type":"caption","text":"fine"}'))["type"] == "caption"
    assert (await student.receive_run())["type"] == "caption"
    assert (await student.ask('{"type":"snapshot"}'))["type"] == "snapshot"
    assert (await teacher.ask('{"type":"step"}'))["type"] == "frame"
    assert not tracebacks(caplog)
    await teacher.close()
    await student.close()


def test_finding_2_a_refused_start_leaves_the_session_run():
    from playground.session import PlaySession
    from playground.wire import RequestError
    from protocols import registry

    session = PlaySession(registry.get("twopc"))
    session.start()
    session.step(3)
    run, before = session.run, session.sim.snapshot()["trace_hash"]
    for bad in ({"kinds": ["\ud800"]}, {"participants": float("nan")}, {"participants": 99},
                {"transactions": 10**30}):
        with pytest.raises(RequestError):
            session.start(config=bad)
        assert session.sim.snapshot()["trace_hash"] == before
        assert session.run.cursor == run.cursor == 3


# -- finding 3: other 500s and tracebacks --------------------------------------------------------


@pytest.mark.parametrize("what, text", [
    ("a 5000-digit integer", scenario_text(seed=BIG_DIGITS)),
    ("nesting 200,000 deep", scenario_text(config=f'{{"x":{DEEP}}}')),
])
async def test_finding_3_tokens_with_huge_integers_or_deep_nesting_are_400_and_bad_link(
        client, caplog, what, text):
    token = raw_token(text)
    for url in (f"/play/twopc/?s={token}", f"/api/export/mermaid?s={token}",
                f"/api/export/trace?s={token}"):
        assert (await sync_to_async(client.get)(url)).status_code == 400, (what, url)
    ws = await started_play_socket()
    refused = await ws.ask(json.dumps({"type": "start", "token": token}))
    assert refused["type"] == "error" and refused["code"] == "bad_link", refused
    await ws.close()
    assert not tracebacks(caplog)


@pytest.mark.parametrize("kind", ["[]", "{}", "3", "null", '"launch"'])
async def test_finding_3_a_room_message_with_a_non_string_type_is_unknown_type(caplog, kind):
    teacher, student = await make_room()
    for member in (teacher, student):
        refused = await member.ask(f'{{"type":{kind}}}')
        assert refused["type"] == "error" and refused["code"] == "unknown_type", refused
    assert not tracebacks(caplog)
    await teacher.close()
    await student.close()


@pytest.mark.parametrize("key", ["²", "1" * 5000, "-1", "1.5", " 1", "٣"])
async def test_finding_3_odd_narration_keys_are_refused_cleanly(client, caplog, key):
    ws = await started_play_socket()
    before = await ws.trace_hash()
    refused = await ws.ask(json.dumps({"type": "start", "narration": {key: "hi"}}))
    assert refused["type"] == "error" and refused["code"] == "bad_field", refused
    assert await ws.trace_hash() == before
    await ws.close()
    body = json.dumps({"protocol": "twopc", "narration": {key: "hi"}})
    response = await sync_to_async(client.post)("/api/scenarios", body,
                                                 content_type="application/json")
    assert response.status_code == 400
    assert not tracebacks(caplog)


# -- finding 6: minor ------------------------------------------------------------------------------


async def test_finding_6_actions_as_an_object_is_refused_not_an_empty_list(client, caplog):
    for url, body in (("/api/scenarios", {"protocol": "twopc", "actions": {}}),
                      ("/api/rooms", {"scenario": {"protocol": "twopc", "actions": {}}}),
                      ("/api/scenarios", {"protocol": "twopc", "config": []}),
                      ("/api/scenarios", {"protocol": "twopc", "seed": False})):
        response = await sync_to_async(client.post)(url, json.dumps(body),
                                                    content_type="application/json")
        assert response.status_code == 400, (url, body)
    ws = await started_play_socket()
    refused = await ws.ask('{"type":"start","actions":{}}')
    assert refused["type"] == "error" and refused["code"] == "bad_field"
    await ws.close()
    assert not tracebacks(caplog)


@pytest.mark.parametrize("query, instructor", [
    ("key=k&key=wrong", True), ("key=wrong&key=k", False), ("key=&key=k", False),
])
async def test_finding_6_a_repeated_key_means_the_same_on_the_page_and_the_socket(
        client, query, instructor):
    from playground.rooms import hash_key

    await Room.objects.acreate(code="dupkeyroom", key_hash=hash_key("k"), protocol="twopc",
                               variant="correct", config={}, seed=0, actions=[], cursor=0)
    page = await sync_to_async(client.get)(f"/room/dupkeyroom/?{query}")
    assert page.status_code == 200
    assert ('"instructor": true' in page.content.decode()) == instructor
    ws = await Socket.open(f"/ws/room/dupkeyroom/?{query}")
    snap = await ws.receive_run()
    assert snap["room"]["instructor"] is instructor
    await ws.close()


# -- the codec itself --------------------------------------------------------------------------


@pytest.mark.parametrize("text, where", [
    ('{"a":{"b":[1,NaN]}}', "a.b[1]"),
    (f'{{"config":{{"kinds":["{SURROGATE}"]}}}}', "config.kinds[0]"),
    (f'{{"{SURROGATE}":1}}', '["\\ud800"]'),
    ('{"seed":' + BIG_DIGITS + '}', "seed"),
    ('{"x":[1e999]}', "x[0]"),
    ('{"x":[9223372036854775808]}', "x[0]"),
])
def test_the_codec_names_the_field_it_refuses(text, where):
    from protocols.limits import MAX_MESSAGE_BYTES
    from protocols.links import codec

    with pytest.raises(codec.JSONError) as info:
        codec.loads(text, max_bytes=MAX_MESSAGE_BYTES)
    assert info.value.message.endswith(f"at {where}"), info.value.message
    assert "\n" not in info.value.message
    codec.dumps({"message": info.value.message})  # the reason itself is always sendable


def test_the_codec_refuses_deep_and_oversize_input_and_dumps_never_emits_bad_json():
    from protocols.links import codec

    for text, max_bytes in ((DEEP, 10**6), ("[" * 40 + "]" * 40, 1000), ("[1]" * 10, 5)):
        with pytest.raises(codec.JSONError):
            codec.loads(text, max_bytes=max_bytes)
    assert codec.loads('{"x":"\\ud83d\\ude00"}', max_bytes=100) == {"x": "😀"}
    assert codec.loads('{"k":1,"k":2}', max_bytes=100) == {"k": 2}  # the last, as in JS
    for value in ({"x": float("nan")}, {"x": float("inf")}, {"x": "\ud800"}, ["\udfff"]):
        with pytest.raises(codec.JSONError):
            codec.dumps(value)


def test_every_layer_reads_one_set_of_limits():
    from playground import rooms, session, wire
    from protocols import limits
    from protocols.links import share

    assert wire.MAX_ACTIONS == share.MAX_ACTIONS == session.MAX_ACTIONS == limits.MAX_ACTIONS
    assert limits.MAX_ACTIONS == 10_000
    assert wire.MAX_SEED == share.MAX_SEED == limits.MAX_SEED == 2**53 - 1
    assert rooms.MAX_CAPTION == limits.MAX_CAPTION
    assert share.MAX_TOKEN_CHARS == limits.MAX_TOKEN_CHARS


# -- property tests: hostile frames, tokens and bodies ------------------------------------------

POISONS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", BIG_DIGITS, "-" + BIG_DIGITS,
           "9223372036854775808", f'"{SURROGATE}"', '"\\udfff"', '"a\\udc00b"',
           "[" * 40 + "]" * 40, '"\\ud800\\ud800"', "[" * 5000 + "]" * 5000]
FIELDS = ["config", "actions", "seed", "cursor", "narration", "action", "count", "step",
          "interval_ms", "text", "token", "preset", "variant", "x"]
INTENTS = ["start", "action", "step", "back", "seek", "play", "pause", "speed", "snapshot",
           "ping", "caption", "undo_fork", "explore"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.text(max_size=8).map(json.dumps))


@st.composite
def poisoned_frame(draw):
    """A message with a poison somewhere in it: every one must be refused."""
    kind = draw(st.sampled_from(INTENTS))
    poison = draw(st.sampled_from(POISONS))
    field = draw(st.sampled_from(FIELDS))
    shape = draw(st.sampled_from(["field", "in_config", "in_list", "key", "type"]))
    if shape == "field":
        body = f'"{field}":{poison}'
    elif shape == "in_config":
        body = f'"config":{{"{draw(st.sampled_from(["kinds", "labels", "keys", "x"]))}":[{poison}]}}'
    elif shape == "in_list":
        body = f'"actions":[{{"type":"deliver","msg":{poison}}}]'
    elif shape == "key":
        body = f'"{SURROGATE}{field}":1'
    else:
        return f'{{"type":{poison}}}'
    return f'{{"type":"{kind}",{body}}}' if draw(st.booleans()) else f'{{{body},"type":"{kind}"}}'


hostile_type = st.sampled_from(["[]", "{}", "1", "null", "true", '""', '"x"', '"START"'])
garbage = st.one_of(st.text(max_size=60), st.binary(max_size=40).map(lambda b: b.decode("latin-1")))


@st.composite
def hostile_frame(draw):
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(poisoned_frame())
    if choice == 1:
        return f'{{"type":{draw(hostile_type)},"x":{draw(scalars)}}}'
    if choice == 2:
        text = draw(garbage)
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return '{"type":[]}' if isinstance(value, dict) else text
    # A known intent with fields of the wrong types (`"actions": {}`, `"count": "3"`, ...).
    kind = draw(st.sampled_from(["start", "action", "step", "seek", "speed"]))
    field = {"start": "actions", "action": "action", "step": "count", "seek": "step",
             "speed": "interval_ms"}[kind]
    value = draw(st.sampled_from(['{}', '"3"', "-1", "1.5", "true", '[1]', '{"type":3}']))
    if kind == "step" and value in ("[1]",):
        value = "0"
    return f'{{"type":"{kind}","{field}":{value}}}'


@HYPOTHESIS
@given(frames=st.lists(hostile_frame(), min_size=1, max_size=8))
async def test_hostile_frames_on_the_play_socket_get_error_frames_and_change_nothing(
        caplog, frames):
    ws = await started_play_socket()
    before = await ws.trace_hash()
    for text in frames:
        reply = await ws.ask(text)
        assert reply["type"] == "error" and reply["code"] != "internal", (text[:200], reply)
    assert await ws.trace_hash() == before
    assert not tracebacks(caplog)
    await ws.close()


@HYPOTHESIS
@given(frames=st.lists(hostile_frame(), min_size=1, max_size=6))
async def test_hostile_frames_on_the_room_socket_get_error_frames_and_change_nothing(
        caplog, frames):
    await Room.objects.filter(pk="fuzzroomxx").adelete()
    teacher, student = await make_room("fuzzroomxx")
    before = await teacher.trace_hash()
    for text in frames:
        for member in (teacher, student):
            reply = await member.ask(text)
            assert reply["type"] == "error" and reply["code"] != "internal", (text[:200], reply)
    assert await teacher.trace_hash() == before
    assert await student.trace_hash() == before
    assert not tracebacks(caplog)
    await teacher.close()
    await student.close()


@st.composite
def hostile_scenario_text(draw):
    poison = draw(st.sampled_from(POISONS + ["{}", "[]", '"x"', "-1", "true"]))
    field = draw(st.sampled_from(["config", "seed", "actions", "cursor", "in_config",
                                  "in_actions"]))
    if field == "in_config":  # a wrong kind is a ConfigError (400); "x" is a fine kind
        poison = "NaN" if poison == '"x"' else poison
        return scenario_text(config=f'{{"kinds":[{poison}]}}')
    if field == "in_actions":  # (a wrong type there is a step not enabled: the page opens)
        poison = draw(st.sampled_from(POISONS))
        return scenario_text(actions=f'[{{"type":"deliver","msg":{poison}}}]', cursor="1")
    if field == "config" and poison in ("{}",) or field == "actions" and poison == "[]":
        poison = "NaN"
    return scenario_text(**{field: poison})


@HYPOTHESIS
@given(text=hostile_scenario_text())
async def test_hostile_tokens_give_400s_and_an_error_frame(client, caplog, text):
    token = raw_token(text)
    for url in (f"/play/twopc/?s={token}", f"/api/export/mermaid?s={token}",
                f"/api/export/trace?s={token}"):
        response = await sync_to_async(client.get)(url)
        assert 400 <= response.status_code < 500, (text[:200], url)
    response = await sync_to_async(client.post)("/api/export/trace", json.dumps({"s": token}),
                                                content_type="application/json")
    assert 400 <= response.status_code < 500
    ws = await started_play_socket()
    before = await ws.trace_hash()
    reply = await ws.ask(json.dumps({"type": "start", "token": token}))
    assert reply["type"] == "error" and reply["code"] != "internal", (text[:200], reply)
    assert await ws.trace_hash() == before
    await ws.close()
    assert not tracebacks(caplog)


@st.composite
def hostile_body(draw):
    poison = draw(st.sampled_from(POISONS + ["{}", "[]"]))
    field = draw(st.sampled_from(["title", "config", "seed", "actions", "cursor", "narration",
                                  "variant", "preset", "in_config", "whole"]))
    if field == "whole":
        return draw(st.one_of(st.sampled_from(POISONS), garbage))
    if field == "in_config":
        return f'{{"protocol":"twopc","config":{{"kinds":[{poison}]}}}}'
    if poison in ("{}", "[]") and field in ("config", "actions", "narration"):
        poison = {"config": "[]", "actions": "{}", "narration": "[]"}[field]
    return f'{{"protocol":"twopc","{field}":{poison}}}'


@HYPOTHESIS
@given(body=hostile_body(), room=st.booleans())
def test_hostile_api_bodies_get_4xx(client, caplog, body, room):
    url, payload = ("/api/rooms", f'{{"scenario":{body}}}') if room else ("/api/scenarios", body)
    response = client.post(url, payload.encode("utf-8", "surrogatepass"),
                           content_type="application/json")
    assert 400 <= response.status_code < 500, (payload[:200], response.content[:200])
    assert not tracebacks(caplog)


def test_a_hostile_trace_import_is_refused_like_any_start():
    """The browser imports a JSON trace by sending its scenario as a `start` (scenario.js
    importTrace) or a token: both go through the codec, checked above; here the parse."""
    from playground import wire

    doc = ('{"type":"start","variant":"correct","config":{"kinds":["' + SURROGATE + '"]},'
           '"seed":0,"actions":[],"cursor":0}')
    with pytest.raises(wire.RequestError) as info:
        wire.parse(doc)
    assert info.value.code == "bad_json" and "config.kinds[0]" in info.value.message



def test_finding_2_forking_a_room_saved_with_a_poisoned_config_is_400_not_500(client, caplog):
    """A row written before the codec existed: the fork refuses it with the reason."""
    from playground.rooms import hash_key

    Room.objects.create(code="oldpoisonx", key_hash=hash_key("k"), protocol="twopc",
                        variant="correct", config={"kinds": ["\ud800"]}, seed=0, actions=[],
                        cursor=0)
    response = client.get("/room/oldpoisonx/fork")
    assert response.status_code == 400
    assert not tracebacks(caplog)
