"""The Redis pub/sub channel layer, made to survive a Redis restart (docs/rooms.md).

channels_redis's `RedisPubSubChannelLayer` keeps a pool of connections per host. When Redis
restarts, every idle connection in that pool is dead, and the next PUBLISH on one fails with
`ConnectionError` ("Connection closed by server") however long ago Redis came back: redis-py
drops the failed connection, so the *same* call made again succeeds on a fresh one.

`ResilientPubSubChannelLayer` does exactly that: `send`, `group_send` and `group_add` that fail
on a connection error drop the pool's idle connections (the others are as stale) and are tried
again with a bounded backoff (`retry_backoff_s` doubling up to `retry_max_backoff_s`, for at
most `retry_total_s`); after that the error reaches the caller. Subscriptions need nothing:
redis-py's pub/sub connection reconnects and subscribes again by itself.

A message published while a process's subscription is still reconnecting is lost (Redis
pub/sub keeps nothing); rooms do not rely on the layer for that: each process compares its
connections' last `room_seq` with the database (roomrun.py, `catch_up_from_database`).
"""

import asyncio
import logging

from channels_redis.pubsub import RedisPubSubChannelLayer

log = logging.getLogger(__name__)

try:  # redis-py's errors (ConnectionError and TimeoutError are not the builtins)
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover - channels_redis requires redis
    RedisConnectionError = RedisTimeoutError = ConnectionError

RETRYABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


async def with_retries(call, *, total_s, backoff_s, max_backoff_s, on_failure=None,
                       what="send", sleep=asyncio.sleep, clock=None):
    """`await call()`, again after each connection error (with `on_failure(exc)` awaited
    first), waiting `backoff_s` doubling up to `max_backoff_s`, until `total_s` has passed;
    the last error is raised then."""
    clock = clock or asyncio.get_running_loop().time
    deadline = clock() + total_s
    delay = backoff_s
    attempt = 0
    while True:
        try:
            return await call()
        except RETRYABLE as exc:
            attempt += 1
            if on_failure is not None:
                try:
                    await on_failure(exc)
                except Exception:
                    log.debug("could not reset the connections", exc_info=True)
            if clock() + delay > deadline:
                log.warning("channel layer %s failed %d times, giving up: %s", what, attempt,
                            exc)
                raise
            log.info("channel layer %s failed (%s); retrying in %.2f s", what, exc, delay)
            await sleep(delay)
            delay = min(delay * 2, max_backoff_s)


class ResilientPubSubChannelLayer(RedisPubSubChannelLayer):
    """RedisPubSubChannelLayer whose sends survive a Redis restart (see the module)."""

    def __init__(self, *args, retry_total_s=2.0, retry_backoff_s=0.05,
                 retry_max_backoff_s=0.5, **kwargs):
        super().__init__(*args, **kwargs)
        self.retry_total_s = retry_total_s
        self.retry_backoff_s = retry_backoff_s
        self.retry_max_backoff_s = retry_max_backoff_s

    async def _retrying(self, name, *args):
        async def call():
            return await getattr(self._get_layer(), name)(*args)

        return await with_retries(call, total_s=self.retry_total_s,
                                  backoff_s=self.retry_backoff_s,
                                  max_backoff_s=self.retry_max_backoff_s,
                                  on_failure=self._drop_idle_connections, what=name)

    async def _drop_idle_connections(self, exc):
        """Close the idle pooled connections of this loop's layer: after a restart they are
        all dead. The subscriber's connection (in use) reconnects by itself."""
        for shard in getattr(self._get_layer(), "_shards", ()):
            client = getattr(shard, "_redis", None)
            if client is not None:
                await client.connection_pool.disconnect(inuse_connections=False)

    async def send(self, channel, message):
        return await self._retrying("send", channel, message)

    async def group_send(self, group, message):
        return await self._retrying("group_send", group, message)

    async def group_add(self, group, channel):
        return await self._retrying("group_add", group, channel)
