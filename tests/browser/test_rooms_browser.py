"""Instructor rooms in a real browser: the instructor's page and a follower's page side by
side against one Daphne; a step on one appears on the other, the follower cannot drive, and
the presenter view's clicker keys step, and F forks a sandbox at the current step."""

import json
import urllib.request

from playwright.sync_api import expect


def open_room(base, scenario=None):
    """A new room (POST /api/rooms) for `scenario` (default: a fresh twopc run)."""
    request = urllib.request.Request(
        f"{base}/api/rooms", data=json.dumps({"scenario": scenario or {"protocol": "twopc"}}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    return json.loads(urllib.request.urlopen(request, timeout=10).read())


def instructor_and_follower(browser, base, page_errors):
    """A new twopc room, and its instructor's page and a follower's page side by side."""
    room = open_room(base)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    teacher = context.new_page()
    follower = context.new_page()
    for page in (teacher, follower):
        page.set_default_timeout(10_000)
        page_errors.watch(page)
    teacher.goto(room["instructor_url"])
    follower.goto(room["follow_url"])
    return room, context, teacher, follower


def test_a_step_on_the_instructor_page_appears_on_the_follower_page(browser, play_server, page_errors):
    room, context, teacher, follower = instructor_and_follower(browser, play_server, page_errors)
    for page in (teacher, follower):
        expect(page.locator("#app")).to_have_attribute("data-connection", "open")
        expect(page.locator("#app")).to_have_attribute("data-step", "0")
    expect(teacher.locator("#follow-url")).to_have_text(room["follow_url"])
    expect(follower.locator("#room-step")).to_have_count(0)  # no driving controls

    teacher.locator("#room-step").click()
    expect(follower.locator("#app")).to_have_attribute("data-step", "1")
    expect(follower.locator("#app")).to_have_attribute("data-room-seq", "1")
    teacher.locator("#room-step").click()
    teacher.locator("#room-step").click()
    expect(follower.locator("#app")).to_have_attribute("data-step", "3")
    # Followers watch: the instructor's page offers actions, the follower's none.
    expect(teacher.locator("#cards button:visible").first).to_be_visible()
    expect(follower.locator("#cards button:visible")).to_have_count(0)
    expect(follower.locator("#diagram .clickable")).to_have_count(0)

    teacher.locator("#caption-input").fill("The coordinator asks everyone to prepare.")
    teacher.get_by_role("button", name="Set caption").click()
    expect(follower.locator("#room-caption .narration-text")).to_have_text("The coordinator asks everyone to prepare.")

    # The presenter view: clicker keys step and go back; the follower sees both.
    presenter = context.new_page()
    page_errors.watch(presenter)
    presenter.goto(room["instructor_url"].replace("/?key=", "/present?key="))
    expect(presenter.locator("#app")).to_have_attribute("data-step", "3")
    expect(presenter.locator("#room-status")).to_contain_text("1 follower")
    # Controls hidden: nothing to click in the diagram, one caption in large type.
    expect(presenter.locator("#diagram .clickable")).to_have_count(0)
    expect(presenter.locator("#room-caption .narration-text")).to_have_text(
        "The coordinator asks everyone to prepare.")
    presenter.keyboard.press("PageDown")
    expect(follower.locator("#app")).to_have_attribute("data-step", "4")
    presenter.keyboard.press("PageUp")
    expect(follower.locator("#app")).to_have_attribute("data-step", "3")

    # F on the follower's page: a private sandbox at the room's current step.
    with context.expect_page() as opened:
        follower.keyboard.press("f")
    sandbox = opened.value
    page_errors.watch(sandbox)
    sandbox.wait_for_url("**/play/twopc/?s=*")
    expect(sandbox.locator("#app")).to_have_attribute("data-step", "3")
    context.close()
    assert page_errors == []


def test_teach_this_run_opens_a_room_at_the_current_step(page, play_server, page_errors):
    page.goto(f"{play_server}/play/twopc/")
    app = page.locator("#app")
    expect(app).to_have_attribute("data-step", "0")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(app).to_have_attribute("data-step", "2")
    page.locator("#room-open").click()
    follow = page.locator("#room-follow-url")
    expect(follow).to_contain_text("/room/")
    page.goto(follow.get_attribute("href"))
    expect(page.locator("#app")).to_have_attribute("data-step", "2")
    assert page_errors == []


def test_the_instructor_plays_the_room_at_a_chosen_speed_and_the_follower_watches_it_play(
        browser, play_server, page_errors):
    room, context, teacher, follower = instructor_and_follower(browser, play_server, page_errors)
    expect(follower.locator("#app")).to_have_attribute("data-connection", "open")
    expect(follower.locator("#room-speed")).to_have_count(0)  # followers get no controls
    play = teacher.locator("#room-play")
    expect(play).to_have_text("▶ Play")
    speed = teacher.locator("#room-speed")
    speed.fill(str(6))  # the fastest setting: 60 ms between steps
    expect(teacher.locator(".tb-speed .speed-text")).to_have_text("60 ms")
    play.click()
    expect(play).to_have_text("❚❚ Pause")
    expect(follower.locator("#app")).to_have_attribute("data-playing", "true")
    # It plays on by itself: the follower sees the run move well past the first steps.
    follower.wait_for_function("() => Number(document.getElementById('app').dataset.step) >= 8")
    play.click()
    expect(play).to_have_text("▶ Play")
    expect(follower.locator("#app")).to_have_attribute("data-playing", "false")
    # A page opened later shows the room's own speed.
    late = context.new_page()
    page_errors.watch(late)
    late.goto(room["instructor_url"])
    expect(late.locator(".tb-speed .speed-text")).to_have_text("60 ms")
    context.close()
    assert page_errors == []


def test_a_room_shows_the_play_pages_teaching_aids_to_followers_and_the_presenter(
        browser, play_server, page_errors):
    room = open_room(play_server, {"protocol": "replication",
                                   "preset": "async-follower-stale-read", "cursor": 12})
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    follower = context.new_page()
    page_errors.watch(follower)
    follower.goto(room["follow_url"])
    expect(follower.locator("#app")).to_have_attribute("data-step", "12")
    # The checks with their "show in diagram", the client history, the protocol's own panels
    # and the node cards: what a student alone sees, a class sees.
    expect(follower.locator("#checks .check")).not_to_have_count(0)
    expect(follower.locator("#checks .check[data-check='linearizable']")).to_be_visible()
    expect(follower.locator("#history")).to_contain_text("→ nil")
    expect(follower.locator(".view-panels")).to_be_visible()
    expect(follower.locator("#cards .card").first).to_be_visible()
    # Followers watch: no forms to submit, no partition tool.
    expect(follower.locator(".view-panels form button:visible")).to_have_count(0)
    presenter = context.new_page()
    page_errors.watch(presenter)
    presenter.goto(room["instructor_url"].replace("/?key=", "/present?key="))
    expect(presenter.locator("#app")).to_have_attribute("data-step", "12")
    check = presenter.locator("#checks .check").first
    expect(check).to_be_visible()
    # Large enough to read from the back of the room.
    size = check.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 18
    context.close()
    assert page_errors == []
