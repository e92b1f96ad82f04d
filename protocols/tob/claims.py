"""A username claim, wherever it travels: how it reads, which claim is first for a name,
and its record in the client history -- a compare-and-set of the register named by the
username, from nobody to the user, so a linearizability checker can read it. Claims
planned in the config are made by the node they name, at the time they name."""

from ..kernel import Node
from ..kernel.usertext import text_problem

MAX_NAME = 32


def claim_text(msg):
    """How a note reads a message in the log: “bob” for alice, or no-op."""
    if msg.get("noop"):
        return "no-op"
    return f"“{msg['name']}” for {msg['user']}"


def first_claims(messages):
    """name -> the first claim for it, in the given (delivered or timestamp) order."""
    first = {}
    for msg in messages:
        if not msg.get("noop") and not msg.get("duplicate"):
            first.setdefault(msg["name"], msg)
    return first


def invoke_claim(node, claim):
    """Record the claim in the client history as what it is: a compare-and-set of the
    register named `name`, from nobody to the user (so a linearizability checker can read it)."""
    return node.invoke("cas", **{"key": claim["name"], "from": None, "to": claim["user"],
                                 "claim": claim["id"]})


def claims_made(sim):
    """Every claim in the client history, in the order it was made."""
    return [op for op in sim.history if op["op"] == "cas"]


def check_planned_claims(value, config):
    """Validate the `claims` option: planned claims are untrusted text like typed ones."""
    if len(value) > 20:
        return "at most 20 planned claims"
    for claim in value:
        if not isinstance(claim, dict) or set(claim) != {"node", "user", "name", "at"}:
            return "each claim must be {\"node\", \"user\", \"name\", \"at\"}"
        for field in ("user", "name"):
            problem = text_problem(claim[field], field, MAX_NAME)
            if problem:
                return problem
        at = claim["at"]
        if not isinstance(at, int) or isinstance(at, bool) or not 1 <= at <= 3_600_000:
            return "'at' must be a whole number of ms between 1 and 3600000"
    return None


class Claimant(Node):
    """A node that users ask to claim names: some claims are planned in the config."""

    role = "node"
    timers = ("claim-at",)

    def on_start(self):
        for index, planned in enumerate(self.config["claims"]):
            if planned["node"] == self.id and planned["at"] > self.now:
                self.set_timer(f"claim-at {index}", planned["at"] - self.now, index=index)

    def on_claim_at(self, index):
        planned = self.config["claims"][index]
        self.claim(planned["user"], planned["name"])

