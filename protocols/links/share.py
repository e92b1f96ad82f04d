"""Share links: a whole scenario in the URL, `/play/<protocol>/?s=<token>`.

A run is replay(protocol, variant, config, seed, actions); a link carries those five and the
cursor (how many of the actions to apply when it opens). The token is the scenario as
canonical JSON (sorted keys, no spaces), zlib-compressed, in URL-safe base64 without
padding. Pure functions, no Django: the web layer and the counterexample search share them.
See docs/share-links.md.
"""

import base64
import binascii
import re
import zlib

from protocols.limits import (MAX_ACTIONS, MAX_MESSAGE_TOKEN_CHARS, MAX_SEED, MAX_TOKEN_CHARS,
                              MAX_TOKEN_JSON_BYTES)

from . import codec

VERSION = 1
FIELDS = ("v", "protocol", "variant", "config", "seed", "actions", "cursor")
# Optional: the story (preset) the run comes from, so its remarks travel with the link: they
# show on the steps the run still shares with the story's script.
OPTIONAL_FIELDS = ("preset",)
# The limits (protocols/limits.py): a URL's token, a message's token (a run too long for a
# URL — 10,000 election steps make ~34,000 characters — still fits in a socket `start`), what
# a token may decompress to, actions and seed.
MAX_JSON_BYTES = MAX_TOKEN_JSON_BYTES
_TOKEN = re.compile(r"[A-Za-z0-9_-]*")


class LinkError(ValueError):
    """A token that cannot be a scenario: the message says what is wrong with it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _canonical(value):
    return codec.dumps(value, sort_keys=True)


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate(scenario):
    """Check a scenario dict's shape; return it with fields in canonical form. LinkError."""
    if not isinstance(scenario, dict):
        raise LinkError("the scenario must be a JSON object")
    unknown = sorted(set(scenario) - set(FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise LinkError(f"unknown field {unknown[0]!r} in the scenario")
    if scenario.get("v") != VERSION:
        raise LinkError(f"unsupported link version {scenario.get('v')!r} (this server reads "
                        f"version {VERSION})")
    protocol = scenario.get("protocol")
    if not isinstance(protocol, str) or not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", protocol):
        raise LinkError("'protocol' must be a protocol name")
    variant = scenario.get("variant")
    if not isinstance(variant, str) or not 0 < len(variant) <= 40:
        raise LinkError("'variant' must be a variant name")
    if not isinstance(scenario.get("config"), dict):
        raise LinkError("'config' must be a JSON object")
    try:
        codec.check(scenario["config"], what="'config'")
    except codec.JSONError as exc:
        raise LinkError(exc.message) from None
    seed = scenario.get("seed")
    if not _whole(seed) or not 0 <= seed <= MAX_SEED:
        raise LinkError(f"'seed' must be a whole number from 0 to {MAX_SEED} (2^53-1)")
    actions = scenario.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
        raise LinkError("'actions' must be a list of action objects")
    if len(actions) > MAX_ACTIONS:
        raise LinkError(f"too many actions ({len(actions)}; at most {MAX_ACTIONS})")
    cursor = scenario.get("cursor")
    if not _whole(cursor) or not 0 <= cursor <= len(actions):
        raise LinkError(f"'cursor' must be a whole number from 0 to {len(actions)} (the "
                        "number of actions)")
    out = {k: scenario[k] for k in FIELDS}
    preset = scenario.get("preset")
    if preset is not None:
        if not isinstance(preset, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,59}", preset):
            raise LinkError("'preset' must be a preset name")
        out["preset"] = preset
    return out


def scenario(protocol, variant, config, seed, actions, cursor=None, preset=None):
    """The scenario dict a link carries (cursor: the end of the actions by default; preset:
    the story the run comes from, if any)."""
    value = {"v": VERSION, "protocol": protocol, "variant": variant,
             "config": {} if config is None else config, "seed": seed, "actions": list(actions),
             "cursor": len(actions) if cursor is None else cursor}
    if preset is not None:  # a wrong type is refused by validate(), not taken for "none"
        value["preset"] = preset
    return validate(value)


def encode(value, max_chars=MAX_TOKEN_CHARS):
    """The token for a scenario dict (see scenario()). LinkError if it is malformed or the
    token would exceed `max_chars` (a URL's MAX_TOKEN_CHARS unless told otherwise)."""
    try:
        text = _canonical(validate(value)).encode()
    except codec.JSONError as exc:
        raise LinkError(f"the scenario cannot be a link: {exc.message}") from None
    if len(text) > MAX_JSON_BYTES:
        raise LinkError(f"the scenario is too large for a link ({len(text)} bytes of JSON; at "
                        f"most {MAX_JSON_BYTES})")
    token = base64.urlsafe_b64encode(zlib.compress(text, 9)).rstrip(b"=").decode("ascii")
    if len(token) > max_chars:
        raise LinkError(f"the scenario is too large for a link ({len(token)} characters; at "
                        f"most {max_chars})")
    return token


def decode(token, max_chars=MAX_TOKEN_CHARS):
    """The scenario dict a token carries. LinkError saying what is wrong with a tampered,
    truncated or oversized token (longer than `max_chars`: a URL's MAX_TOKEN_CHARS unless
    told otherwise)."""
    if not isinstance(token, str) or not token:
        raise LinkError("the link carries no scenario")
    if len(token) > max_chars:
        raise LinkError(f"the link is too long ({len(token)} characters; at most "
                        f"{max_chars})")
    if not _TOKEN.fullmatch(token):
        raise LinkError("the link's scenario contains characters that URL-safe base64 does "
                        "not use")
    if len(token) % 4 == 1:
        raise LinkError("the link's scenario is truncated (not a whole number of base64 "
                        "bytes)")
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise LinkError("the link's scenario is not valid base64") from None
    inflate = zlib.decompressobj()
    try:
        text = inflate.decompress(data, MAX_JSON_BYTES + 1)
    except zlib.error:
        raise LinkError("the link's scenario is damaged (it does not decompress)") from None
    if len(text) > MAX_JSON_BYTES or inflate.unconsumed_tail:
        raise LinkError(f"the link's scenario is too large (more than {MAX_JSON_BYTES} bytes "
                        "of JSON)")
    if not inflate.eof:
        raise LinkError("the link's scenario is truncated (the compressed data ends early)")
    if inflate.unused_data:
        raise LinkError("the link's scenario has extra data after its end")
    try:
        value = codec.loads(text, max_bytes=MAX_JSON_BYTES, what="the link's scenario")
    except codec.JSONError as exc:
        raise LinkError(exc.message) from None
    return validate(value)


def share_path(value):
    """`/play/<protocol>/?s=<token>` for a scenario dict."""
    return f"/play/{value['protocol']}/?s={encode(value)}"
