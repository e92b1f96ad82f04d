"""A room's run as the server processes share it (docs/rooms.md): the run, its broadcast
sequence number and its auto-play state live in the Room row; any process may drive it.

- `RoomRun` is one process's copy of the run: it applies a change, saves the run with the next
  `room_seq` in one conditional UPDATE (so two drivers, on one process or two, can never take
  the same number) and sends the resulting message to the channel-layer group `room.<code>`.
- Auto-play belongs to the room, not to a connection: `play` starts a player task in the
  process that received it and records its id in the row. The player keeps stepping when the
  instructor's page closes or reconnects, and stops when the row says otherwise (pause from any
  instructor connection on any process, a newer player, a quiescent run, the length cap).
  If the player's process dies, another process that serves the room adopts play once the
  run has not moved for a few intervals (`adopt_orphaned_players`).
- Presence: each process keeps its own follower count per room in a RoomPresence row and
  refreshes it while it holds followers; the room's count is the sum of the fresh rows, so a
  process that dies stops being counted within PRESENCE_STALE_S.
"""

import asyncio
import json
import logging
import os
import secrets
import socket
from datetime import timedelta

from channels.db import database_sync_to_async
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from protocols import registry

from .models import Room, RoomPresence, RoomStep
from .session import InternalError, PlaySession
from .wire import RequestError

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_MS = 400


def group_name(code):
    return f"room.{code}"


class RoomSession(PlaySession):
    """A PlaySession built from (and saved back to) a Room row; its narration holds the
    story's remarks and the instructor's captions."""

    base_seq = None  # the row's base_seq when built from it (None: not from a row)

    @classmethod
    def from_room(cls, room):
        session = cls(registry.get(room.protocol))
        session.start(variant=room.variant, config=room.config, seed=room.seed,
                      actions=room.timeline(), cursor=room.cursor)
        session.follow_row(room)
        session.base_seq = room.base_seq
        return session

    def follow_row(self, room):
        """The row's story and captions (the row is their source of truth)."""
        self.run.preset = room.preset or None
        self.run.narration = {str(k): v for k, v in room.narration.items()}

    def copy(self):
        """An independent session at the same point (checkpoints are shared: never mutated)."""
        twin = RoomSession(self.proto)
        twin.run = self.run.copy()
        twin.base_seq = self.base_seq
        twin.length_before = self.length_before
        return twin


# -- snapshots, cached per process -------------------------------------------------------------
# Every connection that joins or falls behind gets a snapshot of the room's run. Replaying a
# long run costs (a 9,000-step election: ~0.8 s, a 3 MB message), so each process keeps the
# latest session per room and the encoded snapshot per room seq: a class joining at once costs
# one replay, and a newer seq only applies the actions that were added since.
# Only touched from the database thread (database_sync_to_async is thread-sensitive).

SNAPSHOT_CACHE_ROOMS = 32
_snapshots = {}  # code -> (room seq, RoomSession at the row's cursor, encoded members)


def _advance(session, room):
    """`session` moved to the row's run if the row only appended to its timeline since
    (reading just the new steps), else rebuilt."""
    if (session is not None and session.proto.name == room.protocol
            and (session.variant, session.config, session.seed)
            == (room.variant, room.config, room.seed)
            and session.base_seq == room.base_seq):
        try:
            session.run.extend(room.timeline(start=len(session.timeline)))
            session.seek(room.cursor)
            session.follow_row(room)
            return session
        except Exception:
            log.warning("room %s: rebuilding the cached run", room.code, exc_info=True)
    return RoomSession.from_room(room)


def cached_session(room):
    """The room's run at its cursor, from this process's cache (sync; do not mutate it)."""
    entry = _snapshots.pop(room.code, None)
    if entry is not None and entry[0] == room.seq:
        _snapshots[room.code] = entry
        return entry[1]
    session = _advance(entry[1] if entry else None, room)
    _snapshots[room.code] = (room.seq, session, None)
    while len(_snapshots) > SNAPSHOT_CACHE_ROOMS:
        _snapshots.pop(next(iter(_snapshots)))
    return session


