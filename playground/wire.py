"""The client → server half of the WebSocket protocol (docs/websocket.md): decoding and
validating one inbound message into an intent, before anything touches the simulation."""

import re

from protocols.limits import (MAX_ACTIONS, MAX_INTERVAL_MS, MAX_MESSAGE_BYTES,
                              MAX_MESSAGE_TOKEN_CHARS, MAX_NAME_LENGTH, MAX_NARRATION_ENTRIES,
                              MAX_NARRATION_TEXT, MAX_SEED, MAX_STEP_COUNT, MIN_INTERVAL_MS)
from protocols.links import codec
from protocols.links import share as scenario_link

from .search import validate_explore  # the "Find a counterexample" panel (search.py)

MAX_VARIANT_LENGTH = MAX_NAME_LENGTH
_STEP_KEY = re.compile(r"[0-9]{1,6}")  # ASCII digits only: "²" is a digit to str.isdigit()


class RequestError(Exception):
    """A refused request: becomes an error frame `{code, message}`; nothing changes."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def decode(text, max_bytes=MAX_MESSAGE_BYTES):
    """Decode one text message into a JSON object with the strict codec (protocols/links/
    codec.py: no NaN, no lone surrogate, bounded integers, depth and size), or raise
    RequestError bad_json / too_large / not_object."""
    try:
        value = codec.loads(text, max_bytes=max_bytes, what="the message")
    except codec.JSONError as exc:
        code = "too_large" if exc.reason.startswith("larger than") else "bad_json"
        raise RequestError(code, exc.message) from None
    if not isinstance(value, dict):
        raise RequestError("not_object", "message must be a JSON object")
    return value


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _int_field(message, name, low, high, required=False):
    if name not in message:
        if required:
            raise RequestError("bad_field", f"{name!r} is required")
        return None
    value = message[name]
    if not _is_int(value) or not low <= value <= high:
        raise RequestError("bad_field", f"{name!r} must be an integer from {low} to {high}")
    return value


def clean_narration(value):
    """A run's remarks, {step number (a string): text}; RequestError bad_field."""
    if value is None:
        return {}
    if isinstance(value, str):
        value = {"0": value} if value.strip() else {}
    if not isinstance(value, dict):
        raise RequestError("bad_field", "'narration' must be an object mapping step numbers to "
                           "text")
    if len(value) > MAX_NARRATION_ENTRIES:
        raise RequestError("bad_field", f"'narration' may hold at most {MAX_NARRATION_ENTRIES} "
                           "remarks")
    out = {}
    for step, text in value.items():
        if not isinstance(step, str) or not _STEP_KEY.fullmatch(step) \
                or int(step) > MAX_ACTIONS or not isinstance(text, str):
            raise RequestError("bad_field", "'narration' must map step numbers (0 to "
                               f"{MAX_ACTIONS}, in ASCII digits) to text")
        if len(text) > MAX_NARRATION_TEXT:
            raise RequestError("bad_field", f"a narration remark may be at most "
                               f"{MAX_NARRATION_TEXT} characters")
        try:
            codec.check(text, what="a narration remark")
        except codec.JSONError as exc:
            raise RequestError("bad_field", exc.message) from None
        out[str(int(step))] = text
    return out


def _start_token(message):
    """`start` with a share link's token: the whole run, compactly (a long run's action list
    would not fit in one message)."""
    token = message["token"]
    if not isinstance(token, str):
        raise RequestError("bad_field", "'token' must be a share link's token (a string)")
    clash = [f for f in ("preset", "variant", "config", "seed", "actions", "cursor")
             if message.get(f) is not None]
    if clash:
        raise RequestError("bad_field", f"'token' brings its own run; do not send {clash[0]!r} with it")
    try:
        # Inside a message a token may be longer than a URL's: a long run resumes this way.
        scen = scenario_link.decode(token, max_chars=MAX_MESSAGE_TOKEN_CHARS)
    except scenario_link.LinkError as exc:
        raise RequestError("bad_link", exc.message) from None
    if len(scen["actions"]) > MAX_ACTIONS:
        raise RequestError("too_large", f"a run may hold at most {MAX_ACTIONS} actions")
    if scen["seed"] > MAX_SEED:
        raise RequestError("bad_field", f"'seed' must be an integer from 0 to {MAX_SEED}")
    intent = {k: scen[k] for k in ("protocol", "variant", "config", "seed", "actions", "cursor")}
    if scen.get("preset"):
        intent["preset"] = scen["preset"]
    return intent


