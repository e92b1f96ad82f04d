"""ASGI entry point: HTTP goes to Django, WebSockets to the playground consumers.

Run with `daphne playground.asgi:application` (see the Makefile).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up (get_asgi_application does it) before anything imports models.
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from .routing import websocket_urlpatterns  # noqa: E402
from .security import StaticFiles  # noqa: E402

if settings.SERVE_STATIC:
    # Without a reverse proxy in front, Daphne serves /static/ straight from STATICFILES_DIRS
    # (no collectstatic step), in DEBUG or not, with the pages' security headers.
    django_http = StaticFiles(django_http)

application = ProtocolTypeRouter(
    {
        "http": django_http,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