def snapshot_members(room):
    """The snapshot (docs/websocket.md) of the room's run, with `room_seq`, `interval_ms` and
    the caption, as JSON object members without the braces, encoded once per room seq (sync)."""
    session = cached_session(room)
    seq, _, text = _snapshots[room.code]
    if text is None:
        body = session.snapshot_message(room.playing)
        body.pop("type")
        body.update(room_seq=room.seq, interval_ms=room.interval_ms,
                    caption=room.narration.get(str(room.cursor)))
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)[1:-1]
        _snapshots[room.code] = (seq, session, text)
    return text


def load_room(code):
    return Room.objects.filter(pk=code).first()


def _save(code, expected_seq, session, stored, play, owner):
    """Save the run (and `play` fields) with the next room seq if nobody moved it since
    `expected_seq` (and, for a player, if it still owns play); the new seq or None.

    `stored` is the timeline as the row holds it: what the session adds to it is appended as
    RoomStep rows; anything else rewrites the row's timeline (see Room)."""
    timeline = session.timeline
    appended = len(timeline) >= len(stored) and timeline[:len(stored)] == stored
    fields = dict(seq=expected_seq + 1, cursor=session.cursor, variant=session.variant,
                  config=session.config, seed=session.seed, preset=session.preset or "",
                  narration=session.narration(), changed=timezone.now(), **play)
    if not appended:
        fields.update(actions=list(timeline), base_seq=expected_seq + 1)
    with transaction.atomic():
        rows = Room.objects.filter(pk=code, seq=expected_seq)
        if owner is not None:
            rows = rows.filter(player=owner, playing=True)
        if not rows.update(**fields):
            return None
        if appended:
            RoomStep.objects.bulk_create(
                RoomStep(room_id=code, index=index, action=action)
                for index, action in enumerate(timeline[len(stored):], start=len(stored)))
        else:
            RoomStep.objects.filter(room_id=code).delete()
            session.base_seq = expected_seq + 1
    return expected_seq + 1


class Stopped(Exception):
    """A player's turn is over: play was paused or taken over elsewhere (not an error)."""


class RoomRun:
    """One process's copy of a room's run, kept current by the conditional save."""

    def __init__(self, code, layer):
        self.code = code
        self.layer = layer
        self.session = None
        self.stored = []  # the session's timeline as the row holds it
        self.seq = None
        self.playing = False
        self.interval_ms = DEFAULT_INTERVAL_MS
        self.player = ""

    async def load(self, force=False):
        """Bring the session up to the row (rebuilt only if the room moved since)."""
        room = await database_sync_to_async(load_room)(self.code)
        if room is None:
            raise RequestError("unknown_room", f"no room {self.code!r}")
        if force or self.session is None or room.seq != self.seq:
            self.session = await database_sync_to_async(
                lambda: cached_session(room).copy())()
            self.stored = list(self.session.timeline)
            self.seq = room.seq
        self.playing, self.interval_ms, self.player = room.playing, room.interval_ms, room.player
        return room

    async def drive(self, change, play=None, owner=None):
        """Apply `change(session, run)` -> message body, save it as the next room seq with the
        `play` fields ({playing, interval_ms, player}, any of them), broadcast it; the seq.

        If another driver moved the run meanwhile, the change is applied again to the room's
        current run; a second miss is `conflict`. A player (`owner` = its id) raises Stopped
        instead when it no longer owns play."""
        play = dict(play or {})
        for attempt in (0, 1):
            if self.session is None or attempt:
                await self.load(force=attempt == 1)
                if owner is not None and (self.player != owner or not self.playing):
                    raise Stopped()
            before = (self.playing, self.interval_ms, self.player)
            self.playing = play.get("playing", self.playing)
            self.interval_ms = play.get("interval_ms", self.interval_ms)
            self.player = play.get("player", self.player)
            try:
                body = change(self.session, self)
            except Exception:
                self.playing, self.interval_ms, self.player = before
                raise
            seq = await database_sync_to_async(_save)(self.code, self.seq, self.session,
                                                      self.stored, play, owner)
            if seq is not None:
                self.seq = seq
                self.stored = list(self.session.timeline)
                await self._broadcast(seq, body)
                return seq
            self.session = None  # someone else moved it: rebuild from the row and retry
        raise RequestError("conflict", "the run changed meanwhile; try again")

    async def _broadcast(self, seq, body):
        kind = body.pop("type")
        body = {"room_seq": seq, **body,
                "caption": self.session.narration().get(str(self.session.cursor))}
        # Encoded once here, not once per follower: each connection only adds type and seq.
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        try:
            # The Redis layer retries on a fresh connection (channel_layer.py) for a while.
            await self.layer.group_send(group_name(self.code), {
                "type": "room.run", "kind": kind, "room_seq": seq, "body": text[1:-1]})
        except Exception as exc:
            # The step is saved (the row is the room's truth): every connection to the room,
            # on every process, learns of it from the database within CATCH_UP_S or two
            # (catch_up_from_database), so the driver is not told of an error for a change
            # that happened, and auto-play goes on.
            log.warning("room %s: room_seq %d not broadcast (%s); connections will catch up "
                        "from the database", self.code, seq, exc)

    def playing_body(self, reason):
        return {"type": "playing", "playing": self.playing, "interval_ms": self.interval_ms,
                "reason": reason}

    def frame(self, taken):
        actions, events = taken
        return self.session.frame_message(actions, events, self.playing)

    def forward(self):
        """One step on (the Run's step: the timeline's next action while there is one, a
        preset's script say, else the scheduler's); a frame."""
        return self.frame(self.session.step(1))

    @property
    def finished(self):
        """Nothing left for auto-play: no future in the timeline and nothing scheduled."""
        return self.session.quiescent



