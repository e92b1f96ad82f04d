"""Security headers for every HTTP response, static files included.

- `CSPMiddleware`: django-csp's, with connect-src widened to the WebSockets of the request's
  own host (ws:// and wss://), which older browsers do not count as 'self'.
- `StaticFiles`: Daphne's /static/ (SERVE_STATIC) served through the same middleware chain as
  the pages (settings.MIDDLEWARE: nosniff, frame options, referrer policy, CSP), and a path
  that climbs out of the static directories answered 404 instead of a 500 with a traceback.
"""

import logging

from asgiref.sync import sync_to_async
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import response_for_exception
from django.http import Http404

log = logging.getLogger("playground.security")


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        try:
            host = request.get_host()  # validated against ALLOWED_HOSTS
        except Exception:  # DisallowedHost: the response is already a 400
            return parts
        sockets = [f"ws://{host}", f"wss://{host}"]
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), *sockets]
        parts.update = update
        return parts


class StaticFiles(ASGIStaticFilesHandler):
    """ASGIStaticFilesHandler with the project's middleware around it.

    Django's handler serves the file straight away, outside any middleware, so static responses
    would carry none of the headers pages get. Here BaseHandler builds settings.MIDDLEWARE
    around `_get_response_async`, which serves the file instead of resolving a URL.
    """

    def __init__(self, application):
        super().__init__(application)
        BaseHandler.load_middleware(self, is_async=True)

    async def _get_response_async(self, request):
        try:
            return await sync_to_async(self.serve, thread_sensitive=False)(request)
        except (Http404, SuspiciousOperation) as exc:
            # SuspiciousFileOperation: `/static/../settings.py`. Nothing is there to be found.
            if not isinstance(exc, Http404):
                log.info("static path refused: %r (%s)", request.path[:200], exc)
            return await sync_to_async(response_for_exception, thread_sensitive=False)(
                request, Http404("no such static file"))

    async def get_response_async(self, request):
        # BaseHandler's: runs the middleware chain (and logs 4xx as pages do), then
        # ASGIStaticFilesHandler's treatment of the file's synchronous iterator.
        response = await BaseHandler.get_response_async(self, request)
        if response.streaming and not response.is_async:
            iterator = response.streaming_content

            async def awrapper():
                for part in await sync_to_async(list)(iterator):
                    yield part

            response.streaming_content = awrapper()
        return response
