"""Instructor rooms (docs/rooms.md): a class follows one live run, across server processes.

- HTTP: `POST /api/rooms` creates a room from a saved scenario id or a scenario object (or a
  preset); `/room/<code>/` is the follow page (with `?key=<secret>` the instructor's page),
  `/room/<code>/present?key=…` the presenter view, `/room/<code>/fork` a private sandbox at
  the room's current step.
- WebSocket `ws/room/<code>/?key=…`: the instructor's connection drives the run (the same
  intents as `ws/play/`); every follower connection only watches. The room's run and its
  broadcast sequence number (`room_seq`) live in the Room row; the instructor's process
  applies an intent, saves the run and the next `room_seq` (a conditional update, so two
  instructor connections cannot both take the same number), then sends the frame to the
  channel-layer group `room.<code>`. Every connection in the group, on any process, forwards
  it. A connection that sees a gap in `room_seq` sends a fresh snapshot built from the row.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
from datetime import timedelta
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from protocols import registry
from protocols.kernel import deep_copy
from protocols.limits import MAX_CAPTION, MAX_KEY_CHARS
from protocols.links.share import LinkError, scenario as link_scenario, share_path

from . import wire
from .models import ID_ALPHABET, Room, Scenario
from .ratelimit import TokenBucket
from .roomrun import (RoomRun, follower_joined, follower_left, follower_total, group_name,
                      load_room, new_player_id, room_closed, room_opened, snapshot_members,
                      start_player)
from .session import shared_narration
from .wire import RequestError, clean_narration
from .wsbase import NumberedJsonConsumer

log = logging.getLogger(__name__)

CODE_LENGTH = 10  # 32 letters ** 10 = 2^50 codes: short to type, not guessable
CLOSE_UNKNOWN_ROOM = 4404
# Intents that change the run: only the instructor's secret may send them.
DRIVING = {"start", "action", "step", "back", "seek", "play", "pause", "speed", "caption"}
WATCHING = {"snapshot", "ping"}


def new_code():
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(CODE_LENGTH))


def hash_key(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_matches(room, key):
    """Whether `key` is the room's instructor secret (constant-time on the hashes)."""
    return key_matches_hash(room.key_hash, key)


# -- HTTP ------------------------------------------------------------------------------------


def first_key(values):
    """The instructor key a query string carries: its first `key` value (page and socket
    agree; later ones are ignored, docs/rooms.md), or None."""
    return values[0] if values else None


def _json_error(status, code, message):
    return JsonResponse({"error": code, "message": message}, status=status)


def _scenario_from_body(value):
    """(scenario dict, preset name or "", narration) for the body's "scenario" field."""
    from .scenarios import ScenarioError, given, replay_faithfully

    if isinstance(value, str):
        row = Scenario.objects.filter(pk=value[:16]).first()
        if row is None:
            raise ScenarioError(f"no scenario with id {value[:40]!r}")
        return row.link_scenario(), "", dict(row.narration)
    if not isinstance(value, dict):
        raise ScenarioError("'scenario' must be a saved scenario's id or a scenario object")
    known = {"protocol", "variant", "config", "seed", "actions", "cursor", "preset", "narration",
             "v"}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ScenarioError(f"unknown field {unknown[0]!r} in the scenario")
    protocol = value.get("protocol")
    if not isinstance(protocol, str) or protocol not in registry.names():
        raise ScenarioError(f"unknown protocol {str(protocol)[:40]!r}; known: "
                            + ", ".join(registry.names()))
    proto = registry.get(protocol)
    try:
        narration = clean_narration(value.get("narration"))
    except RequestError as exc:
        raise ScenarioError(exc.message) from None
    preset = ""
    if value.get("preset") is not None:
        preset = value["preset"]
        script = proto.presets.get(preset) if isinstance(preset, str) else None
        if script is None:
            raise ScenarioError(f"unknown preset {str(preset)[:60]!r}")
        script = deep_copy(script)
        # The story's scenario; with actions, a run forked from it ("Teach this run" on a
        # story the student has played on), whose remarks stay on the steps it shares.
        actions = value.get("actions")
        actions = script.get("actions") if actions is None else actions
        if not isinstance(actions, list):
            raise ScenarioError("'actions' must be a list of action objects")
        value = {"variant": script.get("variant"), "config": script.get("config"),
                 "seed": script.get("seed"), "actions": actions,
                 "cursor": given(value, "cursor", 0)}
        narration = shared_narration(proto, preset, actions, narration)
    actions = given(value, "actions", [])
    if not isinstance(actions, list):  # an object is not an empty list
        raise ScenarioError("'actions' must be a list of action objects")
    try:
        scen = link_scenario(protocol, given(value, "variant", proto.default_variant),
                             given(value, "config", {}), given(value, "seed", 0),
                             actions, value.get("cursor"))
    except LinkError as exc:
        raise ScenarioError(exc.message) from None
    _, _, problem = replay_faithfully(scen)
    if problem:
        raise ScenarioError(problem)
    return scen, preset, narration


