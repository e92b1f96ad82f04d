"""A live run survives a restart of the real server process: the browser reconnects and
re-sends its run (a pure function of its inputs), and resumes at exactly the same step."""

import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.playground.test_settings_env import DAPHNE_LIMITS

from .conftest import ROOT, _daphne, _free_port, _wait_until_up
from .playground_page import PlaygroundPage


class Server:
    def __init__(self, workdir):
        self.env = dict(os.environ)
        self.env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
        self.env["DJANGO_SETTINGS_MODULE"] = "playground.settings"
        self.env.pop("REDIS_URL", None)
        self.env.pop("DJANGO_ALLOWED_HOSTS", None)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "daphne.log"
        self.proc = None
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT,
                       env=self.env, check=True, capture_output=True)

    def start(self):
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [_daphne(), "-b", "127.0.0.1", "-p", str(self.port), *DAPHNE_LIMITS,
                 "playground.asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        _wait_until_up(f"{self.base}/healthz", self.proc, self.log_path)

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@pytest.fixture
def restartable_server(tmp_path):
    server = Server(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_run_resumes_exactly_after_the_server_process_restarts(page, restartable_server, page_errors):
    server = restartable_server
    play = PlaygroundPage(page, server.base).open()
    for _ in range(5):
        play.step_forward()
    page.keyboard.press("ArrowLeft")
    play.wait_step(4)
    at_four = play.trace_hash()

    server.stop()
    expect(page.locator("#app")).not_to_have_attribute("data-connection", "open")
    server.start()
    expect(page.locator("#app")).to_have_attribute("data-connection", "open", timeout=30_000)
    # The new connection's first message is the snapshot of the re-sent run.
    page.wait_for_function("() => window.playground.socket.lastSeq >= 1")
    play.wait_step(4)
    expect(page.locator("#step-counter")).to_have_text("4 / 5")
    assert play.trace_hash() == at_four
    play.step_forward()
    assert page.evaluate("window.playground.copy.run.actions.length") == 5
    # The address bar holds the run too: a reload after the restart opens the same run.
    token = page.evaluate("() => window.playground.tools.token()")
    page.wait_for_function("(token) => location.search === '?s=' + token", arg=token)
    page.reload()
    play.wait_connected()
    play.wait_step(5)
    # Connection errors while the server was down are expected; nothing else.
    assert [e for e in page_errors if "WebSocket" not in e and "ERR_CONNECTION" not in e] == []
