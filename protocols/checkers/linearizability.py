"""Is a register history linearizable? (DDIA ch. 9, "Linearizability".)

A history is linearizable if each operation can be given one point in time, between its
invocation and its response, such that taken in that order the operations are a legal run
of a single register: every read returns the latest value written, every compare-and-set
succeeds exactly when the register holds its expected value. The system then behaves as
if there were one copy of the data.

Outcomes, as Jepsen reports them:
  ok       the operation took effect, with the result given;
  fail     it did not take effect: a failed write is dropped, a failed read returned nothing;
           a failed compare-and-set is one whose compare failed -- it changed nothing, and at
           its point the register did not hold the expected value (Porcupine's reading);
  info / pending
           unknown: a write or compare-and-set may or may not have taken effect, at any time
           after its invocation; a read with no response tells nothing and is dropped.

The search is Wing & Gong's, with Lowe's memoization: linearize the operations one at a
time in any order real time allows, backtracking when a response is reached whose
operation cannot be placed, and never revisiting a (set of linearized operations, register
value) pair already explored. A register history splits per key (Lowe's P-compositionality),
and two cheap rules refute the common violations before any search: a read of a value
nobody wrote, and a stale read -- one that began after a write of another value had
completed, itself after every write of the value read. When a history is not linearizable
the verdict says which operation cannot be ordered, with which operations, and for a
stale read which write it contradicts.

Inputs: `Operation` lists built by `parse` (Jepsen log lines or the project's JSON format,
docs/history-format.md) or `from_kernel_history` (a simulation's client history);
`live_check(sim)` is the check a protocol with a client history adds to its checks.
"""

import bisect
import json
import re

READ, WRITE, CAS = "read", "write", "cas"
FUNCTIONS = (READ, WRITE, CAS)
STATUSES = ("ok", "fail", "info", "pending")

# How the search sees an operation (one model step each).
_READ, _WRITE, _CAS, _CAS_FAILED, _CAS_MAYBE = range(5)


