"""A protocol from outside the repository: a package registered under the entry-point group
`protocol_playground.protocols` shows up on the index page, plays over the socket, and is
listed by `python -m protocols list`, with nothing in the playground changed."""

import importlib
import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.test import Client as HttpClient

from protocols import registry

from .test_play_consumer import Client, open_socket

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Written from the public kernel API only, as an instructor would.
PACKAGE = '''
"""Echo: a node pings, the other answers; nothing can break but a lost PING."""

from protocols.kernel import Message, Node, Preset, Protocol, Violation, check, deliver


class Pinger(Node):
    role = "pinger"
    timers = ("retry",)

    def initial_volatile(self):
        return {"answered": False}

    def on_start(self):
        if self.id == "a":
            self.send("b", "PING", n=1)
            self.set_timer("retry", 100)

    def on_ping(self, src, n):
        self.send(src, "PONG", n=n)

    def on_pong(self, src, n):
        self.volatile.answered = True
        self.note(f"answered #{n}", tone="ok")

    def on_retry(self):
        if not self.volatile.answered:
            self.send("b", "PING", n=2)


@check("answered", holds="a heard b's answer, or is still waiting")
def answered(sim):
    a = sim.nodes["a"]
    if a.volatile is not None and not a.volatile.answered and not sim.messages \\
            and not sim.timers:
        return Violation("a gave up without an answer")
    return None


class Echo(Protocol):
    name = "echo"
    title = "Echo (a plug-in)"
    summary = "A ping and its answer, from a package outside the playground."
    node_types = (Pinger,)
    messages = {"PING": Message("#{n}"), "PONG": Message("#{n}", tone="ok")}
    checks = (answered,)
    presets = {"answered": Preset("One ping, one pong", script=[
        deliver("PING", to="b", remark="b answers"), deliver("PONG", to="a")])}

    def build(self, sim):
        sim.add_node(Pinger, "a", "Alice")
        sim.add_node(Pinger, "b", "Bob")
'''


@pytest.fixture
def echo_installed(tmp_path, monkeypatch):
    """The package and a dist-info naming its entry point, on sys.path (as pip would)."""
    (tmp_path / "echo_protocol").mkdir()
    (tmp_path / "echo_protocol" / "__init__.py").write_text(textwrap.dedent(PACKAGE))
    dist = tmp_path / "echo_protocol-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-protocol\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[protocol_playground.protocols]\necho = echo_protocol:Echo\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    registry.reload()
    yield tmp_path
    monkeypatch.undo()
    sys.modules.pop("echo_protocol", None)
    importlib.invalidate_caches()
    registry.reload()


@pytest.mark.django_db
def test_an_installed_plugin_protocol_is_on_the_index_and_has_a_play_page(echo_installed):
    assert registry.names()[-1] == "echo"
    assert registry.load_errors() == []
    http = HttpClient()
    index = http.get("/")
    assert index.status_code == 200
    assert b"Echo (a plug-in)" in index.content and b"/play/echo/" in index.content
    page = http.get("/play/echo/")
    assert page.status_code == 200 and b"Echo (a plug-in)" in page.content
    assert http.get("/play/echo/?preset=answered").status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_an_installed_plugin_protocol_plays_over_the_socket(echo_installed):
    communicator, connected = await open_socket("/ws/play/echo/")
    assert connected
    ws = Client(communicator)
    try:
        reply = await ws.request({"type": "start", "preset": "answered", "cursor": 2})
        assert reply["type"] == "snapshot", reply
        labels = [e.get("label") for e in reply["trace"] if e["type"] == "deliver"]
        assert labels == ["PING #1", "PONG #1"]
        assert [c["name"] for c in reply["state"]["checks"]] == ["answered"]
        assert reply["narration"]["1"] == "b answers"
    finally:
        await communicator.disconnect()


def test_an_installed_plugin_protocol_is_listed_and_runs_on_the_command_line(echo_installed):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(echo_installed), ROOT]))
    listed = subprocess.run([sys.executable, "-m", "protocols", "list", "--json"], cwd=ROOT,
                            env=env, capture_output=True, text=True, check=True)
    echo = {p["name"]: p for p in json.loads(listed.stdout)}["echo"]
    assert echo["presets"]["answered"]["actions"] == [{"type": "deliver", "msg": 1},
                                                      {"type": "deliver", "msg": 2}]
    assert echo["messages"] == {"PING": "", "PONG": ""}
    ran = subprocess.run([sys.executable, "-m", "protocols", "run", "echo", "--preset", "answered",
                          "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["checks"][0]["ok"]


def test_a_broken_plugin_is_left_out_and_said_so(tmp_path, monkeypatch):
    dist = tmp_path / "broken_protocol-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-protocol\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[protocol_playground.protocols]\nbroken = no_such_module:Nope\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    try:
        names = list(registry.reload())
        assert "broken" not in names and "twopc" in names
        assert any("broken" in e and "no_such_module" in e for e in registry.load_errors())
    finally:
        monkeypatch.undo()
        importlib.invalidate_caches()
        registry.reload()
