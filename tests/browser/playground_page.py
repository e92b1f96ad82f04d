"""What the browser tests do on the playground page, in the page's own words."""

import re

from playwright.sync_api import expect

PARTICIPANTS = ("p1", "p2", "p3")


class PlaygroundPage:
    def __init__(self, page, base_url, protocol="twopc"):
        self.page = page
        self.url = f"{base_url}/play/{protocol}/"

    # -- where the run is -------------------------------------------------------------------

    def open(self, query=""):
        self.page.goto(self.url + query)
        self.wait_connected()
        expect(self.page.locator("#app")).to_have_attribute("data-step", re.compile(r"^\d+$"))
        self.page.wait_for_selector(".diagram-head .head")
        return self

    def wait_connected(self):
        expect(self.page.locator("#app")).to_have_attribute("data-connection", "open")

    @property
    def step(self):
        return int(self.page.get_attribute("#app", "data-step"))

    def wait_step(self, step):
        expect(self.page.locator("#app")).to_have_attribute("data-step", str(step))

    def trace_hash(self):
        return self.page.evaluate("window.playground.copy.state.trace_hash")

    # -- doing things --------------------------------------------------------------------

    def step_forward(self):
        before = self.step
        self.page.keyboard.press("ArrowRight")
        self.wait_step(before + 1)

    def play_until_quiescent(self, timeout=30_000):
        self.page.click("#play")
        app = self.page.locator("#app")
        expect(app).to_have_attribute("data-quiescent", "true", timeout=timeout)
        expect(app).to_have_attribute("data-playing", "false", timeout=timeout)

    def in_flight(self, kind=None):
        """Labels of messages in flight on the diagram (clicking one delivers it)."""
        if kind:
            return self.page.locator(f".msg-pill.clickable[data-kind='{kind}']")
        return self.page.locator(".msg-pill.clickable")

    def deliver_first(self, kind=None):
        before = self.step
        self.in_flight(kind).first.locator(".pill").click()
        self.wait_step(before + 1)

    def card(self, node):
        return self.page.locator(f".card[data-node='{node}']")

    def header(self, node):
        return self.page.locator(f".diagram-head .head[data-node='{node}']")

    def checks(self):
        return self.page.locator("#checks .check")

    def toasts(self):
        return self.page.locator(".toasts .toast")
