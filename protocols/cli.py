"""The command-line interface (a contract: see DESIGN.md).

    python -m protocols list [--json]
    python -m protocols run NAME [--variant V] [--config JSON] [--seed N] [--steps N]
                                 [--actions FILE|-] [--preset P] [--json]
    python -m protocols explore NAME [--variant V] [--config JSON] [--depth N]
                                     [--max-states N] [--json]   (see explore_cli.py)
    python -m protocols check-history FILE [--json]
    python -m protocols new NAME [--dir DIR]      (scaffold/: a protocol package to start from)

Exit codes: 0 all checks hold, 1 a check is violated, 2 bad input (one line on stderr).
"""

import argparse
import json
import sys

from . import registry
from .search import cli as explore_cli
from .kernel import PlaygroundError, Simulation

DEFAULT_STEPS = 1000


class BadInput(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise BadInput(message)


def _parser():
    parser = _Parser(prog="python -m protocols", description="Run protocol engines.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p_list = sub.add_parser("list", help="list the protocols and their variants")
    p_list.add_argument("--json", action="store_true")
    explore_cli.add_parser(sub)
    p_run = sub.add_parser("run", help="run a protocol: an action script, then auto-play")
    p_run.add_argument("name")
    p_run.add_argument("--variant")
    p_run.add_argument("--config", default="{}", help="JSON object of options")
    p_run.add_argument("--seed", type=int, default=None, dest="seed_given")
    p_run.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                       help="auto-play steps after the script (default %(default)s)")
    p_run.add_argument("--actions", help="file with a JSON list of actions, or - for stdin")
    p_run.add_argument("--preset", help="start from a preset's scenario and script (see "
                       "`list --json`); --variant/--config/--seed/--actions then change it")
    p_run.add_argument("--json", action="store_true")
    p_hist = sub.add_parser("check-history", help="is a register history linearizable?")
    p_hist.add_argument("file", help="Jepsen log lines or a JSON history (- for stdin)")
    p_hist.add_argument("--json", action="store_true")
    p_new = sub.add_parser("new", help="scaffold a protocol package with a passing test")
    p_new.add_argument("name", help="the protocol's name: a lowercase Python identifier")
    p_new.add_argument("--dir", default=".", help="where to make NAME/ (default: here)")
    return parser


def _load_json(text, what):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{what}: invalid JSON at line {exc.lineno} column {exc.colno}: "
                       f"{exc.msg}") from None


def cmd_list(args, out):
    protocols = [p.describe() for p in registry.all_protocols()]
    for problem in registry.load_errors():   # an installed protocol that did not load
        sys.stderr.write(f"warning: {problem}\n")
    if args.json:
        out.write(json.dumps(protocols, indent=2) + "\n")
        return 0
    width = max([12] + [len(p["name"]) for p in protocols])
    for p in protocols:
        out.write(f"{p['name']:<{width}} {p['title']} — {p['summary']}\n")
        for variant, text in p["variants"].items():
            out.write(f"{'':<{width + 2}}--variant {variant}: {text}\n")
    return 0


def _read_actions(source):
    if source is None:
        return []
    if source == "-":
        text, what = sys.stdin.read(), "--actions (stdin)"
    else:
        try:
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise BadInput(f"--actions: cannot read {source}: {exc.strerror}") from None
        what = f"--actions {source}"
    actions = _load_json(text, what)
    if not isinstance(actions, list):
        raise BadInput(f"{what}: must be a JSON list of actions")
    return actions


def cmd_run(args, out):
    try:
        protocol = registry.get(args.name)
    except PlaygroundError as exc:
        raise BadInput(f"NAME: {exc.message}") from None
    config = _load_json(args.config, "--config")
    if args.steps < 0:
        raise BadInput("--steps must not be negative")
    actions = _read_actions(args.actions)
    variant, seed, narration = args.variant, args.seed_given or 0, {}
    if args.preset is not None:
        preset = protocol.presets.get(args.preset)
        if preset is None:
            raise BadInput(f"--preset: {protocol.name} has no preset {args.preset!r}; known: "
                           + ", ".join(protocol.presets))
        if not isinstance(config, dict):
            raise BadInput("--config: must be a JSON object")
        config = dict(preset["config"], **config)
        variant = preset["variant"] if variant is None else variant
        seed = preset["seed"] if args.seed_given is None else seed
        actions = preset["actions"] + actions
        narration = preset["narration"]
    try:
        sim = Simulation(protocol, variant, config, seed)
    except PlaygroundError as exc:
        raise BadInput(exc.message) from None
    for index, action in enumerate(actions):
        try:
            sim.apply(action)
        except PlaygroundError as exc:
            raise BadInput(f"--actions: action {index + 1}: {exc.message}") from None
    scripted = sim.step
    sim.run(args.steps)
    violated = [c for c in sim.checks if not c["ok"]]
    if args.json:
        result = {
            "protocol": protocol.name, "variant": sim.variant, "seed": sim.seed,
            "config": sim.config, "steps": sim.step, "time": sim.now,
            "trace_hash": sim.trace_hash, "checks": sim.checks, "actions": sim.actions,
            "state": sim.snapshot(),
        }
        if args.preset is not None:
            result["preset"] = args.preset
            result["narration"] = narration
        out.write(json.dumps(result, indent=2) + "\n")
    else:
        out.write(f"{protocol.name} ({sim.variant}), seed {sim.seed}: {sim.step} steps, "
                  f"t={sim.now} ms, trace {sim.trace_hash[:16]}\n")
        if args.preset is not None:
            out.write(f"  preset {args.preset}: {scripted} scripted steps, then "
                      f"{sim.step - scripted} by the scheduler\n")
            for step in sorted(narration, key=int):
                out.write(f"  step {step}: {narration[step]}\n")
        for c in sim.checks:
            mark = "ok  " if c["ok"] else "FAIL"
            out.write(f"  {mark} {c['name']}: {c['detail']}\n")
    return 1 if violated else 0


def cmd_check_history(args, out):
    from .checkers.linearizability import check_history_file

    return check_history_file(args.file, args.json, out, BadInput)


def cmd_new(args, out):
    from .scaffold import ScaffoldError, create

    try:
        written = create(args.name, args.dir, taken=registry.names())
    except ScaffoldError as exc:
        raise BadInput(exc.message) from None
    except OSError as exc:
        raise BadInput(f"--dir: cannot write {exc.filename}: {exc.strerror}") from None
    project = written[0].parent
    out.write(f"made {project}/, a small ping/ack protocol to start from:\n")
    for path in written:
        out.write(f"  {path}\n")
    steps = [(f"python -m pytest {project}", "runs its tests"),
             (f"pip install -e {project}", "registers it: python -m protocols list, the index "
                                           "page, play pages and rooms show it"),
             ("docs/writing-a-protocol.md", "how to turn it into your own protocol")]
    width = max(len(command) for command, _ in steps) + 3
    out.write("next:\n" + "".join(f"  {command:<{width}}{what}\n" for command, what in steps))
    return 0


COMMANDS = {"list": cmd_list, "run": cmd_run, "check-history": cmd_check_history,
            "new": cmd_new}

COMMANDS["explore"] = explore_cli.command


def main(argv=None, out=None):
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command](args, out)
    except BadInput as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
