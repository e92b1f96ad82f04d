"""Message labels on the sequence diagram (static/js/diagram-layout.js, static/js/labels.js):
no two labels overlap, and each says what its message is about (docs/diagram.md)."""

import json

from playwright.sync_api import expect

from protocols import registry

from .playground_page import PlaygroundPage

# Every label's box on the diagram as drawn (message labels, in-flight pills with their
# buttons, marks with their note boxes, armed timers, partition banners), and each pair of
# boxes that overlap by more than half a pixel both ways.
OVERLAPS_JS = """() => {
  const body = document.querySelector(".diagram-body");
  const boxes = [];
  const box = (els, what, text) => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const el of els) {
      const b = el.getBBox();
      if (!(b.width > 0 && b.height > 0)) continue;
      x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + b.width); y1 = Math.max(y1, b.y + b.height);
    }
    if (x1 > x0) boxes.push({ what, text, x0, y0, x1, y1 });
  };
  body.querySelectorAll(".msg-label").forEach((el) => box([el], "label", el.textContent));
  body.querySelectorAll(".msg-pill").forEach((el) =>
    box([el.querySelector(".pill"), ...el.querySelectorAll(".msg-btn")], "pill",
      el.querySelector(".pill text").textContent));
  body.querySelectorAll(".mark").forEach((g) =>
    box(g.querySelectorAll(".mark-text, .note-box"), "mark",
      [...g.querySelectorAll(".mark-text")].map((t) => t.textContent).join(" ")));
  body.querySelectorAll(".pending-timer .mark-text").forEach((el) => box([el], "timer", el.textContent));
  body.querySelectorAll(".global rect").forEach((el) =>
    box([el], "global", el.parentNode.querySelector("text").textContent));
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
      const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
      if (w > 0.5 && h > 0.5) out.push(`${a.what} '${a.text}' overlaps ${b.what} '${b.text}'`);
    }
  }
  return { count: boxes.length, overlaps: out };
}"""

LABELS_JS = """() => [...document.querySelectorAll(
  '.diagram-body .msg-label, .diagram-body .msg-pill .pill text')].map((t) => t.textContent)"""


def start_preset(page, name, cursor):
    """Start preset `name` at `cursor` on the open page and wait for its snapshot."""
    seq = page.evaluate("window.playground.socket.lastSeq || 0")
    intent = {"type": "start", "preset": name, "cursor": cursor}
    page.evaluate(f"window.playground.send({json.dumps(intent)})")
    page.wait_for_function(
        f"() => (window.playground.socket.lastSeq || 0) > {seq}"
        f" && document.querySelector('#app').dataset.step === '{cursor}'"
        f" && window.playground.copy.run.preset === {json.dumps(name)}")
    # Drawn on the next animation frame after the snapshot.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def label_boxes(page):
    result = page.evaluate(OVERLAPS_JS)
    expect(page.locator("#diagram")).to_have_attribute("data-virtual", "false")   # all drawn
    return result


def test_the_three_concurrent_vote_requests_at_election_step_1_have_labels_that_do_not_overlap(
        page, play_server, page_errors):
    PlaygroundPage(page, play_server, "election").open()
    start_preset(page, "stale-leader", 1)
    pills = page.locator(".msg-pill[data-kind='VOTE-REQUEST']")
    expect(pills).to_have_count(3)
    expect(pills.locator(".pill text")).to_have_text(["VOTE-REQUEST e1"] * 3)
    boxes = [pills.nth(i).bounding_box() for i in range(3)]
    for i in range(3):
        for j in range(i + 1, 3):
            a, b = boxes[i], boxes[j]
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
            assert apart, f"VOTE-REQUEST labels {i} and {j} overlap: {a} {b}"
    result = label_boxes(page)
    assert result["overlaps"] == []
    # A pill moved off the crowd still delivers its own message.
    msg = int(pills.nth(2).get_attribute("data-msg"))
    pills.nth(2).locator(".pill").click()
    expect(page.locator("#app")).to_have_attribute("data-step", "2")
    assert page.evaluate("window.playground.copy.run.actions[1]") == {"type": "deliver", "msg": msg}
    assert page_errors == []


