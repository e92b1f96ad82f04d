"""What the security headers cost a static file: median time of an in-process GET of
/static/css/site.css through Daphne's handler, with the project's middleware chain
(playground.security.StaticFiles) and without (Django's ASGIStaticFilesHandler).

    .venv/bin/python bench/static_headers.py [requests]
"""

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_http = get_asgi_application()

from asgiref.testing import ApplicationCommunicator  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from playground.security import StaticFiles  # noqa: E402

PATH = "/static/css/site.css"


async def get(app, path=PATH):
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "scheme": "http",
             "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 5000),
             "server": ("localhost", 80)}
    comm = ApplicationCommunicator(app, scope)
    await comm.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await comm.receive_output(5)
    while (await comm.receive_output(5)).get("more_body"):
        pass
    await comm.wait(5)
    return start


async def median_ms(app, n):
    await get(app)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        await get(app)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


async def main(n):
    for name, app in [("plain ASGIStaticFilesHandler", ASGIStaticFilesHandler(django_http)),
                      ("StaticFiles + middleware", StaticFiles(django_http))]:
        start = await get(app)
        headers = {k.decode().lower() for k, _ in start["headers"]}
        print(f"{name:30s} median {await median_ms(app, n):.2f} ms over {n}; "
              f"CSP {'content-security-policy' in headers}, "
              f"nosniff {'x-content-type-options' in headers}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
