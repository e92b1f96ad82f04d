"""The replication page's own view (static/js/views/replication.js) in a real browser: the
checker's verdict, the violation marked on the client history and the diagram, and the
settings that restart the run in another mode without leaving the page."""

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
    view = page.locator(".pv-replication")
    expect(view.locator(".rv-verdict")).to_have_attribute("data-ok", "false")
    expect(view.locator(".rv-answer")).to_contain_text("Not linearizable")
    expect(view.locator(".rv-detail")).to_contain_text("stale read")
    culprit = view.locator(".rv-op.culprit")
    op_id = culprit.get_attribute("data-op")
    # The same operation is marked on the generic client-history panel...
    expect(page.locator(f"#history .op.rv-culprit[data-op='{op_id}']")).to_have_count(1)
    assert page.locator("#history .op.rv-involved").count() >= 2
    # ...and its events and messages light up in the sequence diagram.
    view.get_by_role("button", name="Show in diagram").click()
    assert page.locator("#diagram .hl").count() >= 4
    expect(view.locator(".rv-table tr[data-node='r1'] td[data-key='x']")).to_have_text("1 (v1)")
    assert page_errors == []


def test_the_settings_restart_the_run_in_another_mode(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "replication").open()
    form = page.locator(".pv-replication .rv-settings")
    form.locator("select[name='mode']").select_option("leaderless")
    form.get_by_role("button", name="Restart with these settings").click()
    expect(page.locator(".pv-replication select[name='read_repair']")).to_be_visible()
    form.locator("input[name='w']").fill("3")
    form.locator("input[name='r']").fill("1")
    form.locator("select[name='read_repair']").select_option("sync")
    form.get_by_role("button", name="Restart with these settings").click()
    page.wait_for_function("window.playground.copy.state.config.read_repair === 'sync'")
    config = page.evaluate("window.playground.copy.state.config")
    assert (config["mode"], config["w"], config["r"]) == ("leaderless", 3, 1)
    expect(play.header("r3")).to_be_visible()
    for _ in range(6):
        play.step_forward()
    expect(page.locator(".pv-replication .rv-verdict")).to_have_attribute("data-ok", "true")
    expect(page.locator(".pv-replication .rv-table tbody tr")).to_have_count(3)
    assert page_errors == []
