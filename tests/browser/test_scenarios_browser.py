"""Scenarios in the browser: scrub, fork and undo, share links and short links, the run kept in
the address bar, exports and import (static/js/scenario.js, docs/scenarios.md)."""

import json
import re

from playwright.sync_api import expect

from .playground_page import PlaygroundPage


def _finished_run(page, play_server):
    play = PlaygroundPage(page, play_server).open()
    play.play_until_quiescent()
    return play, play.step


def test_scrubber_and_jump_move_the_cursor_and_keep_the_future(page, play_server, page_errors):
    play, length = _finished_run(page, play_server)
    at_end = play.trace_hash()
    expect(page.locator("#scrubber")).to_have_attribute("max", str(length))
    page.locator("#scrubber").fill("5")
    play.wait_step(5)
    expect(page.locator("#step-counter")).to_have_text(f"5 / {length}")
    page.locator("#jump").fill("12")
    page.locator("#jump").press("Enter")
    play.wait_step(12)
    page.locator("#scrubber").fill(str(length))
    play.wait_step(length)
    assert play.trace_hash() == at_end
    assert page_errors == []


def test_acting_in_the_past_forks_and_undo_brings_the_future_back(page, play_server, page_errors):
    play, length = _finished_run(page, play_server)
    page.locator("#scrubber").fill("3")
    play.wait_step(3)
    at_three = play.trace_hash()
    expect(page.locator("#undo-fork")).to_be_hidden()
    # Something other than what the run did next: the future is cut.
    page.evaluate("""() => {
      const pg = window.playground, next = JSON.stringify(pg.copy.run.actions[3]);
      const other = pg.copy.enabled.find((a) => JSON.stringify(a) !== next);
      pg.act(other);
    }""")
    play.wait_step(4)
    expect(page.locator("#step-counter")).to_have_text("4")
    expect(page.locator("#undo-fork")).to_be_visible()
    page.click("#undo-fork")
    play.wait_step(3)
    expect(page.locator("#step-counter")).to_have_text(f"3 / {length}")
    assert play.trace_hash() == at_three
    expect(page.locator("#undo-fork")).to_be_hidden()
    assert page_errors == []


def test_redoing_the_runs_own_next_step_is_not_a_fork(page, play_server, page_errors):
    play, length = _finished_run(page, play_server)
    page.locator("#scrubber").fill("2")
    play.wait_step(2)
    page.evaluate("() => window.playground.act(window.playground.copy.run.actions[2])")
    play.wait_step(3)
    expect(page.locator("#step-counter")).to_have_text(f"3 / {length}")
    expect(page.locator("#undo-fork")).to_be_hidden()
    assert page_errors == []


def test_share_link_opens_the_identical_run_at_the_same_step(page, play_server, page_errors):
    play, length = _finished_run(page, play_server)
    page.locator("#scrubber").fill("7")
    play.wait_step(7)
    at_seven = play.trace_hash()
    page.click("#share")
    expect(page.locator("#share-url")).to_have_value(re.compile(r"/play/twopc/\?s=[A-Za-z0-9_-]+$"))
    url = page.locator("#share-url").input_value()
    page.goto(url)
    play.wait_connected()
    play.wait_step(7)
    expect(page.locator("#step-counter")).to_have_text(f"7 / {length}")
    assert play.trace_hash() == at_seven
    assert page_errors == []


def test_short_link_with_title_and_remark_opens_the_run_and_shows_them_as_text(page, play_server, page_errors):
    play, length = _finished_run(page, play_server)
    page.locator("#scrubber").fill("4")
    play.wait_step(4)
    at_four = play.trace_hash()
    page.click("#share")
    page.fill("#share-title", "<i>Coordinator</i> story")
    page.fill("#share-note", "Here the <b>votes</b> go out")
    page.click("#save-short")
    expect(page.locator("#short-url")).to_be_visible()
    short = page.locator("#short-url").input_value()
    assert re.search(r"/s/[a-z0-9]+$", short)
    page.goto(short)
    play.wait_connected()
    play.wait_step(4)
    assert play.trace_hash() == at_four
    expect(page.locator("#scenario-title")).to_have_text("<i>Coordinator</i> story")
    expect(page.locator(".narration-text")).to_have_text("Here the <b>votes</b> go out")
    assert page_errors == []


