"""The Content-Security-Policy in a real browser (issue 15, finding 5): the pages run under it
without a single violation, a violation would be caught by every browser test (page_errors),
and the styles moved out of the templates still apply."""

from playwright.sync_api import expect

from tests.browser.playground_page import PlaygroundPage
from tests.browser.test_rooms_browser import open_room

INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.__inlineRan = true;";
  document.head.appendChild(script);
  const style = document.createElement("style");
  style.textContent = "body { outline: 3px solid red; }";
  document.head.appendChild(style);
  return new Promise((resolve) => setTimeout(() => resolve(window.__inlineRan === true), 300));
}"""


def test_an_inline_script_is_blocked_and_reported_as_a_page_error(page, play_server,
                                                                   page_errors):
    PlaygroundPage(page, play_server, "twopc").open()
    assert page_errors == []
    ran = page.evaluate(INJECT_INLINE_SCRIPT)
    assert ran is False
    violations = page_errors.csp_violations()
    assert any("script-src" in v for v in violations), page_errors
    assert any("style-src" in v for v in violations), page_errors
    page_errors.clear()  # provoked on purpose


def test_the_play_page_runs_and_exports_under_the_policy(page, play_server, page_errors):
    playground = PlaygroundPage(page, play_server, "twopc").open()
    playground.step_forward()
    playground.step_forward()
    # The diagram is drawn with inline style properties set from script (allowed: CSSOM).
    assert page.evaluate("document.querySelectorAll('#diagram svg').length") > 0
    assert page_errors == []


def test_room_styles_moved_to_files_still_apply(browser, play_server, page_errors):
    room = open_room(play_server)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        teacher, follower, presenter = (context.new_page() for _ in range(3))
        for p in (teacher, follower, presenter):
            p.set_default_timeout(10_000)
            page_errors.watch(p)
        teacher.goto(room["instructor_url"])
        follower.goto(room["follow_url"])
        presenter.goto(room["instructor_url"].replace("/?key=", "/present?key="))
        for p in (teacher, follower, presenter):
            expect(p.locator("#app")).to_have_attribute("data-connection", "open")
        # Fault buttons: the instructor sees them, a follower does not (was an inline <style>).
        expect(teacher.locator("#cards .fault-isolate").first).to_be_visible()
        expect(follower.locator("#cards .fault-isolate").first).to_be_attached()
        expect(follower.locator("#cards .fault-isolate:visible")).to_have_count(0)
        # The presenter's black, large-type view (was an inline <style> block).
        assert presenter.evaluate(
            "getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
        assert presenter.evaluate(
            "getComputedStyle(document.querySelector('.site-header')).display") == "none"
        assert presenter.evaluate(
            "getComputedStyle(document.getElementById('app')).display") == "grid"
    finally:
        context.close()
    assert page_errors == []
