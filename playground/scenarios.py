"""Scenarios on the web: share links (`?s=<token>`), short links (`/s/<id>`), the JSON API
(`/api/scenarios`), exports and the preset library. See docs/scenarios.md and docs/api.md.

A scenario is what protocols/links/share.py validates: protocol, variant, config, seed,
actions, cursor and the format version. Opening one replays it; when an action is no longer
enabled on replay, the page says so and opens the longest prefix that replays faithfully.
"""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from protocols import registry
from protocols.links.export import mermaid, trace_document
from protocols.kernel import ConfigError, InvalidAction, Simulation
from protocols.kernel.run import Run
from protocols.limits import MAX_MESSAGE_TOKEN_CHARS, MAX_TITLE, MAX_TOKEN_CHARS
from protocols.links import codec
from protocols.links.share import LinkError, decode, encode, scenario as link_scenario

from .models import Scenario
from .session import shared_narration
from .wire import RequestError, clean_narration

log = logging.getLogger(__name__)


class ScenarioError(ValueError):
    """A scenario that cannot be opened; the message says why (shown on a 400 page)."""


def replay_faithfully(scen, narration=None):
    """Open a validated scenario as a Run. Returns (run at the cursor, scenario, problem):
    when an action is not enabled on replay, the run is the longest prefix that replays and
    `problem` says which action failed and why; otherwise problem is None. The remarks are
    `narration`, else the story's (scen["preset"]) on the steps the run shares with it.
    Raises ScenarioError for an unknown protocol, variant or a bad config."""
    try:
        proto = registry.get(scen["protocol"])
    except KeyError:
        raise ScenarioError(f"unknown protocol {scen['protocol']!r}; known: "
                            + ", ".join(registry.names())) from None
    preset = scen.get("preset")
    story = proto.presets.get(preset) if preset is not None else None
    if story is None or (story["variant"], story["config"], story["seed"]) \
            != (scen["variant"], scen["config"], scen["seed"]):
        preset = None   # a story this server does not have (or not this one): the run opens
    if preset is not None:
        narration = shared_narration(proto, preset, scen["actions"], narration)
    try:
        run, problem = Run.longest_faithful_prefix(
            proto, scen["variant"], scen["config"], scen["seed"], scen["actions"],
            cursor=scen["cursor"], narration=narration, preset=preset)
    except ConfigError as exc:
        raise ScenarioError(str(getattr(exc, "message", exc))) from None
    scen = dict(scen, actions=list(run.timeline), cursor=run.cursor)
    scen.pop("preset", None)
    if preset is not None:
        scen["preset"] = preset
    return run, scen, problem


