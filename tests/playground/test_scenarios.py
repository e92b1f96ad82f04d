"""Scenarios on the web: share links, short links, the JSON API, exports, presets and
seeking from checkpoints (docs/scenarios.md, docs/api.md)."""

import json
import re

import pytest

from protocols.kernel import run as run_module
from playground.session import PlaySession
from protocols import registry
from protocols.links.export import mermaid, trace_document
from protocols.kernel import Simulation, replay
from protocols.links.share import decode, encode, scenario

pytestmark = pytest.mark.django_db


def _bootstrap(response):
    html = response.content.decode()
    match = re.search(r'<script id="bootstrap" type="application/json">(.*?)</script>', html, re.S)
    assert match, "bootstrap data missing"
    return json.loads(match.group(1))


def _auto_actions(name, steps, variant=None, seed=3):
    sim = Simulation(registry.get(name), variant=variant, seed=seed)
    sim.run(steps)
    return sim.variant, sim.actions, sim.trace_hash


def _replayed_hash(run, name):
    return replay(registry.get(name), run["variant"], run["config"], run["seed"], run["actions"][: run["cursor"]]).trace_hash


def test_share_link_round_trip_reproduces_the_identical_run_and_cursor(client):
    variant, actions, _ = _auto_actions("twopc", 15)
    scen = scenario("twopc", variant, {}, 3, actions, cursor=9)
    response = client.get(f"/play/twopc/?s={encode(scen)}")
    assert response.status_code == 200
    run = _bootstrap(response)["run"]
    assert run["actions"] == actions and run["cursor"] == 9 and run["seed"] == 3
    assert _replayed_hash(run, "twopc") == replay(registry.get("twopc"), variant, {}, 3, actions[:9]).trace_hash
    # link → run → link: the browser's run gives back the same token.
    again = scenario("twopc", run["variant"], run["config"], run["seed"], run["actions"], run["cursor"])
    assert encode(again) == encode(scen)


@pytest.mark.parametrize("token, words", [
    ("eJzz", "truncated"),
    ("not*base64", "characters"),
    ("A" * 20_000, "too long"),
    ("eJyrVgpLLSrOzM9TslIyNDJW0lFQKi5JLFGyUlAqSk1RMjQwsDQ0NDJSqgUAgpQHpA", "damaged"),
])
def test_tampered_truncated_or_oversized_link_gets_a_400_page_saying_what_is_wrong(client, token, words):
    response = client.get(f"/play/twopc/?s={token}")
    assert response.status_code == 400
    html = response.content.decode()
    assert words in html
    assert "Traceback" not in html


def test_link_for_another_protocol_is_refused_with_400(client):
    token = encode(scenario("twopc", "correct", {}, 0, []))
    response = client.get(f"/play/lamport/?s={token}")
    assert response.status_code == 400
    assert "twopc" in response.content.decode()


def test_link_with_unknown_variant_is_a_400_not_a_500(client):
    token = encode(scenario("twopc", "no-such-variant", {}, 0, []))
    response = client.get(f"/play/twopc/?s={token}")
    assert response.status_code == 400
    assert "no-such-variant" in response.content.decode()


def test_link_that_no_longer_replays_opens_the_longest_faithful_prefix_and_says_so(client):
    variant, actions, _ = _auto_actions("twopc", 6)
    broken = actions + [{"type": "deliver", "msg": 999}] + actions[:1]
    token = encode(scenario("twopc", variant, {}, 3, broken))
    response = client.get(f"/play/twopc/?s={token}")
    assert response.status_code == 200
    boot = _bootstrap(response)
    assert boot["run"]["actions"] == actions and boot["run"]["cursor"] == len(actions)
    assert "action 7 of 8" in boot["notice"]
    assert "cannot be replayed faithfully" in response.content.decode()


def test_link_records_actions_not_state_fingerprints():
    variant, actions, _ = _auto_actions("twopc", 5)
    scen = decode(encode(scenario("twopc", variant, {}, 3, actions)))
    assert scen["actions"] == actions
    assert set(scen) == {"v", "protocol", "variant", "config", "seed", "actions", "cursor"}


def _post(client, body, **extra):
    return client.post("/api/scenarios", data=json.dumps(body) if not isinstance(body, str) else body,
                       content_type=extra.pop("content_type", "application/json"), **extra)


