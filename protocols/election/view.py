"""Leader election's panels: each node's log of accepted and decided values, the storage's
fencing; on the diagram, epochs as eras and each leader's lease as a band on its lifeline
(solid while valid; hatched where it had run out but the leader still believed it led;
dashed after a crash, while the lease it left behind still binds the followers)."""

from protocols.kernel import panels as P

LEASE_WORDS = {
    "solid": "holds a valid lease",
    "hatched": "its lease has run out, but it still believes it leads",
    "dashed": "has crashed; the lease it left still binds its followers",
}


def hue(epoch):
    """Epoch 1 takes the palette's first colour; epoch 0 (nobody led yet) shares it."""
    return max(1, epoch or 0) - 1


def view(sim):
    members = [n for n in sim.nodes.values() if n.role == "node"]
    story = P.fold_trace(sim, "election.leases", _start, _step)
    sections = [P.section("Logs", _logs(sim, members), _storage(sim),
                          hint="per slot: accepted ○, decided ●")]
    return P.view(sections, diagram=[_eras(sim, story), _bands(sim, story)])


# -- the logs ---------------------------------------------------------------------------------

def _logs(sim, members):
    slots = set()
    for m in members:
        slots.update(int(s) for s in m.durable.accepted)
        slots.update(d["slot"] for d in m.durable.decided)
    slots = sorted(slots)
    first_decided = {}
    for m in members:
        for d in m.durable.decided:
            first_decided.setdefault(d["slot"], d["value"])
    columns = [P.column("node", "node"), P.column("epoch", "epoch")]
    columns += [P.column(slot, slot) for slot in slots]
    if not slots:
        columns.append(P.column("none", "no value proposed yet"))
    rows = [_log_row(sim, m, slots, first_decided) for m in members]
    return P.table(columns, rows, scroll=True)


def _log_row(sim, m, slots, first_decided):
    status = sim.status[m.id]
    # The vote record is on disk, or (variant volatile-votes) in memory, lost in a crash.
    record = m.durable if "epoch" in m.durable else (m.volatile or {})
    epoch = record.get("epoch")
    leading = m.volatile is not None and m.volatile.get("role") == "leader"
    decided, twice = {}, set()
    for d in m.durable.decided:
        if d["slot"] in decided:
            twice.add(d["slot"])
        decided[d["slot"]] = d
    name = m.label if m.label == m.id else f"{m.label} ({m.id})"
    cells = [P.cell(m.label, mark="★" if leading else None,
                    title=name + (", leader" if leading else "")
                    if name != m.id or leading else None)]
    if epoch is None:
        cells.append(P.cell("—", title="lost in crash"))
    else:
        vote = record.get("voted_for")
        cells.append(P.cell(f"e{epoch}", chip=True, hue=hue(epoch),
                            title=f"epoch {epoch}, " + (f"voted {vote}" if vote else "no vote")))
    for slot in slots:
        acc = m.durable.accepted.get(str(slot))
        dec = decided.get(slot)
        shown = dec or acc
        if shown is None:
            cells.append(None)
            continue
        conflict = slot in twice or (dec is not None and first_decided[slot] != dec["value"])
        what = [f"accepted {acc['value']} in epoch {acc['epoch']}" if acc else "nothing accepted",
                f"decided {dec['value']}" if dec else "not decided"]
        cells.append(P.cell(shown["value"], mark="●" if dec else "○", sub=shown["epoch"],
                            hue=hue(shown["epoch"]), tone="violation" if conflict else None,
                            emphasis="strong" if dec else "muted",
                            title=f"{m.id}, slot {slot}: " + "; ".join(what)))
    return P.row(m.id, cells, status=status, highlight=leading)


def _storage(sim):
    store = next((n for n in sim.nodes.values() if n.role == "storage"), None)
    if store is None:
        return None
    d = store.durable
    refused = sum(1 for w in d.get("writes", []) if not w["ok"])
    words = (f"Storage: file = {d.get('file') if d.get('file') is not None else '(empty)'}, "
             f"highest fencing token {d.get('token')}")
    if refused:
        words += f", {refused} stale write{'s' if refused > 1 else ''} refused"
    return P.text(words, tone="warning" if refused else None)


