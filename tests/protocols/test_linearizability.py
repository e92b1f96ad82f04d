"""The linearizability checker: hand-made histories, the two input formats, the CLI, and
properties of histories generated from sequential executions."""

import io
import itertools
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import cli
from protocols.checkers.linearizability import (HistoryError, Operation, check, parse, parse_jepsen,
                                       parse_json, to_json_records)


def write(id, client, value, call, ret, status="ok", key=None):
    return Operation(id, client, "write", key=key, value=value, status=status, call=call,
                     ret=ret)


def read(id, client, value, call, ret, status="ok", key=None):
    return Operation(id, client, "read", key=key, value=value, status=status, call=call,
                     ret=ret)


def cas(id, client, expected, value, call, ret, status="ok", key=None):
    return Operation(id, client, "cas", key=key, value=value, expected=expected, status=status,
                     call=call, ret=ret)


# -- hand-made histories --------------------------------------------------------------------

def test_a_read_concurrent_with_a_write_may_see_either_value():
    for seen in (None, 1):
        assert check([write(1, "a", 1, 0, 10), read(2, "b", seen, 5, 15)])["linearizable"]


def test_a_read_after_a_completed_write_that_sees_the_old_value_is_a_stale_read():
    verdict = check([write(1, "a", 1, 0, 10), write(2, "a", 2, 11, 20), read(3, "b", 1, 25, 30)])
    assert not verdict["linearizable"]
    why = verdict["explanation"]
    assert why["op"] == 3 and why["contradicts"] == 2 and why["sources"] == [1]
    assert "stale read" in why["text"] and "write(2)" in why["text"]


def test_a_read_of_a_value_nobody_wrote_is_not_linearizable():
    verdict = check([write(1, "a", 1, 0, 10), read(2, "b", 7, 20, 30)])
    assert not verdict["linearizable"]
    assert "no operation had written" in verdict["text"]


def test_two_reads_that_disagree_on_the_order_of_concurrent_writes_cannot_be_ordered():
    # Figure 9-4's shape: once one client has seen the new value, a later read may not
    # return the old one -- even though every write is still in flight.
    history = [write(1, "a", 1, 0, 100), write(2, "b", 2, 0, 100), read(3, "c", 2, 10, 20),
               read(4, "c", 1, 30, 40), read(5, "d", 2, 50, 60)]
    verdict = check(history)
    assert not verdict["linearizable"]
    assert verdict["explanation"]["op"] in (4, 5)
    assert verdict["explanation"]["prefix"]  # the longest order it found


def test_a_write_without_a_response_may_or_may_not_have_taken_effect():
    pending = write(1, "a", 1, 0, None, status="info")
    assert check([pending, read(2, "b", 1, 50, 60)])["linearizable"]
    assert check([write(1, "a", 1, 0, None, status="info"), read(2, "b", None, 50, 60)])[
        "linearizable"]
    assert check([write(1, "a", 1, 0, None, status="pending"), read(2, "b", 1, 50, 60)])[
        "linearizable"]


def test_a_pending_write_once_seen_cannot_be_unseen():
    history = [write(1, "a", 1, 0, None, status="info"), read(2, "b", 1, 50, 60),
               read(3, "b", None, 70, 80)]
    verdict = check(history)
    assert not verdict["linearizable"] and verdict["explanation"]["op"] == 3


def test_failed_writes_never_happened_and_failed_reads_returned_nothing():
    history = [write(1, "a", 1, 0, 10, status="fail"), read(2, "b", None, 20, 30),
               read(3, "b", 5, 40, 50, status="fail")]
    assert check(history)["linearizable"]


def test_two_successful_compare_and_sets_from_the_same_value_are_not_linearizable():
    # The username race: both claims saw "free" and both were told they won.
    verdict = check([cas(1, "alice", None, "alice", 0, 10), cas(2, "bob", None, "bob", 0, 10)])
    assert not verdict["linearizable"]
    assert set(verdict["explanation"]["ops"]) == {1, 2}


