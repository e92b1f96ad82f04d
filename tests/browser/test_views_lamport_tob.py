"""The lamport and tob pages' own panels (static/js/views/) in a real browser."""

from playwright.sync_api import expect

from .playground_page import PlaygroundPage


def start_preset(play, name, steps):
    play.page.select_option("#preset", name)
    play.wait_step(0)
    for _ in range(steps):
        play.step_forward()


def test_clicking_an_event_highlights_its_causal_past_and_future_and_greys_concurrent_ones(
        page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "lamport").open()
    start_preset(play, "image-versions", 6)
    rows = page.locator(".pv-lamport .pv-event")
    # The total order: by counter, ties by node id — image 2 (1,n3) sits between v1 and v2.
    expect(rows).to_have_count(6)
    expect(rows.locator(".pv-ts")).to_have_text(["(1,n1)", "(1,n3)", "(2,n1)", "(2,n2)",
                                                 "(3,n2)", "(4,n2)"])

    page.locator(".pv-event[data-event='n3.1']").click()          # image 2 v1
    relation = lambda event: page.locator(f".pv-event[data-event='{event}']")  # noqa: E731
    expect(relation("n3.1")).to_have_attribute("data-relation", "selected")
    expect(relation("n1.1")).to_have_attribute("data-relation", "concurrent")
    expect(relation("n1.2")).to_have_attribute("data-relation", "concurrent")
    expect(relation("n2.2")).to_have_attribute("data-relation", "future")
    # On the diagram: its future highlighted, the two versions of image 1 greyed out.
    expect(page.locator(".mark-note.hl").filter(has_text="receive image 2 v1")).to_have_count(1)
    greyed = page.locator(".mark-note.pv-concurrent")
    expect(greyed).to_have_count(3)
    expect(greyed.filter(has_text="image 1 v2")).to_have_count(1)

    # Clicking a note on the diagram selects its event too: v1 happened before v2.
    page.locator(".mark-note").filter(has_text="(1,n1) image 1 v1").click()
    expect(relation("n1.1")).to_have_attribute("data-relation", "selected")
    expect(relation("n1.2")).to_have_attribute("data-relation", "future")
    expect(relation("n3.1")).to_have_attribute("data-relation", "concurrent")
    assert page_errors == []


def test_a_user_types_a_name_and_claims_it_through_a_node(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "tob").open()
    panel = page.locator(".pv-tob")
    panel.locator("input[name=user]").fill("zoë")
    panel.locator("input[name=name]").fill("<b>bob</b>")
    panel.locator("select[name=node]").select_option("n3")
    panel.get_by_role("button", name="Claim").click()
    play.wait_step(1)
    play.play_until_quiescent()

    row = panel.locator(".pv-table tbody tr[data-name='<b>bob</b>']")
    expect(row.locator(".pv-name")).to_have_text("<b>bob</b>")     # text, not markup
    expect(row.locator(".pv-holder")).to_have_text("zoë (via n3)")
    expect(panel.locator("b")).to_have_count(0)
    # The same delivered log, side by side, at every node.
    for node in ("n1", "n2", "n3"):
        expect(panel.locator(f".pv-log[data-node='{node}'] li")).to_have_count(4)
    expect(panel.locator(".pv-log[data-node='n1'] .pv-seq")).to_have_text("sequencer, epoch 1")
    expect(row).not_to_have_class("pv-conflict")

    # An invisible bidi override in a name is refused by the server; nothing happens.
    before = play.step
    panel.locator("input[name=name]").fill("b\u202eob")
    panel.get_by_role("button", name="Claim").click()
    expect(play.toasts().first).to_contain_text("U+202E")
    assert play.step == before
    assert page_errors == []


def test_deciding_early_by_lamport_timestamp_shows_one_name_with_two_holders(
        page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "tob").open()
    start_preset(play, "two-users-one-name", 8)
    row = page.locator(".pv-table tbody tr[data-name='bob']")
    expect(row).to_have_class("pv-conflict")
    expect(row.locator(".pv-holder")).to_have_text("alice (via n2), carol (via n3)")
    expect(page.locator(".pv-tob .pv-subtitle")).to_have_text("Claims seen, in arrival order")
    expect(page.locator(".pv-log[data-node='n3'] li")).to_have_count(2)
    expect(page.locator("#checks")).not_to_have_attribute("data-status", "ok")
    assert page_errors == []
