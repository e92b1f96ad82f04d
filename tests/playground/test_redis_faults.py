"""Channel-layer faults without a real Redis (issue 15, finding 4): a send that fails on a
stale connection is tried again on a fresh one; a room step whose broadcast is lost still
reaches every connection, from the database; auto-play goes on while broadcasts fail.
The real kill -9 of redis-server is in test_redis_restart.py."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError

from playground import roomrun
from playground.channel_layer import ResilientPubSubChannelLayer
from playground.models import Room
from tests.playground.test_rooms import (  # noqa: F401  (fixtures)
    aroom,
    forget_worker_thread_connections,
    join,
    receive_until,
)

pytestmark = pytest.mark.django_db(transaction=True)


class Pool:
    def __init__(self):
        self.dropped = 0

    async def disconnect(self, inuse_connections=True):
        assert inuse_connections is False, "the subscriber's connection is left alone"
        self.dropped += 1


class Shard:
    def __init__(self):
        self._redis = type("Client", (), {})()
        self._redis.connection_pool = Pool()


class FlakyLoopLayer:
    """Stands for channels_redis's per-loop layer: the first `failures` sends fail as a send
    on a connection Redis closed when it restarted."""

    def __init__(self, failures):
        self.failures = failures
        self.sent = []
        self._shards = [Shard()]

    async def group_send(self, group, message):
        if self.failures:
            self.failures -= 1
            raise RedisConnectionError("Connection closed by server.")
        self.sent.append((group, message))


def flaky_layer(failures, **config):
    layer = ResilientPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"], **config)
    inner = FlakyLoopLayer(failures)
    layer._get_layer = lambda: inner
    return layer, inner


async def test_a_group_send_that_fails_on_a_stale_connection_is_sent_again_on_a_fresh_one():
    layer, inner = flaky_layer(1, retry_backoff_s=0.001)
    await layer.group_send("room.x", {"type": "room.run", "room_seq": 1})
    assert inner.sent == [("room.x", {"type": "room.run", "room_seq": 1})]
    assert inner._shards[0]._redis.connection_pool.dropped == 1  # idle connections dropped


async def test_a_group_send_gives_up_after_its_retry_budget_with_the_connection_error():
    layer, inner = flaky_layer(10**6, retry_total_s=0.05, retry_backoff_s=0.01,
                               retry_max_backoff_s=0.01)
    with pytest.raises(RedisConnectionError):
        await layer.group_send("room.x", {"type": "room.run"})
    assert inner.sent == [] and 1 < 10**6 - inner.failures < 100  # bounded, with backoff


async def test_a_step_whose_broadcast_is_lost_reaches_every_connection_from_the_database(
        aroom, monkeypatch):
    code, key = aroom
    teacher, _ = await join(code, key)
    follower, _ = await join(code)
    layer = get_channel_layer()
    original = layer.group_send

    async def redis_down(group, message):
        if message["type"] == "room.run":
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379.")
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", redis_down)
    await teacher.send({"type": "step", "count": 1})
    for _ in range(50):  # the step is saved although nobody could be told
        if (await Room.objects.aget(pk=code)).seq == 1:
            break
        await asyncio.sleep(0.02)
    await roomrun.catch_up_from_database()  # the row is at 1; the connections were at 0 ...
    await roomrun.catch_up_from_database()  # ... and still are: they missed it
    for member in (teacher, follower):  # the instructor too, and nobody gets `internal`
        snap = await receive_until(member, lambda m: m["type"] in ("snapshot", "error"))
        assert snap["type"] == "snapshot" and snap["room_seq"] == 1 and snap["step"] == 1

    # Auto-play goes on while broadcasts fail ...
    await teacher.send({"type": "play", "interval_ms": 50})
    for _ in range(200):
        row = await Room.objects.aget(pk=code)
        if row.seq >= 5:
            break
        await asyncio.sleep(0.02)
    assert row.playing and row.seq >= 5
    # ... and once the layer works again, the class sees it play, in order.
    monkeypatch.setattr(layer, "group_send", original)
    frame = await receive_until(follower, lambda m: m["type"] == "frame")
    assert frame["playing"] is True and frame["room_seq"] > 5
    await teacher.send({"type": "pause"})
    for member in (teacher, follower):
        stop = await receive_until(member, lambda m: m.get("playing") is False)
        assert stop["type"] in ("playing", "snapshot")
    for member in (teacher, follower):
        await member.close()