class HistoryError(ValueError):
    """Malformed input; `line` is the 1-based line it was found on, when known."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


class Operation:
    """One client operation on a register, as the checker sees it.

    `call` and `ret` are positions in real time (any comparable numbers or tuples; `ret` is
    None while no response has come). Equal positions count as concurrent. `value` is the
    value written (write), read (ok read) or swapped in (cas, whose `expected` is the value
    it compares with)."""

    __slots__ = ("id", "client", "f", "key", "value", "expected", "status", "call", "ret",
                 "invoke_t", "complete_t", "line")

    def __init__(self, id, client, f, key=None, value=None, expected=None, status="ok",
                 call=0, ret=None, invoke_t=None, complete_t=None, line=None):
        self.id, self.client, self.f, self.key = id, client, f, key
        self.value, self.expected, self.status = value, expected, status
        self.call, self.ret, self.line = call, ret, line
        self.invoke_t = call if invoke_t is None else invoke_t
        self.complete_t = ret if complete_t is None else complete_t

    def describe(self, outcome=True):
        """`write(x, 3)`, `read(x) → 3`, `cas(x, 1→4) ok` — for explanations."""
        key = "" if self.key in (None, "") else f"{_show(self.key)}, "
        if self.f == READ:
            text = f"read({key.rstrip(', ')})"
            return text + (f" → {_show(self.value)}" if self.status == "ok" and outcome else "")
        if self.f == WRITE:
            return f"write({key}{_show(self.value)})"
        outcome = {"ok": " ok", "fail": " failed"}.get(self.status, "") if outcome else ""
        return f"cas({key}{_show(self.expected)}→{_show(self.value)}){outcome}"

    def __repr__(self):
        return f"<op {self.id} {self.client}: {self.describe()} [{self.status}]>"


def _show(value):
    return "nil" if value is None else json.dumps(value) if isinstance(value, str) else str(value)


def _freeze(value):
    """A hashable stand-in for a JSON value (so lists and objects can be register values)."""
    if isinstance(value, (list, tuple)):
        return ("[", tuple(_freeze(v) for v in value))
    if isinstance(value, dict):
        return ("{", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    if isinstance(value, bool):
        return ("b", value)
    return value


# ---------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------

def check(operations, initial=None):
    """Decide whether a register history is linearizable, key by key.

    Returns {"linearizable", "operations", "keys", "violations": [per-key explanation],
    "explanation": the first violation or None, "text": one line}."""
    by_key = {}
    for op in operations:
        by_key.setdefault(op.key, []).append(op)
    violations = []
    for key in sorted(by_key, key=lambda k: (k is not None, str(k))):
        verdict = check_key(by_key[key], initial)
        if not verdict["linearizable"]:
            violations.append(verdict)
    count = len(operations)
    if violations:
        text = violations[0]["text"]
    else:
        text = (f"linearizable: {count} operation{'s' if count != 1 else ''} on "
                f"{len(by_key)} key{'s' if len(by_key) != 1 else ''} fit a single-copy order")
    return {"linearizable": not violations, "operations": count, "keys": len(by_key),
            "violations": violations, "explanation": violations[0] if violations else None,
            "text": text}


def check_key(operations, initial=None):
    """Check the operations on one key. Returns {"linearizable": True, "order": [ids]} or an
    explanation: {"linearizable": False, "key", "op", "ops", "contradicts", "sources",
    "prefix", "text"}."""
    ops = [op for op in operations if _counts(op)]
    if not ops:
        return {"linearizable": True, "key": _key_of(operations), "order": []}
    ranked = _rank(ops)
    refuted = _refute(ops, ranked, initial)
    if refuted is not None:
        return _explain(ops, ranked, initial, refuted, None)
    ok, result = _search(ops, ranked, initial)
    if ok:
        return {"linearizable": True, "key": ops[0].key, "order": [ops[i].id for i in result]}
    culprit, prefix = result
    return _explain(ops, ranked, initial, culprit, prefix)


def _key_of(operations):
    return operations[0].key if operations else None


def _counts(op):
    """Reads without a value and writes that failed took no effect and observed nothing."""
    if op.f == READ:
        return op.status == "ok"
    if op.f == WRITE:
        return op.status != "fail"
    return True


def _pending(op):
    return op.status in ("info", "pending") or op.ret is None


def _rank(ops):
    """Positions -> integer ranks, calls before responses at equal positions (concurrent);
    operations with no response end after everything. Returns (call_rank, ret_rank)."""
    events = []
    for i, op in enumerate(ops):
        events.append(((0, op.call, 0), i, 0))
        events.append(((1, 0, 1) if _pending(op) else (0, op.ret, 1), i, 1))
    events.sort(key=lambda e: (e[0], e[1]))
    call, ret = [0] * len(ops), [0] * len(ops)
    for rank, (_, i, kind) in enumerate(events):
        (ret if kind else call)[i] = rank
    return call, ret


def _step_code(op):
    if op.f == READ:
        return _READ
    if op.f == WRITE:
        return _WRITE
    if op.status == "ok":
        return _CAS
    if op.status == "fail":
        return _CAS_FAILED
    return _CAS_MAYBE


def _search(ops, ranked, initial):
    """Wing & Gong's search with Lowe's memo. Returns (True, order) or (False, (culprit,
    prefix)): the operation whose response no search got past, and the longest order of
    operations found before it.

    Two register-specific prunings keep it fast. An operation that only observes (a read, a
    failed compare-and-set) and agrees with the current value is linearized at once and is
    never a choice point: placing it now cannot spoil any completion, because it changes
    nothing and everything real time puts before it is already placed. And an operation
    with no response (info) is tried only after those that have one, and never as a
    compare-and-set that would not swap (it can always be placed last instead)."""
    call_rank, ret_rank = ranked
    n = len(ops)
    codes = {}
    intern = lambda v: codes.setdefault(_freeze(v), len(codes))  # noqa: E731
    state = intern(initial)
    kind = [_step_code(op) for op in ops]
    arg = [intern(op.expected if op.f == CAS else op.value) for op in ops]
    new = [intern(op.value) if op.f == CAS else arg[i] for i, op in enumerate(ops)]
    observer = [k in (_READ, _CAS_FAILED) for k in kind]
    unknown = [_pending(op) for op in ops]
    required = sum(1 for u in unknown if not u)
    shift = max(1, len(codes).bit_length())
    # The history as a doubly linked list of entries: 0 is the head, 2n+1 the tail.
    size = 2 * n + 2
    entry_op = [-1] * size
    is_call = [False] * size
    match = [0] * size
    order = sorted([(call_rank[i], i, True) for i in range(n)]
                   + [(ret_rank[i], i, False) for i in range(n)])
    call_entry = [0] * n
    call_of = [0] * size            # return entry -> its call entry
    for position, (_, i, calling) in enumerate(order, start=1):
        entry_op[position] = i
        is_call[position] = calling
        if calling:
            call_entry[i] = position
        else:
            match[call_entry[i]] = position
            call_of[position] = call_entry[i]
    nxt = list(range(1, size + 1))
    prv = list(range(-1, size - 1))
    tail = size - 1
    bit = [1 << i for i in range(n)]

    def lift(e):
        r = match[e]
        nxt[prv[e]] = nxt[e]
        prv[nxt[e]] = prv[e]
        nxt[prv[r]] = nxt[r]
        prv[nxt[r]] = prv[r]

    def unlift(e):
        r = match[e]
        nxt[prv[r]] = r
        prv[nxt[r]] = r
        nxt[prv[e]] = e
        prv[nxt[e]] = e

    def expand(state):
        """Absorb the observers that agree with `state`; return (absorbed, candidates,
        blocking return entry). Candidates come in the order most likely to reach the
        blocking response: the blocking operation itself, then writes of the value it
        needs, then the other writes, then those with no response."""
        absorbed, helping, definite, maybe = [], [], [], []
        e = nxt[0]
        while is_call[e]:
            i = entry_op[e]
            k = kind[i]
            if observer[i]:
                if (state == arg[i]) if k == _READ else (state != arg[i]):
                    lift(e)  # (its response leaves the list too)
                    absorbed.append(e)
                    e = nxt[prv[e]]
                    continue
            elif k == _WRITE:
                (maybe if unknown[i] else definite).append(e)
            elif k == _CAS:
                if state == arg[i]:
                    definite.append(e)
            elif state == arg[i]:  # a compare-and-set with no response, that would swap
                maybe.append(e)
            e = nxt[e]
        if e != tail:
            b = entry_op[e]
            first = call_of[e]
            if not observer[b]:
                if first in definite:
                    definite.remove(first)
                    helping.append(first)
            else:
                wanted = arg[b]
                for group in (definite, maybe):
                    useful = [c for c in group if (new[entry_op[c]] == wanted)
                              == (kind[b] == _READ)]
                    if useful:
                        helping.extend(useful)
                        group[:] = [c for c in group if c not in useful]
        return absorbed, helping + definite + maybe, e

    cache = set()
    path = []                       # entries in linearization order
    linearized = 0
    absorbed, candidates, blocking = expand(state)
    for e in absorbed:
        linearized |= bit[entry_op[e]]
    path.extend(absorbed)
    required -= sum(1 for e in absorbed if not unknown[entry_op[e]])
    # A frame: [candidates, next index, absorbed entries, chosen entry, state before, blocking]
    frames = [[candidates, 0, absorbed, None, state, blocking]]
    furthest, best_prefix = 0, []
    while True:
        if required == 0:
            return True, [entry_op[e] for e in path] + [
                i for i in range(n) if unknown[i] and not linearized & bit[i]]
        frame = frames[-1]
        candidates = frame[0]
        if frame[1] < len(candidates):
            e = candidates[frame[1]]
            frame[1] += 1
            i = entry_op[e]
            after = new[i]
            bits = linearized | bit[i]
            memo = (bits << shift) | after
            if memo in cache:
                continue
            cache.add(memo)
            lift(e)
            before = state
            state = after
            absorbed, next_candidates, blocking = expand(state)
            for a in absorbed:
                bits |= bit[entry_op[a]]
            if absorbed:
                memo = (bits << shift) | state
                if memo in cache:
                    for a in reversed(absorbed):
                        unlift(a)
                    unlift(e)
                    state = before
                    continue
                cache.add(memo)
            linearized = bits
            path.append(e)
            path.extend(absorbed)
            required -= (not unknown[i]) + sum(1 for a in absorbed if not unknown[entry_op[a]])
            frames.append([next_candidates, 0, absorbed, e, before, blocking])
            continue
        # Every choice from here failed: the blocking response cannot be reached.
        if frame[5] > furthest:
            furthest = frame[5]
            best_prefix = list(path)
        frames.pop()
        for a in reversed(frame[2]):
            unlift(a)
            linearized ^= bit[entry_op[a]]
            required += not unknown[entry_op[a]]
        chosen = frame[3]
        if chosen is None:
            return False, (entry_op[furthest], [entry_op[e] for e in best_prefix])
        unlift(chosen)
        linearized ^= bit[entry_op[chosen]]
        required += not unknown[entry_op[chosen]]
        state = frame[4]
        del path[len(path) - len(frame[2]) - 1:]


# -- refutation rules: the common violations, found without searching -------------------

def _changes_to(op):
    """The value an operation certainly stored, or a marker when it stored nothing for sure."""
    if op.status != "ok" or op.f == READ:
        return _NOTHING
    return op.value


_NOTHING = object()


def _produces(op):
    """Operations that may have stored their value (ok or unknown writes and swaps)."""
    return op.f == WRITE or (op.f == CAS and op.status != "fail")


def _observes(op):
    """Operations that saw a definite value: ok reads, and ok swaps (they saw `expected`)."""
    if op.status != "ok":
        return _NOTHING
    if op.f == READ:
        return op.value
    if op.f == CAS:
        return op.expected
    return _NOTHING


def _refute(ops, ranked, initial):
    """The first observer (by response) that no linearization can satisfy, by the two rules
    in the module docstring, or None. O(n log n)."""
    call, ret = ranked
    initial_f = _freeze(initial)
    producers = {}
    for i, op in enumerate(ops):
        if _produces(op):
            producers.setdefault(_freeze(op.value), []).append((call[i], ret[i], i))
    prefix_max = {}
    for value, items in producers.items():
        items.sort()
        best, maxima = -1, []
        for _, r, _ in items:
            best = max(best, r)
            maxima.append(best)
        prefix_max[value] = ([c for c, _, _ in items], maxima)
    # Certain writes by call rank, with the two earliest responses of distinct values in
    # every suffix: the earliest-finishing certain write of another value after a point.
    changers = sorted((call[i], ret[i], _freeze(op.value), i) for i, op in enumerate(ops)
                      if _changes_to(op) is not _NOTHING)
    changer_calls = [c[0] for c in changers]
    best1, best2 = [None] * (len(changers) + 1), [None] * (len(changers) + 1)
    for j in range(len(changers) - 1, -1, -1):
        _, r, value, i = changers[j]
        b1, b2 = best1[j + 1], best2[j + 1]
        cand = (r, value, i)
        if b1 is None or r < b1[0]:
            if b1 is not None and b1[1] != value:
                b2 = b1
            b1 = cand
        elif b1[1] != value and (b2 is None or r < b2[0]):
            b2 = cand
        best1[j], best2[j] = b1, b2
    found = None
    for i, op in enumerate(ops):
        seen = _observes(op)
        if seen is _NOTHING:
            continue
        value = _freeze(seen)
        calls_v, maxima = prefix_max.get(value, ([], []))
        usable = bisect.bisect_left(calls_v, ret[i])
        if usable == 0 and value != initial_f:
            reason = ("never-written", None)
        else:
            latest = maxima[usable - 1] if usable else -1
            j = bisect.bisect_right(changer_calls, latest)
            b1, b2 = best1[j], best2[j]
            pick = b1 if b1 is not None and b1[1] != value else b2
            if pick is None or pick[0] >= call[i]:
                continue
            reason = ("stale", pick[2])
        if found is None or ret[i] < ret[found[0]]:
            found = (i, reason)
    return found


# -- explanations ------------------------------------------------------------------------

def _explain(ops, ranked, initial, culprit, prefix):
    """Build the verdict for a violation. `culprit` is an index, or (index, reason) from
    the refutation rules."""
    call, ret = ranked
    reason = None
    if isinstance(culprit, tuple):
        culprit, reason = culprit
    op = ops[culprit]
    if reason is None:
        reason = _stale_reason(ops, ranked, initial, culprit)
    concurrent = [i for i in range(len(ops)) if i != culprit
                  and call[i] < ret[culprit] and call[culprit] < ret[i]]
    seen = _observes(op)
    sources = ([i for i, o in enumerate(ops) if _produces(o) and _freeze(o.value) == _freeze(seen)]
               if seen is not _NOTHING else [])
    contradicts = None
    who = (f"{op.client}'s " if op.client is not None else "") + op.describe(outcome=False)
    where = ""
    if reason[0] == "never-written":
        text = (f"{who}{where} saw {_show(seen)}, a value no operation had written before "
                "it completed")
    elif reason[0] == "stale":
        contradicts = reason[1]
        w = ops[contradicts]
        text = (f"stale {'read' if op.f == READ else 'compare-and-set'}: {who}{where} saw "
                f"{_show(seen)}, but {w.client}'s {w.describe()} had completed before it "
                f"began" + (f", after every write of {_show(seen)}" if sources else ""))
    elif reason[0] == "seen-newer":
        contradicts = reason[1]
        o = ops[contradicts]
        text = (f"stale read: {who}{where} saw {_show(seen)}, but {o.client}'s "
                f"{o.describe()} had already seen a newer value before it began -- once "
                "one client has seen a value, a later read may not return an older one")
    else:
        names = ", ".join(ops[i].describe() for i in concurrent[:6]) or "none"
        text = (f"{op.client}'s " if op.client is not None else "") + op.describe()
        text += f"{where} cannot be ordered with the operations concurrent with it ({names})"
        if prefix:
            tail = ", ".join(ops[i].describe() for i in prefix[-4:])
            text += (f": the longest single-copy order found ends {tail}, leaving "
                     f"{_show(_replay(ops, prefix, initial))}")
    involved = [culprit] + ([contradicts] if contradicts is not None else [])
    involved += [i for i in sources if i not in involved]
    involved += [i for i in concurrent if i not in involved]
    return {
        "linearizable": False, "key": op.key, "op": op.id,
        "ops": [ops[i].id for i in involved],
        "concurrent": [ops[i].id for i in concurrent],
        "contradicts": None if contradicts is None else ops[contradicts].id,
        "sources": [ops[i].id for i in sources],
        "prefix": None if prefix is None else [ops[i].id for i in prefix],
        "text": text,
    }


def _replay(ops, order, initial):
    """The register's value after running these operations in this order."""
    state = initial
    for i in order:
        op = ops[i]
        if op.f == WRITE or (op.f == CAS and op.status != "fail"
                             and _freeze(state) == _freeze(op.expected)):
            state = op.value
    return state


