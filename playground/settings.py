"""Django settings for Protocol Playground.

Defaults run one process with no external services: SQLite in the repository root and the
in-memory channel layer. The environment switches on the scaled-out setup:

    DJANGO_DEBUG=1            debug pages (never in production)
    DJANGO_SECRET_KEY=...     required in any deployment
    DJANGO_ALLOWED_HOSTS=a,b  comma separated host names
    DATABASE_URL=postgres://… PostgreSQL (or any dj-database-url URL)
    REDIS_URL=redis://…       channels-redis pub/sub layer, shared by several Daphne processes
    SERVE_STATIC=0            leave /static/ to a reverse proxy (after `manage.py collectstatic`)
    DJANGO_SECURE=1           served over HTTPS only: redirect, HSTS, secure cookies, and trust
                              the proxy's X-Forwarded-Proto (`manage.py check --deploy` passes)
    DJANGO_PROXY_SSL_HEADER=  the header a TLS-terminating proxy sets to `https`
                              (X-Forwarded-Proto unless set; `none` when Daphne terminates TLS)
    DJANGO_HSTS_SECONDS=...   Strict-Transport-Security max-age under DJANGO_SECURE (1 year)
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from protocols import limits as _limits

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG")
# HTTPS deployment (README "Scaling out"): off for a local `make run` over plain HTTP.
SECURE = env_flag("DJANGO_SECURE")

# The fallback key is only fit for a developer's machine; deployments set DJANGO_SECRET_KEY.
if SECURE and not os.environ.get("DJANGO_SECRET_KEY", "").strip():
    raise ImproperlyConfigured("DJANGO_SECURE=1 needs a real DJANGO_SECRET_KEY (50+ random "
                               "characters, e.g. `python -c 'import secrets; "
                               "print(secrets.token_urlsafe(50))'`)")
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "dev-only-insecure-key-protocol-playground-change-me"
)

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"]
)

INSTALLED_APPS = [
    "daphne",  # first, so `runserver` is Daphne's ASGI server
    "channels",
    "django.contrib.staticfiles",
    "playground",
]

# Daphne serves /static/ through this same chain (playground/security.py), so static files
# get the security headers too.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "playground.security.CSPMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "playground.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
            ],
        },
    },
]

ASGI_APPLICATION = "playground.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}
if os.environ.get("DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse(
        os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several Daphne processes may share the file (rooms, README "Scaling out"): readers do not
    # block the writer (WAL), and a transaction takes the write lock up front and waits for it
    # (IMMEDIATE, timeout) instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })

# One process: the in-memory layer. Several processes (rooms shared across Daphne workers):
# Redis pub/sub, which needs no polling and no per-channel keys.
if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis's pub/sub layer whose sends are retried on a fresh connection
            # after Redis restarts (playground/channel_layer.py).
            "BACKEND": "playground.channel_layer.ResilientPubSubChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Daphne serves /static/ itself unless a reverse proxy does (see playground/asgi.py).
SERVE_STATIC = env_flag("SERVE_STATIC", default=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp) on every response, pages, API and static files alike:
# scripts and styles only from our own files (no inline code: the pages' data travels in
# `json_script` blocks, which are not run), nothing embedded, never framed. The middleware adds
# ws:// and wss:// for the request's own host to connect-src, for the play and room sockets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # data: for the inline SVG favicon
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

if SECURE:
    # Every request over HTTPS. Behind a TLS-terminating proxy (nginx, a load balancer) Daphne
    # sees plain HTTP; the proxy must set (overwrite, never pass through) this header.
    proxy_header = os.environ.get("DJANGO_PROXY_SSL_HEADER", "").strip() or "X-Forwarded-Proto"
    if proxy_header.lower() not in {"none", "0", "off", "no"}:
        SECURE_PROXY_SSL_HEADER = (
            "HTTP_" + proxy_header.upper().replace("-", "_"), "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's probe may speak plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_SECURE = True

# WebSocket limits (playground/consumers.py). Daphne's own cap is set on its command line
# (Makefile) a little above this one, so oversized messages up to that size still get an
# error frame rather than a dropped connection.
PLAYGROUND_WS_MAX_MESSAGE_BYTES = _limits.MAX_MESSAGE_BYTES  # protocols/limits.py
PLAYGROUND_WS_RATE_PER_SECOND = 30
PLAYGROUND_WS_RATE_BURST = 60
# Replays (start, seek, back) cost one extra token per this many actions applied, so that a
# client cannot keep the process busy replaying long runs at the full message rate.
PLAYGROUND_WS_ACTIONS_PER_TOKEN = 100
# The scenarios API (playground/scenarios.py, docs/api.md): body cap and creations per address
# per hour.
# A run of the 10,000-action cap is about 330 KiB of JSON (election); room for it, with margin.
PLAYGROUND_API_MAX_BODY_BYTES = _limits.MAX_BODY_BYTES  # protocols/limits.py
PLAYGROUND_API_CREATE_PER_HOUR = int(os.environ.get("PLAYGROUND_API_CREATE_PER_HOUR", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        "playground": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django": {"handlers": ["console"], "level": "INFO"},
    },
}
