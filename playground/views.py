"""HTTP pages: the protocol index, one playground page per protocol, and a health probe."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from protocols import registry

from .scenarios import ScenarioError, open_token, play_bootstrap


def _protocols():
    return [registry.get(name) for name in registry.names()]


@require_safe
def index(request):
    return render(request, "index.html", {"protocols": _protocols()})


@require_safe
def play(request, name):
    try:
        proto = registry.get(name)
    except KeyError:  # registry.UnknownProtocol is a KeyError
        return render(
            request,
            "404.html",
            {"missing_protocol": name, "protocols": _protocols()},
            status=404,
        )
    token = request.GET.get("s")
    if token is None:
        return play_page(request, proto)
    try:
        scen, problem = open_token(token, proto.name)
    except ScenarioError as exc:  # a tampered, truncated or oversized link
        return render(request, "400.html", {"problem": str(exc)}, status=400)
    return play_page(request, proto, play_bootstrap(scen, problem))


def play_page(request, proto, extra=None):
    """The play page; `extra` (a shared scenario: run, notice, title, narration) joins the
    bootstrap the browser reads."""
    bootstrap = {
        "protocol": proto.describe(),
        "ws_path": f"/ws/play/{proto.name}/",
    }
    bootstrap.update(extra or {})
    return render(request, "play.html", {"proto": proto, "bootstrap": bootstrap})


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok", "protocols": list(registry.names())})
