"""The "Find a counterexample" panel's server side: the counterexample search
(protocols/search/explore.py) in a worker process, driven over the play socket.

Intents (docs/websocket.md): `explore` starts a search from the connection's run -- from the
protocol's search defaults (`from: "defaults"`) or from the state at the cursor (`from:
"here"`) -- and `explore_cancel` stops it. The server answers with `explore` messages:
`started`, then `progress` a few times a second, then `done` (the result: what was covered,
and the violation with its trace and link) or `failed`.

A search is CPU-bound for up to a minute, so it never runs on the event loop: each one is a
process of its own (spawned: no copy of the server's state or sockets), at low priority,
with caps on memory and CPU time, and the server runs at most a few at once. Cancelling sets
an event the search polls; a worker that does not stop is terminated.

This module imports Django only inside functions: the worker process imports it without
settings.
"""

import asyncio
import logging
import multiprocessing
import queue as queue_module

log = logging.getLogger(__name__)

DEFAULTS = {
    "PLAYGROUND_EXPLORE_WORKERS": 2,           # searches running at once, server-wide
    "PLAYGROUND_EXPLORE_MAX_STATES": 100_000,  # the most a user may ask for
    "PLAYGROUND_EXPLORE_MAX_SECONDS": 60,
    "PLAYGROUND_EXPLORE_MAX_DEPTH": 200,
    "PLAYGROUND_EXPLORE_MEMORY_MB": 2048,      # address-space cap of a worker
}
POLL_SECONDS = 0.2
GRACE_SECONDS = 5      # after cancel, or past its time budget plus minimising: terminate
MAX_CHECKS = 20
_running = set()       # live jobs, server-wide (one event loop per process)


def setting(name):
    from django.conf import settings

    return getattr(settings, name, DEFAULTS[name])


# -- validating the intent (wire.py calls this) ---------------------------------------------------

def validate_explore(message):
    """The `explore` intent's fields: from, checks, budgets, depth, max_states, seconds."""
    from .wire import RequestError

    intent = {}
    start = message.get("from")
    start = "defaults" if start is None else start
    if start not in ("defaults", "here"):
        raise RequestError("bad_field", "'from' must be \"defaults\" or \"here\"")
    intent["start"] = start
    checks = message.get("checks")
    if checks is not None:
        if (not isinstance(checks, list) or len(checks) > MAX_CHECKS
                or not all(isinstance(c, str) and 0 < len(c) <= 100 for c in checks)):
            raise RequestError("bad_field", "'checks' must be a list of check names")
        intent["checks"] = checks or None
    budgets = message.get("budgets")
    if budgets is not None:
        if not isinstance(budgets, dict) or len(budgets) > 10:
            raise RequestError("bad_field", "'budgets' must be an object of fault budgets")
        intent["budgets"] = budgets  # names and ranges: the search says what is wrong
    for name, low, cap in (("depth", 1, "PLAYGROUND_EXPLORE_MAX_DEPTH"),
                           ("max_states", 1, "PLAYGROUND_EXPLORE_MAX_STATES"),
                           ("seconds", 1, "PLAYGROUND_EXPLORE_MAX_SECONDS")):
        value = message.get(name)
        if value is None:
            continue
        high = setting(cap)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise RequestError("bad_field", f"{name!r} must be an integer from {low} to {high}")
        intent[name] = value
    return intent


# -- the worker process ---------------------------------------------------------------------------

def _limit_self(memory_mb, cpu_seconds):
    """Be a polite neighbour: low priority, bounded memory and CPU time."""
    import os
    import resource

    try:
        os.nice(10)
    except OSError:
        pass
    for limit, value in ((resource.RLIMIT_AS, memory_mb * 1024 * 1024),
                         (resource.RLIMIT_CPU, int(cpu_seconds))):
        try:
            soft, hard = resource.getrlimit(limit)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(limit, (value, hard))
        except (ValueError, OSError):
            pass


def _work(job, messages, cancel, memory_mb):
    """The worker process: run the search, reporting progress on `messages`."""
    from protocols.search.explore import explore
    from protocols.kernel import PlaygroundError

    # Minimising and the final replays come after the time budget: allow for them.
    _limit_self(memory_mb, job["seconds"] * 2 + 30)
    try:
        result = explore(job["protocol"], job["variant"], job["config"], seed=job["seed"],
                         prefix=job["prefix"], depth=job["depth"],
                         max_states=job["max_states"], seconds=job["seconds"],
                         budgets=job["budgets"], checks=job["checks"],
                         progress=lambda report: messages.put(("progress", report)),
                         cancel=cancel)
        messages.put(("done", result))
    except PlaygroundError as exc:
        messages.put(("failed", {"code": exc.code, "message": exc.message}))
    except MemoryError:
        messages.put(("failed", {"code": "too_large", "message":
                                 f"the search ran out of memory ({memory_mb} MB); lower the "
                                 "state budget"}))
    except Exception as exc:  # a bug: say so, briefly
        messages.put(("failed", {"code": "internal",
                                 "message": f"the search failed: {type(exc).__name__}"}))