def _start(message):
    if message.get("token") is not None:
        return _start_token(message)
    intent = {}
    if message.get("preset") is not None:
        preset = message["preset"]
        if not isinstance(preset, str) or not 0 < len(preset) <= MAX_VARIANT_LENGTH:
            raise RequestError("bad_field", "'preset' must be a preset name")
        # With `actions`, the preset names the story the run was forked from (its remarks
        # stay on the steps the run shares with it); its scenario is the preset's.
        clash = [f for f in ("variant", "config", "seed") if message.get(f) is not None]
        if clash:
            raise RequestError(
                "bad_field", f"'preset' brings its own run; do not send {clash[0]!r} with it"
            )
        intent["preset"] = preset
    if message.get("variant") is not None:
        variant = message["variant"]
        if not isinstance(variant, str) or not 0 < len(variant) <= MAX_VARIANT_LENGTH:
            raise RequestError("bad_field", "'variant' must be a variant name")
        intent["variant"] = variant
    if message.get("config") is not None:
        if not isinstance(message["config"], dict):
            raise RequestError("bad_field", "'config' must be a JSON object")
        try:  # already through the codec when it came in a message; a Python caller's too
            codec.check(message["config"], what="'config'")
        except codec.JSONError as exc:
            raise RequestError("bad_field", exc.message) from None
        intent["config"] = message["config"]
    if message.get("seed") is not None:
        intent["seed"] = _int_field(message, "seed", 0, MAX_SEED)
    actions = message.get("actions")
    if actions is not None:
        if not isinstance(actions, list):
            raise RequestError("bad_field", "'actions' must be a list of action objects")
        if len(actions) > MAX_ACTIONS:
            raise RequestError("too_large", f"a run may hold at most {MAX_ACTIONS} actions")
        for index, action in enumerate(actions):
            if not isinstance(action, dict) or not isinstance(action.get("type"), str):
                raise RequestError(
                    "bad_field", f"actions[{index}] must be an object with a string 'type'"
                )
        intent["actions"] = actions
    if message.get("cursor") is not None:
        intent["cursor"] = _int_field(message, "cursor", 0, MAX_ACTIONS)
    if message.get("narration") is not None:
        intent["narration"] = clean_narration(message["narration"])
    return intent


def _action(message):
    action = message.get("action")
    if not isinstance(action, dict) or not isinstance(action.get("type"), str):
        raise RequestError("bad_field", "'action' must be an object with a string 'type'")
    return {"action": action}


def _step(message):
    count = _int_field(message, "count", 1, MAX_STEP_COUNT)
    return {"count": 1 if count is None else count}


def _seek(message):
    return {"step": _int_field(message, "step", 0, MAX_ACTIONS, required=True)}


def _play(message):
    interval = _int_field(message, "interval_ms", MIN_INTERVAL_MS, MAX_INTERVAL_MS)
    return {} if interval is None else {"interval_ms": interval}


def _speed(message):
    return {
        "interval_ms": _int_field(
            message, "interval_ms", MIN_INTERVAL_MS, MAX_INTERVAL_MS, required=True
        )
    }


def _no_fields(message):
    return {}


_VALIDATORS = {
    "start": _start,
    "action": _action,
    "step": _step,
    "back": _no_fields,
    "undo_fork": _no_fields,
    "seek": _seek,
    "play": _play,
    "pause": _no_fields,
    "speed": _speed,
    "snapshot": _no_fields,
    "ping": _no_fields,
    "explore": validate_explore,
    "explore_cancel": _no_fields,
}

INTENT_TYPES = tuple(_VALIDATORS)


def parse(text):
    """Decode and validate one inbound text message; return `(type, fields)`.

    Raises RequestError with code bad_json, not_object, unknown_type, bad_field or too_large.
    Fields the protocol does not define are ignored.
    """
    return parse_message(decode(text))


def parse_message(message):
    """Validate an already decoded message (a dict from decode()); `(type, fields)`."""
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in _VALIDATORS:
        shown = kind if isinstance(kind, str) and len(kind) <= 40 else None
        detail = f"unknown message type {shown!r}" if shown else "missing or invalid 'type'"
        raise RequestError("unknown_type", f"{detail}; expected one of {', '.join(INTENT_TYPES)}")
    return kind, _VALIDATORS[kind](message)