def test_api_creates_a_short_link_that_opens_the_same_run_with_title_and_narration(client):
    variant, actions, _ = _auto_actions("twopc", 12)
    response = _post(client, {"protocol": "twopc", "variant": variant, "seed": 3, "actions": actions,
                              "cursor": 7, "title": "<b>My run</b>", "narration": {"7": "look <here>"}})
    assert response.status_code == 201
    body = response.json()
    assert body["url"].endswith(f"/s/{body['id']}")
    assert "/play/twopc/?s=" in body["share_url"]
    got = client.get(f"/api/scenarios/{body['id']}").json()
    assert got["actions"] == actions and got["cursor"] == 7 and got["title"] == "<b>My run</b>"
    page = client.get(f"/s/{body['id']}")
    assert page.status_code == 200
    boot = _bootstrap(page)
    assert boot["run"]["actions"] == actions and boot["run"]["cursor"] == 7
    assert boot["narration"] == {"7": "look <here>"}
    html = page.content.decode()
    assert "<b>My run</b>" not in html and "&lt;b&gt;My run&lt;/b&gt;" in html
    token = body["share_url"].split("?s=")[1]
    assert decode(token)["actions"] == actions


def test_api_unknown_id_is_a_json_404_and_unknown_short_link_a_page_404(client):
    response = client.get("/api/scenarios/nosuchid")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert client.get("/s/nosuchid").status_code == 404


@pytest.mark.parametrize("body, status, code", [
    ("{not json", 400, "bad_json"),
    ("[1, 2]", 400, "bad_json"),
    ({"protocol": "paxos"}, 400, "unknown_protocol"),
    ({"protocol": "twopc", "actions": [{"type": "deliver", "msg": 42}]}, 400, "not_enabled"),
    ({"protocol": "twopc", "seed": -1}, 400, "bad_field"),
    ({"protocol": "twopc", "variant": "nope"}, 400, "bad_config"),
    ({"protocol": "twopc", "title": "x" * 500}, 400, "bad_field"),
    ({"protocol": "twopc", "narration": {"1": "y" * 5000}}, 400, "bad_config"),
    ({"protocol": "twopc", "evil": 1}, 400, "bad_field"),
])
def test_bad_api_bodies_get_the_right_4xx_with_a_reason(client, body, status, code):
    response = _post(client, body)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert response.json()["message"]


def test_api_requires_json_content_type_and_caps_the_body(client, settings):
    response = _post(client, {"protocol": "twopc"}, content_type="text/plain")
    assert response.status_code == 415
    settings.PLAYGROUND_API_MAX_BODY_BYTES = 100
    response = _post(client, {"protocol": "twopc", "title": "z" * 200})
    assert response.status_code == 413


def test_api_rate_limits_creation_per_address(client, settings):
    settings.PLAYGROUND_API_CREATE_PER_HOUR = 2
    assert _post(client, {"protocol": "twopc"}).status_code == 201
    assert _post(client, {"protocol": "twopc"}).status_code == 201
    response = _post(client, {"protocol": "twopc"})
    assert response.status_code == 429 and response.json()["error"] == "rate_limited"


def test_api_is_csrf_exempt_for_scripts():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert _post(strict, {"protocol": "twopc"}).status_code == 201


def test_every_preset_replays_and_opens_as_a_link(client):
    for name in registry.names():
        proto = registry.get(name)
        for key, preset in proto.presets.items():
            sim = replay(proto, preset.get("variant") or proto.default_variant, preset.get("config") or {},
                         preset.get("seed", 0), preset.get("actions") or [])
            scen = scenario(name, sim.variant, preset.get("config") or {}, sim.seed, sim.actions)
            response = client.get(f"/play/{name}/?s={encode(scen)}")
            assert response.status_code == 200, (name, key)
            assert "notice" not in _bootstrap(response), (name, key)


