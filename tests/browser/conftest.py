"""Browser tests: a real Daphne server on a free port (temporary SQLite database, migrated)
and Debian's Chromium driven by Playwright for Python. Never a downloaded browser: the
executable is /usr/bin/chromium (or $CHROMIUM)."""

import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from tests.playground.test_settings_env import DAPHNE_LIMITS

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _daphne():
    # The daphne next to this interpreter (the project's .venv), else the one on PATH.
    beside = pathlib.Path(sys.executable).parent / "daphne"
    return str(beside) if beside.exists() else shutil.which("daphne") or "daphne"


def _wait_until_up(url, proc, log_path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"daphne did not answer {url} within {timeout} s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def play_server(tmp_path_factory):
    """Base URL of a Daphne serving the playground, with its own migrated SQLite database."""
    workdir = tmp_path_factory.mktemp("live-server")
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "playground.settings"
    env.pop("REDIS_URL", None)  # one process: the in-memory channel layer
    env.pop("DJANGO_ALLOWED_HOSTS", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )
    port = _free_port()
    log_path = workdir / "daphne.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [_daphne(), "-b", "127.0.0.1", "-p", str(port), *DAPHNE_LIMITS,
             "playground.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz", proc, log_path)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# Module scope, not session: while sync Playwright runs, its event loop counts as running in
# this thread, which would break the async tests (pytest-asyncio) collected after these.
@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` "
                    "(browser tests never use a downloaded browser)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every Content-Security-Policy violation becomes a console error the page's errors collect,
# whether or not Chromium logs one itself (Playwright's init scripts are not subject to CSP).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
                + ` at ${e.sourceFile || "?"}:${e.lineNumber}`);
});
"""


class PageErrors(list):
    """Uncaught exceptions and console errors of one page (missing favicons aside), CSP
    violations included."""

    def watch(self, page):
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        page.on("pageerror", lambda exc: self.append(f"uncaught: {exc}"))
        page.on("console", self._console)

    def csp_violations(self):
        return [e for e in self if "CSP violation" in e or "Content Security Policy" in e]

    def _console(self, message):
        if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
            if "Failed to load resource" in message.text:
                return  # a 404 for /favicon.ico carries no location in headless Chromium
            self.append(f"console: {message.text}")


@pytest.fixture
def page_errors():
    errors = PageErrors()
    yield errors
    # Every test, whether or not it checks page_errors itself, fails on a CSP violation in any
    # page it watched (a test that provokes one on purpose clears them).
    assert errors.csp_violations() == [], "a page broke its Content-Security-Policy"


@pytest.fixture
def page(browser, page_errors, request):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page_errors.watch(page)
    yield page
    # Keep a picture of every test's last moment, for CI artifacts and for looking.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    finally:
        context.close()