def test_a_failed_compare_and_set_means_the_register_held_another_value():
    assert check([cas(1, "a", None, 1, 0, 10), cas(2, "b", None, 2, 0, 10, status="fail")])[
        "linearizable"]
    assert not check([cas(1, "a", None, 2, 0, 10, status="fail")])["linearizable"]


def test_a_compare_and_set_with_no_response_swaps_only_if_the_value_matched():
    history = [write(1, "a", 1, 0, 10), cas(2, "b", 1, 4, 20, None, status="info"),
               read(3, "c", 4, 40, 50)]
    assert check(history)["linearizable"]
    history[0] = write(1, "a", 3, 0, 10)
    assert not check(history)["linearizable"]


def test_keys_are_checked_apart_and_the_violation_names_its_key():
    history = [write(1, "a", 1, 0, 10, key="x"), read(2, "b", 1, 20, 30, key="y"),
               read(3, "b", 1, 20, 30, key="x")]
    verdict = check(history)
    assert verdict["keys"] == 2 and not verdict["linearizable"]
    assert verdict["explanation"]["key"] == "y"


def test_an_operation_that_ends_exactly_when_another_starts_counts_as_concurrent():
    assert check([write(1, "a", 1, 0, 10), read(2, "b", None, 10, 20)])["linearizable"]


# -- Jepsen log lines -----------------------------------------------------------------------

JEPSEN = """\
INFO  jepsen.util - 0\t:invoke\t:write\t1
INFO  jepsen.util - 0\t:ok\t:write\t1
INFO  jepsen.util - 1\t:invoke\t:cas\t[1 4]
INFO  jepsen.util - 2\t:invoke\t:read\tnil
INFO  jepsen.util - 1\t:ok\t:cas\t[1 4]
INFO  jepsen.util - 2\t:ok\t:read\t4
INFO  jepsen.core - some other log line
INFO  jepsen.util - :nemesis\t:info\t:start\tnil
INFO  jepsen.util - 3\t:invoke\t:write\t3
INFO  jepsen.util - 3\t:info\t:write\t3\t:timed-out
INFO  jepsen.util - 4\t:invoke\t:read\tnil
INFO  jepsen.util - 4\t:fail\t:read\t:timed-out
INFO  jepsen.util - 5\t:invoke\t:cas\t[4 2]
INFO  jepsen.util - 5\t:fail\t:cas\t[4 2]
"""


def test_jepsen_lines_parse_into_operations_with_their_outcomes():
    ops = parse_jepsen(JEPSEN)
    assert [(op.client, op.f, op.status) for op in ops] == [
        (0, "write", "ok"), (1, "cas", "ok"), (2, "read", "ok"), (3, "write", "info"),
        (4, "read", "fail"), (5, "cas", "fail")]
    assert ops[1].expected == 1 and ops[1].value == 4 and ops[2].value == 4
    assert ops[3].ret is None  # unknown outcome: may take effect any time later
    assert ops[0].line == 1 and ops[2].line == 4


def test_a_jepsen_history_where_the_cas_compare_fails_wrongly_is_not_linearizable():
    # :fail :cas [4 2] after the register certainly holds 4 (the info write of 3 aside).
    text = JEPSEN.replace("3\t:invoke\t:write\t3", "3\t:invoke\t:write\t4").replace(
        "3\t:info\t:write\t3", "3\t:info\t:write\t4")
    assert not check(parse_jepsen(text))["linearizable"]
    assert check(parse_jepsen(JEPSEN))["linearizable"]


def test_jepsen_independent_keys_are_read_from_key_value_tuples():
    text = ("INFO  jepsen.util - 0\t:invoke\t:write\t[x 1]\n"
            "INFO  jepsen.util - 0\t:ok\t:write\t[x 1]\n"
            "INFO  jepsen.util - 1\t:invoke\t:cas\t[y [nil 2]]\n"
            "INFO  jepsen.util - 1\t:ok\t:cas\t[y [nil 2]]\n"
            "INFO  jepsen.util - 2\t:invoke\t:read\t[x nil]\n"
            "INFO  jepsen.util - 2\t:ok\t:read\t[x 1]\n")
    ops = parse_jepsen(text)
    assert [op.key for op in ops] == ["x", "y", "x"]
    assert check(ops)["keys"] == 2 and check(ops)["linearizable"]