@csrf_exempt
def api_rooms(request):
    from .scenarios import ScenarioError, _client_ip, read_json_body

    if request.method != "POST":
        return _json_error(405, "method_not_allowed", "POST {\"scenario\": …} to open a room")
    if (request.content_type or "") != "application/json":
        return _json_error(415, "unsupported_media_type",
                           "send the body as JSON with Content-Type: application/json")
    body, error = read_json_body(request)
    if error:
        return error
    if not isinstance(body, dict) or "scenario" not in body:
        return _json_error(400, "bad_field", "the body must be {\"scenario\": <id or object>}")
    try:
        scen, preset, narration = _scenario_from_body(body["scenario"])
    except ScenarioError as exc:
        return _json_error(400, "bad_scenario", str(exc))
    ip = _client_ip(request)
    limit = settings.PLAYGROUND_API_CREATE_PER_HOUR
    since = timezone.now() - timedelta(hours=1)
    if Room.objects.filter(creator_ip=ip, created__gte=since).count() >= limit:
        return _json_error(429, "rate_limited", f"at most {limit} rooms per hour from one "
                           "address; try again later")
    key = secrets.token_urlsafe(24)
    room = Room.objects.create(
        code=new_code(), key_hash=hash_key(key), protocol=scen["protocol"],
        variant=scen["variant"], config=scen["config"], seed=scen["seed"],
        actions=scen["actions"], cursor=scen["cursor"], preset=preset or "",
        narration=narration, creator_ip=ip)
    follow = request.build_absolute_uri(room.get_absolute_url())
    return JsonResponse({"code": room.code, "follow_url": follow,
                         "instructor_url": f"{follow}?key={key}"}, status=201)


def _room_or_404(code):
    room = Room.objects.filter(pk=code[:16]).first()
    if room is None:
        raise Http404("no such room")
    return room


def _page(request, code, template, need_key):
    room = Room.objects.filter(pk=code[:16]).first()
    if room is None:
        return render(request, "404.html", {"missing_room": code[:40]}, status=404)
    key = first_key(request.GET.getlist("key"))
    instructor = key_matches(room, key)
    if need_key and not instructor:
        return render(request, "403.html", {"problem": "the presenter view needs the "
                                            "instructor link's key"}, status=403)
    proto = registry.get(room.protocol)
    ws_path = f"/ws/room/{room.code}/"
    bootstrap = {"code": room.code, "ws_path": ws_path, "instructor": instructor,
                 "key": key if instructor else None, "protocol": proto.describe(),
                 "fork_url": f"/room/{room.code}/fork",
                 "follow_url": request.build_absolute_uri(room.get_absolute_url())}
    return render(request, template, {"room": room, "proto": proto, "bootstrap": bootstrap,
                                      "instructor": instructor})


@never_cache
@require_safe
def room_page(request, code):
    return _page(request, code, "room.html", need_key=False)


@never_cache
@require_safe
def presenter_page(request, code):
    return _page(request, code, "presenter.html", need_key=True)


@never_cache
@require_safe
def fork(request, code):
    """A private sandbox at the room's current step: the share link of its run."""
    room = _room_or_404(code)
    actions = room.timeline()
    try:
        scen = link_scenario(room.protocol, room.variant, room.config, room.seed, actions,
                             room.cursor)
    except LinkError as exc:  # a row saved before the strict codec (e.g. a NaN config)
        return render(request, "400.html", {"problem": exc.message}, status=400)
    try:
        return HttpResponseRedirect(share_path(scen))
    except LinkError:
        # Too long for a URL: save it as a short link (a private id nobody else knows).
        from .scenarios import _client_ip

        row = Scenario.objects.create(
            protocol=room.protocol, variant=room.variant, config=room.config, seed=room.seed,
            actions=actions, cursor=room.cursor, title=f"Fork of room {room.code}",
            creator_ip=_client_ip(request))
        return HttpResponseRedirect(row.get_absolute_url())


# -- WebSocket -------------------------------------------------------------------------------


