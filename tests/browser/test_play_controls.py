"""Moving through a run, breaking it from the diagram, and surviving a lost connection."""

import re

from playwright.sync_api import expect

from .playground_page import PlaygroundPage


def test_back_and_forward_from_the_keyboard_replay_the_same_run(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    for key in ("s", "ArrowRight", "s", "ArrowRight", "s"):
        before = play.step
        page.keyboard.press(key)
        play.wait_step(before + 1)
    at_five = play.trace_hash()

    page.keyboard.press("ArrowLeft")
    play.wait_step(4)
    page.keyboard.press("b")
    play.wait_step(3)
    # The future is kept: the counter shows it, and forward redoes it exactly.
    expect(page.locator("#step-counter")).to_have_text("3 / 5")
    assert play.trace_hash() != at_five
    page.keyboard.press("ArrowRight")
    play.wait_step(4)
    page.keyboard.press("s")
    play.wait_step(5)
    assert play.trace_hash() == at_five
    expect(page.locator("#trace-hash")).to_have_text("#" + at_five[:8])

    # Space plays and pauses; + and - change the speed; ? shows the shortcuts.
    page.keyboard.press("-")
    expect(page.locator(".speed-text")).to_have_text("650 ms")
    page.keyboard.press("Space")
    expect(page.locator("#app")).to_have_attribute("data-playing", "true")
    page.keyboard.press("Space")
    expect(page.locator("#app")).to_have_attribute("data-playing", "false")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help")).to_contain_text("play / pause")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    assert page_errors == []


def test_messages_are_duplicated_and_dropped_from_the_diagram(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    play.card("client").get_by_role("button", name="Begin transaction").click()
    play.wait_step(1)
    play.deliver_first("BEGIN")
    play.deliver_first("BEGUN")
    expect(play.in_flight("WRITE")).to_have_count(3)

    before = play.step
    play.in_flight("WRITE").first.locator(".msg-btn.dup").click()
    play.wait_step(before + 1)
    expect(page.locator(".msg-pill.copy")).to_have_count(1)
    expect(page.locator(".msg-pill.copy")).to_contain_text("WRITE tx1 x=1 (copy)")
    expect(play.in_flight("WRITE")).to_have_count(4)

    play.in_flight("WRITE").nth(1).locator(".msg-btn.drop").click()
    play.wait_step(before + 2)
    dropped = page.locator(".msg-dropped")
    expect(dropped).to_have_count(1)
    expect(dropped.locator(".cross")).to_have_count(1)
    expect(play.in_flight("WRITE")).to_have_count(3)

    # Isolating a node shows the partition; its messages can no longer be delivered.
    play.card("p3").get_by_role("button", name="Isolate").click()
    banner = page.locator(".diagram-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Network partitioned")
    expect(page.locator(".msg-pill.blocked")).to_have_count(1)
    banner.get_by_role("button", name="Heal").click()
    expect(banner).to_be_hidden()
    expect(page.locator(".global-heal")).to_have_count(1)
    assert page_errors == []


def test_a_lost_connection_reconnects_and_replays_the_same_run(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    for _ in range(4):
        play.step_forward()
    page.keyboard.press("b")
    play.wait_step(3)
    hash_at_three = play.trace_hash()

    page.evaluate("window.playground.socket.ws.close()")
    expect(page.locator(".toast-warn")).to_contain_text("Connection lost")
    expect(page.locator("#app")).to_have_attribute("data-connection", "closed")
    expect(page.locator(".conn")).to_have_text("reconnecting…")
    play.wait_connected()
    # The new connection has the same run, at the same cursor, with the same future.
    expect(page.locator("#step-counter")).to_have_text("3 / 4")
    assert play.trace_hash() == hash_at_three
    play.step_forward()
    expect(page.locator("#step-counter")).to_have_text("4")
    assert page_errors == []


def test_scenario_walkthrough_narrates_and_a_broken_check_points_at_its_events(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    page.select_option("#preset", "heuristic")
    expect(page.locator("#variant")).to_have_value("heuristic")
    expect(page.locator("#step-counter")).to_have_text(re.compile(r"^0 / \d+$"))
    length = page.evaluate("window.playground.copy.run.actions.length")
    for _ in range(length):
        play.step_forward()
    narration = page.locator(".narration")
    expect(narration).to_contain_text("heuristic decision")

    atomicity = page.locator("#checks .check[data-check='atomicity']")
    expect(atomicity).to_have_attribute("data-tone", "bad")
    expect(atomicity).to_contain_text("aborted at p3")
    expect(page.locator("#checks .panel-count")).to_have_text("1 of 3 broken")
    expect(page.locator(".gutter-check.bad")).to_have_count(1)
    atomicity.get_by_role("button", name="show in diagram").click()
    expect(page.locator(".mark.hl").first).to_be_visible()
    expect(atomicity.get_by_role("button", name="hide in diagram")).to_be_visible()
    assert page_errors == []


def test_a_long_run_draws_only_what_is_in_view(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    page.evaluate("window.playground.send({type: 'start', variant: 'heuristic', seed: 3})")
    expect(page.locator("#variant")).to_have_value("heuristic")
    for _ in range(3):
        before = play.step
        page.evaluate("window.playground.send({type: 'step', count: 50})")
        expect(page.locator("#app")).not_to_have_attribute("data-step", str(before))
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-virtual", "true")
    items = int(diagram.get_attribute("data-items"))
    drawn = int(diagram.get_attribute("data-drawn"))
    assert items > 300 and drawn < items / 2, (items, drawn)

    # Following the latest step: the last row is drawn, the first is not.
    last = play.step
    expect(page.locator(f".row[data-step='{last}']")).to_have_count(1)
    expect(page.locator(".row[data-step='1']")).to_have_count(0)
    # Scrolled to the top, it is the other way round.
    page.locator(".diagram-scroll").evaluate("el => { el.scrollTop = 0; }")
    expect(page.locator(".row[data-step='1']")).to_have_count(1)
    expect(page.locator(f".row[data-step='{last}']")).to_have_count(0)
    assert page_errors == []


def test_a_gap_in_seq_is_not_applied_and_a_snapshot_resyncs(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    play.step_forward()
    play.step_forward()
    app = page.locator("#app")
    seq = int(app.get_attribute("data-seq"))
    at_two = play.trace_hash()

    # A frame that skips ahead (as if some had been lost) is not applied…
    page.evaluate(
        """seq => window.playground.socket.receive(JSON.stringify(
             {type: "frame", seq: seq + 3, step: 99, action: null, events: [],
              state: null, enabled: [], playing: false, quiescent: true}))""",
        seq,
    )
    # …the page asks for a snapshot, which is the server's next message.
    expect(app).to_have_attribute("data-seq", str(seq + 1))
    play.wait_step(2)
    assert play.trace_hash() == at_two
    play.step_forward()
    expect(app).to_have_attribute("data-seq", str(seq + 2))
    assert page_errors == []


def test_a_scenario_survives_a_reconnect_with_its_narration(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    page.select_option("#preset", "coordinator-crash")
    expect(page.locator("#step-counter")).to_have_text(re.compile(r"^0 / \d+$"))
    for _ in range(14):
        play.step_forward()
    narration = page.locator(".narration-text")
    expect(narration).to_contain_text("crashes before it has decided")
    counter = page.locator("#step-counter").inner_text()

    page.evaluate("window.playground.socket.ws.close()")
    expect(page.locator("#app")).to_have_attribute("data-connection", "closed")
    play.wait_connected()
    expect(page.locator("#step-counter")).to_have_text(counter)
    expect(page.locator("#preset")).to_have_value("coordinator-crash")
    expect(narration).to_contain_text("crashes before it has decided")
    assert page_errors == []
