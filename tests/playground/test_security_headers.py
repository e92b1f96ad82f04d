"""Issue 15, findings 3 (HTTP parts) and 5: security headers on every response (pages, API,
static files), a strict Content-Security-Policy the templates live within, production settings
that pass `manage.py check --deploy`, and hostile paths that get a 4xx instead of a 500."""

import json
import logging
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from tests.playground.test_pages import asgi_get
from tests.playground.test_settings_env import ROOT, django_process_env

TEMPLATES = sorted((ROOT / "templates").glob("*.html"))
HOST = "testserver"


def csp_directives(header):
    """{"script-src": ["'self'"], ...} from a Content-Security-Policy header value."""
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in directives, f"{words[0]} twice in {header!r}"
            directives[words[0]] = words[1:]
    return directives


def assert_strict_headers(headers, where):
    """`headers`: lower-case names to str values."""
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("referrer-policy") == "same-origin", where
    assert "content-security-policy" in headers, where
    csp = csp_directives(headers["content-security-policy"])
    assert csp["script-src"] == ["'self'"], where
    assert csp["default-src"] == ["'self'"], where
    assert csp["style-src"] == ["'self'"], where  # no 'unsafe-inline': styles live in files
    assert csp["object-src"] == ["'none'"], where
    assert csp["base-uri"] == ["'none'"], where
    assert csp["frame-ancestors"] == ["'none'"], where
    assert csp["form-action"] == ["'self'"], where
    # The WebSockets: 'self' plus this very host under ws: and wss: (older browsers do not
    # count ws: as 'self'), and no other host.
    assert csp["connect-src"] == ["'self'", f"ws://{HOST}", f"wss://{HOST}"], where
    for values in csp.values():
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values, where
        assert "*" not in values and "ws:" not in values and "wss:" not in values, where
    return csp


def client_headers(response):
    return {name.lower(): value for name, value in response.headers.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    "/", "/play/twopc/", "/play/election/", "/presets/", "/play/no-such-protocol/",
    "/play/twopc/?s=not-a-token", "/nowhere",
])
def test_every_page_carries_a_strict_csp_and_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code in {200, 400, 404}
    assert_strict_headers(client_headers(response), path)


def room_paths(client, check=None):
    """The instructor, follower and presenter pages of a new room."""
    created = client.post("/api/rooms", data=json.dumps({"scenario": {"protocol": "twopc"}}),
                          content_type="application/json")
    assert created.status_code == 201, created.content
    if check:
        check(created)
    room = created.json()
    key = room["instructor_url"].split("?key=", 1)[1]
    return [f"/room/{room['code']}/?key={key}", f"/room/{room['code']}/",
            f"/room/{room['code']}/present?key={key}"]


@pytest.mark.django_db
def test_room_pages_and_the_rooms_api_carry_the_headers(client):
    paths = room_paths(client, check=lambda created: assert_strict_headers(
        client_headers(created), "POST /api/rooms"))
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict_headers(client_headers(response), path)


@pytest.mark.django_db
@pytest.mark.parametrize("method,path,body", [
    ("get", "/healthz", None),
    ("get", "/api/scenarios/nosuchid", None),
    ("post", "/api/scenarios", "{not json"),
    ("post", "/api/export/mermaid", json.dumps({"s": "not-a-token"})),
    ("get", "/api/export/trace?s=x", None),
])
def test_api_responses_carry_the_headers(client, method, path, body):
    if body is None:
        response = getattr(client, method)(path)
    else:
        response = getattr(client, method)(path, data=body, content_type="application/json")
    assert response.status_code < 500
    assert_strict_headers(client_headers(response), f"{method} {path}")


@pytest.mark.parametrize("path,content_type", [
    ("/static/css/site.css", b"text/css"),
    ("/static/js/play.js", b"text/javascript"),
    ("/static/css/no-such-file.css", b"text/html"),
])
async def test_static_files_served_by_daphne_carry_the_headers(path, content_type):
    status, headers, _ = await asgi_get(path)
    assert status == (404 if "no-such" in path else 200)
    assert headers[b"content-type"].startswith(content_type)
    assert_strict_headers({k.decode().lower(): v.decode() for k, v in headers.items()}, path)


INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def inline_code(html):
    """What a `script-src 'self'; style-src 'self'` policy would block in this HTML."""
    found = []
    for match in SCRIPT_TAG.finditer(html):
        attrs = match.group(1)
        if "src=" not in attrs and 'type="application/json"' not in attrs:
            found.append(match.group(0))
    found += [m.group(0) for m in re.finditer(r"<style\b", html, re.I)]
    found += [m.group(0) for m in re.finditer(r"\sstyle\s*=", html, re.I)]
    found += [m.group(0) for m in INLINE_HANDLER.finditer(html)]
    found += [m.group(0) for m in re.finditer(r"javascript:", html, re.I)]
    return found


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_hold_no_inline_script_style_or_handler(template):
    assert inline_code(template.read_text()) == []


@pytest.mark.django_db
def test_rendered_pages_hold_no_inline_script_style_or_handler(client):
    paths = ["/", "/play/twopc/", "/presets/", "/play/no-such-protocol/", *room_paths(client)]
    for path in paths:
        response = client.get(path)
        assert inline_code(response.content.decode()) == [], path


# Finding 3, HTTP parts: a path that climbs out of /static/ and a WebSocket to no route.

def tracebacks(caplog):
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", [
    "/static/../settings.py", "/static/../../etc/passwd", "/static/..", "/static/../",
    "/static/css/../../manage.py", "/static//etc/passwd", "/static/\x00",
])
async def test_static_path_climbing_out_is_a_404_without_traceback(path, caplog):
    caplog.set_level(logging.INFO)
    status, headers, body = await asgi_get(path)
    assert status in {400, 404}, (path, status)
    assert b"SECRET_KEY" not in body and b"root:" not in body
    assert_strict_headers({k.decode().lower(): v.decode() for k, v in headers.items()}, path)
    assert tracebacks(caplog) == []


ORIGIN = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


@pytest.mark.parametrize("path", ["/ws/other/", "/", "/ws/play/", "/ws/play/twopc/extra/",
                                  "/ws/room/", "/static/css/site.css"])
async def test_websocket_to_an_unrouted_path_is_refused_without_traceback(path, caplog):
    caplog.set_level(logging.INFO)
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, code = await communicator.connect(timeout=5)
    assert not connected
    assert code in {1000, 403, 4404}, code
    await communicator.wait(timeout=5)
    assert tracebacks(caplog) == []


# Production settings: `check --deploy` in a fresh process, as the README tells deployers.

def production_env(**extra):
    return django_process_env(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_SECURE="1",
        DJANGO_ALLOWED_HOSTS="playground.example", **extra)


def manage(args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_with_the_production_environment_gives_no_warning():
    out = manage(["check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues (0 silenced)." in out.stdout, out.stdout


def test_secure_without_a_secret_key_refuses_to_start():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    out = manage(["check"], env)
    assert out.returncode != 0
    assert "DJANGO_SECRET_KEY" in out.stderr


REQUESTS = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
host = settings.ALLOWED_HOSTS[0]
plain = client.get("/healthz", HTTP_HOST=host)
page = client.get("/", HTTP_HOST=host)
proxied = client.get("/", HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "healthz": plain.status_code,
    "page": [page.status_code, page.headers.get("Location")],
    "proxied": [proxied.status_code, proxied.headers.get("Strict-Transport-Security"),
                proxied.headers.get("Content-Security-Policy")],
}))
"""


def requests_under(env):
    out = subprocess.run([sys.executable, "-c", REQUESTS], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_secure_redirects_to_https_trusts_the_proxy_and_sends_hsts():
    s = requests_under(production_env(DATABASE_URL="sqlite:///:memory:"))
    assert s["ssl_redirect"] is True
    assert s["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["csrf_cookie_secure"] is True and s["session_cookie_secure"] is True
    assert s["hsts"] >= 31536000
    # A load balancer's health probe over plain HTTP still gets its answer.
    assert s["healthz"] == 200
    assert s["page"] == [301, "https://playground.example/"]
    status, hsts, csp = s["proxied"]
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert "wss://playground.example" in csp


def test_secure_with_daphne_terminating_tls_trusts_no_forwarded_header():
    s = requests_under(production_env(DATABASE_URL="sqlite:///:memory:",
                                      DJANGO_PROXY_SSL_HEADER="none"))
    assert s["proxy_header"] is None
    assert s["proxied"][0] == 301  # the header alone no longer makes a request secure


def test_local_defaults_stay_plain_http():
    env = django_process_env(DATABASE_URL="sqlite:///:memory:")
    s = requests_under(env)
    assert s["ssl_redirect"] is False and s["proxy_header"] is None
    assert s["csrf_cookie_secure"] is False and s["hsts"] == 0
    assert s["page"] == [200, None]
    assert s["proxied"][1] is None
    assert "ws://localhost" in s["proxied"][2]