# -- leases and epochs, kept step by step -----------------------------------------------------
# Folded from the trace's structured events, once each: a `leader_of` note opens a tenure
# with its lease, `lease_until` notes renew it, a crash or a `stepped_down` note ends it. The
# clock decides when a lease runs out: the first step whose time has reached its end.

def _start():
    return {"eras": [], "tenures": [], "open": {}, "binding": []}


def _step(story, event):
    step, now = event["step"], event["t"]
    kind, node = event["type"], event.get("node")
    data = (event.get("data") or {}) if kind == "note" else {}
    open_ = story["open"]
    if kind == "crash" and node in open_:
        tenure = _close(story, node, step, "crashed")
        if now < tenure["until"]:
            binding = {"from": step, "to": None, "until": tenure["until"]}
            tenure["binding"] = binding
            story["binding"].append(binding)
    elif "leader_of" in data:
        if node in open_:
            _close(story, node, step, "elected again")
        epoch = data["leader_of"]
        until = data.get("lease_until", 0)
        open_[node] = {"node": node, "epoch": epoch, "start": step, "end": None, "why": None,
                       "until": until, "binding": None,
                       "segments": [{"style": "solid", "from": step, "to": None,
                                     "until": until}]}
        story["tenures"].append(open_[node])
        if all(e["epoch"] != epoch for e in story["eras"]):
            story["eras"].append({"epoch": epoch, "start": step, "leader": node})
    elif "lease_until" in data and node in open_:
        tenure = open_[node]
        tenure["until"] = max(tenure["until"], data["lease_until"])
        tenure["segments"][-1]["until"] = tenure["until"]
    elif data.get("stepped_down") and node in open_:
        _close(story, node, step, "stepped down")
    # The clock: a lease held is valid while now < until.
    for tenure in open_.values():
        style = "solid" if now < tenure["until"] else "hatched"
        last = tenure["segments"][-1]
        if last["style"] != style:
            last["to"] = step
            tenure["segments"].append({"style": style, "from": step, "to": None,
                                       "until": tenure["until"]})
    for binding in story["binding"]:
        if binding["to"] is None and now >= binding["until"] and step > binding["from"]:
            binding["to"] = step
    story["binding"] = [b for b in story["binding"] if b["to"] is None]


def _close(story, node, step, why):
    tenure = story["open"].pop(node)
    tenure["end"], tenure["why"] = step, why
    tenure["segments"][-1]["to"] = step
    return tenure


def _eras(sim, story):
    eras = story["eras"]
    return P.eras([
        P.era(e["start"], eras[k + 1]["start"] if k + 1 < len(eras) else None,
              f"e{e['epoch']}", hue(e["epoch"]),
              title=f"Epoch {e['epoch']}: {_label(sim, e['leader'])} elected")
        for k, e in enumerate(eras)])


def _bands(sim, story):
    out = []
    for t in story["tenures"]:
        who = f"{_label(sim, t['node'])}, leader of epoch {t['epoch']}"
        segments = [s for s in t["segments"] if s["to"] is None or s["to"] > s["from"]]
        for s in segments or t["segments"][:1]:
            out.append(P.band(t["node"], s["from"], s["to"], hue(t["epoch"]), style=s["style"],
                              key=f"e{t['epoch']}",
                              tone="warning" if s["style"] == "hatched" else None,
                              title=f"{who}: {LEASE_WORDS[s['style']]} (until t={s['until']})"))
        b = t["binding"]
        if b is not None:
            out.append(P.band(t["node"], b["from"], b["to"], hue(t["epoch"]), style="dashed",
                              key=f"e{t['epoch']}",
                              title=f"{who}: {LEASE_WORDS['dashed']} (until t={b['until']})"))
    return P.bands(out)


def _label(sim, node_id):
    node = sim.nodes.get(node_id)
    return node.label if node is not None else node_id