def _stale_reason(ops, ranked, initial, culprit):
    """Does the stale-read rule hold for this one operation? (The search found it stuck.)"""
    call, ret = ranked
    seen = _observes(ops[culprit])
    if seen is _NOTHING:
        return ("unordered", None)
    value = _freeze(seen)
    usable = [i for i, o in enumerate(ops) if _produces(o) and _freeze(o.value) == value
              and call[i] < ret[culprit]]
    if not usable and value != _freeze(initial):
        return ("never-written", None)
    latest = max((ret[i] for i in usable), default=-1)
    best = None
    for i, o in enumerate(ops):
        stored = _changes_to(o)
        if (stored is not _NOTHING and _freeze(stored) != value and call[i] > latest
                and ret[i] < call[culprit] and (best is None or ret[i] > ret[best])):
            best = i
    if best is not None:
        return ("stale", best)
    # Or another client had already seen a value written only after every write of this
    # one (DDIA's figure 9-6: one read sees the new value, a later read the old).
    for i, o in enumerate(ops):
        other = _observes(o)
        if other is _NOTHING or o.f != READ or _freeze(other) == value or \
                ret[i] >= call[culprit]:
            continue
        makers = [j for j, p in enumerate(ops) if _produces(p) and
                  _freeze(p.value) == _freeze(other)]
        if makers and all(call[j] > latest for j in makers):
            return ("seen-newer", i)
    return ("unordered", None)


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------

