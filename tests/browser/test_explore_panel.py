"""The "Find a counterexample" panel in a real browser against a real server: the search
runs in a worker process, reports progress, and opens its result at the violating step."""

import re

from playwright.sync_api import expect

from .playground_page import PlaygroundPage


def test_the_panel_finds_the_heuristic_failure_and_opens_it_at_the_violating_step(
        page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open("?variant=heuristic")
    panel = page.locator("#explore")
    panel.locator("summary").click()
    panel.locator(".explore-check").select_option("atomicity")
    panel.locator(".explore-start").click()

    expect(panel.locator(".explore-status")).to_have_text(
        re.compile(r"Found: atomicity breaks after 13 actions"), timeout=60_000)
    # The result is now the run, at its last step, with the check broken...
    play.wait_step(13)
    expect(page.locator("#checks")).to_have_attribute("data-status", "violated")
    expect(page.locator("#checks .check[data-check='atomicity']")).to_have_attribute(
        "data-tone", "bad")
    # ...and its actions are listed in words, the last one current.
    steps = panel.locator(".explore-step")
    expect(steps).to_have_count(13)
    expect(steps.nth(12)).to_have_class(re.compile("current"))
    expect(steps.nth(1)).to_contain_text("Deliver BEGIN client→coord")
    # Messages are named by the diagram's labels (static/js/labels.js): kind and transaction.
    expect(steps.filter(has_text="Deliver BEGUN tx1 coord→client")).to_have_count(1)
    expect(steps.nth(12)).to_contain_text("Timeout: heuristic")
    expect(panel.locator("a", has_text="Link")).to_have_attribute(
        "href", re.compile(r"^/play/twopc/\?s=[A-Za-z0-9_-]+$"))
    # Every step number shows whole, two digits included, and the violating step is in view.
    numbers = panel.locator(".explore-n")
    expect(numbers).to_have_text([f"{i}." for i in range(1, 14)])
    box = panel.locator(".explore-trace").bounding_box()
    for i in (9, 12):
        number = numbers.nth(i).bounding_box()
        assert number["x"] >= box["x"] and number["x"] + number["width"] <= box["x"] + box["width"]
    last = steps.nth(12).bounding_box()
    assert box["y"] <= last["y"] and last["y"] + last["height"] <= box["y"] + box["height"] + 1

    # Clicking an action goes to that step; the panel offers the way back.
    steps.nth(4).locator("button").click()
    play.wait_step(5)
    expect(page.locator("#checks")).not_to_have_attribute("data-status", "violated")
    panel.get_by_role("button", name="Back to the violating step").click()
    play.wait_step(13)
    assert page_errors == []


def test_a_running_search_shows_progress_and_can_be_cancelled(page, play_server, page_errors):
    PlaygroundPage(page, play_server).open()
    panel = page.locator("#explore")
    panel.locator("summary").click()
    panel.locator("[data-budget='crashes']").fill("2")
    panel.locator("[data-budget='duplicates']").fill("1")
    panel.locator(".explore-states").fill("100000")
    panel.locator(".explore-start").click()

    expect(panel.locator(".explore-bar")).to_be_visible(timeout=30_000)
    expect(panel.locator(".explore-status")).to_contain_text("distinct", timeout=30_000)
    expect(panel.locator(".explore-status")).to_contain_text("left")
    panel.locator(".explore-cancel").click()
    expect(panel.locator(".explore-status")).to_have_text("Cancelled.", timeout=20_000)
    expect(panel.locator(".explore-covered")).to_contain_text("until cancelling stopped it")
    expect(panel.locator(".explore-bar")).to_be_hidden()
    expect(panel.locator(".explore-start")).to_be_enabled()
    assert page_errors == []
