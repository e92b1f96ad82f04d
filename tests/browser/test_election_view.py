"""The election page's own view (static/js/views/election.js) in a real browser: epochs as
coloured eras, leases as bands on the leaders' lifelines, the nodes' logs, and the partition
tool."""

import json

from playwright.sync_api import expect

from protocols import registry

from .playground_page import PlaygroundPage


def open_preset(page, base_url, name, cursor=None):
    """The election page at the end of a preset (or at `cursor`)."""
    play = PlaygroundPage(page, base_url, "election").open()
    steps = len(registry.get("election").presets[name]["actions"])
    cursor = steps if cursor is None else cursor
    intent = {"type": "start", "preset": name, "cursor": cursor}
    page.evaluate(f"window.playground.send({json.dumps(intent)})")
    play.wait_step(cursor)
    return play


def test_stale_leader_shows_two_epoch_eras_and_its_lapsed_lease_while_it_still_led(
        page, play_server, page_errors):
    open_preset(page, play_server, "stale-leader")
    eras = page.locator(".ev-era")
    expect(eras).to_have_count(2)
    assert [eras.nth(i).get_attribute("data-epoch") for i in range(2)] == ["1", "2"]
    # n1's lease: valid at first, then lapsed (hatched) while it was paused and still led.
    expect(page.locator(".ev-lease.valid[data-node='n1']")).to_have_count(1)
    expect(page.locator(".ev-lease.lapsed[data-node='n1']")).to_have_count(1)
    expect(page.locator(".ev-lease.valid[data-node='n2'][data-epoch='2']")).to_have_count(1)
    # The renewals are quiet notes: drawn as the band, never as labels on the lifeline.
    expect(page.locator(".mark-note", has_text="lease renewed")).to_have_count(0)
    expect(page.locator(".mark-note", has_text="lease lapsed at t=")).to_have_count(1)
    assert page_errors == []


def test_the_logs_show_accepted_and_decided_values_and_the_refused_stale_write(
        page, play_server, page_errors):
    open_preset(page, play_server, "stale-leader")
    panel = page.locator(".pv-election")
    n2 = panel.locator("tr[data-node='n2']")
    expect(n2.locator("td[data-slot='1']")).to_have_class("ev-cell decided")
    expect(n2.locator("td[data-slot='2'] .ev-value")).to_have_text("w1")
    expect(panel.locator("tr[data-node='n1'] td[data-slot='2']")).to_have_class("ev-cell empty")
    expect(panel.locator("tr[data-node='n1'] .ev-epoch")).to_have_text("e2")
    expect(panel.locator(".ev-storage")).to_contain_text("highest fencing token 2, "
                                                         "1 stale write refused")
    assert page_errors == []


def test_a_split_brain_decision_is_marked_as_a_conflict_in_the_logs(page, play_server,
                                                                   page_errors):
    open_preset(page, play_server, "no-epochs-split-brain")
    conflict = page.locator(".pv-election tr[data-node='n2'] td[data-slot='1']")
    expect(conflict).to_have_class("ev-cell decided conflict")
    assert page_errors == []


def test_a_crashed_lease_holder_leaves_a_binding_lease_until_it_runs_out(page, play_server,
                                                                        page_errors):
    open_preset(page, play_server, "lease-failover")
    expect(page.locator(".ev-lease.binding[data-node='n1']")).to_have_count(1)
    expect(page.locator(".ev-lease.valid[data-node='n2'][data-epoch='2']")).to_have_count(1)
    assert page_errors == []


def test_dragging_a_node_into_a_new_group_partitions_the_network_and_heal_joins_it(
        page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "election").open()
    tool = page.locator(".partition-tool")
    expect(tool.locator(".pt-apply")).to_be_disabled()
    tool.evaluate("el => el.scrollIntoView({block: 'center'})")   # all of it on screen
    tool.locator(".pt-node[data-node='n1']").drag_to(tool.locator(".pt-new"))
    tool.locator(".pt-node[data-node='n2']").drag_to(tool.locator(".pt-group[data-group='1']"))
    before = play.step
    tool.locator(".pt-apply").click()
    play.wait_step(before + 1)
    expect(page.locator(".diagram-banner")).to_contain_text("Network partitioned")
    partition = page.evaluate("window.playground.copy.state.partition")
    assert partition[0] == ["n1", "n2"] and "n3" in partition[1]
    tool.locator(".pt-heal").click()
    play.wait_step(before + 2)
    expect(page.locator(".diagram-banner")).to_be_hidden()
    assert page_errors == []


def test_the_partition_tool_works_from_the_keyboard(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "election").open()
    tool = page.locator(".partition-tool")
    tool.locator(".pt-node[data-node='n3']").focus()
    page.keyboard.press("Enter")          # n3 moves to a group of its own
    before = play.step
    tool.locator(".pt-apply").click()
    play.wait_step(before + 1)
    assert page.evaluate("window.playground.copy.state.partition")[1] == ["n3"]
    assert page_errors == []
