"""One Run (protocols/kernel/run.py) seen from the pages: a story plays as written on the play
page and in a room alike, its remarks travel with share links, short links and rooms, forks
are undone by the server, and the smaller defects found the same way stay fixed."""

import re

from playwright.sync_api import expect

from protocols import registry
from protocols.kernel import replay

from .playground_page import PlaygroundPage
from .test_rooms_browser import open_room

TWOPC = registry.get("twopc")


def _fast_play(page):
    page.locator("#speed").fill("6")   # the fastest setting: 60 ms between steps
    page.click("#play")


def test_play_on_a_preset_walks_its_script_then_hands_over_to_the_scheduler(
        page, play_server, page_errors):
    preset = TWOPC.presets["coordinator-crash"]
    script = preset["actions"]
    play = PlaygroundPage(page, play_server, "twopc").open("?preset=coordinator-crash")
    play.wait_step(0)
    _fast_play(page)
    page.wait_for_function(f"() => Number(document.getElementById('app').dataset.step) > {len(script)}",
                           timeout=20_000)
    page.click("#play")   # pause
    expect(page.locator("#app")).to_have_attribute("data-playing", "false")
    actions = page.evaluate("window.playground.copy.run.actions")
    assert actions[:len(script)] == script   # the story, as written, then the scheduler's steps
    expect(page.locator("#narration-notice")).to_contain_text("scheduler")
    # The remark strip still tells the story (the last remark), not a forked run's.
    last = max(preset["narration"], key=int)
    expect(page.locator(".narration .narration-text")).to_have_text(preset["narration"][last])
    page.locator("#scrubber").fill(str(len(script)))
    play.wait_step(len(script))
    want = replay(TWOPC, preset["variant"], preset["config"], preset["seed"], script).trace_hash
    assert play.trace_hash() == want
    assert page_errors == []


def _play_pause_back_play(page, play_button, back, step_of, playing_of):
    """Play → Pause → back 5 → Play on a page; returns the actions when it paused again."""
    play_button.click()
    page.wait_for_function(f"() => {step_of} >= 12", timeout=20_000)
    play_button.click()
    page.wait_for_function(f"() => {playing_of} === 'false'")
    at = page.evaluate(step_of)
    for _ in range(5):
        back()
        page.wait_for_function(f"() => {step_of} <= {at - 1}")
        at = page.evaluate(step_of)
    play_button.click()
    page.wait_for_function(f"() => {step_of} >= 20", timeout=20_000)
    play_button.click()
    page.wait_for_function(f"() => {playing_of} === 'false'")


def test_play_pause_back_and_play_on_a_preset_give_the_same_run_on_the_play_page_and_in_a_room(
        browser, play_server, page_errors):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    solo = context.new_page()
    page_errors.watch(solo)
    PlaygroundPage(solo, play_server, "twopc").open("?preset=coordinator-crash")
    solo.locator("#speed").fill("6")
    step_of = "Number(document.getElementById('app').dataset.step)"
    playing_of = "document.getElementById('app').dataset.playing"
    _play_pause_back_play(solo, solo.locator("#play"), lambda: solo.click("#back"), step_of,
                          playing_of)
    solo_step = solo.evaluate(step_of)

    room = open_room(play_server, {"protocol": "twopc", "preset": "coordinator-crash"})
    teacher = context.new_page()
    page_errors.watch(teacher)
    teacher.goto(room["instructor_url"])
    expect(teacher.locator("#app")).to_have_attribute("data-connection", "open")
    teacher.locator("#room-speed").fill("6")
    _play_pause_back_play(teacher, teacher.locator("#room-play"),
                          lambda: teacher.click("#room-back"), step_of, playing_of)
    # Bring both to the same step, past the story's end (33 steps): both walked the story
    # and then the same seeded scheduler, so they are one run.
    target = 36   # the run goes quiet at 37
    for page in (solo, teacher):
        length = page.evaluate("window.playground.copy.run.actions.length")
        page.evaluate(f"window.playground.send({{type: 'seek', step: {min(length, target)}}})")
        page.wait_for_function(f"() => {step_of} === {min(length, target)}")
        if length < target:
            page.evaluate(f"window.playground.send({{type: 'step', count: {target - length}}})")
            page.wait_for_function(f"() => {step_of} === {target}")
    hashes = [p.evaluate("window.playground.copy.state.trace_hash") for p in (solo, teacher)]
    assert hashes[0] == hashes[1]
    runs = [p.evaluate("window.playground.copy.run.actions.slice(0, 36)") for p in (solo, teacher)]
    assert runs[0] == runs[1] and runs[0][:33] == TWOPC.presets["coordinator-crash"]["actions"]
    assert solo_step >= 20
    context.close()
    assert page_errors == []