def test_no_two_labels_overlap_anywhere_in_any_protocols_story_presets(page, play_server,
                                                                       page_errors):
    checked = 0
    for name in registry.names():
        PlaygroundPage(page, play_server, name).open()
        for key, preset in registry.get(name).presets.items():
            length = len(preset["actions"])
            for cursor in sorted({min(1, length), length // 3, 2 * length // 3, length}):
                start_preset(page, key, cursor)
                result = label_boxes(page)
                assert result["overlaps"] == [], f"{name} {key} at step {cursor}"
                checked += result["count"]
    assert checked > 500   # the sweep saw a real number of labels
    assert page_errors == []


def test_message_labels_name_what_each_message_is_about_in_every_protocol(page, play_server,
                                                                          page_errors):
    expected = {
        # An epoch for election messages (never a heartbeat's clock reading), slot=value
        # for proposals and decisions, the fencing token on writes to the storage.
        ("election", "stale-leader"): {"VOTE-REQUEST e1", "VOTE e1 yes", "HEARTBEAT e1",
                                       "HEARTBEAT-ACK e2 refused", "PROPOSE e1 #1=v1",
                                       "DECIDE #2=w1", "WRITE #2=w1 token 2",
                                       "FENCED #1 token 2", "REQUEST w1"},
        ("twopc", "vote-no"): {"PREPARE tx1", "VOTE no tx1", "VOTE yes tx1",
                               "OUTCOME abort tx1", "WRITE tx1 x=1", "BEGIN"},
        ("replication", "quorum-stale-read"): {"PUT x=1 v1", "GOT x=nil v0", "GOT x=1 v1",
                                               "VERSION x v0", "PUT-OK #1"},
        ("replication", "async-follower-stale-read"): {"WRITE x=1", "APPEND x=1",
                                                       "VALUE x=nil", "WRITTEN #1"},
        ("replication", "username-race"): {"CAS jim: nil→alice", "REPLICATE jim=bob",
                                           "REPLICATED upto 1"},
        ("lamport", "image-versions"): {"MESSAGE (1,n1) image 1 v1", "MESSAGE (2,n1) image 1 v2"},
        ("tob", "sequencer-crash"): {"SUBMIT “bob” ← alice", "ORDER #2 “bob” ← carol",
                                     "NEW-EPOCH e2", "COMMIT upto #2"},
    }
    opened = None
    for (name, key), want in expected.items():
        if opened != name:
            PlaygroundPage(page, play_server, name).open()
            opened = name
        start_preset(page, key, len(registry.get(name).presets[key]["actions"]))
        expect(page.locator("#diagram")).to_have_attribute("data-virtual", "false")
        labels = set(page.evaluate(LABELS_JS))
        assert want <= labels, f"{name} {key}: missing {sorted(want - labels)} in {sorted(labels)}"
        if name == "election":
            heartbeats = [label for label in labels if label.startswith("HEARTBEAT ")]
            assert heartbeats and all(label.split()[1].startswith("e") for label in heartbeats)
    assert page_errors == []


def test_twopc_votes_read_vote_yes_and_vote_no_in_the_diagram_and_in_mermaid(
        page, play_server, page_errors, tmp_path):
    PlaygroundPage(page, play_server, "twopc").open()
    start_preset(page, "vote-no", 16)   # every vote delivered, the ABORTs in flight
    labels = page.evaluate(LABELS_JS)
    votes = sorted(label for label in labels if label.startswith("VOTE"))
    assert votes == ["VOTE no tx1", "VOTE yes tx1", "VOTE yes tx1"]
    # The labels and tones come from the protocol, in the frames: the no vote is toned.
    expect(page.locator(".msg[data-kind='VOTE'][data-tone='warning']")).to_have_count(1)
    expect(page.locator(".msg[data-kind='VOTE'][data-tone='ok']")).to_have_count(2)
    expect(page.locator(".msg-pill[data-kind='ABORT'] .pill text")).to_have_text(["ABORT tx1"] * 3)
    with page.expect_download() as info:
        page.select_option("#export", "mermaid")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    mermaid = path.read_text()
    assert "p1->>coord: VOTE yes tx1" in mermaid
    assert "p2->>coord: VOTE no tx1" in mermaid
    assert "coord--)p2: ABORT tx1 (in flight)" in mermaid
    assert page_errors == []