def test_the_address_bar_keeps_the_run_so_a_reload_resumes_it(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    for _ in range(6):
        play.step_forward()
    at_six = play.trace_hash()
    token = page.evaluate("() => window.playground.tools.token()")
    page.wait_for_function("(token) => location.search === '?s=' + token", arg=token)
    page.reload()
    play.wait_connected()
    play.wait_step(6)
    assert play.trace_hash() == at_six
    assert page_errors == []


def test_exports_download_mermaid_svg_and_json_and_the_json_imports_back(page, play_server, page_errors, tmp_path):
    play, length = _finished_run(page, play_server)
    at_end = play.trace_hash()
    files = {}
    for what in ("mermaid", "svg", "json"):
        with page.expect_download() as info:
            page.select_option("#export", what)
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        files[what] = path.read_text()
    assert files["mermaid"].startswith("sequenceDiagram")
    assert "->>" in files["mermaid"]
    assert files["svg"].startswith("<?xml") and "<svg" in files["svg"] and "style=" in files["svg"]
    doc = json.loads(files["json"])
    assert doc["trace_hash"] == at_end and len(doc["scenario"]["actions"]) == length

    page.locator("#scrubber").fill("0")
    play.wait_step(0)
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps(doc))
    page.set_input_files("#import-trace", str(trace))
    play.wait_step(length)
    expect(page.locator(".toast[data-code='import-match']")).to_be_visible()
    assert play.trace_hash() == at_end

    doc["trace_hash"] = "0" * 64
    trace.write_text(json.dumps(doc))
    page.set_input_files("#import-trace", str(trace))
    expect(page.locator(".toast[data-code='import-differs']")).to_be_visible()
    assert page_errors == []


def test_bad_link_gets_a_400_page_that_says_what_is_wrong(page, play_server):
    response = page.goto(f"{play_server}/play/twopc/?s=eJzz")
    assert response.status == 400
    expect(page.locator(".error-page")).to_contain_text("truncated")


def test_presets_page_opens_a_preset_with_its_narration(page, play_server, page_errors):
    page.goto(f"{play_server}/presets/")
    link = page.locator("#presets-twopc .preset-link").first
    link.click()
    play = PlaygroundPage(page, play_server)
    play.wait_connected()
    expect(page.locator("#preset")).not_to_have_value("")
    expect(page.locator(".narration")).to_be_visible()
    assert page_errors == []


def test_a_long_run_opens_from_its_link_and_resumes_after_a_reconnect(page, play_server, page_errors):
    from protocols import registry
    from protocols.kernel import Simulation
    from protocols.links.share import encode, scenario

    sim = Simulation(registry.get("election"), seed=4)
    sim.run(3000)
    token = encode(scenario("election", sim.variant, {}, 4, sim.actions, cursor=2500))
    at_cursor = Simulation(registry.get("election"), seed=4)
    for action in sim.actions[:2500]:
        at_cursor.apply(action)
    play = PlaygroundPage(page, play_server, protocol="election")
    page.goto(f"{play.url}?s={token}")
    play.wait_connected()
    expect(page.locator("#app")).to_have_attribute("data-step", "2500", timeout=30_000)
    assert play.trace_hash() == at_cursor.trace_hash
    # A dropped socket re-sends the run as a token (its action list is over 64 KiB).
    page.evaluate("window.playground.socket.ws.close()")
    page.wait_for_function("() => window.playground.socket.lastSeq === 1 && window.playground.socket.isOpen",
                           timeout=30_000)
    play.wait_step(2500)
    assert play.trace_hash() == at_cursor.trace_hash
    assert page_errors == []


def test_a_run_too_long_for_a_link_opens_from_its_short_link_and_says_why_there_is_no_link(page, play_server, page_errors):
    import urllib.request

    from protocols import registry
    from protocols.kernel import Simulation

    sim = Simulation(registry.get("election"), seed=2)
    sim.run(6000)
    request = urllib.request.Request(
        f"{play_server}/api/scenarios", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"protocol": "election", "seed": 2, "actions": sim.actions,
                         "cursor": 5800}).encode())
    body = json.loads(urllib.request.urlopen(request, timeout=30).read())
    assert body["share_url"] == body["url"]
    play = PlaygroundPage(page, play_server, protocol="election")
    page.goto(body["url"])
    play.wait_connected()
    play.wait_step(5800)  # the page resumed it with a message-sized token (over 16,000 chars)
    expect(page.locator("#step-counter")).to_have_text("5800 / 6000")
    page.click("#share")
    expect(page.locator("#share-url")).to_have_attribute("placeholder", re.compile("too long for a link"))
    expect(page.locator("#share-url")).to_have_value("")
    page.locator("#scrubber").fill("5900")  # a new cursor: the address bar cannot hold it
    play.wait_step(5900)
    expect(page.locator(".toast", has_text="too long for the address bar")).to_be_visible()
    assert "/s/" in page.url
    assert page_errors == []
