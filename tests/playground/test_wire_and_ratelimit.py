"""Inbound message validation and the token bucket, without a socket."""

import json

import pytest

from playground import wire
from playground.ratelimit import TokenBucket
from playground.wire import RequestError


def code_of(text):
    with pytest.raises(RequestError) as info:
        wire.parse(text)
    return info.value.code


@pytest.mark.parametrize(
    "text",
    ["", "{", "not json", '{"type": "ping",}', '{"type": NaN}', '{"x": Infinity}',
     '{"x": 1e999}', "[" * 60_000],  # deep, and within the 64 KiB a message may be
)
def test_malformed_json_is_bad_json(text):
    assert code_of(text) == "bad_json"


@pytest.mark.parametrize("text", ["[]", "1", '"ping"', "null", "true"])
def test_json_that_is_not_an_object_is_not_object(text):
    assert code_of(text) == "not_object"


@pytest.mark.parametrize(
    "message", [{}, {"type": 3}, {"type": "launch-missiles"}, {"type": None}]
)
def test_missing_or_unknown_type_is_unknown_type(message):
    assert code_of(json.dumps(message)) == "unknown_type"


@pytest.mark.parametrize(
    "message",
    [
        {"type": "step", "count": 0},
        {"type": "step", "count": 51},
        {"type": "step", "count": True},
        {"type": "step", "count": "3"},
        {"type": "seek"},
        {"type": "seek", "step": -1},
        {"type": "play", "interval_ms": 10},
        {"type": "speed"},
        {"type": "speed", "interval_ms": 6000},
        {"type": "action"},
        {"type": "action", "action": "deliver"},
        {"type": "action", "action": {"msg": 1}},
        {"type": "start", "seed": -1},
        {"type": "start", "seed": 1.5},
        {"type": "start", "config": []},
        {"type": "start", "variant": 7},
        {"type": "start", "actions": {}},
        {"type": "start", "actions": [{"type": "begin"}, 3]},
    ],
)
def test_bad_fields_are_refused_with_bad_field(message):
    assert code_of(json.dumps(message)) == "bad_field"


def test_an_over_long_action_list_is_too_large():
    actions = [{"type": "heal"}] * (wire.MAX_ACTIONS + 1)
    assert code_of(json.dumps({"type": "start", "actions": actions})) == "too_large"


def test_valid_intents_parse_with_defaults():
    assert wire.parse('{"type":"step"}') == ("step", {"count": 1})
    assert wire.parse('{"type":"play"}') == ("play", {})
    assert wire.parse('{"type":"ping","extra":"ignored"}') == ("ping", {})
    kind, fields = wire.parse(
        json.dumps({"type": "start", "variant": "heuristic", "seed": 7,
                    "actions": [{"type": "begin", "node": "client"}], "cursor": 0})
    )
    assert kind == "start"
    assert fields == {"variant": "heuristic", "seed": 7,
                      "actions": [{"type": "begin", "node": "client"}], "cursor": 0}


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_token_bucket_allows_a_burst_then_refills_at_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=30, burst=60, clock=clock)
    assert all(bucket.take() for _ in range(60))
    assert not bucket.take()
    clock.now += 0.1  # three tokens
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 100  # refills only up to the burst
    assert sum(bucket.take() for _ in range(100)) == 60


def test_token_bucket_charges_expensive_work_as_debt():
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=20, clock=clock)
    assert bucket.take()
    bucket.charge(30)  # 19 - 30: eleven tokens in debt
    assert not bucket.take()
    clock.now += 1.25  # 12.5 tokens: the debt is paid, one and a half to spare
    assert bucket.take()
    assert not bucket.take()