class SearchJob:
    """One search in one worker process."""

    def __init__(self, job):
        context = multiprocessing.get_context("spawn")
        self.messages = context.Queue()
        self.cancel_event = context.Event()
        self.process = context.Process(
            target=_work, name=f"explore {job['protocol']}", daemon=True,
            args=(job, self.messages, self.cancel_event,
                  setting("PLAYGROUND_EXPLORE_MEMORY_MB")))
        self.job = job
        self.finished = False

    def start(self):
        self.process.start()

    def drain(self):
        """Messages the worker has sent since the last call: [(kind, body)]."""
        out = []
        while True:
            try:
                out.append(self.messages.get_nowait())
            except queue_module.Empty:
                return out
            except (EOFError, OSError):
                return out

    def cancel(self):
        self.cancel_event.set()

    def kill(self):
        """Terminate the worker if it still runs (does not wait)."""
        if self.process.is_alive():
            self.process.terminate()

    async def reap(self):
        """Wait for the worker to exit, off the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.process.join, 2)


# -- the consumer's side --------------------------------------------------------------------------

class SearchIntents:
    """Mixed into the play consumer: the `explore` and `explore_cancel` intents. Uses the
    consumer's `session`, `lock` and `_send` (with the lock held, like every handler)."""

    search = None
    search_task = None

    async def on_explore(self, start="defaults", **options):
        from .wire import RequestError

        if self.search is not None and not self.search.finished:
            raise RequestError("busy", "a search is already running on this connection; "
                               "cancel it first")
        if len(_running) >= setting("PLAYGROUND_EXPLORE_WORKERS"):
            raise RequestError("busy", "the server is running as many searches as it can; "
                               "try again in a minute")
        session = self.session
        session.ensure_started()
        sim = session.sim
        job = {"protocol": session.proto.name, "variant": session.variant, "seed": session.seed,
               "depth": options.get("depth") or min(100, setting("PLAYGROUND_EXPLORE_MAX_DEPTH")),
               "max_states": options.get("max_states")
               or setting("PLAYGROUND_EXPLORE_MAX_STATES"),
               "seconds": options.get("seconds") or setting("PLAYGROUND_EXPLORE_MAX_SECONDS"),
               "budgets": options.get("budgets"), "checks": options.get("checks")}
        if start == "here":
            # The state at the cursor: its exact config, and its actions as the prefix.
            job.update(config=dict(sim.config), prefix=list(sim.actions))
        else:
            job.update(config=dict(session.config), prefix=[])
        # Bad budgets, checks or config: refuse now, with the search's own words, rather
        # than from the worker.
        from protocols.search.explore import settings as search_settings
        from protocols.kernel import PlaygroundError

        try:
            search_settings(session.proto, job["variant"], job["config"], job["budgets"])
        except PlaygroundError as exc:
            raise RequestError("bad_field", exc.message) from None
        known = [c["name"] for c in sim.checks]
        unknown = [c for c in job["checks"] or [] if c not in known]
        if unknown:
            raise RequestError("bad_field", f"unknown check {unknown[0]!r}; known: "
                               + ", ".join(known))
        search = SearchJob(job)
        search.start()
        _running.add(search)
        self.search = search
        await self._send({"type": "explore", "status": "started", "from": start,
                          "bounds": {k: job[k] for k in ("depth", "max_states", "seconds",
                                                         "budgets", "checks")},
                          "prefix": len(job["prefix"])})
        self.search_task = asyncio.create_task(self._follow_search(search))

    async def on_explore_cancel(self):
        if self.search is None or self.search.finished:
            await self._send({"type": "explore", "status": "idle"})
            return
        self.search.cancel()  # the worker answers with its result so far ("cancelled")

    async def _follow_search(self, search):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + search.job["seconds"] * 2 + 30
        cancelled_at = None
        try:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                messages = search.drain()
                latest = None
                final = None
                for kind, body in messages:
                    if kind == "progress":
                        latest = body
                    else:
                        final = (kind, body)
                if search.cancel_event.is_set() and cancelled_at is None:
                    cancelled_at = loop.time()
                if final is None and not search.process.is_alive():
                    final = ("failed", {"code": "internal",
                                        "message": "the search stopped unexpectedly (its "
                                        "process ended without a result)"})
                overdue = loop.time() > deadline or (
                    cancelled_at is not None and loop.time() > cancelled_at + GRACE_SECONDS)
                if final is None and overdue:
                    search.kill()
                    final = ("failed", {"code": "timeout", "message": "the search did not "
                                        "stop in time and was ended"})
                async with self.lock:
                    if latest is not None and final is None:
                        await self._send({"type": "explore", "status": "progress",
                                          "progress": latest})
                    if final is not None:
                        search.finished = True
                        kind, body = final
                        if kind == "done":
                            await self._send({"type": "explore", "status": "done",
                                              "result": body})
                        else:
                            await self._send({"type": "explore", "status": "failed", **body})
                        return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("following a search failed")
        finally:
            search.finished = True
            _running.discard(search)
            search.kill()
            await search.reap()

    async def stop_search(self):
        """On disconnect: end the worker; nobody is left to tell."""
        search, self.search = self.search, None
        if self.search_task is not None:
            self.search_task.cancel()
        if search is not None:
            search.finished = True
            _running.discard(search)
            search.kill()
            await search.reap()
