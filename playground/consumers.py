"""The playground's WebSocket endpoint, `ws/play/<name>/`: one live run per connection.

The wire protocol is specified in docs/websocket.md. This module owns the connection:
limits (size, rate), sequence numbers, and the server-side auto-play task. What the intents
do to the run lives in playground/session.py; validation of inbound messages in wire.py.

Every handler runs under one lock, together with the sends it makes, so messages leave in
`seq` order and each one describes the state as of its own `seq` even while auto-play runs.
"""

import asyncio
import logging

from django.conf import settings

from protocols import registry

from . import wire
from .ratelimit import TokenBucket
from .search import SearchIntents
from .session import InternalError, PlaySession
from .wire import RequestError
from .wsbase import INTERNAL_MESSAGE, NumberedJsonConsumer

log = logging.getLogger(__name__)

CLOSE_UNKNOWN_PROTOCOL = 4404
DEFAULT_INTERVAL_MS = 400


class PlayConsumer(SearchIntents, NumberedJsonConsumer):  # explore intents: search.py
    # The play socket never touches the database: skip Channels' per-message connection
    # clean-up hop (wsbase.py).
    NO_DATABASE = frozenset({"websocket.receive"})

    async def connect(self):
        self.open_connection()
        self.session = None
        self.playing = False
        self.interval_ms = DEFAULT_INTERVAL_MS
        self.play_task = None
        self.wake = asyncio.Event()
        self.bucket = TokenBucket(
            settings.PLAYGROUND_WS_RATE_PER_SECOND, settings.PLAYGROUND_WS_RATE_BURST
        )
        self.max_bytes = settings.PLAYGROUND_WS_MAX_MESSAGE_BYTES
        self.actions_per_token = max(1, settings.PLAYGROUND_WS_ACTIONS_PER_TOKEN)
        await self.accept()
        name = self.scope["url_route"]["kwargs"]["name"]
        try:
            proto = registry.get(name)
        except KeyError:
            async with self.lock:
                await self._send_error(
                    "unknown_protocol",
                    f"unknown protocol {name[:60]!r}; known: {', '.join(registry.names())}",
                )
            await self.close(code=CLOSE_UNKNOWN_PROTOCOL)
            return
        self.session = PlaySession(proto)

    async def disconnect(self, code):
        self.playing = False
        if self.play_task is not None:
            self.play_task.cancel()
            self.play_task = None
        await self.stop_search()

    # -- inbound ---------------------------------------------------------------------------

    def accepting(self):
        return self.session is not None  # unknown protocol: the socket is closing

    async def _dispatch(self, text):
        # Cheapest checks first: rate, then size, then parsing.
        if not self.bucket.take():
            raise RequestError(
                "rate_limited",
                f"too many messages: at most {settings.PLAYGROUND_WS_RATE_PER_SECOND} per "
                f"second, in bursts of up to {settings.PLAYGROUND_WS_RATE_BURST}",
            )
        if text is None:
            raise RequestError("bad_json", "binary messages are not accepted; send JSON text")
        if len(text) > self.max_bytes or len(text.encode("utf-8")) > self.max_bytes:
            raise RequestError(
                "too_large", f"message is larger than {self.max_bytes} bytes"
            )
        kind, fields = wire.parse(text)
        self.session.work = 0
        try:
            await getattr(self, "on_" + kind)(**fields)
        finally:
            # Replaying a long run costs more than one message: charge for it.
            self.bucket.charge(self.session.work // self.actions_per_token)

    # -- intents (called with the lock held) ------------------------------------------------

    async def on_start(self, protocol=None, **run):
        if protocol is not None and protocol != self.session.proto.name:  # start with a token
            raise RequestError("bad_field", f"the token holds a {protocol!r} run, not a "
                               f"{self.session.proto.name!r} one")
        self.session.start(**run)
        self._stop_playing()
        await self._send_snapshot()

    async def on_action(self, action):
        actions, events = self.session.apply(action)
        await self._send(self.session.frame_message(actions, events, self.playing))

    async def on_step(self, count):
        actions, events = self.session.step(count)
        await self._send(self.session.frame_message(actions, events, self.playing))

    async def on_back(self):
        self.session.back()
        self._stop_playing()
        await self._send_snapshot()

    async def on_undo_fork(self):
        self.session.undo_fork()
        self._stop_playing()
        await self._send_snapshot()

    async def on_seek(self, step):
        self.session.seek(step)
        self._stop_playing()
        await self._send_snapshot()

    async def on_play(self, interval_ms=None):
        if interval_ms is not None:
            self.interval_ms = interval_ms
        self.session.ensure_started()
        if self.session.quiescent or self.session.at_limit:
            self._stop_playing()
            await self._send_playing("quiescent" if self.session.quiescent else "limit")
            return
        self.playing = True
        self.wake.set()  # a running loop restarts its wait with the new interval
        if self.play_task is None or self.play_task.done():
            self.play_task = asyncio.create_task(self._play_loop())
        await self._send_playing("play")

    async def on_pause(self):
        self._stop_playing()
        await self._send_playing("pause")

    async def on_speed(self, interval_ms):
        self.interval_ms = interval_ms
        self.wake.set()
        await self._send_playing("speed")

    async def on_snapshot(self):
        await self._send_snapshot()

    async def on_ping(self):
        await self._send({"type": "pong"})

    # -- auto-play -----------------------------------------------------------------------------

    def _stop_playing(self):
        self.playing = False
        self.wake.set()

    async def _play_loop(self):
        try:
            while self.playing:
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), self.interval_ms / 1000)
                    continue  # paused, or the speed changed: re-check before stepping
                except asyncio.TimeoutError:
                    pass
                async with self.lock:
                    if not self.playing:
                        break
                    await self._play_one_step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("auto-play failed")
            self.playing = False

    async def _play_one_step(self):
        try:
            actions, events = self.session.step(1)
        except (RequestError, InternalError):
            self.playing = False
            await self._send_error("internal", INTERNAL_MESSAGE)
            await self._send_playing("error")
            return
        if not actions or self.session.quiescent or self.session.at_limit:
            self.playing = False
        await self._send(self.session.frame_message(actions, events, self.playing))
        if not self.playing:
            await self._send_playing("limit" if self.session.at_limit else "quiescent")

    # -- outbound (called with the lock held) ---------------------------------------------------

    async def _send_snapshot(self):
        await self._send(self.session.snapshot_message(self.playing))

    async def _send_playing(self, reason):
        await self._send(
            {
                "type": "playing",
                "playing": self.playing,
                "interval_ms": self.interval_ms,
                "reason": reason,
            }
        )