def parse(text):
    """Parse a history: the project's JSON format (docs/history-format.md) or Jepsen log
    lines. Returns (operations, initial). Raises HistoryError with a line number."""
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        return parse_json(text)
    return parse_jepsen(text), None


# -- Jepsen log lines --------------------------------------------------------------------

_JEPSEN_LINE = re.compile(r"jepsen\.util\s*[-:]\s*(\S+)\s+(.*)$")
_TOKEN = re.compile(r'\s*(?:(\[)|(\])|("(?:[^"\\]|\\.)*")|([^\s\[\]"]+))')


def _edn_values(text):
    """Read the EDN values on the rest of a log line: nil, true/false, numbers, strings,
    :keywords, [vectors]. Raises ValueError."""
    values, stack, pos = [], [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ValueError(f"cannot read {text[pos:].strip()[:20]!r}")
        pos = m.end()
        opening, closing, string, atom = m.groups()
        if opening:
            stack.append([])
            continue
        if closing:
            if not stack:
                raise ValueError("unbalanced ]")
            value = stack.pop()
        elif string is not None:
            value = json.loads(string)
        elif atom is not None:
            value = _edn_atom(atom)
        else:
            break
        (stack[-1] if stack else values).append(value)
    if stack:
        raise ValueError("unclosed [")
    return values


def _edn_atom(atom):
    if atom == "nil":
        return None
    if atom in ("true", "false"):
        return atom == "true"
    if atom.startswith(":"):
        return atom  # a keyword, kept as text
    try:
        return int(atom)
    except ValueError:
        pass
    try:
        return float(atom)
    except ValueError:
        pass
    if re.fullmatch(r"[A-Za-z_*!?<>=+\-][\w*!?<>=+\-./]*", atom):
        return atom  # a symbol
    raise ValueError(f"cannot read {atom!r}")


def parse_jepsen(text):
    """Operations from Jepsen log lines (`INFO jepsen.util - 3 :invoke :cas [1 4]`).

    Lines of other loggers and the nemesis's are skipped. A value [k v] (read, write) or
    [k [old new]] (cas) is an operation on key k (Jepsen's independent keys)."""
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = _JEPSEN_LINE.search(line)
        if m is None:
            continue
        process, rest = m.groups()
        if process.startswith(":"):
            continue  # the nemesis and other non-client processes
        try:
            process = int(process)
        except ValueError:
            raise HistoryError(f"process must be a number, not {process!r}", number) from None
        try:
            fields = _edn_values(rest)
        except ValueError as exc:
            raise HistoryError(str(exc), number) from None
        if len(fields) < 2:
            raise HistoryError("expected a type (:invoke, :ok, :fail, :info) and an "
                               "operation (:read, :write, :cas)", number)
        kind, f = fields[0], fields[1]
        if kind not in (":invoke", ":ok", ":fail", ":info"):
            raise HistoryError(f"unknown type {kind!r}: expected :invoke, :ok, :fail or :info",
                               number)
        if f not in (":read", ":write", ":cas"):
            raise HistoryError(f"unsupported operation {f!r}: a register history has :read, "
                               ":write and :cas", number)
        events.append({"process": process, "type": kind[1:], "f": f[1:],
                       "value": fields[2] if len(fields) > 2 else None,
                       "error": fields[3:], "line": number})
    if not events:
        raise HistoryError("no operations found: expected Jepsen log lines "
                           "(INFO jepsen.util - 3 :invoke :read nil) or a JSON history", 1)
    return _operations_from_events(events, keyed=_jepsen_keyed(events))


def _jepsen_keyed(events):
    """Jepsen's independent-key histories carry [key value] tuples on every operation."""
    def keyed(e):
        v = e["value"]
        if e["f"] == CAS:
            return isinstance(v, list) and len(v) == 2 and isinstance(v[1], list)
        if e["f"] == READ and e["type"] == "invoke":
            return isinstance(v, list) and len(v) == 2
        if e["f"] == READ and e["type"] != "ok":
            return True  # a failed or unknown read carries no value to tell
        return isinstance(v, list) and len(v) == 2
    relevant = [e for e in events if e["f"] != READ or e["type"] in ("invoke", "ok")]
    return bool(relevant) and all(keyed(e) for e in relevant)


def _operations_from_events(events, keyed=False):
    """Pair invocations with completions per process (the Jepsen history model)."""
    open_ops, ops = {}, []
    for e in events:
        number, process, f = e["line"], e["process"], e["f"]
        key, value = e.get("key"), e["value"]
        if keyed and not (f == READ and e["type"] not in ("invoke", "ok")):
            if not (isinstance(value, list) and len(value) == 2):
                raise HistoryError("expected a [key value] tuple", number)
            key, value = value
            key = _freeze(key)
        if e["type"] == "invoke":
            if process in open_ops:
                raise HistoryError(f"process {process} invokes again while its operation "
                                   f"from line {open_ops[process].line} is still open", number)
            if f == CAS and not (isinstance(value, list) and len(value) == 2):
                raise HistoryError("a :cas takes [expected new]", number)
            op = Operation(len(ops) + 1, process, f, key=key,
                           value=value[1] if f == CAS else (None if f == READ else value),
                           expected=value[0] if f == CAS else None, status="pending",
                           call=number, line=number)
            open_ops[process] = op
            ops.append(op)
            continue
        op = open_ops.pop(process, None)
        if op is None:
            raise HistoryError(f":{e['type']} for process {process}, which has no open "
                               "invocation", number)
        if op.f != f:
            raise HistoryError(f":{e['type']} :{f} completes process {process}'s :{op.f} "
                               f"from line {op.line}", number)
        op.status = e["type"]
        op.ret = op.complete_t = e.get("pos", number)
        if e["type"] == "info":
            op.ret = op.complete_t = None  # unknown: may take effect at any later time
        if f == READ and e["type"] == "ok":
            op.value = value
    return ops


# -- the project's JSON format --------------------------------------------------------------

_HISTORY_KEY = re.compile(r'"history"\s*:\s*\[')


def parse_json(text):
    """Operations from the project's JSON history format (docs/history-format.md): a list of
    operation records or Jepsen-style events, or an object with "history" (and optionally
    "initial"), or the output of `python -m protocols run --json`."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HistoryError(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    initial = None
    records = doc
    if isinstance(doc, dict):
        if isinstance(doc.get("state"), dict) and "history" in doc["state"]:
            records = doc["state"]["history"]
        elif "history" in doc:
            records = doc["history"]
            initial = doc.get("initial")
        else:
            raise HistoryError('a JSON history is a list of operations or an object with '
                               '"history"', 1)
    if not isinstance(records, list):
        raise HistoryError('"history" must be a list', _line_of(text, text.find('"history"')))
    lines = _element_lines(text, len(records))
    if records and all(isinstance(r, dict) and r.get("type") in ("invoke", "ok", "fail", "info")
                       and "process" in r for r in records):
        events = []
        for index, r in enumerate(records):
            line = lines[index]
            f = r.get("f")
            if f not in FUNCTIONS:
                raise HistoryError(f'history[{index}]: "f" must be read, write or cas', line)
            events.append({"process": _hashable(r["process"], index, line), "type": r["type"],
                           "f": f, "value": r.get("value"), "key": r.get("key"),
                           "error": [], "line": line, "pos": index})
        return _operations_from_events(events), initial
    return [_record(r, index, lines[index]) for index, r in enumerate(records)], initial


def _hashable(value, index, line):
    if isinstance(value, (dict, list)):
        raise HistoryError(f'history[{index}]: "process" must be a number or a string', line)
    return value


def _line_of(text, offset):
    return text.count("\n", 0, max(0, offset)) + 1


def _element_lines(text, count):
    """The line each element of the history array starts on (best effort)."""
    m = _HISTORY_KEY.search(text)
    start = m.end() if m else text.find("[") + 1
    decoder = json.JSONDecoder()
    lines, pos = [], start
    try:
        for _ in range(count):
            while text[pos] in " \t\r\n,":
                pos += 1
            lines.append(_line_of(text, pos))
            _, pos = decoder.raw_decode(text, pos)
    except (IndexError, ValueError):
        pass
    while len(lines) < count:
        lines.append(None)
    return lines


def _number(record, field, index, line, required=True):
    value = record.get(field)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HistoryError(f'history[{index}]: "{field}" must be a number', line)
    return value


def _record(r, index, line):
    """One operation record: {id, client, op, args, invoke_t, complete_t, status, result}."""
    if not isinstance(r, dict):
        raise HistoryError(f"history[{index}]: an operation must be a JSON object", line)
    f = r.get("op")
    if f not in FUNCTIONS:
        raise HistoryError(f'history[{index}]: "op" must be read, write or cas, not {f!r}', line)
    status = r.get("status", "ok")
    if status not in STATUSES:
        raise HistoryError(f'history[{index}]: "status" must be one of {", ".join(STATUSES)}',
                           line)
    args = r.get("args", {})
    if not isinstance(args, dict):
        raise HistoryError(f'history[{index}]: "args" must be an object', line)
    if f == WRITE and "value" not in args:
        raise HistoryError(f'history[{index}]: a write needs args.value', line)
    if f == CAS and not ("from" in args and "to" in args):
        raise HistoryError(f'history[{index}]: a cas needs args.from and args.to', line)
    invoke_t = _number(r, "invoke_t", index, line)
    complete_t = _number(r, "complete_t", index, line, required=False)
    if status in ("ok", "fail") and complete_t is None:
        raise HistoryError(f'history[{index}]: a {status} operation needs "complete_t"', line)
    if complete_t is not None and complete_t < invoke_t:
        raise HistoryError(f'history[{index}]: "complete_t" is before "invoke_t"', line)
    # Positions (time, step): the kernel's steps order events at the same simulated time.
    call = (invoke_t, _number(r, "invoke_step", index, line, required=False) or 0)
    ret = None if complete_t is None else (
        complete_t, _number(r, "complete_step", index, line, required=False) or 0)
    if status in ("info", "pending"):
        ret = None
    if f == READ:
        value = r.get("result")
    elif f == WRITE:
        value = args["value"]
    else:
        value = args["to"]
    key = args.get("key")
    if isinstance(key, (dict, list)):
        raise HistoryError(f'history[{index}]: args.key must be a string or a number', line)
    return Operation(r.get("id", index + 1), r.get("client"), f, key=key, value=value,
                     expected=args.get("from"), status=status, call=call, ret=ret,
                     invoke_t=invoke_t, complete_t=complete_t, line=line)


# ---------------------------------------------------------------------------------------
# Simulations: the live check
# ---------------------------------------------------------------------------------------

def from_kernel_history(history):
    """Operations from a simulation's client history (sim.history / snapshot "history").
    Entries whose op is not read, write or cas are left out."""
    ops = []
    for e in history:
        if e["op"] not in FUNCTIONS:
            continue
        args = e.get("args") or {}
        pending = e["status"] in ("pending", "info")
        value = (e.get("result") if e["op"] == READ
                 else args.get("to") if e["op"] == CAS else args.get("value"))
        ops.append(Operation(
            e["id"], e["client"], e["op"], key=args.get("key"), value=value,
            expected=args.get("from"), status=e["status"],
            call=(e["invoke_t"], e.get("invoke_step", 0)),
            ret=None if pending else (e["complete_t"], e.get("complete_step", 0)),
            invoke_t=e["invoke_t"], complete_t=e["complete_t"]))
    return ops


_CACHE = "_linearizability_cache"


def live_check(sim, name="linearizable", initial=None):
    """The check `{name, ok, detail, events, ops}` for a simulation's client history.

    Cheap enough to run after every step: the verdict is cached on the simulation and
    recomputed only for the keys whose operations changed (a history changes only by a new
    invocation or a completion, so its length and number of completions identify it within
    a run). The cache is an immutable value rebound on change, so clones never share state
    that one of them updates. `events` lists the trace events of the operations involved in
    a violation and of the messages tagged with their ids (payload field `op`, or `ops` for
    a message carrying several, such as a batch of replicated writes)."""
    history = sim.history
    signature = (len(history), sum(1 for e in history if e["status"] != "pending"))
    cached = getattr(sim, _CACHE, None)
    if cached is not None and cached[0] == signature and cached[1] == name:
        return cached[2]
    previous = cached[3] if cached is not None and cached[1] == name else {}
    ops = from_kernel_history(history)
    by_key = {}
    for op in ops:
        by_key.setdefault(op.key, []).append(op)
    verdicts, violations = {}, []
    for key in sorted(by_key, key=lambda k: str(k)):
        key_ops = by_key[key]
        key_signature = tuple((op.id, op.status) for op in key_ops)
        old = previous.get(key)
        verdict = old[1] if old is not None and old[0] == key_signature else check_key(
            key_ops, initial)
        verdicts[key] = (key_signature, verdict)
        if not verdict["linearizable"]:
            violations.append(verdict)
    pending = sum(1 for op in ops if _pending(op))
    if violations:
        first = violations[0]
        ids = first["ops"]
        result = {"name": name, "ok": False,
                  "detail": f"not linearizable: {first['text']} (ops {', '.join(map(str, ids))})",
                  "events": _events_of(sim, set(ids)), "ops": ids,
                  "contradicts": first["contradicts"]}
    else:
        keys = len(by_key)
        detail = (f"{len(ops)} operation{'s' if len(ops) != 1 else ''}"
                  + (f" on {keys} keys" if keys > 1 else "")
                  + (f" ({pending} without a response)" if pending else "")
                  + " fit a single-copy order" if ops else "no read, write or compare-and-set yet")
        result = {"name": name, "ok": True, "detail": detail}
    setattr(sim, _CACHE, (signature, name, result, verdicts))
    return result


def _events_of(sim, op_ids):
    """Trace indices of the invocations and completions of these operations, and of the
    sends, deliveries and drops of messages whose payload names one of them (`op`)."""
    out, messages = [], set()
    for event in sim.trace:
        kind = event["type"]
        if kind in ("invoke", "complete") and event.get("opid") in op_ids:
            out.append(event["i"])
        elif kind == "send" and isinstance(event.get("payload"), dict) and (
                event["payload"].get("op") in op_ids
                or op_ids.intersection(event["payload"].get("ops") or ())):
            messages.add(event["msg"])
            out.append(event["i"])
        elif kind in ("deliver", "drop", "duplicate") and event.get("msg") in messages:
            out.append(event["i"])
    return out


def check_history_file(path, as_json, out, bad_input):
    """`python -m protocols check-history FILE [--json]`: exit 0 linearizable, 1 not; bad
    input raises `bad_input` with the file and line."""
    import sys

    if path == "-":
        text, name = sys.stdin.read(), "(stdin)"
    else:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise bad_input(f"FILE: cannot read {path}: {getattr(exc, 'strerror', exc)}") from None
        name = path
    try:
        operations, initial = parse(text)
    except HistoryError as exc:
        where = f"{name}:{exc.line}" if exc.line else name
        raise bad_input(f"{where}: {exc.message}") from None
    verdict = check(operations, initial)
    if as_json:
        out.write(json.dumps(verdict, indent=2, default=str) + "\n")
    else:
        out.write(verdict["text"] + "\n")
        for v in verdict["violations"]:
            where = f" (key {_show(v['key'])})" if v["key"] not in (None, "") else ""
            out.write(f"NOT linearizable{where}: {v['text']}\n")
            byid = {op.id: op for op in operations if op.key == v["key"]}
            for op_id in v["ops"]:
                op = byid.get(op_id)
                if op is None:
                    continue
                role = ("cannot be ordered" if op_id == v["op"] else
                        "contradicted write" if op_id == v["contradicts"] else
                        "wrote the value seen" if op_id in v["sources"] else "concurrent")
                span = f"{op.invoke_t}..{'?' if op.complete_t is None else op.complete_t}"
                line = f", line {op.line}" if op.line else ""
                out.write(f"  op {op_id} ({op.client}{line}) {op.describe()} [{op.status}, "
                          f"{span}]: {role}\n")
    return 0 if verdict["linearizable"] else 1


def to_json_records(ops, initial=None):
    """The project's JSON format for a list of operations (used by the bench and tests)."""
    records = []
    for op in ops:
        args = {} if op.key is None else {"key": op.key}
        if op.f == WRITE:
            args["value"] = op.value
        elif op.f == CAS:
            args.update({"from": op.expected, "to": op.value})
        records.append({"id": op.id, "client": op.client, "op": op.f, "args": args,
                        "invoke_t": op.invoke_t, "complete_t": op.complete_t,
                        "status": op.status,
                        "result": op.value if op.f == READ and op.status == "ok" else None})
    return {"initial": initial, "history": records}
