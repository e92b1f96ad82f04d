"""Exports of a run: a Mermaid `sequenceDiagram` drawn from the trace, and the JSON trace.

Pure functions of a Simulation (no Django): the web layer serves them from
`/api/export/mermaid` and `/api/export/trace` (docs/api.md), tests call them directly.

Mermaid cannot draw a slanted arrow, so a message is drawn where it ends: delivered
(`->>`), dropped (`-x`, by the user or because the receiver was down), or still in flight
when the run stops (a dotted `--)`). Notes, timers firing, crashes, restarts, pauses and
partitions are `Note over` lines at the point of the trace where they happened.
"""

from .share import VERSION

TRACE_FORMAT = 1


def _text(value, limit=120):
    """One line of Mermaid-safe text: `#` and `;` as entity codes, no line breaks."""
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("#", "#35;").replace(";", "#59;") or " "


def _ident(node_id):
    """A participant identifier Mermaid accepts (letters, digits, underscores)."""
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in str(node_id))
    return out if out and not out[0].isdigit() else "n_" + out


def _label(message):
    """A message as its protocol labels it ("VOTE yes tx1"), else its kind."""
    return _text(message.get("label") or message.get("kind") or "message")


def mermaid(sim, narration=None):
    """The run so far as Mermaid `sequenceDiagram` source text; the run's remarks (a story's)
    become notes over every lifeline at their steps."""
    lines = ["sequenceDiagram"]
    remarks = {int(k): v for k, v in (narration or {}).items()}
    ids = {}
    for node in sim.nodes.values():
        ids[node.id] = _ident(node.id)
        label = getattr(node, "label", None) or node.id
        lines.append(f"    participant {ids[node.id]} as {_text(label, 40)}")

    def who(node_id):
        return ids.get(node_id) or _ident(node_id)

    if 0 in remarks:
        lines.append(f"    Note over {_span(sim, who)}: {_text(remarks[0], 200)}")
    step = 0
    for event in sim.trace:
        if event["step"] != step:
            step = event["step"]
            if step in remarks:
                lines.append(f"    Note over {_span(sim, who)}: step {step}: "
                             f"{_text(remarks[step], 200)}")
        kind = event["type"]
        if kind == "deliver":
            lines.append(f"    {who(event['src'])}->>{who(event['dst'])}: {_label(event)}")
        elif kind == "drop":
            why = "receiver down" if event.get("reason") == "receiver-down" else "dropped"
            lines.append(f"    {who(event['src'])}-x{who(event['dst'])}: "
                         f"{_label(event)} ({why})")
        elif kind == "note":
            lines.append(f"    Note over {who(event['node'])}: {_text(event['text'])}")
        elif kind == "timer":
            lines.append(f"    Note over {who(event['node'])}: timer {_text(event['name'])} fires")
        elif kind in ("crash", "restart", "pause", "resume"):
            past = {"crash": "crashed", "restart": "restarted", "pause": "paused",
                    "resume": "resumed"}[kind]
            lines.append(f"    Note over {who(event['node'])}: {past}")
        elif kind == "duplicate":
            lines.append(f"    Note over {who(event['src'])}: {_label(event)} "
                         "duplicated in the network")
        elif kind == "partition":
            groups = " | ".join(", ".join(str(n) for n in g) for g in event["groups"])
            lines.append(f"    Note over {_span(sim, who)}: partition {_text(groups)}")
        elif kind == "heal":
            lines.append(f"    Note over {_span(sim, who)}: partition healed")
        elif kind == "check" and not event.get("ok", True):
            lines.append(f"    Note over {_span(sim, who)}: check failed: "
                         f"{_text(event.get('name', ''))}")
    for msg in sim.messages.values():
        label = _label(dict(msg, **sim.message_shown(msg)))
        lines.append(f"    {who(msg['src'])}--){who(msg['dst'])}: {label} (in flight)")
    return "\n".join(lines) + "\n"


def _span(sim, who):
    ids = list(sim.nodes)
    if not ids:
        return "nobody"
    return who(ids[0]) if len(ids) == 1 else f"{who(ids[0])},{who(ids[-1])}"


def trace_document(sim, actions=None, cursor=None, narration=None, preset=None):
    """The JSON trace export: the scenario (a share link's fields), the trace and its hash,
    and the run's remarks. `actions` is the whole timeline (it may run past the cursor); by
    default the run's own."""
    actions = list(sim.actions) if actions is None else list(actions)
    doc = {
        "format": TRACE_FORMAT,
        "scenario": {
            "v": VERSION,
            "protocol": sim.protocol.name,
            "variant": sim.variant,
            "config": sim.config,
            "seed": sim.seed,
            "actions": actions,
            "cursor": len(sim.actions) if cursor is None else cursor,
        },
        "steps": sim.step,
        "trace": list(sim.trace),
        "trace_hash": sim.trace_hash,
        "narration": dict(narration or {}),
    }
    if preset:
        doc["scenario"]["preset"] = preset
    return doc
