"""The lamport and tob pages in a real browser, drawn by the generic panels
(static/js/panels.js) from the view the server sends: a list whose entries relate
causally, a form that sends a protocol action, a table and lists side by side."""

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
    panel = page.locator(".view-panels .vp-section[data-section='lamport-order']")
    rows = panel.locator(".vp-item")
    # The total order: by counter, ties by node id — image 2 (1,n3) sits between v1 and v2.
    expect(rows).to_have_count(6)
    expect(rows.locator(".vp-mark")).to_have_text(["(1,n1)", "(1,n3)", "(2,n1)", "(2,n2)",
                                                   "(3,n2)", "(4,n2)"])

    panel.locator(".vp-item[data-key='n3.1']").click()          # image 2 v1
    relation = lambda key: panel.locator(f".vp-item[data-key='{key}']")  # noqa: E731
    expect(relation("n3.1")).to_have_attribute("data-relation", "selected")
    expect(relation("n1.1")).to_have_attribute("data-relation", "neither")
    expect(relation("n1.1").locator(".vp-rel")).to_have_text("concurrent")
    expect(relation("n1.2")).to_have_attribute("data-relation", "neither")
    expect(relation("n2.2")).to_have_attribute("data-relation", "after")
    expect(panel.locator(".vp-hint")).to_have_text("n3.1: 0 before it, 2 after it, 3 concurrent")
    # On the diagram: its future highlighted, the two versions of image 1 greyed out.
    expect(page.locator(".mark-note.hl").filter(has_text="receive image 2 v1")).to_have_count(1)
    expect(page.locator(".msg.hl")).to_have_count(1)     # the message that carried it
    greyed = page.locator(".mark-note.dim")
    expect(greyed).to_have_count(3)
    expect(greyed.filter(has_text="image 1 v2")).to_have_count(1)

    # Clicking a note on the diagram selects its event too: v1 happened before v2.
    page.locator(".mark-note").filter(has_text="(1,n1) image 1 v1").click()
    expect(relation("n1.1")).to_have_attribute("data-relation", "selected")
    expect(relation("n1.2")).to_have_attribute("data-relation", "after")
    expect(relation("n3.1")).to_have_attribute("data-relation", "neither")
    # And clicking it again clears the selection, here and on the diagram.
    relation("n1.1").click()
    expect(panel.locator(".vp-item[data-relation='selected']")).to_have_count(0)
    expect(page.locator(".mark-note.dim")).to_have_count(0)
    assert page_errors == []


def test_a_user_types_a_name_and_claims_it_through_a_node(page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "tob").open()
    panel = page.locator(".view-panels")
    form = panel.locator("form[data-form='claim']")
    form.locator("input[name=user]").fill("zoë")
    form.locator("input[name=name]").fill("<b>bob</b>")
    form.locator("select[name=node]").select_option("n3")
    form.get_by_role("button", name="Claim").click()
    play.wait_step(1)
    play.play_until_quiescent()
    # What the user typed survives the frames that redrew the panel.
    expect(form.locator("input[name=user]")).to_have_value("zoë")

    table = panel.locator(".vp-section[data-section='usernames'] .vp-table")
    row = table.locator("tbody tr[data-key='<b>bob</b>']")
    expect(row.locator("[data-col='name']")).to_have_text("<b>bob</b>")     # text, not markup
    expect(row.locator("[data-col='holder']")).to_have_text("zoë (via n3)")
    expect(row.locator("[data-col='holder']")).to_have_class("vp-cell tone-ok")
    expect(panel.locator("b")).to_have_count(0)
    # The same delivered log, side by side, at every node.
    for node in ("n1", "n2", "n3"):
        expect(panel.locator(f".vp-column[data-key='{node}'] li")).to_have_count(4)
    expect(panel.locator(".vp-column[data-key='n1'] .vp-badge")).to_have_text("sequencer, epoch 1")
    expect(row).not_to_have_class("tone-violation")

    # An invisible bidi override in a name is refused by the server; nothing happens.
    before = play.step
    form.locator("input[name=name]").fill("b\u202eob")
    form.get_by_role("button", name="Claim").click()
    expect(play.toasts().first).to_contain_text("U+202E")
    assert play.step == before
    assert page_errors == []


def test_deciding_early_by_lamport_timestamp_shows_one_name_with_two_holders(
        page, play_server, page_errors):
    play = PlaygroundPage(page, play_server, "tob").open()
    start_preset(play, "two-users-one-name", 8)
    row = page.locator(".view-panels .vp-table tbody tr[data-key='bob']")
    expect(row).to_have_class("tone-violation")
    expect(row.locator("[data-col='holder']")).to_have_text("alice (via n2), carol (via n3)")
    expect(page.locator(".view-panels .vp-section[data-section='logs'] .vp-subtitle")) \
        .to_have_text("Claims seen, in arrival order")
    expect(page.locator(".vp-column[data-key='n3'] li")).to_have_count(2)
    expect(page.locator("#checks")).not_to_have_attribute("data-status", "ok")
    assert page_errors == []
