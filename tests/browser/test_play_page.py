"""The two-phase-commit playground in a real browser against a real server."""

import re

from playwright.sync_api import expect

from .playground_page import PARTICIPANTS, PlaygroundPage


def test_transaction_commits_with_all_checks_green_and_participants_committed(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    play.wait_step(0)
    expect(play.checks()).to_have_count(3)

    # A few single steps from the keyboard, then auto-play to the end.
    for _ in range(3):
        play.step_forward()
    play.play_until_quiescent()

    expect(page.locator("#checks")).to_have_attribute("data-status", "ok")
    for check in play.checks().all():
        expect(check).to_have_attribute("data-tone", "ok")
    expect(page.locator("#checks .panel-count")).to_have_text("all 3 hold")

    for node in PARTICIPANTS:
        card = play.card(node)
        expect(card).to_have_attribute("data-status", "up")
        # The decision is in the participant's durable log, and its data holds the write.
        expect(card.locator(".state.durable")).to_contain_text("committed")
        expect(card.locator(".state.durable")).to_contain_text("x")
        # …and on its lifeline, as a green note.
        expect(page.locator(".mark-note.tone-ok").filter(has_text=f"tx1: committed")).to_have_count(3)
    expect(play.card("coord").locator(".state.durable")).to_contain_text("commit")

    # The client's operation is one completed bar in the history.
    bar = page.locator("#history .op")
    expect(bar).to_have_count(1)
    expect(bar).to_have_attribute("data-status", "ok")
    expect(page.locator(".msg-inflight")).to_have_count(0)
    assert page_errors == []


def test_coordinator_crash_after_prepare_leaves_participants_in_doubt(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()

    # The client's own button starts the transaction.
    play.card("client").get_by_role("button", name="Begin transaction").click()
    play.wait_step(1)

    # Deliver by clicking messages on the diagram until every participant has voted yes:
    # everything except the votes themselves, which stay in flight to the coordinator.
    for _ in range(40):
        summaries = [play.card(p).locator(".card-summary").inner_text() for p in PARTICIPANTS]
        if all("IN DOUBT" in s for s in summaries):
            break
        pills = [pill for pill in play.in_flight().all() if pill.get_attribute("data-kind") != "VOTE"]
        assert pills, f"nothing left to deliver, participants say {summaries}"
        before = play.step
        pills[0].locator(".pill").click()
        play.wait_step(before + 1)
    else:
        raise AssertionError("participants never all voted")
    expect(play.in_flight("VOTE")).to_have_count(3)

    # Crash the coordinator from its header on the diagram.
    before = play.step
    play.header("coord").click()
    play.wait_step(before + 1)

    coord = play.card("coord")
    expect(coord).to_have_attribute("data-status", "crashed")
    expect(coord.locator(".state.volatile")).to_have_text(re.compile("lost in crash"))
    expect(coord.locator(".state.durable")).to_contain_text("next_tx")  # the log survives
    expect(play.header("coord")).to_have_class(re.compile(r"\bstatus-crashed\b"))
    expect(page.locator(".mark-crash")).to_have_count(1)
    expect(page.locator(".life.status-crashed")).to_have_count(1)

    for node in PARTICIPANTS:
        expect(play.card(node).locator(".card-summary")).to_contain_text("IN DOUBT on tx1")
    expect(page.locator(".mark-note.tone-warn").filter(has_text="in doubt")).to_have_count(3)
    in_doubt = page.locator("#checks .check[data-check='in-doubt participants']")
    expect(in_doubt).to_have_attribute("data-tone", "warn")
    expect(in_doubt).to_contain_text("p1 in doubt on tx1")
    # Blocked, not broken: atomicity still holds.
    expect(page.locator("#checks .check[data-tone='bad']")).to_have_count(0)

    # The votes can no longer reach anyone who remembers asking: restart via the header.
    play.header("coord").click()
    expect(coord).to_have_attribute("data-status", "up")
    expect(page.locator(".mark-restart")).to_have_count(1)
    assert page_errors == []


def test_malformed_frames_show_error_toasts_and_the_page_stays_usable(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server).open()
    play.wait_step(0)

    page.evaluate("window.playground.socket.sendRaw('{this is not json')")
    bad_json = page.locator(".toast[data-code='bad_json']")
    expect(bad_json).to_be_visible()
    expect(bad_json).to_contain_text("not valid JSON")

    # Server text is shown as text, never as markup.
    page.evaluate("""window.playground.socket.send({type: "<img src=x onerror=window.pwned=1>"})""")
    unknown = page.locator(".toast[data-code='unknown_type']")
    expect(unknown).to_contain_text("<img src=x onerror=window.pwned=1>")
    expect(page.locator(".toasts img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None

    # An action that is not enabled changes nothing.
    page.evaluate("window.playground.act({type: 'deliver', msg: 999})")
    expect(page.locator(".toast[data-code='not_enabled']")).to_contain_text("999")
    play.wait_step(0)

    # Dismissing a toast removes it.
    bad_json.locator(".toast-close").click()
    expect(bad_json).to_have_count(0)

    # Still connected, still usable: step, and the run moves on with all checks green.
    play.wait_connected()
    play.step_forward()
    play.step_forward()
    expect(page.locator("#step-counter")).to_have_text("2")
    expect(page.locator("#checks")).to_have_attribute("data-status", "ok")
    assert page_errors == []
