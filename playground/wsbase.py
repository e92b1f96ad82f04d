"""What the play socket (consumers.py) and the room socket (rooms.py) share: one lock per
connection, the per-connection `seq` on every outbound message, and the guard that turns any
failure while handling an inbound message into an error frame (docs/websocket.md).

Subclasses implement `_dispatch(text)` (called with the lock held) and say in `ACCEPTING`
whether the connection is ready for messages (an unknown protocol or room is closing).
"""

import asyncio
import json
import logging

from channels.generic.websocket import AsyncWebsocketConsumer

from .session import InternalError
from .wire import RequestError

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "internal server error (logged on the server); ask for a snapshot to resync"


class NumberedJsonConsumer(AsyncWebsocketConsumer):
    # ASGI and channel-layer message types whose handlers never touch the database. Channels'
    # own dispatch first hops to a worker thread to close stale database connections, for
    # every message; those hops share one thread, so with a class of followers each room frame
    # queued one hop per connection (bench/rooms.py: p99 from ~150 ms to under 50 ms without
    # them). Database work here goes through database_sync_to_async, which closes stale
    # connections in its own thread.
    NO_DATABASE = frozenset()

    def open_connection(self):
        """Per-connection state every subclass needs; call first in connect()."""
        self.seq = 0
        self.lock = asyncio.Lock()

    async def dispatch(self, message):
        kind = message["type"]
        if kind in self.NO_DATABASE:
            await getattr(self, kind.replace(".", "_"))(message)
            return
        await super().dispatch(message)

    def accepting(self):
        return True

    async def receive(self, text_data=None, bytes_data=None):
        if not self.accepting():
            return
        async with self.lock:
            try:
                await self._dispatch(text_data)
            except RequestError as exc:
                await self._send_error(exc.code, exc.message)
            except InternalError:
                await self._send_error("internal", INTERNAL_MESSAGE)
            except Exception:
                log.exception("unexpected failure handling a %s message", type(self).__name__)
                await self._send_error("internal", INTERNAL_MESSAGE)

    async def _dispatch(self, text):
        raise NotImplementedError

    # -- outbound (called with the lock held) -----------------------------------------------

    async def _send(self, body):
        message = {"type": body["type"], "seq": self.seq + 1}
        message.update(body)
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        self.seq += 1  # only once the message exists, so a failed encoding leaves no gap
        await self.send(text_data=text)

    async def _send_encoded(self, kind, body):
        """Send a body JSON-encoded once for many connections (`body`: the object's members
        without the braces); only type and seq are this connection's own."""
        self.seq += 1
        await self.send(text_data=f'{{"type":{json.dumps(kind)},"seq":{self.seq},{body}}}')

    async def _send_error(self, code, message):
        try:
            await self._send({"type": "error", "code": code, "message": message})
        except Exception as exc:  # the client hung up meanwhile: nothing to tell, nobody to tell
            log.info("could not send an error frame (%s: %s)", type(exc).__name__, exc)