class RoomConsumer(NumberedJsonConsumer):
    """ws/room/<code>/: the instructor drives (per message, with the secret), followers watch."""

    # Broadcast run frames and follower counts touch no database (wsbase.py): a class of
    # followers would otherwise queue one thread hop each per frame. Inbound intents reach it
    # only through database_sync_to_async, which cleans up connections itself.
    NO_DATABASE = frozenset({"room.run", "room.followers", "websocket.receive"})

    async def connect(self):
        self.open_connection()
        self.shown = None  # the room_seq of the last run message sent to this socket
        self.group = None
        self.counted = False
        self.run = None  # the instructor's copy of the run (roomrun.RoomRun), built lazily
        self.owed = None  # the row's room_seq at the last database check (check_room_seq)
        self.catching_up = None  # the task sending a catch-up snapshot, while it runs
        self.bucket = TokenBucket(settings.PLAYGROUND_WS_RATE_PER_SECOND,
                                  settings.PLAYGROUND_WS_RATE_BURST)
        self.actions_per_token = max(1, settings.PLAYGROUND_WS_ACTIONS_PER_TOKEN)
        self.code = self.scope["url_route"]["kwargs"]["code"][:16]
        # Blank values kept, as Django's request.GET keeps them: `?key=&key=<secret>` is a
        # follower on the page and on the socket alike.
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"),
                         keep_blank_values=True)
        self.key = first_key(query.get("key"))
        await self.accept()
        room = await database_sync_to_async(load_room)(self.code)
        if room is None:
            await self._send({"type": "error", "code": "unknown_room",
                              "message": f"no room {self.code!r}"})
            await self.close(code=CLOSE_UNKNOWN_ROOM)
            return
        self.key_hash = room.key_hash
        self.protocol = room.protocol
        self.group = group_name(self.code)
        await self.channel_layer.group_add(self.group, self.channel_name)
        room_opened(self.channel_layer, self.code, self)
        if not self._instructor():
            self.counted = True
            await follower_joined(self.channel_layer, self.code)
        async with self.lock:
            await self._send_snapshot()

    async def disconnect(self, code):
        # Auto-play is the room's, not this connection's: it goes on (roomrun.py).
        if self.group is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        room_closed(self.code, self)
        if self.counted:
            self.counted = False
            await follower_left(self.channel_layer, self.code)

    def accepting(self):
        return self.group is not None  # an unknown room: the socket is closing

    def _instructor(self):
        """Checked on every message: does this connection hold the instructor's secret?"""
        return key_matches_hash(self.key_hash, self.key)

    # -- inbound (lock held) -----------------------------------------------------------------

    async def _dispatch(self, text):
        if not self.bucket.take():
            raise RequestError("rate_limited", "too many messages")
        if text is None:
            raise RequestError("bad_json", "binary messages are not accepted; send JSON text")
        cap = settings.PLAYGROUND_WS_MAX_MESSAGE_BYTES
        if len(text) > cap:
            raise RequestError("too_large", f"message is larger than {cap} bytes")
        message = wire.decode(text, max_bytes=cap)  # the strict codec: nothing odd gets in
        kind = message.get("type")
        if not isinstance(kind, str) or kind not in DRIVING | WATCHING:
            shown = kind if isinstance(kind, str) and len(kind) <= 40 else None
            detail = f"unknown message type {shown!r}" if shown else "missing or invalid 'type'"
            raise RequestError("unknown_type", f"{detail}; expected one of "
                               f"{', '.join(sorted(DRIVING | WATCHING))}")
        if kind in DRIVING and not self._instructor():
            raise RequestError("forbidden", "only the instructor can change the room's run; "
                               "press F to fork a private copy")
        if kind == "snapshot":
            await self._send_snapshot()
            return
        if kind == "ping":
            await self._send({"type": "pong"})
            return
        if self.run is None:
            self.run = RoomRun(self.code, self.channel_layer)
        if kind == "caption":
            caption = message.get("text")
            if not isinstance(caption, str) or len(caption) > MAX_CAPTION:
                raise RequestError("bad_field", f"'text' must be text of at most {MAX_CAPTION} "
                                   "characters")
            await self.run.drive(lambda s, r: _caption(s, caption))
            return
        kind, fields = wire.parse_message(message)
        work = []
        try:
            await getattr(self, "on_" + kind)(work, **fields)
        finally:
            # Replaying a long run costs more than one message: charge for it.
            self.bucket.charge(sum(work) // self.actions_per_token)

    # -- driving (instructor only, lock held) ------------------------------------------------
    # Each intent is `run.drive(change, play=…)`: `change(session, run)` applies it to the
    # room's run and returns the message every connection gets. `work` collects the actions
    # each attempt replayed, for the rate limit.

    async def on_start(self, work, protocol=None, **fields):
        if protocol is not None and protocol != self.protocol:
            raise RequestError("bad_field", f"the token holds a {protocol!r} run; this room "
                               f"runs {self.protocol!r}")

        def start(s, r):
            s.start(**fields)   # a preset's run brings its remarks (the Run's narration)
            work.append(s.work)
            return s.snapshot_message(False)

        await self.run.drive(start, play=STOP)

    async def on_action(self, work, action):
        await self.run.drive(lambda s, r: r.frame(s.apply(action)))

    async def on_step(self, work, count):
        def step(s, r):
            taken = s.step(count)  # up to the run's cap (session.py)
            work.append(s.work)
            return r.frame(taken)

        await self.run.drive(step)

    async def on_back(self, work):
        def back(s, r):
            s.back()
            work.append(s.work)
            return s.snapshot_message(False)

        await self.run.drive(back, play=STOP)

    async def on_seek(self, work, step):
        def seek(s, r):
            if step == s.cursor + 1 and step <= len(s.timeline):
                work.append(1)
                return r.forward()  # one step on along the timeline: a frame, not a snapshot
            s.seek(step)
            work.append(s.work)
            return s.snapshot_message(False)

        await self.run.drive(seek, play=STOP)

    async def on_play(self, work, interval_ms=None):
        player = new_player_id()
        play = {"playing": True, "player": player}
        if interval_ms is not None:
            play["interval_ms"] = interval_ms
        await self.run.drive(lambda s, r: r.playing_body("play"), play=play)
        start_player(self.channel_layer, self.code, player)

    async def on_pause(self, work):
        await self.run.drive(lambda s, r: r.playing_body("pause"), play=STOP)

    async def on_speed(self, work, interval_ms):
        await self.run.drive(lambda s, r: r.playing_body("speed"),
                             play={"interval_ms": interval_ms})

    # -- group messages (any process) --------------------------------------------------------

    async def room_run(self, event):
        room_seq = event["room_seq"]
        async with self.lock:
            if self.shown is not None and room_seq <= self.shown:
                return  # already covered by a snapshot this connection was sent
            if self.shown is not None and room_seq != self.shown + 1:
                await self._send_snapshot()  # a gap: catch up from the database
                return
            self.shown = room_seq
            await self._send_encoded(event["kind"], event["body"])

    def check_room_seq(self, room_seq):
        """The row's room_seq, read by this process every CATCH_UP_S (roomrun.py): if this
        connection has still not been shown the seq the previous check read, a broadcast
        never reached it (lost while Redis restarted, say): it gets a snapshot. Frames merely
        in flight are newer than the previous check, so they never cause one."""
        owed, self.owed = self.owed, room_seq
        if (owed is None or self.shown is None or self.shown >= owed
                or self.catching_up is not None):
            return
        log.info("room %s: a connection missed room_seq %d..%d; sending a snapshot",
                 self.code, self.shown + 1, owed)
        self.catching_up = asyncio.get_running_loop().create_task(self._catch_up(owed))

    async def _catch_up(self, owed):
        try:
            async with self.lock:
                if self.shown is not None and self.shown < owed:
                    await self._send_snapshot()
        except Exception:
            log.warning("room %s: could not send a catch-up snapshot", self.code,
                        exc_info=True)
        finally:
            self.catching_up = None

    async def room_followers(self, event):
        async with self.lock:
            await self._send({"type": "followers", "count": event["count"]})

    # -- outbound (lock held) ----------------------------------------------------------------

    async def _send_snapshot(self):
        found = await database_sync_to_async(_snapshot)(self.code)
        if found is None:
            raise RequestError("unknown_room", f"no room {self.code!r}")
        room_seq, followers, members = found
        room = {"code": self.code, "instructor": self._instructor(), "followers": followers}
        self.shown = room_seq
        await self._send_encoded("snapshot", f'"room":{json.dumps(room)},{members}')


STOP = {"playing": False, "player": ""}  # back, seek, start and pause end auto-play


def key_matches_hash(key_hash, key):
    """Constant-time comparison of the hashes; any non-key is a follower."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
        return False
    return hmac.compare_digest(hash_key(key), key_hash)


def _caption(session, text):
    captions = session.run.narration
    if text:
        captions[str(session.cursor)] = text
    else:
        captions.pop(str(session.cursor), None)
    return {"type": "caption", "step": session.cursor, "text": text}


def _snapshot(code):
    """(room seq, follower count, encoded snapshot members) of the room's run (sync); None if
    the room is gone."""
    room = load_room(code)
    if room is None:
        return None
    return room.seq, follower_total(code), snapshot_members(room)