def _describe(action):
    text = json.dumps(action, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= 80 else text[:79] + "…"


def _bad_request(request, problem, status=400):
    return render(request, "400.html", {"problem": problem}, status=status)


def play_bootstrap(scen, problem=None):
    """What the play page adds to its bootstrap for a scenario: the browser starts this run
    (the `start` intent with these fields) at this cursor. A run from a story names it (its
    scenario is the story's), so the story's remarks come with it."""
    if scen.get("preset"):
        run = {k: scen[k] for k in ("preset", "actions", "cursor")}
    else:
        run = {k: scen[k] for k in ("variant", "config", "seed", "actions", "cursor")}
    out = {"run": run}
    if problem:
        out["notice"] = problem
    return out


def open_token(token, protocol_name):
    """(scenario, problem) for a `?s=` token on `/play/<protocol_name>/`; ScenarioError."""
    try:
        scen = decode(token)
    except LinkError as exc:
        raise ScenarioError(exc.message) from None
    if scen["protocol"] != protocol_name:
        raise ScenarioError(f"this link holds a {scen['protocol']!r} run, not a "
                            f"{protocol_name!r} one")
    _, scen, problem = replay_faithfully(scen)
    return scen, problem


# -- short links ---------------------------------------------------------------------------

@require_safe
def short_link(request, scenario_id):
    from .views import play_page  # the play page itself lives with the other pages

    row = Scenario.objects.filter(pk=scenario_id[:16]).first()
    if row is None:
        return render(request, "404.html", {"missing_scenario": scenario_id[:40]}, status=404)
    try:
        scen = link_scenario(row.protocol, row.variant, row.config, row.seed, row.actions,
                             row.cursor)
        _, scen, problem = replay_faithfully(scen)
    except (LinkError, ScenarioError) as exc:
        return _bad_request(request, str(exc))
    extra = play_bootstrap(scen, problem)
    extra["title"] = row.title
    extra["narration"] = row.narration
    extra["short_id"] = row.id
    return play_page(request, registry.get(row.protocol), extra)


# -- JSON API --------------------------------------------------------------------------------

def _json_error(status, code, message):
    return JsonResponse({"error": code, "message": message}, status=status)


def read_json_body(request):
    """The request's body through the strict codec (protocols/links/codec.py): (value, None),
    or (None, a 413/400 JsonResponse saying what is wrong and where)."""
    cap = settings.PLAYGROUND_API_MAX_BODY_BYTES
    length = request.META.get("CONTENT_LENGTH") or "0"
    if (length.isdigit() and int(length) > cap) or len(request.body) > cap:
        return None, _json_error(413, "too_large", f"the body may be at most {cap} bytes")
    try:
        return codec.loads(request.body, max_bytes=cap, what="the body"), None
    except codec.JSONError as exc:
        return None, _json_error(400, "bad_json", exc.message)


def given(body, name, default):
    """A field's value, or `default` when it is absent or null (never when it is falsy: an
    `"actions": {}` is a wrong type, not an empty list)."""
    value = body.get(name)
    return default if value is None else value


def _client_ip(request):
    return (request.META.get("REMOTE_ADDR") or "")[:64]


def _clean_narration(value):
    try:
        return clean_narration(value)
    except RequestError as exc:
        raise ScenarioError(exc.message) from None


def _action_list(actions):
    """`actions` as link_scenario takes it; LinkError unless it is a list (an object is not)."""
    if not isinstance(actions, list):
        raise LinkError("'actions' must be a list of action objects")
    return actions


def _scenario_body(row, request=None):
    scen = row.link_scenario()
    url = row.get_absolute_url()
    try:
        share = f"/play/{row.protocol}/?s={encode(scen)}"
    except LinkError:
        share = url  # too long for a URL: the short link is the only link
    if request is not None:
        share, url = request.build_absolute_uri(share), request.build_absolute_uri(url)
    return {"id": row.id, "url": url, "share_url": share, "protocol": row.protocol,
            "variant": row.variant, "config": row.config, "seed": row.seed,
            "actions": row.actions, "cursor": row.cursor, "title": row.title,
            "narration": row.narration, "created": row.created.isoformat()}


@csrf_exempt
def api_scenarios(request):
    if request.method != "POST":
        return _json_error(405, "method_not_allowed", "POST a scenario to create a short link")
    content_type = request.content_type or ""
    if content_type != "application/json":
        return _json_error(415, "unsupported_media_type",
                           "send the scenario as JSON with Content-Type: application/json")
    body, error = read_json_body(request)
    if error:
        return error
    if not isinstance(body, dict):
        return _json_error(400, "bad_json", "the body must be a JSON object")
    known = {"protocol", "variant", "config", "seed", "actions", "cursor", "title", "narration",
             "preset"}
    unknown = sorted(set(body) - known)
    if unknown:
        return _json_error(400, "bad_field", f"unknown field {unknown[0]!r}")
    protocol = body.get("protocol")
    if not isinstance(protocol, str) or protocol not in registry.names():
        return _json_error(400, "unknown_protocol", f"unknown protocol {str(protocol)[:40]!r}; "
                           "known: " + ", ".join(registry.names()))
    proto = registry.get(protocol)
    title = given(body, "title", "")
    if not isinstance(title, str) or len(title) > MAX_TITLE:
        return _json_error(400, "bad_field", f"'title' must be text of at most {MAX_TITLE} "
                           "characters")
    try:
        narration = _clean_narration(body.get("narration"))
        scen = link_scenario(protocol, given(body, "variant", proto.default_variant),
                             given(body, "config", {}), given(body, "seed", 0),
                             _action_list(given(body, "actions", [])), body.get("cursor"),
                             preset=body.get("preset"))
        # A run from a story keeps the story's remarks; the author's own go on top.
        run, _, problem = replay_faithfully(scen, narration)
        narration = run.narration
    except LinkError as exc:
        return _json_error(400, "bad_field", exc.message)
    except ScenarioError as exc:
        return _json_error(400, "bad_config", str(exc))
    if problem:
        return _json_error(400, "not_enabled", problem)
    ip = _client_ip(request)
    since = timezone.now() - timedelta(hours=1)
    limit = settings.PLAYGROUND_API_CREATE_PER_HOUR
    if Scenario.objects.filter(creator_ip=ip, created__gte=since).count() >= limit:
        return _json_error(429, "rate_limited", f"at most {limit} scenarios per hour from one "
                           "address; try again later")
    row = Scenario.objects.create(
        protocol=protocol, variant=scen["variant"], config=scen["config"], seed=scen["seed"],
        actions=scen["actions"], cursor=scen["cursor"], title=title, narration=narration,
        creator_ip=ip)
    return JsonResponse(_scenario_body(row, request), status=201)


@require_safe
def api_scenario(request, scenario_id):
    row = Scenario.objects.filter(pk=scenario_id[:16]).first()
    if row is None:
        return _json_error(404, "not_found", f"no scenario with id {scenario_id[:40]!r}")
    return JsonResponse(_scenario_body(row, request))


# -- exports ---------------------------------------------------------------------------------

def _export_sim(request):
    """The run to export: `?s=<token>` (GET), or a body `{"s": <token>}` (POST) for runs too
    long for a URL (a message-sized token, as the play socket's `start` takes)."""
    max_chars = MAX_TOKEN_CHARS
    if request.method == "POST":
        body, error = read_json_body(request)
        if error:
            return None, None, error
        token = body.get("s", "") if isinstance(body, dict) else ""
        max_chars = MAX_MESSAGE_TOKEN_CHARS
    else:
        token = request.GET.get("s", "")
    try:
        scen = decode(token, max_chars=max_chars)
        run, scen, problem = replay_faithfully(scen)
    except LinkError as exc:
        return None, None, _json_error(400, "bad_link", exc.message)
    except ScenarioError as exc:
        return None, None, _json_error(400, "bad_config", str(exc))
    if problem:
        return None, None, _json_error(400, "not_enabled", problem)
    return run, scen, None


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def export_mermaid(request):
    run, _, error = _export_sim(request)
    if error:
        return error
    response = HttpResponse(mermaid(run.sim, run.narration), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{run.protocol.name}.mmd"'
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def export_trace(request):
    run, scen, error = _export_sim(request)
    if error:
        return error
    document = trace_document(run.sim, scen["actions"], scen["cursor"],
                              narration=run.narration, preset=run.preset)
    # The strict codec's encoder: never NaN or a lone surrogate a browser cannot parse.
    return HttpResponse(codec.dumps(document), content_type="application/json")


# -- the preset library ----------------------------------------------------------------------

@require_safe
def presets(request):
    library = []
    for name in registry.names():
        proto = registry.get(name)
        entries = []
        for key, preset in proto.presets.items():
            entries.append({"key": key, "title": preset.get("title", key),
                            "summary": preset.get("summary", ""),
                            "variant": preset.get("variant") or proto.default_variant,
                            "steps": len(preset.get("actions") or [])})
        library.append({"proto": proto, "presets": entries})
    return render(request, "presets.html", {"library": library})
