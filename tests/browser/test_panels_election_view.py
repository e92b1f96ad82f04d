"""The election page in a real browser, drawn by the generic panels (static/js/panels.js and
diagram-overlays.js) from the view the server sends: epochs as coloured eras, leases as
bands on the leaders' lifelines, the nodes' logs; and the partition tool, which every play
page offers."""

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
    eras = page.locator("#diagram .ov-era")
    expect(eras).to_have_count(2)
    assert [eras.nth(i).get_attribute("data-label") for i in range(2)] == ["e1", "e2"]
    # Each epoch in its own colour, the same in the era, the band and the log's chip.
    e1 = eras.nth(0).evaluate("el => el.style.getPropertyValue('--hue')")
    e2 = eras.nth(1).evaluate("el => el.style.getPropertyValue('--hue')")
    assert e1 and e2 and e1 != e2
    # n1's lease: valid at first, then lapsed (hatched) while it was paused and still led.
    band = lambda style, lane, key="e1": page.locator(  # noqa: E731
        f"#diagram .ov-band[data-style='{style}'][data-lane='{lane}'][data-key='{key}']")
    expect(band("solid", "n1")).to_have_count(1)
    expect(band("hatched", "n1")).to_have_count(1)
    expect(band("solid", "n2", "e2")).to_have_count(1)
    assert band("solid", "n2", "e2").evaluate("el => el.style.getPropertyValue('--hue')") == e2
    hatch = band("hatched", "n1").locator("rect").evaluate("el => getComputedStyle(el).fill")
    assert "url(" in hatch
    expect(band("hatched", "n1").locator("title")).to_contain_text("still believes it leads")
    # The hatched band starts where the solid one ends.
    solid_box = band("solid", "n1").bounding_box()
    hatched_box = band("hatched", "n1").bounding_box()
    assert abs(solid_box["y"] + solid_box["height"] - hatched_box["y"]) < 1
    # The renewals are quiet notes: drawn as the band, never as labels on the lifeline.
    expect(page.locator(".mark-note", has_text="lease renewed")).to_have_count(0)
    expect(page.locator(".mark-note", has_text="lease lapsed at t=")).to_have_count(1)
    assert page_errors == []


def test_the_logs_show_accepted_and_decided_values_and_the_refused_stale_write(
        page, play_server, page_errors):
    open_preset(page, play_server, "stale-leader")
    panel = page.locator(".view-panels .vp-section[data-section='logs']")
    expect(panel.locator(".panel-title")).to_contain_text("Logs")
    n2 = panel.locator("tr[data-key='n2']")
    expect(n2.locator("td[data-col='1']")).to_have_class("vp-cell emph-strong")
    expect(n2.locator("td[data-col='1'] .vp-mark")).to_have_text("●")
    expect(n2.locator("td[data-col='2'] .vp-value")).to_have_text("w1")
    expect(n2.locator("th .vp-mark")).to_have_text("★")     # the leader
    expect(panel.locator("tr[data-key='n1'] td[data-col='2']")).to_have_class("vp-cell empty")
    expect(panel.locator("tr[data-key='n1'] td[data-col='epoch'] .vp-chip")).to_have_text("e2")
    storage = panel.locator(".vp-text")
    expect(storage).to_contain_text("highest fencing token 2, 1 stale write refused")
    expect(storage).to_have_class("vp-text tone-warning")
    assert page_errors == []


def test_a_split_brain_decision_is_marked_as_a_conflict_in_the_logs(page, play_server,
                                                                   page_errors):
    open_preset(page, play_server, "no-epochs-split-brain")
    conflict = page.locator(".view-panels tr[data-key='n2'] td[data-col='1']")
    expect(conflict).to_have_class("vp-cell tone-violation emph-strong")
    background = conflict.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page_errors == []


def test_a_crashed_lease_holder_leaves_a_binding_lease_until_it_runs_out(page, play_server,
                                                                        page_errors):
    open_preset(page, play_server, "lease-failover")
    expect(page.locator(".ov-band[data-style='dashed'][data-lane='n1']")).to_have_count(1)
    expect(page.locator(".ov-band[data-style='solid'][data-lane='n2'][data-key='e2']")) \
        .to_have_count(1)
    # Going back before the election of epoch 2 takes its era and band away.
    page.evaluate("window.playground.send({type: 'seek', step: 20})")
    expect(page.locator("#app")).to_have_attribute("data-step", "20")
    expect(page.locator(".ov-era")).to_have_count(1)
    expect(page.locator(".ov-band[data-lane='n2']")).to_have_count(0)
    assert page_errors == []


def test_dragging_a_node_into_a_new_group_partitions_the_network_and_heal_joins_it(
        page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "election").open()
    tool = page.locator(".network-panel .partition-tool")
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


def test_the_partition_tool_works_from_the_keyboard_on_any_protocol(page, play_server,
                                                                     page_errors):
    play = PlaygroundPage(page, play_server, "twopc").open()
    expect(page.locator(".view-panels")).to_be_hidden()    # twopc has no panels of its own
    tool = page.locator(".network-panel .partition-tool")
    tool.locator(".pt-node[data-node='p3']").focus()
    page.keyboard.press("Enter")          # p3 moves to a group of its own
    before = play.step
    tool.locator(".pt-apply").click()
    play.wait_step(before + 1)
    assert page.evaluate("window.playground.copy.state.partition")[1] == ["p3"]
    assert page_errors == []