# -- auto-play -------------------------------------------------------------------------------

_players = {}  # room code -> this process's player task


def start_player(layer, code, player_id):
    """Run the room's auto-play in this process (a newer player anywhere stops this one)."""
    old = _players.pop(code, None)
    if old is not None:
        old.cancel()
    task = asyncio.get_running_loop().create_task(_play(layer, code, player_id))
    _players[code] = task
    task.add_done_callback(lambda t: _players.pop(code, None) if _players.get(code) is t
                           else None)
    return task


async def _play(layer, code, player_id):
    run = RoomRun(code, layer)
    try:
        await run.load()
        while run.playing and run.player == player_id:
            await asyncio.sleep(run.interval_ms / 1000)
            stop = "quiescent" if run.finished else None
            if stop is None and run.session.at_limit:
                stop = "limit"
            if stop:
                await run.drive(lambda s, r: r.playing_body(stop),
                                play={"playing": False, "player": ""}, owner=player_id)
                return
            await run.drive(lambda s, r: r.forward(), owner=player_id)
    except (Stopped, asyncio.CancelledError):
        pass
    except (RequestError, InternalError) as exc:
        log.warning("room %s: auto-play stopped: %s", code, getattr(exc, "message", exc))
        await _stop_after_failure(run, player_id)
    except Exception:
        log.exception("room %s: auto-play failed", code)
        await _stop_after_failure(run, player_id)


async def _stop_after_failure(run, player_id):
    try:
        await run.drive(lambda s, r: r.playing_body("error"),
                        play={"playing": False, "player": ""}, owner=player_id)
    except Exception:
        pass


def new_player_id():
    return secrets.token_hex(8)


# A player that has not moved the run for this long (or three of its intervals, if longer) is
# taken to be gone with its process; another process holding connections to the room adopts
# play. A live player steps every interval, so it is never taken over by mistake unless its
# saves stall for seconds; even then the old player's next save fails (it no longer owns play)
# and it stops, so the run never plays twice.
PLAYER_STALE_S = 3.0


