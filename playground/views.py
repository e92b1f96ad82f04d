"""HTTP pages: the protocol index, one playground page per protocol, and a health probe."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from protocols import registry


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
    bootstrap = {
        "protocol": proto.describe(),
        "ws_path": f"/ws/play/{proto.name}/",
    }
    return render(request, "play.html", {"proto": proto, "bootstrap": bootstrap})


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok", "protocols": list(registry.names())})
