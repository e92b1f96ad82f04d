"""The replication page in a real browser, drawn by the generic panels
(static/js/panels.js) from the view the server sends: the checker's verdict, the
violation marked on the client history and the diagram, and a settings form that
restarts the run in another mode without leaving the page."""

import json

from playwright.sync_api import expect

from protocols import registry

from .playground_page import PlaygroundPage


def open_preset(page, base_url, name):
    play = PlaygroundPage(page, base_url, "replication").open()
    steps = len(registry.get("replication").presets[name]["actions"])
    intent = {"type": "start", "preset": name, "cursor": steps}
    page.evaluate(f"window.playground.send({json.dumps(intent)})")
    play.wait_step(steps)
    return play


def test_a_stale_quorum_read_is_called_out_on_the_history_and_the_diagram(page, play_server,
                                                                         page_errors):
    open_preset(page, play_server, "quorum-stale-read")
    view = page.locator(".view-panels")
    verdict = view.locator(".vp-callout")
    expect(verdict).to_have_attribute("data-tone", "violation")
    expect(verdict.locator(".vp-callout-title")).to_contain_text("Not linearizable")
    expect(verdict.locator(".vp-detail")).to_contain_text("stale read")
    culprit = verdict.locator(".vp-badge.strong.tone-violation")
    op_id = culprit.get_attribute("data-op")
    # The same operation is marked on the generic client-history panel...
    expect(page.locator(f"#history .op.vp-op-violation.vp-op-strong[data-op='{op_id}']")) \
        .to_have_count(1)
    assert page.locator("#history .op.vp-op").count() >= 2
    # ...and its events and messages light up in the sequence diagram.
    verdict.get_by_role("button", name="Show in diagram").click()
    assert page.locator("#diagram .hl").count() >= 4
    expect(verdict.get_by_role("button", name="Hide in diagram")).to_be_visible()
    expect(view.locator(".vp-section[data-section='replicas'] tr[data-key='r1'] td[data-col='x']")) \
        .to_have_text("1 (v1)")
    assert page_errors == []


def test_the_settings_restart_the_run_in_another_mode(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "replication").open()
    form = page.locator(".view-panels form[data-form='settings']")
    form.locator("select[name='mode']").select_option("leaderless")
    form.get_by_role("button", name="Restart with these settings").click()
    expect(form.locator("select[name='read_repair']")).to_be_visible()
    form.locator("input[name='w']").fill("3")
    form.locator("input[name='r']").fill("1")
    form.locator("select[name='read_repair']").select_option("sync")
    form.get_by_role("button", name="Restart with these settings").click()
    page.wait_for_function("() => window.playground.copy.state.config.read_repair === 'sync'")
    config = page.evaluate("window.playground.copy.state.config")
    assert (config["mode"], config["w"], config["r"]) == ("leaderless", 3, 1)
    expect(play.header("r3")).to_be_visible()
    for _ in range(6):
        play.step_forward()
    expect(page.locator(".view-panels .vp-callout")).to_have_attribute("data-tone", "ok")
    expect(page.locator(".view-panels .vp-section[data-section='replicas'] tbody tr")) \
        .to_have_count(3)
    # Fewer replicas than the quorums: W and R are lowered to N, not refused.
    form.locator("input[name='replicas']").fill("2")
    form.get_by_role("button", name="Restart with these settings").click()
    page.wait_for_function("() => window.playground.copy.state.config.replicas === 2")
    config = page.evaluate("window.playground.copy.state.config")
    assert (config["w"], config["r"]) == (2, 1)
    assert page_errors == []


def test_switching_mode_shows_its_fields_at_once_and_the_restarted_run_says_what_changed_and_plays_in_view(
        page, play_server, page_errors):
    PlaygroundPage(page, play_server, "replication").open()
    form = page.locator(".view-panels form[data-form='settings']")
    expect(form.locator("input[name='w']")).to_be_hidden()
    expect(form.locator("select[name='read_from']")).to_be_visible()
    form.locator("select[name='mode']").select_option("leaderless")
    # The leaderless fields show as soon as the mode is chosen, before any restart.
    expect(form.locator("input[name='w']")).to_be_visible()
    expect(form.locator("input[name='r']")).to_be_visible()
    expect(form.locator("select[name='read_from']")).to_be_hidden()
    form.get_by_role("button", name="Restart with these settings").click()
    page.wait_for_function("() => window.playground.copy.state.config.mode === 'leaderless'")
    # The variant line no longer reads as if the run were single-leader.
    expect(page.locator(".variant-help")).to_contain_text("changed here: mode leaderless")
    # Auto-play after the restart: the diagram keeps following the latest step.
    page.locator("#speed").fill("6")
    page.click("#play")
    page.wait_for_function("() => Number(document.getElementById('app').dataset.step) >= 20",
                           timeout=20_000)
    page.click("#play")
    expect(page.locator("#app")).to_have_attribute("data-playing", "false")
    page.wait_for_timeout(300)
    scroller = page.evaluate("""() => { const sc = document.querySelector('#diagram .diagram-scroll');
        return sc ? sc.scrollHeight - sc.scrollTop - sc.clientHeight : null; }""")
    assert scroller is not None and scroller < 80, f"the diagram is not at the latest step ({scroller})"
    assert page_errors == []