def _orphaned(codes, now):
    """[(code, player, changed)] of the rooms among `codes` whose row says they play but
    whose player has not stepped for a while (sync)."""
    rows = Room.objects.filter(code__in=codes, playing=True).values_list(
        "code", "player", "interval_ms", "changed")
    found = []
    for code, player, interval_ms, changed in rows:
        stale = timedelta(seconds=max(PLAYER_STALE_S, 3 * interval_ms / 1000))
        if changed is None or changed < now - stale:
            found.append((code, player, changed))
    return found


def _adopt(code, player, changed, new_player):
    """Make `new_player` the room's player if the row is still as `_orphaned` saw it (one
    conditional UPDATE: of several processes watching, one wins); whether this one did."""
    rows = Room.objects.filter(code=code, playing=True, player=player)
    rows = rows.filter(changed=changed) if changed is not None else rows.filter(
        changed__isnull=True)
    return rows.update(player=new_player, changed=timezone.now()) == 1


async def adopt_orphaned_players(layer, codes):
    """Take over auto-play of rooms whose player died with its process; the codes adopted."""
    orphans = await database_sync_to_async(_orphaned)(codes, timezone.now())
    adopted = []
    for code, player, changed in orphans:
        new_player = new_player_id()
        if await database_sync_to_async(_adopt)(code, player, changed, new_player):
            log.info("room %s: auto-play taken over from player %r", code, player)
            start_player(layer, code, new_player)
            adopted.append(code)
    return adopted


# -- presence --------------------------------------------------------------------------------

PROCESS = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
PRESENCE_REFRESH_S = 10
PRESENCE_STALE_S = 30
FOLLOWERS_NOTICE_S = 1.0

_local = {}       # room code -> followers connected to this process
_here = {}        # room code -> connections (followers and instructors) this process holds
_watchers = {}    # room code -> those connections (objects with check_room_seq(seq))
_announced = {}   # room code -> the count last sent to the group from this process
_pending = {}     # room code -> the latest count waiting for its (once a second) notice
_upkeep = None
UPKEEP_S = 2.0    # how often a process looks for orphaned players in the rooms it serves
# How often a process compares its connections' last room_seq with the rows: a connection
# still behind the seq the previous check read missed a broadcast (Redis restarted, say).
CATCH_UP_S = 1.0


def _fresh(now):
    return now - timedelta(seconds=PRESENCE_STALE_S)


def follower_total(code, now=None):
    """The room's follower count: the sum over processes that reported recently (sync)."""
    now = now or timezone.now()
    total = RoomPresence.objects.filter(room_id=code, seen__gte=_fresh(now)).aggregate(
        n=Sum("count"))["n"]
    return total or 0


def _report(code):
    """Write this process's follower count for the room (read at execution time, so reports
    queued in any order end with the latest); the room's total (sync)."""
    now = timezone.now()
    count = _local.get(code, 0)
    if count:
        # Single statements (no read-then-write transaction), so SQLite shared by several
        # processes never has to upgrade a read lock: this process alone writes its row.
        mine = RoomPresence.objects.filter(room_id=code, process=PROCESS)
        if not mine.update(count=count, seen=now):
            try:
                RoomPresence.objects.create(room_id=code, process=PROCESS, count=count, seen=now)
            except IntegrityError:  # the room is gone (or, impossibly, the row appeared)
                pass
    else:
        RoomPresence.objects.filter(room_id=code, process=PROCESS).delete()
    return follower_total(code, now)


def _refresh(codes):
    """Keep this process's rows fresh, forget dead processes' rows; {code: total} (sync)."""
    now = timezone.now()
    RoomPresence.objects.filter(process=PROCESS, room_id__in=codes).update(seen=now)
    RoomPresence.objects.filter(seen__lt=_fresh(now)).delete()
    return {code: follower_total(code, now) for code in codes}


def room_opened(layer, code, watcher=None):
    """A connection to the room opened on this process: keep the room's upkeep going. A
    `watcher` (the connection) is told the row's room_seq every CATCH_UP_S."""
    _here[code] = _here.get(code, 0) + 1
    if watcher is not None:
        _watchers.setdefault(code, set()).add(watcher)
    _ensure_upkeep(layer)


