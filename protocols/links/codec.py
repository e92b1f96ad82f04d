"""The one strict JSON codec at every boundary: socket frames, share tokens, API bodies and
imported traces (their scenario arrives as a socket `start` or a token). Pure, no Django.

`loads` refuses, with a one-line reason naming the field where it can:
- input larger than `max_bytes` (UTF-8), or not UTF-8;
- `NaN`, `Infinity`, `-Infinity`, and numbers that overflow to them (`1e999`);
- integers beyond ±MAX_JSON_INT (2^63-1); digit strings longer than MAX_INT_DIGITS are
  refused before Python parses them (so its 4,300-digit limit never surfaces);
- lone surrogates anywhere, in keys and strings, raw or escaped (`"\\ud800"`);
- nesting deeper than `max_depth` (and Python's own recursion limit, for deeper input).
A key repeated in one object keeps its last value, as JavaScript's JSON.parse does, so the
browser and the server read the same message.
`dumps` never emits what `loads` would refuse: no NaN, no lone surrogate (JSONError).
`check` applies the same rules to a value built in Python (e.g. from a database row).
"""

import json
import math
import re

from protocols.limits import MAX_INT_DIGITS, MAX_JSON_DEPTH, MAX_JSON_INT

_SURROGATE = re.compile("[\ud800-\udfff]")
# An escaped surrogate in JSON text (or a false alarm such as "\\ud800", which is checked).
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
# A digit run that may be an integer beyond ±MAX_JSON_INT: only then is each integer parsed
# by a Python hook (three times slower on a 10,000-action run than Python's own int parsing).
_LONG_DIGITS = re.compile("[0-9]{%d,}" % MAX_INT_DIGITS)
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_INNERMOST = re.compile(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")


class JSONError(ValueError):
    """Input the codec refuses; `message` is one line saying what and where."""

    def __init__(self, message, reason=None, path=None):
        super().__init__(message)
        self.message = message
        self.reason = reason or message
        self.path = path


class _Bad:
    """What a parse hook returns for a refused scalar, so the walk can name its field."""

    __slots__ = ("reason",)

    def __init__(self, reason):
        self.reason = reason


class _Seen:
    """Per-call flag: did a hook produce a _Bad?"""

    __slots__ = ("bad",)

    def __init__(self):
        self.bad = False


def _decoder(seen, check_ints):
    def bad(reason):
        seen.bad = True
        return _Bad(reason)

    def parse_constant(name):
        return bad(f"{name} is not a JSON number")

    def parse_int(text):
        digits = len(text) - (text[0] == "-")
        if digits > MAX_INT_DIGITS:
            return bad(f"an integer of {digits} digits (at most ±{MAX_JSON_INT})")
        value = int(text)
        if abs(value) > MAX_JSON_INT:
            return bad(f"an integer beyond ±{MAX_JSON_INT}")
        return value

    def parse_float(text):
        value = float(text)
        if not math.isfinite(value):
            return bad(f"a number out of range ({text[:20]})")
        return value

    return json.JSONDecoder(parse_constant=parse_constant, parse_float=parse_float,
                            **({"parse_int": parse_int} if check_ints else {}))


def _deeper_than(text, max_depth):
    """Whether valid JSON text nests arrays and objects more than max_depth deep, found with
    regular expressions (C speed): strings removed, then innermost containers one level per
    pass."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    rest = _STRING.sub("", text)
    for _ in range(max_depth):
        rest, found = _INNERMOST.subn("", rest)
        if not found:
            return False
    return "[" in rest or "{" in rest


def _show(key):
    """A key for a message: ASCII only (a lone surrogate shows escaped), at most 40 chars."""
    text = json.dumps(key[:40] if isinstance(key, str) else key)
    return text


def _path(trail):
    """`config.kinds[0]` for the trail of keys and indexes from the root."""
    out = ""
    for step in trail:
        if isinstance(step, int):
            out += f"[{step}]"
        elif isinstance(step, str) and _IDENT.fullmatch(step):
            out += f".{step}" if out else step
        else:
            out += f"[{_show(step)}]"
    out = out or "the top level"
    return out if len(out) <= 100 else out[:99] + "…"


def _trail(entry):
    trail = []
    while entry is not None:
        entry, key = entry
        trail.append(key)
    trail.reverse()
    return trail


def _walk(value, max_depth, surrogates, strict_scalars):
    """Find the first refused thing in a parsed value (iteratively: no recursion limit):
    (reason, trail) or None. `surrogates`: look for lone surrogates in keys and strings;
    `strict_scalars`: check numbers too (for values built in Python, not by the parser)."""
    stack = [(value, 1, None)]  # (value, depth, parent link: (parent link, key) or None)
    while stack:
        node, depth, link = stack.pop()
        if depth > max_depth:
            return f"nested more than {max_depth} deep", _trail(link)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, item in items:
            if surrogates and isinstance(key, str) and not key.isascii() \
                    and _SURROGATE.search(key):
                return "a lone surrogate in a key", _trail((link, key))
            if isinstance(key, str) or not isinstance(node, dict):
                pass
            elif strict_scalars:
                return "a key that is not a string", _trail((link, key))
            if isinstance(item, (dict, list, tuple)):
                stack.append((item, depth + 1, (link, key)))
            elif isinstance(item, str):
                if surrogates and not item.isascii() and _SURROGATE.search(item):
                    return "a lone surrogate in a string", _trail((link, key))
            elif isinstance(item, _Bad):
                return item.reason, _trail((link, key))
            elif strict_scalars:
                reason = _scalar_problem(item)
                if reason:
                    return reason, _trail((link, key))
    return None


def _scalar_problem(item):
    if item is None or isinstance(item, bool):
        return None
    if isinstance(item, int):
        return None if abs(item) <= MAX_JSON_INT else f"an integer beyond ±{MAX_JSON_INT}"
    if isinstance(item, float):
        return None if math.isfinite(item) else f"{item!r} is not a JSON number"
    return f"a {type(item).__name__}, which JSON cannot carry"


def _refuse(what, reason, trail=None):
    where = f" at {_path(trail)}" if trail else ""
    message = f"{what} is not valid JSON: {reason}{where}"
    return JSONError(message, reason, _path(trail) if trail else None)


def loads(text, *, max_bytes, max_depth=MAX_JSON_DEPTH, what="the message"):
    """Parse JSON text (str, or UTF-8 bytes) strictly; JSONError says why it is refused."""
    if isinstance(text, (bytes, bytearray)):
        if len(text) > max_bytes:
            raise _refuse(what, f"larger than {max_bytes} bytes")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _refuse(what, f"not UTF-8 (byte {exc.start})") from None
    elif not isinstance(text, str):
        raise _refuse(what, "not text")
    else:
        if len(text) > max_bytes:
            raise _refuse(what, f"larger than {max_bytes} bytes")
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as exc:  # a raw lone surrogate in the text itself
            raise _refuse(what, f"a lone surrogate (character {exc.start})") from None
        if size > max_bytes:
            raise _refuse(what, f"larger than {max_bytes} bytes")
    seen = _Seen()
    try:
        value = _decoder(seen, _LONG_DIGITS.search(text) is not None).decode(text)
    except RecursionError:
        raise _refuse(what, f"nested more than {max_depth} deep") from None
    except json.JSONDecodeError as exc:
        raise _refuse(what, f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # a hook's own refusal (e.g. float() of something odd)
        raise _refuse(what, str(exc)[:100]) from None
    if isinstance(value, _Bad):
        raise _refuse(what, value.reason)
    if not isinstance(value, (dict, list)):
        return value
    surrogates = _ESCAPED_SURROGATE.search(text) is not None
    if seen.bad or surrogates or _deeper_than(text, max_depth):
        found = _walk(value, max_depth, surrogates, strict_scalars=False)
        if found:
            raise _refuse(what, *found)
    return value


def check(value, *, max_depth=MAX_JSON_DEPTH, what="the value"):
    """Refuse (JSONError) a Python value that `loads` could not have produced: NaN, infinite
    floats, integers beyond ±MAX_JSON_INT, lone surrogates, non-string keys, other types,
    nesting deeper than max_depth. Returns the value."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise _refuse(what, "a lone surrogate in a string")
        return value
    if not isinstance(value, (dict, list)):
        reason = _scalar_problem(value)
        if reason:
            raise _refuse(what, reason)
        return value
    found = _walk(value, max_depth, surrogates=True, strict_scalars=True)
    if found:
        raise _refuse(what, *found)
    return value


def dumps(value, *, sort_keys=False, ensure_ascii=False):
    """Compact JSON text that is always valid and encodable as UTF-8: NaN, infinities and lone
    surrogates raise JSONError instead of becoming text a browser cannot read."""
    try:
        text = json.dumps(value, separators=(",", ":"), sort_keys=sort_keys,
                          ensure_ascii=ensure_ascii, allow_nan=False)
    except ValueError as exc:
        raise JSONError(f"cannot encode as JSON: {exc}"[:200]) from None
    if not ensure_ascii:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise JSONError("cannot encode as JSON: a lone surrogate in a string") from None
    elif _ESCAPED_SURROGATE.search(text):
        check(value)  # an escaped lone surrogate: refuse it like loads would
    return text