def test_teach_this_run_from_a_preset_keeps_its_remarks(page, play_server, page_errors):
    preset = TWOPC.presets["coordinator-crash"]
    play = PlaygroundPage(page, play_server, "twopc").open("?preset=coordinator-crash")
    for _ in range(14):
        play.step_forward()
    page.locator("#room-open").click()
    follow = page.locator("#room-follow-url")
    expect(follow).to_contain_text("/room/")
    page.goto(follow.get_attribute("href"))
    expect(page.locator("#app")).to_have_attribute("data-step", "14")
    expect(page.locator("#room-caption .narration-text")).to_have_text(preset["narration"]["14"])
    assert page_errors == []


def test_share_from_a_preset_reopens_with_its_remarks_and_a_short_link_too(
        page, play_server, page_errors):
    preset = TWOPC.presets["coordinator-crash"]
    play = PlaygroundPage(page, play_server, "twopc").open("?preset=coordinator-crash")
    for _ in range(14):
        play.step_forward()
    # Fork the story at step 14: a different action than the script's next one.
    page.evaluate("window.playground.act({type: 'crash', node: 'p1'})")
    play.wait_step(15)
    expect(page.locator("#undo-fork")).to_be_visible()
    page.click("#share")
    url = page.locator("#share-url").input_value()
    assert "?s=" in url
    page.locator("#share-title").fill("Coordinator and p1 down")
    page.get_by_role("button", name="Save short link").click()
    short = page.locator("#short-url")
    expect(short).to_have_value(re.compile(r"/s/\w+"))
    short_url = short.input_value()
    for opened in (url, short_url):
        page.goto(opened)
        play.wait_connected()
        play.wait_step(15)
        expect(page.locator(".narration .narration-text")).to_have_text(preset["narration"]["14"])
        assert page.evaluate("Object.keys(window.playground.copy.narration).map(Number)"
                             ".every((s) => s <= 14)")
    assert page_errors == []


def test_undo_fork_brings_the_story_and_its_remarks_back(page, play_server, page_errors):
    preset = TWOPC.presets["coordinator-crash"]
    play = PlaygroundPage(page, play_server, "twopc").open("?preset=coordinator-crash")
    for _ in range(13):
        play.step_forward()
    page.evaluate("window.playground.act({type: 'crash', node: 'p2'})")
    play.wait_step(14)
    undo = page.locator("#undo-fork")
    expect(undo).to_be_visible()
    assert len(page.evaluate("window.playground.copy.run.actions")) == 14
    undo.click()
    play.wait_step(13)
    expect(undo).to_be_hidden()
    assert page.evaluate("window.playground.copy.run.actions") == preset["actions"]
    play.step_forward()
    expect(page.locator(".narration .narration-text")).to_have_text(preset["narration"]["14"])
    assert page_errors == []


def test_the_svg_export_holds_the_whole_diagram_and_opens_on_its_own(
        page, play_server, page_errors, tmp_path):
    preset = TWOPC.presets["coordinator-crash"]
    PlaygroundPage(page, play_server, "twopc").open(
        f"?preset=coordinator-crash&cursor={len(preset['actions'])}")
    with page.expect_download() as info:
        page.select_option("#export", "svg")
    path = tmp_path / "run.svg"
    info.value.save_as(path)
    text = path.read_text()
    assert text.startswith("<?xml")
    height = int(re.search(r'<svg[^>]* height="(\d+)"', text).group(1))
    assert height > 600   # the headers (66 px) and every row of the run
    for label in ("PREPARE tx1", "VOTE yes tx1", "ABORT tx1", "crashed"):
        assert label in text, label
    # Computed styles are inlined (set through the CSSOM, which the page's CSP allows).
    assert re.search(r'<text[^>]* style="[^"]*font-family:', text)
    # It opens in a browser on its own, and draws what the page drew.
    page.goto(path.as_uri())
    assert page.locator("svg text", has_text="VOTE yes tx1").count() >= 1
    assert page_errors == []


def test_a_stale_read_of_nothing_says_nil_on_the_history_bar_and_the_diagram(
        page, play_server, page_errors):
    replication = registry.get("replication")
    preset = replication.presets["async-follower-stale-read"]
    PlaygroundPage(page, play_server, "replication").open(
        f"?preset=async-follower-stale-read&cursor={len(preset['actions'])}")
    history = page.locator("#history")
    expect(history).to_contain_text("→ nil")
    expect(page.locator(".mark-complete", has_text="→ nil").first).to_be_visible()
    assert page_errors == []
