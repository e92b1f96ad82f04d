"""What a protocol's messages and notes are called on screen, declared once.

A protocol lists its message kinds in `Protocol.messages`, each a `Message` saying how it is
labelled ("VOTE yes tx1") and toned (info / ok / warning / violation). The kernel then:
- refuses, when the Protocol class is defined, a node handler `on_<x>` that handles neither
  a declared message kind nor one of the node's declared `timers` (a misspelt kind fails
  at import, not silently at run time);
- refuses to send a kind that is not declared, or to arm an undeclared timer;
- puts the label and tone on every `send` event and every message in a snapshot, so the
  diagram, the trace list, Mermaid and SVG all show the same words, and the browser holds
  no table per protocol.

Labels and tones are presentation: they are not part of the trace hash.
"""

import difflib

TONES = ("info", "ok", "warning", "violation")

# Payload fields that name the thing a message is about; shown only when nothing else is.
_ID_FIELDS = ("tx", "txid", "id", "key", "term", "epoch", "round", "ballot", "from", "to")
# Payload fields that are bookkeeping (clock readings, echoes): never a label's detail.
_QUIET_FIELDS = frozenset(("sent_at", "at", "t", "time", "ts_ms"))


def shown(value):
    """A value as a label shows it: None as nil (an absent value is said, never blank)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


class _Shown(dict):
    """format_map mapping: missing fields read as nil, values as `shown` says."""

    def __missing__(self, key):
        return "nil"

    def __getitem__(self, key):
        return shown(dict.get(self, key)) if key in self else "nil"


def generic_detail(payload):
    """The detail of a message with no declared label: key=value, else the first telling
    field, else an id ("tx1")."""
    if "key" in payload and "value" in payload and _scalar(payload["key"]) \
            and _scalar(payload["value"]):
        return f"{shown(payload['key'])}={shown(payload['value'])}"
    fields = [(k, v) for k, v in payload.items() if _scalar(v) and k not in _QUIET_FIELDS]
    for key, value in fields:
        if key not in _ID_FIELDS:
            return _field_text(key, value)
    ids = sorted((k, v) for k, v in fields if k in _ID_FIELDS)
    ids.sort(key=lambda kv: _ID_FIELDS.index(kv[0]))
    return _field_text(*ids[0]) if ids else ""


def _scalar(value):
    return value is None or isinstance(value, (str, int, float, bool))


def _field_text(key, value):
    if isinstance(value, bool) or value is None:
        return f"{key}={shown(value)}"
    if isinstance(value, int) and key in _ID_FIELDS:
        return f"{key}{value}" if len(key) <= 3 else f"{key} {value}"
    return shown(value)


class Message:
    """One message kind a protocol sends.

    detail: what follows the kind in its label, from the payload: a format string over the
    payload's fields ("tx{tx} {vote}"; an absent or None field reads "nil"), or a function
    (payload, message) -> text or None. None: the generic detail (the first telling field).
    tone: info / ok / warning / violation, or a function (payload, message) -> one of those.
    help: one line on what the message means, for docs and tooltips.
    """

    def __init__(self, detail=None, tone="info", help=""):
        if isinstance(tone, str) and tone not in TONES:
            raise ValueError(f"tone must be one of {', '.join(TONES)}, not {tone!r}")
        self.detail = detail
        self.tone = tone
        self.help = help

    def label(self, kind, payload, message):
        if self.detail is None:
            text = generic_detail(payload)
        elif isinstance(self.detail, str):
            text = self.detail.format_map(_Shown(payload))
        else:
            text = self.detail(payload, message)
            if text is None:
                text = generic_detail(payload)
        text = " ".join(str(text).split())
        return f"{kind} {text}" if text else kind

    def tone_of(self, payload, message):
        tone = self.tone(payload, message) if callable(self.tone) else self.tone
        return tone if tone in TONES else "info"


_GENERIC = Message()


def timer_base(name):
    """A timer's declared name: `in-doubt 3` (one per transaction) -> `in-doubt`."""
    return name.split(" ", 1)[0]


def handler_kind(kind):
    """`COMMIT-REQUEST` -> `commit_request`, the part after on_ of its handler's name."""
    return timer_base(kind).lower().replace("-", "_")


class Vocabulary:
    """A protocol's declared message kinds, checked and looked up by the kernel."""

    def __init__(self, protocol_name, messages):
        self.protocol_name = protocol_name
        self.messages = dict(messages)
        for kind, spec in self.messages.items():
            if not isinstance(spec, Message):
                raise TypeError(f"{protocol_name}: messages[{kind!r}] must be a Message(...)")
            if kind != kind.upper() or " " in kind:
                raise TypeError(f"{protocol_name}: message kind {kind!r} must be upper case, "
                                "words joined by '-' (e.g. COMMIT-REQUEST)")

    def message(self, kind):
        return self.messages.get(kind, _GENERIC)

    def check_send(self, src, kind):
        if kind not in self.messages:
            raise ValueError(f"{src} sent {kind!r}, which {self.protocol_name} does not declare "
                             f"in Protocol.messages{_suggest(kind, self.messages)}")

    def check_node_class(self, cls):
        """Every on_<x> of a node class must handle a declared kind or timer (or be on_start)."""
        handled = {handler_kind(kind): kind for kind in self.messages}
        timers = {handler_kind(name): name for name in getattr(cls, "timers", ())}
        for attr in sorted(dir(cls)):
            if not attr.startswith("on_") or attr == "on_start" or not callable(getattr(cls, attr)):
                continue
            what = attr[3:]
            if what in handled or what in timers:
                continue
            known = [f"on_{k}" for k in list(handled) + list(timers)]
            raise TypeError(
                f"{cls.__name__}.{attr} handles no message kind that {self.protocol_name} "
                f"declares in Protocol.messages and no timer in {cls.__name__}.timers"
                f"{_suggest(attr, known)}")

    def describe(self):
        return {kind: spec.help for kind, spec in self.messages.items()}


def _suggest(word, known):
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
