"""How the pages are laid out, where a wrong layout is checkable: the site header's
breadcrumb, the play page's toolbar rows, a shared run's title above the toolbar."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from .playground_page import PlaygroundPage

# Each toolbar row's visible groups (and the variant's description), with their boxes.
ROWS_JS = """() => [...document.querySelectorAll('#toolbar .tb-row')].map((row) =>
  [...row.children].filter((c) => c.offsetParent !== null && c.getBoundingClientRect().width > 0)
    .map((c) => { const b = c.getBoundingClientRect();
      return { name: c.className, top: b.top, bottom: b.bottom, left: b.left, right: b.right }; }))"""


def test_the_presets_page_marks_its_nav_link_instead_of_repeating_presets(page, play_server,
                                                                          page_errors):
    page.goto(f"{play_server}/presets/")
    header = page.locator(".site-header")
    expect(header).not_to_contain_text("Presets › Presets")
    expect(header.locator(".nav-current")).to_have_count(0)
    expect(header.locator(".site-nav a[aria-current='page']")).to_have_text("Presets")
    assert header.inner_text().count("Presets") == 1
    page.goto(f"{play_server}/")
    expect(page.locator(".site-nav a[aria-current='page']")).to_have_text("Protocols")
    assert page_errors == []


def test_a_play_page_breadcrumb_follows_the_site_name_not_the_presets_link(page, play_server,
                                                                           page_errors):
    PlaygroundPage(page, play_server, "election").open()
    crumb = page.locator(".site-header .site-crumb .nav-current")
    expect(crumb).to_have_text("Leader election with epochs and fencing")
    expect(crumb).to_have_attribute("aria-current", "page")
    expect(page.locator(".site-nav .nav-current")).to_have_count(0)
    expect(page.locator(".site-nav a[aria-current]")).to_have_count(0)
    name = page.locator(".site-name").bounding_box()
    nav = page.locator(".site-nav").bounding_box()
    box = crumb.bounding_box()
    assert name["x"] + name["width"] <= box["x"] < box["x"] + box["width"] <= nav["x"]
    assert page_errors == []


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
@pytest.mark.parametrize("protocol", ["election", "replication", "twopc"])
def test_the_toolbar_is_two_clean_rows_at_desktop_widths(browser, play_server, size, protocol,
                                                         page_errors):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page_errors.watch(page)
    try:
        PlaygroundPage(page, play_server, protocol).open()
        rows = page.evaluate(ROWS_JS)
        assert len(rows) == 2
        run, transport = rows
        names = " ".join(group["name"] for group in run)
        assert "tb-run" in names and "tb-scenario" in names and "variant-help" in names
        for row in rows:
            # Every group of a row on one line: they all overlap each other vertically.
            for group in row:
                assert group["top"] < min(g["bottom"] for g in row), (size, protocol, row)
            # Left to right in order, none overlapping the next.
            for a, b in zip(row, row[1:]):
                assert a["right"] <= b["left"] + 0.5, (size, protocol, a, b)
        assert max(g["bottom"] for g in run) <= min(g["top"] for g in transport)
        # Share and Export sit on the run row, the transport and the stats on the other.
        share = page.locator("#share").bounding_box()
        variant = page.locator("#variant").bounding_box()
        play = page.locator("#play").bounding_box()
        assert abs(share["y"] - variant["y"]) < 12
        assert play["y"] > variant["y"] + variant["height"]
        toolbar = page.locator("#toolbar").bounding_box()
        export = page.locator("#export").bounding_box()
        assert abs(export["y"] - share["y"]) < 12
        assert export["x"] + export["width"] <= toolbar["x"] + toolbar["width"]
    finally:
        context.close()


def test_a_short_links_title_sits_with_the_summary_above_the_toolbar(page, play_server,
                                                                     page_errors):
    body = json.dumps({"protocol": "twopc", "actions": [], "title": "A saved run"}).encode()
    request = urllib.request.Request(f"{play_server}/api/scenarios", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        short = json.load(response)
    page.goto(f"{play_server}/s/{short['id']}")
    title = page.locator("#scenario-title")
    expect(title).to_have_text("A saved run")
    page.wait_for_selector(".diagram-head .head")
    summary = page.locator(".play-summary").bounding_box()
    box = title.bounding_box()
    toolbar = page.locator("#toolbar").bounding_box()
    assert box["y"] + box["height"] <= toolbar["y"]
    assert abs(box["x"] - summary["x"]) < 2
    assert page_errors == []


def test_a_room_follow_page_puts_its_status_beside_the_title_and_its_controls_under_it(
        page, play_server, page_errors):
    body = json.dumps({"scenario": {"protocol": "election", "actions": []}}).encode()
    request = urllib.request.Request(f"{play_server}/api/rooms", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        room = json.load(response)
    page.goto(room["follow_url"].replace("http://testserver", play_server))
    expect(page.locator("#room-status")).to_contain_text("step 0")
    title = page.locator(".play-title").bounding_box()
    status = page.locator("#room-status").bounding_box()
    links = page.locator(".room-links").bounding_box()
    fork = page.locator("#room-fork").bounding_box()
    diagram = page.locator("#diagram").bounding_box()
    assert title["x"] + title["width"] <= status["x"]                 # beside, not over it
    assert status["y"] < title["y"] + title["height"]
    assert title["y"] + title["height"] <= links["y"] <= fork["y"]      # then the line, the button
    assert fork["y"] + fork["height"] <= diagram["y"]
    assert links["width"] > 600                                         # one line, not a column
    assert page_errors == []
