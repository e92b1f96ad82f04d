"""Total order broadcast's panels: a form to claim a username through a node, the
usernames table (who holds what, who was refused, who is waiting) and every node's
delivered log side by side, with its hold-back queue. Usernames are typed by users: they
travel as data and the browser only ever shows them as text."""

from protocols.kernel import panels as P

EARLY = "lamport-early"
MAX_NAME = 32          # what the claim action accepts (protocols/tob.py)


def view(sim):
    rows = _usernames(sim)
    early = sim.variant == EARLY
    sequencer = None if early else _sequencer(sim)
    return P.view([
        P.section("Usernames", _claim_form(sim), _table(rows),
                  count=f"{len(rows)} claimed" if rows else None),
        P.section("Claims seen, in arrival order" if early else "Delivered logs",
                  P.lists([_log(sim, node, early, sequencer) for node in sim.nodes.values()]),
                  key="logs"),
    ])


def _claim_form(sim):
    ids = list(sim.nodes)
    up = [n for n in ids if sim.status[n] == "up"]
    chosen = "n2" if "n2" in up else (up[0] if up else None)
    return P.form("claim", [
        P.field("user", "User", value="alice", placeholder="user", maxlength=MAX_NAME),
        P.field("name", "Username to claim", value="bob", placeholder="username",
                maxlength=MAX_NAME, words="claims"),
        P.field("node", "Through node", kind="select", value=chosen, words="via",
                options=[P.option(n, n if sim.status[n] == "up" else f"{n} ({sim.status[n]})",
                                  disabled=sim.status[n] != "up") for n in ids]),
    ], "Claim", action="claim", inline=True)


def _usernames(sim):
    """name -> holders, refused, pending, from the client history's compare-and-sets."""
    table = {}
    for op in sim.history:
        if op["op"] != "cas":
            continue
        name = op["args"]["key"]
        row = table.setdefault(name, {"name": name, "holders": [], "refused": [],
                                      "pending": []})
        bucket = {"ok": "holders", "fail": "refused"}.get(op["status"], "pending")
        row[bucket].append(f"{op['args']['to']} (via {op['client']})")
    return list(table.values())


def _table(rows):
    columns = [P.column("name", "Name"), P.column("holder", "Holder"),
               P.column("refused", "Refused"), P.column("waiting", "Waiting")]
    out = []
    for r in rows:
        conflict = len(r["holders"]) > 1
        people = lambda names: ", ".join(names) or "—"  # noqa: E731
        out.append(P.row(r["name"], [
            P.cell(r["name"], emphasis="strong"),
            P.cell(people(r["holders"]), tone="violation" if conflict else "ok",
                   emphasis="strong" if conflict else None),
            P.cell(people(r["refused"]), tone="warning" if r["refused"] else None),
            P.cell(people(r["pending"]), emphasis="muted"),
        ], tone="violation" if conflict else None,
            title="More than one user was told this name is theirs" if conflict else None))
    return P.table(columns, out, empty="No name claimed yet.")


def _sequencer(sim):
    leading = [(n.durable.epoch, n.id) for n in sim.nodes.values()
               if sim.status[n.id] != "crashed" and n.volatile.get("sequencer") is not None]
    return max(leading) if leading else None


def _entry(msg):
    return "no-op" if msg.get("noop") else f"“{msg['name']}” ← {msg['user']}"


def _log(sim, node, early, sequencer):
    status = sim.status[node.id]
    chips = [P.badge(status, tone="violation" if status == "crashed" else "warning")
             if status != "up" else None]
    d = node.durable
    if early:
        items = [P.item(c["id"], f"“{c['name']}” ← {c['user']}", mark=f"({c['ts'][0]},{c['ts'][1]})")
                 for c in d.seen]
        return P.titled_list(node.id, node.label, items, badges=chips, status=status,
                             empty="nothing yet")
    if sequencer is not None and sequencer[1] == node.id:
        chips.append(P.badge(f"sequencer, epoch {sequencer[0]}", tone="info"))
    items = [P.item(f"{m['slot']}", _entry(m) + (" (duplicate)" if m.get("duplicate") else ""),
                    mark=f"#{m['slot']}", emphasis="struck" if m.get("duplicate") else None)
             for m in d.delivered]
    if node.volatile is not None:
        held = node.volatile.hold_back
    else:   # a crashed node's hold-back queue is gone; what it stored is still on its disk
        held = [{"slot": k, "id": e["msg"]["id"], "why": f"stored in epoch {e['epoch']}"}
                for k, e in enumerate(d.log, 1) if e is not None and k > len(d.delivered)]
    for h in held:
        stored = d.log[h["slot"] - 1] if h["slot"] <= len(d.log) else None
        what = _entry(stored["msg"]) if stored else h["id"]
        items.append(P.item(f"held-{h['slot']}", f"{what} — {h['why']}", mark=f"#{h['slot']}",
                            emphasis="muted", title=f"held back: {h['why']}"))
    return P.titled_list(node.id, node.label, items, badges=chips, status=status,
                         empty="nothing yet")