def room_closed(code, watcher=None):
    watchers = _watchers.get(code)
    if watchers is not None:
        watchers.discard(watcher)
        if not watchers:
            del _watchers[code]
    count = _here.get(code, 0) - 1
    if count > 0:
        _here[code] = count
    else:
        _here.pop(code, None)
    if not _here and _upkeep is not None:
        _upkeep.cancel()


async def follower_joined(layer, code):
    _local[code] = _local.get(code, 0) + 1
    await _report_and_announce(layer, code)


async def follower_left(layer, code):
    _local[code] = max(0, _local.get(code, 0) - 1)
    if not _local[code]:
        del _local[code]
    await _report_and_announce(layer, code)


async def _report_and_announce(layer, code):
    """The count is a courtesy: a database hiccup must not cost a follower its connection."""
    try:
        total = await database_sync_to_async(_report)(code)
    except Exception:
        log.exception("could not record room presence")
        return
    _announce(layer, code, total)


def _announce(layer, code, count):
    """Send the room's follower count to the group at most once a second per process: a class
    joining at once would otherwise cost (followers x followers) messages."""
    pending = code in _pending
    _pending[code] = count
    if pending:
        return

    async def later():
        try:
            await asyncio.sleep(FOLLOWERS_NOTICE_S)
        finally:
            latest = _pending.pop(code, count)
        _announced[code] = latest
        try:
            await layer.group_send(group_name(code), {"type": "room.followers", "count": latest})
        except Exception:
            log.exception("could not announce the follower count")

    asyncio.get_running_loop().create_task(later())


def _ensure_upkeep(layer):
    global _upkeep
    if _upkeep is None or _upkeep.done():
        _upkeep = asyncio.get_running_loop().create_task(_upkeep_loop(layer))


def _room_seqs(codes):
    """{code: room seq} of the rooms among `codes` (sync)."""
    return dict(Room.objects.filter(code__in=codes).values_list("code", "seq"))


async def catch_up_from_database():
    """Tell this process's connections their room's seq as the row holds it: a connection
    that missed a broadcast (lost while Redis restarted, or never sent) asks for a snapshot
    (RoomConsumer.check_room_seq). Needs no channel layer: it works while Redis is down."""
    codes = list(_watchers)
    if not codes:
        return
    seqs = await database_sync_to_async(_room_seqs)(codes)
    for code, seq in seqs.items():
        for watcher in list(_watchers.get(code, ())):
            try:
                watcher.check_room_seq(seq)
            except Exception:
                log.exception("could not check a connection's room_seq")


async def _upkeep_loop(layer):
    """While this process holds connections to rooms: catch connections up that missed a
    broadcast (every CATCH_UP_S), adopt auto-play that lost its player (every UPKEEP_S), and
    for rooms with followers here refresh this process's presence rows and announce a count
    that changed without a join or leave here (another process died, say; every
    PRESENCE_REFRESH_S)."""
    since_refresh = since_adopt = since_check = 0.0
    tick = min(UPKEEP_S, CATCH_UP_S)
    while _here:
        await asyncio.sleep(tick)
        since_check += tick
        if since_check >= CATCH_UP_S:
            since_check = 0.0
            try:
                await catch_up_from_database()
            except Exception:
                log.exception("could not compare the rooms' seqs")
        since_adopt += tick
        if since_adopt < UPKEEP_S:
            continue
        since_adopt = 0.0
        since_refresh += UPKEEP_S
        try:
            await adopt_orphaned_players(layer, list(_here))
        except Exception:
            log.exception("could not look for orphaned players")
        if since_refresh < PRESENCE_REFRESH_S or not _local:
            continue
        since_refresh = 0.0
        codes = list(_local)
        try:
            totals = await database_sync_to_async(_refresh)(codes)
        except Exception:
            log.exception("could not refresh room presence")
            continue
        for code, total in totals.items():
            if _announced.get(code) != total and code not in _pending:
                _announce(layer, code, total)