@pytest.mark.parametrize("text, line, words", [
    ("INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:add\t1\n", 2,
     "unsupported operation"),
    ("INFO  jepsen.util - 0\t:ok\t:write\t1\n", 1, "no open invocation"),
    ("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n",
     2, "still open"),
    ("INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2\n", 1, "unclosed"),
    ("INFO  jepsen.util - 0\t:started\t:read\tnil\n", 1, "unknown type"),
    ("nothing to see here\n", 1, "no operations"),
])
def test_bad_jepsen_input_names_its_line(text, line, words):
    with pytest.raises(HistoryError) as info:
        parse(text)
    assert info.value.line == line and words in info.value.message


# -- the JSON format ------------------------------------------------------------------------

def test_json_records_round_trip_and_a_run_output_is_accepted():
    history = [write(1, "a", 1, 0, 10, key="x"), read(2, "b", 1, 20, 30, key="x")]
    for op in history:
        op.invoke_t, op.complete_t = op.call, op.ret
    doc = to_json_records(history)
    ops, initial = parse_json(json.dumps(doc, indent=1))
    assert [(o.f, o.key, o.value, o.status) for o in ops] == [("write", "x", 1, "ok"),
                                                             ("read", "x", 1, "ok")]
    wrapped = {"protocol": "replication", "state": {"history": doc["history"]}}
    assert len(parse_json(json.dumps(wrapped))[0]) == 2


def test_json_events_in_jepsen_style_are_accepted():
    events = [{"process": 0, "type": "invoke", "f": "write", "value": 1},
              {"process": 0, "type": "ok", "f": "write", "value": 1},
              {"process": 1, "type": "invoke", "f": "read", "value": None},
              {"process": 1, "type": "ok", "f": "read", "value": 0}]
    ops, _ = parse_json(json.dumps(events))
    assert not check(ops)["linearizable"]


def test_a_bad_json_record_names_its_line():
    text = ('{"history": [\n'
            '  {"op": "write", "args": {"value": 1}, "invoke_t": 0, "complete_t": 5},\n'
            '  {"op": "frobnicate", "invoke_t": 1, "complete_t": 2}\n'
            ']}\n')
    with pytest.raises(HistoryError) as info:
        parse(text)
    assert info.value.line == 3 and "read, write or cas" in info.value.message
    with pytest.raises(HistoryError) as info:
        parse('[\n{"op": "read",\n "invoke_t": }\n]')
    assert info.value.line == 3


# -- the command line -----------------------------------------------------------------------

def run_cli(tmp_path, text, *extra):
    path = tmp_path / "history.log"
    path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    old = sys.stderr
    sys.stderr = err
    try:
        code = cli.main(["check-history", str(path), *extra], out=out)
    finally:
        sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def test_check_history_exits_0_when_linearizable_and_1_when_not(tmp_path):
    assert run_cli(tmp_path, JEPSEN)[0] == 0
    stale = JEPSEN.replace("2\t:ok\t:read\t4", "2\t:ok\t:read\t1").replace(
        "2\t:invoke\t:read", "2\t:invoke\t:read")
    stale = stale.replace("INFO  jepsen.util - 2\t:invoke\t:read\tnil\n", "").replace(
        "INFO  jepsen.util - 2\t:ok\t:read\t1\n",
        "INFO  jepsen.util - 2\t:invoke\t:read\tnil\nINFO  jepsen.util - 2\t:ok\t:read\t1\n")
    code, out, _ = run_cli(tmp_path, stale)
    assert code == 1 and "stale read" in out and "contradicted write" in out
    code, out, _ = run_cli(tmp_path, stale, "--json")
    verdict = json.loads(out)
    assert code == 1 and verdict["linearizable"] is False
    assert verdict["explanation"]["contradicts"] == 2


