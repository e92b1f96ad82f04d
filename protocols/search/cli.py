"""`python -m protocols explore NAME ...`: the counterexample search on the command line.

    python -m protocols explore NAME [--variant V] [--config JSON] [--depth N]
                                     [--max-states N] [--seconds S] [--seed N]
                                     [--budgets JSON] [--check NAME]... [--actions FILE|-]
                                     [--json]

Exit codes: 0 no violation within the bounds, 1 a violation was found, 2 bad input.
"""

import json

from .. import registry
from . import explore
from ..kernel import PlaygroundError


def add_parser(sub):
    p = sub.add_parser("explore", help="search for the shortest schedule that breaks a check")
    p.add_argument("name")
    p.add_argument("--variant")
    p.add_argument("--config", default="{}", help="JSON object of options (on top of the "
                   "protocol's explore defaults)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--depth", type=int, default=explore.DEFAULT_DEPTH,
                   help="actions after the prefix (default %(default)s)")
    p.add_argument("--max-states", type=int, default=explore.DEFAULT_MAX_STATES,
                   help="distinct states (default %(default)s)")
    p.add_argument("--seconds", type=float, default=explore.DEFAULT_SECONDS,
                   help="time budget (default %(default)s)")
    p.add_argument("--budgets", default=None,
                   help="JSON object: drops, duplicates, crashes, pauses, partitions, delays")
    p.add_argument("--check", action="append", dest="checks", metavar="NAME",
                   help="only this check (repeatable; default every check)")
    p.add_argument("--actions", help="start after this action prefix: a file with a JSON "
                   "list of actions, or - for stdin")
    p.add_argument("--json", action="store_true")
    return p


def command(args, out):
    from ..cli import BadInput, _load_json, _read_actions

    try:
        protocol = registry.get(args.name)
    except PlaygroundError as exc:
        raise BadInput(f"NAME: {exc.message}") from None
    config = _load_json(args.config, "--config")
    budgets = None if args.budgets is None else _load_json(args.budgets, "--budgets")
    prefix = _read_actions(args.actions)
    try:
        result = explore.explore(protocol, args.variant, config, seed=args.seed, prefix=prefix,
                                 depth=args.depth, max_states=args.max_states,
                                 seconds=args.seconds, budgets=budgets, checks=args.checks)
    except PlaygroundError as exc:
        raise BadInput(exc.message) from None
    if args.json:
        out.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    else:
        _describe(result, out)
    return 1 if result["violation"] else 0


def _describe(result, out):
    bounds = result["bounds"]
    budgets = ", ".join(f"{k} {'unbounded' if v is None else v}"
                        for k, v in bounds["budgets"].items() if v != 0)
    out.write(f"{result['protocol']} ({result['variant']}): {result['states']:,} states, "
              f"{result['distinct']:,} distinct, depth {result['depth']}, "
              f"{result['seconds']:.1f} s; stopped: {result['stopped']}\n")
    out.write(f"  bounds: depth {bounds['depth']}, {bounds['max_states']:,} states, "
              f"{bounds['seconds']:g} s; budgets: {budgets or 'none'}; clock "
              f"{bounds['clock']}\n")
    violation = result["violation"]
    if violation is None:
        out.write(f"  no violation: {result['covered']} keeps " + ", ".join(bounds["checks"])
                  + "\n")
        return
    out.write(f"  VIOLATION of {violation['check']!r} after {violation['depth']} actions "
              f"(shortest found: {len(violation['shortest']) - len(result['prefix'])}): "
              f"{violation['detail']}\n")
    for index, action in enumerate(violation["trace"], 1):
        out.write(f"    {index:>3}. {json.dumps(action, ensure_ascii=False)}\n")
    out.write(f"  open it: {violation['link']}\n")

