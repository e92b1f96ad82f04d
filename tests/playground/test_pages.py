"""The HTTP side: index, playground page, friendly error pages, health probe, static files."""

import json
import re

from channels.testing import ApplicationCommunicator, HttpCommunicator

from playground.asgi import application
from protocols import registry


def test_index_lists_every_protocol_with_title_summary_and_link(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in registry.names():
        proto = registry.get(name)
        assert f'href="/play/{name}/"' in html
        assert proto.title in html
    twopc = registry.get("twopc")
    assert "Two-phase commit" in html
    # Summaries are escaped text (the 2PC one has a dash and a comma, no markup).
    assert twopc.summary.split(",")[0] in html


def test_play_page_bootstraps_the_browser_app(client):
    response = client.get("/play/twopc/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script type="module" src="/static/js/play.js"></script>' in html
    assert 'href="/static/css/play.css"' in html
    assert 'href="/static/css/site.css"' in html
    for element_id in ("app", "toolbar", "diagram", "cards", "checks", "history", "help"):
        assert f'id="{element_id}"' in html
    match = re.search(
        r'<script id="bootstrap" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "bootstrap data missing"
    bootstrap = json.loads(match.group(1))
    assert bootstrap["ws_path"] == "/ws/play/twopc/"
    assert bootstrap["protocol"] == registry.get("twopc").describe()


def test_play_page_for_unknown_protocol_is_a_friendly_404_without_traceback(client):
    response = client.get("/play/paxos-made-up/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no protocol called" in html
    assert "paxos-made-up" in html
    assert 'href="/play/twopc/"' in html  # offers the real ones
    assert "Traceback" not in html
    assert "DEBUG" not in html


def test_unknown_protocol_name_is_rendered_as_text_not_html(client):
    response = client.get("/play/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_any_unknown_address_gets_the_site_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html
    assert "Protocol Playground" in html
    assert "Traceback" not in html


def test_healthz_reports_ok_and_the_protocols(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert "twopc" in body["protocols"]
    assert "no-cache" in response["Cache-Control"]


def test_pages_refuse_unsafe_methods(client):
    assert client.post("/").status_code == 405


async def test_asgi_application_serves_static_files_without_debug():
    # `make run` has no reverse proxy: Daphne must serve /static/ itself, DEBUG or not.
    status, headers, body = await asgi_get("/static/css/site.css")
    assert status == 200
    assert headers[b"content-type"].startswith(b"text/css")
    assert b".site-header" in body


async def asgi_get(path):
    """GET through the full ASGI application, collecting a streamed body."""
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "path": path,
        "raw_path": path.encode(), "query_string": b"", "root_path": "", "scheme": "http",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=5)
    assert start["type"] == "http.response.start"
    body = b""
    while True:
        chunk = await communicator.receive_output(timeout=5)
        body += chunk.get("body", b"")
        if not chunk.get("more_body"):
            break
    await communicator.wait(timeout=5)
    return start["status"], {k.lower(): v for k, v in start["headers"]}, body


async def test_asgi_application_serves_pages():
    communicator = HttpCommunicator(
        application, "GET", "/healthz", headers=[(b"host", b"testserver")]
    )
    response = await communicator.get_response(timeout=5)
    assert response["status"] == 200
    assert json.loads(response["body"])["status"] == "ok"
