"""Replication's panels: the linearizability verdict (and the operations that break it,
also marked on the client history), each replica's copy of every key, and the settings a
user changes without leaving the page (mode, N, W, R, read repair, read routing,
synchronous followers), which restart the run with that config."""

from protocols.kernel import panels as P

MODES = {"single-leader": "single leader", "multi-leader": "multi-leader",
         "leaderless": "leaderless (quorums)"}
NOT_REPLICAS = ("client", "queue")


def view(sim):
    replicas = [n for n in sim.nodes.values() if n.role not in NOT_REPLICAS]
    return P.view([
        P.section("Single copy?", _verdict(sim), key="verdict"),
        P.section("Replicas", _replicas(sim, replicas)),
        P.section("Settings", _settings(sim.config)),
    ])


def _verdict(sim):
    check = next((c for c in sim.checks if c["name"] == "linearizable"), None)
    if check is None:
        return P.text("No client history yet.")
    if check["ok"]:
        return P.callout("✓ Linearizable", "ok",
                         subtitle="— the history so far fits one copy of the data",
                         detail=check.get("detail"))
    ops = check.get("ops") or []
    contradicts = check.get("contradicts")
    refs = P.badges([P.badge(f"#{op}", op=op,
                             tone="warning" if k and op == contradicts else "violation",
                             strong=k == 0 or op == contradicts,
                             title="the operation that breaks it" if k == 0 else
                             "the operation it contradicts" if op == contradicts else None)
                     for k, op in enumerate(ops)], label="Operations involved:")
    detail = str(check.get("detail") or "").removeprefix("not linearizable: ")
    return P.callout("✗ Not linearizable", "violation",
                     subtitle="— no single-copy order explains what the clients saw",
                     detail=detail, refs=refs if ops else None, events=check.get("events"))


def _replicas(sim, replicas):
    keys = sim.config.get("keys") or []
    mode = sim.config.get("mode")
    columns = [P.column("replica", "replica")] + [P.column(k, k) for k in keys]
    rows = [P.row(n.id, [n.label] + [_copy(mode, n.durable.get("data", {}).get(k))
                                     for k in keys], status=sim.status[n.id])
            for n in replicas]
    return P.table(columns, rows)


def _copy(mode, stored):
    if stored is None:
        return P.cell("nil", emphasis="muted")
    if mode == "leaderless":
        return f"{_value(stored['value'])} (v{stored['version'][0]})"
    if mode == "multi-leader":
        return f"{_value(stored['value'])} (t={stored['ts'][0]})"
    return _value(stored)


def _value(value):
    return "nil" if value is None else str(value)


def _settings(config):
    mode = config["mode"]
    followers = [f"r{i}" for i in range(2, 6)]
    # Every mode's fields are in the form; each shows while the Mode field names its mode.
    single, leaderless = {"mode": ["single-leader"]}, {"mode": ["leaderless"]}
    sync = P.field("sync_followers", "Synchronous followers", kind="checkboxes",
                   value=list(config.get("sync_followers", [])),
                   options=[P.option(f, needs={"replicas": int(f[1:])}) for f in followers
                            if int(f[1:]) <= config["replicas"]],
                   when=single)
    fields = [
        P.field("mode", "Mode", kind="select", value=mode,
                options=[P.option(k, v) for k, v in MODES.items()]),
        P.field("replicas", "Replicas N", kind="number", value=config["replicas"],
                minimum=2, maximum=5),
        # The image-resizer story needs its two clients: the web server and the resizer.
        P.field("clients", "Clients", kind="number", value=config["clients"],
                minimum=2 if config.get("image_resizer") else 1, maximum=4),
        P.field("read_from", "Reads at", kind="select", value=config["read_from"],
                options=[P.option("leader", "the leader"), P.option("any", "any replica")],
                when=single),
        sync,
    ]
    quorum = dict(kind="number", minimum=1, maximum=5, at_most="replicas", when=leaderless)
    fields += [P.field("w", "Write quorum W", value=config["w"], **quorum),
               P.field("r", "Read quorum R", value=config["r"], **quorum),
               P.field("read_repair", "Read repair", kind="select", value=config["read_repair"],
                       options=[P.option("off"), P.option("async", "asynchronous"),
                                P.option("sync", "synchronous (wait for W)")],
                       when=leaderless)]
    return P.form("settings", fields, "Restart with these settings", restart=True)