def test_presets_page_lists_every_protocols_presets_with_links(client):
    response = client.get("/presets/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in registry.names():
        for key in registry.get(name).presets:
            assert f'href="/play/{name}/?preset={key}"' in html
    play = client.get("/play/twopc/").content.decode()
    assert 'href="/presets/#presets-twopc"' in play


def test_mermaid_export_draws_deliveries_drops_and_notes():
    sim = Simulation(registry.get("twopc"), seed=1)
    sim.run(3)
    msg = sim.enabled()
    drop = next(a for a in msg if a["type"] == "drop")
    sim.apply(drop)
    sim.run(200)
    text = mermaid(sim)
    assert text.startswith("sequenceDiagram\n")
    assert "->>" in text and "-x" in text and "Note over" in text
    assert "(dropped)" in text


def test_export_endpoints_serve_mermaid_and_a_json_trace_that_reimports(client):
    variant, actions, trace_hash = _auto_actions("twopc", 20)
    token = encode(scenario("twopc", variant, {}, 3, actions))
    text = client.get(f"/api/export/mermaid?s={token}")
    assert text.status_code == 200 and text.content.decode().startswith("sequenceDiagram")
    doc = client.get(f"/api/export/trace?s={token}").json()
    assert doc["trace_hash"] == trace_hash
    scen = doc["scenario"]
    again = replay(registry.get("twopc"), scen["variant"], scen["config"], scen["seed"], scen["actions"])
    assert again.trace_hash == doc["trace_hash"]
    assert client.get("/api/export/mermaid?s=garbage*").status_code == 400


def test_trace_document_keeps_the_timeline_past_the_cursor():
    variant, actions, _ = _auto_actions("twopc", 10)
    sim = replay(registry.get("twopc"), variant, {}, 3, actions[:4])
    doc = trace_document(sim, actions, 4)
    assert doc["scenario"]["actions"] == actions and doc["scenario"]["cursor"] == 4


def test_seeking_from_checkpoints_gives_the_same_state_as_a_plain_replay(monkeypatch):
    monkeypatch.setattr(run_module, "CHECKPOINT_EVERY", 7)
    for name in registry.names():
        proto = registry.get(name)
        session = PlaySession(proto)
        session.start(seed=5)
        session.step(50)
        session.step(50)
        length = len(session.timeline)
        for target in (length, 3, length - 1, 0, 15, length // 2, 22):
            if not 0 <= target <= length:
                continue
            session.seek(target)
            plain = replay(registry.get(name), session.variant, session.config, 5, session.timeline[:target])
            assert session.sim.trace_hash == plain.trace_hash, (name, target)
            assert session.sim.snapshot() == plain.snapshot(), (name, target)


def test_forking_in_the_past_cuts_the_future_and_the_checkpoints_after_it(monkeypatch):
    monkeypatch.setattr(run_module, "CHECKPOINT_EVERY", 5)
    session = PlaySession(registry.get("twopc"))
    session.start(seed=2)
    session.step(30)
    length = len(session.timeline)
    assert length > 12
    session.seek(6)
    other = next(a for a in session.sim.enabled() if a != session.timeline[6])
    session.apply(other)
    assert len(session.timeline) == 7 and session.timeline[6] == other
    assert all(k <= 6 for k in session.run.checkpoints)
    session.step(10)
    session.seek(2)
    session.seek(len(session.timeline))
    plain = replay(registry.get("twopc"), session.variant, session.config, 2, session.timeline)
    assert session.sim.trace_hash == plain.trace_hash


# -- runs too long for a URL ----------------------------------------------------------------


def test_a_run_too_long_for_a_link_saves_as_a_short_link_and_exports_by_post(client):
    from protocols.links.share import MAX_TOKEN_CHARS

    variant, actions, _ = _auto_actions("election", 6000)
    response = _post(client, {"protocol": "election", "actions": actions, "cursor": 5000})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["share_url"] == body["url"]  # no ?s= link can carry it: the short link does
    page = client.get(f"/s/{body['id']}")
    assert page.status_code == 200
    assert _bootstrap(page)["run"]["cursor"] == 5000
    token = encode(scenario("election", variant, {}, 3, actions, 5000), max_chars=60_000)
    assert len(token) > MAX_TOKEN_CHARS
    refused = client.get("/api/export/trace", {"s": token})
    assert refused.status_code == 400 and "too long" in refused.json()["message"]
    exported = client.post("/api/export/trace", json.dumps({"s": token}),
                           content_type="application/json")
    assert exported.status_code == 200
    assert len(exported.json()["scenario"]["actions"]) == 6000 and exported.json()["steps"] == 5000
    mermaid_text = client.post("/api/export/mermaid", json.dumps({"s": token}),
                               content_type="application/json")
    assert mermaid_text.status_code == 200 and mermaid_text.content.startswith(b"sequenceDiagram")
    assert client.post("/api/export/trace", "not json",
                       content_type="application/json").status_code == 400
