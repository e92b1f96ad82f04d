"""Settings come from the environment: each case runs Django in a fresh process.

The Redis case starts a real `redis-server` and shows that two separate processes configured
with REDIS_URL share channel groups (what several Daphne processes behind a proxy rely on).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "secret_key": settings.SECRET_KEY,
    "db_engine": db["ENGINE"], "db_name": str(db["NAME"]), "db_host": db.get("HOST"),
    "layer": settings.CHANNEL_LAYERS["default"],
    "serve_static": settings.SERVE_STATIC,
    "apps": settings.INSTALLED_APPS,
}))
"""


def django_process_env(**overrides):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS",
                        "DATABASE_URL", "REDIS_URL", "SERVE_STATIC", "DJANGO_SECURE",
                        "DJANGO_PROXY_SSL_HEADER", "DJANGO_HSTS_SECONDS"}}
    env["DJANGO_SETTINGS_MODULE"] = "playground.settings"
    env["PYTHONPATH"] = str(ROOT)
    env.update(overrides)
    return env


def settings_under(**env):
    out = subprocess.run([sys.executable, "-c", SHOW_SETTINGS], cwd=ROOT, check=True,
                         capture_output=True, text=True, env=django_process_env(**env),
                         timeout=60)
    return json.loads(out.stdout)


def test_defaults_need_no_services_and_keep_debug_off():
    s = settings_under()
    assert s["debug"] is False
    assert s["allowed_hosts"] == ["localhost", "127.0.0.1", "[::1]", "testserver"]
    assert s["db_engine"] == "django.db.backends.sqlite3"
    assert s["db_name"] == str(ROOT / "db.sqlite3")
    assert s["layer"] == {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    assert s["serve_static"] is True
    assert s["apps"][0] == "daphne"


def test_environment_switches_to_postgres_redis_and_a_real_secret():
    s = settings_under(
        DJANGO_DEBUG="1", DJANGO_SECRET_KEY="s3cret", DJANGO_ALLOWED_HOSTS="a.example, b.example",
        DATABASE_URL="postgres://pg:pw@db.internal:5432/playground",
        REDIS_URL="redis://cache.internal:6379/0", SERVE_STATIC="0",
    )
    assert s["debug"] is True
    assert s["secret_key"] == "s3cret"
    assert s["allowed_hosts"] == ["a.example", "b.example"]
    assert s["db_engine"] == "django.db.backends.postgresql"
    assert s["db_name"] == "playground" and s["db_host"] == "db.internal"
    assert s["layer"] == {
        "BACKEND": "playground.channel_layer.ResilientPubSubChannelLayer",
        "CONFIG": {"hosts": ["redis://cache.internal:6379/0"]},
    }
    assert s["serve_static"] is False


LISTENER = """
import asyncio, django
django.setup()
from channels.layers import get_channel_layer

async def main():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("room-demo", channel)
    print("ready", flush=True)
    message = await asyncio.wait_for(layer.receive(channel), 20)
    print(message["text"], flush=True)

asyncio.run(main())
"""

SENDER = """
import asyncio, django
django.setup()
from channels.layers import get_channel_layer

asyncio.run(get_channel_layer().group_send(
    "room-demo", {"type": "room.message", "text": "hello from another process"}))
"""


# What `make run` passes Daphne (Makefile WS_MAX_BYTES): every test that starts a real Daphne
# uses it, so tests see the size limits users get.
WS_MAX_BYTES = 16 * 1024 * 1024
DAPHNE_LIMITS = ["--websocket-max-message-size", str(WS_MAX_BYTES),
                 "--websocket-max-frame-size", str(WS_MAX_BYTES)]


def test_tests_start_daphne_with_the_makefiles_limits():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert f"WS_MAX_BYTES ?= {WS_MAX_BYTES}\n" in makefile
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"--websocket-max-message-size {WS_MAX_BYTES}" in readme


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    assert server, "redis-server is required (.ci/run installs it)"
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_processes_with_redis_url_share_channel_groups(redis_url):
    env = django_process_env(REDIS_URL=redis_url)
    listener = subprocess.Popen([sys.executable, "-c", LISTENER], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert listener.stdout.readline().strip() == "ready", listener.stderr.read()
        subprocess.run([sys.executable, "-c", SENDER], cwd=ROOT, env=env, check=True,
                       timeout=30)
        out, err = listener.communicate(timeout=30)
        assert out.strip() == "hello from another process", err
        assert listener.returncode == 0
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