def test_check_history_exits_2_on_bad_input_with_the_line_number(tmp_path):
    code, _, err = run_cli(tmp_path, JEPSEN + "INFO  jepsen.util - 9\t:ok\t:read\t1\n")
    assert code == 2 and f"history.log:{JEPSEN.count(chr(10)) + 1}:" in err
    code, _, err = cli.main(["check-history", str(tmp_path / "missing.log")]), None, None
    assert code == 2


# -- properties -----------------------------------------------------------------------------

@st.composite
def sequential_executions(draw):
    """A history produced by running operations one at a time on a register (each at a
    point in time), then giving each an invocation before and a response after its point,
    some never answered."""
    count = draw(st.integers(1, 12))
    clients = draw(st.integers(1, 4))
    ops, state, busy_until = [], None, [0.0] * clients
    point = 0.0
    for n in range(count):
        point += draw(st.floats(0.5, 5))
        client = draw(st.integers(0, clients - 1))
        f = draw(st.sampled_from(["read", "write", "cas"]))
        key = draw(st.sampled_from([None, "y"]))
        lead = draw(st.floats(0, 10))
        lag = draw(st.floats(0, 10))
        call = max(point - lead, busy_until[client] + 0.01)
        if call > point:
            call = point
        answered = draw(st.booleans()) or f == "read"
        ret = point + lag if answered else None
        busy_until[client] = ret if ret is not None else float("inf")
        if busy_until[client] == float("inf"):
            busy_until[client] = point + 1e6  # a client that never heard back stays stuck
        value = draw(st.integers(0, 3))
        op = Operation(n + 1, client, f, key=key, call=call, ret=ret,
                       status="ok" if answered else "info")
        current = state.get(key) if isinstance(state, dict) else None
        if f == "read":
            op.value = current
        elif f == "write":
            op.value = value
        else:
            op.expected = draw(st.sampled_from([current, value]))
            op.value = value
            if answered:
                op.status = "ok" if op.expected == current else "fail"
        if f != "read" and (f == "write" or op.expected == current):
            state = dict(state or {})
            state[key] = value
        ops.append(op)
    return ops


@settings(max_examples=300, deadline=None)
@given(sequential_executions())
def test_a_history_generated_from_a_sequential_execution_is_always_linearizable(ops):
    verdict = check(ops)
    assert verdict["linearizable"], verdict["text"]


def brute_force(ops):
    """Try every order (tiny histories only)."""
    ops = [o for o in ops if not (o.f == "read" and o.status != "ok")
           and not (o.f == "write" and o.status == "fail")]
    for order in itertools.permutations(ops):
        position = {id(o): k for k, o in enumerate(order)}
        if any(a.ret is not None and a.ret < b.call and position[id(a)] > position[id(b)]
               for a in ops for b in ops if a is not b):
            continue
        state, ok = {}, True
        for o in order:
            now = state.get(o.key)
            if o.f == "read":
                ok = now == o.value
            elif o.f == "write":
                state[o.key] = o.value
            elif o.status == "ok":
                ok = now == o.expected
                state[o.key] = o.value
            elif o.status == "fail":
                ok = now != o.expected
            elif now == o.expected:
                state[o.key] = o.value
            if not ok:
                break
        if ok:
            return True
    return False


@st.composite
def arbitrary_histories(draw):
    ops = []
    for n in range(draw(st.integers(1, 6))):
        f = draw(st.sampled_from(["read", "write", "cas"]))
        call = draw(st.integers(0, 20))
        status = draw(st.sampled_from(["ok", "ok", "ok", "fail", "info"]))
        ret = None if status == "info" else call + draw(st.integers(0, 20))
        op = Operation(n + 1, n, f, value=draw(st.sampled_from([None, 1, 2])), status=status,
                       call=call, ret=ret)
        if f == "cas":
            op.expected = draw(st.sampled_from([None, 1, 2]))
        ops.append(op)
    return ops


@settings(max_examples=300, deadline=None)
@given(arbitrary_histories())
def test_the_verdict_agrees_with_trying_every_order_on_small_histories(ops):
    assert check(ops)["linearizable"] == brute_force(ops)
