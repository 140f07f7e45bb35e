"""Django settings for Stammkunde.

One settings module for every environment: everything that differs between a laptop demo and a
production install comes from environment variables prefixed ``STAMMKUNDE_`` (see README.md).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from stammkunde.core.deployment import (
    SharedDataDirectory,
    private_directory,
    private_file,
    production_problems,
    write_private_file,
)
from stammkunde.core.environment import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent

# "embedded" is the one-machine default (SQLite, generated secret); "production" refuses to start
# without an explicit secret key and host list, so a forgotten variable never ships a weak default.
MODE = env_str("STAMMKUNDE_MODE", "embedded")
if MODE not in ("embedded", "production"):
    raise ImproperlyConfigured("STAMMKUNDE_MODE must be 'embedded' or 'production'")


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "stammkunde"


DATA_DIR = Path(env_str("STAMMKUNDE_DATA_DIR", "") or _default_data_dir()).expanduser()
# Readable by its owner only: it holds the database, the secret key and the encryption key.
try:
    private_directory(DATA_DIR)
except SharedDataDirectory as refusal:
    raise ImproperlyConfigured(str(refusal)) from None


def _secret_key() -> str:
    key = env_str("STAMMKUNDE_SECRET_KEY", "")
    if key or MODE == "production":
        return key  # production_problems() below refuses an empty or weak one
    # Embedded installs keep a generated key in the data directory so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # FileExistsError: another process made it a moment ago.
        with contextlib.suppress(FileExistsError):
            write_private_file(key_file, secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("STAMMKUNDE_DEBUG", False)
ALLOWED_HOSTS = env_list(
    "STAMMKUNDE_ALLOWED_HOSTS", [] if MODE == "production" else ["127.0.0.1", "localhost"]
)
if MODE == "production":
    _problems = production_problems(debug=DEBUG, allowed_hosts=ALLOWED_HOSTS, secret_key=SECRET_KEY)
    if _problems:
        raise ImproperlyConfigured("Production mode refuses to start: " + "; ".join(_problems))
CSRF_TRUSTED_ORIGINS = env_list("STAMMKUNDE_CSRF_TRUSTED_ORIGINS", [])
# A refused form in the language served (Django's own page is English, for developers).
CSRF_FAILURE_VIEW = "stammkunde.errors.csrf_failure"
SITE_URL = env_str("STAMMKUNDE_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "anymail",
    "stammkunde.core",
    "stammkunde.audit",
    "stammkunde.timeline",
    "stammkunde.customers",
    "stammkunde.shop",
    "stammkunde.connectors",
    "stammkunde.analytics",
    "stammkunde.messaging",
    "stammkunde.service",
    "stammkunde.demo",
    "stammkunde.ui",
    # One small app per topic of the staff UI, only so Django finds each topic's templates/ and
    # templatetags/ in its folder (docs/INTERNALS.md, "The staff UI").
    "stammkunde.ui.customers",
    "stammkunde.ui.identity",
    "stammkunde.ui.connectors",
    "stammkunde.ui.analytics",
    "stammkunde.ui.service",
    "stammkunde.ui.privacy",
    "stammkunde.ui.messaging",
    "stammkunde.ui.security",
    "stammkunde.ui.mail",
    "stammkunde.api",
    "stammkunde.logins",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise: every page Django renders, not the static files, is marked no-store.
    "stammkunde.logins.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "stammkunde.core.languages.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stammkunde.logins.language.StaffLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "stammkunde.logins.middleware.TwoFactorMiddleware",
    "stammkunde.core.origin.OriginMiddleware",
    "stammkunde.audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stammkunde.urls"
WSGI_APPLICATION = "stammkunde.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "stammkunde.core.languages.served_language",
            ],
        },
    }
]

DATABASE_URL = (
    env_str("STAMMKUNDE_DATABASE_URL", "") or f"sqlite:///{DATA_DIR / 'stammkunde.sqlite3'}"
)
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters and prepared statements: psycopg prepares a statement the fifth
    # time a connection runs it, and the server then neither parses nor plans it again (pages
    # repeat the same queries with other values). Django's default binds the values into the
    # SQL text in Python, so every query was parsed and planned anew. In-process, per request
    # (benchmarks/load.py's pages, demo shop of 2,000 customers, PostgreSQL 15 on the same
    # machine): the server's CPU per page about halved (customer page 12-15 ms -> 8-9 ms,
    # search 7-9 -> 4, home 5-6 -> 3), Python's quoting of the values is saved too.
    # STAMMKUNDE_DATABASE_PREPARE=false turns the prepared statements off for a connection
    # pooler in transaction mode that does not keep them (PgBouncer before 1.21).
    # Options given in the URL's query (?sslmode=...) are kept.
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": 5 if env_bool("STAMMKUNDE_DATABASE_PREPARE", True) else None,
        **DATABASES["default"].get("OPTIONS", {}),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend with turns at the write lock: web requests write before the background
    # workers (core/write_turns.py).
    DATABASES["default"]["ENGINE"] = "stammkunde.core.sqlite"
    # Created 0600 before SQLite opens it; its -wal and -shm files inherit the mode.
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        private_file(Path(DATABASES["default"]["NAME"]))
    # WAL lets the worker write while the web process reads; IMMEDIATE takes the write lock at
    # BEGIN so two writers wait for each other instead of failing halfway with "database is locked".
    # Connections are kept (60 s, as on PostgreSQL): opening one runs the PRAGMAs and its first
    # query reads the whole schema, a few milliseconds of CPU that every page paid when each
    # request opened its own. A local file does not go stale (SQLite's health check is free), and
    # Django still closes a connection after an error or a transaction left open.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("STAMMKUNDE_TEST_SQLITE_NAME", "") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out username or address before the password is checked.
# StaffBackend is Django's ModelBackend with fewer queries per page (logins/backends.py). A
# session records the backend that logged it in: sessions from before it took ModelBackend's
# place need one new login.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "stammkunde.logins.backends.StaffBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "ui:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "ui:login"

LANGUAGE_CODE = env_str("STAMMKUNDE_LANGUAGE", "de")
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers per language: Django's for German ("04.12.2026"); English is written the
# British way ("04/12/2026", "4 Dec 2026"), not the US way of Django's "en" (formats/en).
FORMAT_MODULE_PATH = ["stammkunde.formats"]
TIME_ZONE = env_str("STAMMKUNDE_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
# Serve straight from the installed package's static folders so `stammkunde serve` needs no
# collectstatic step; production installs may still run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Django's database sessions, their read compiled once (logins/sessions.py).
SESSION_ENGINE = "stammkunde.logins.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("STAMMKUNDE_SECURE_COOKIES", MODE == "production")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# The public help page may be embedded in the shop (an iframe): the origins allowed to frame it
# (CSP frame-ancestors), e.g. "https://shop.example". Every other page stays unframeable.
HELP_PAGE_FRAME_ANCESTORS = env_list("STAMMKUNDE_HELP_FRAME_ANCESTORS", ["'self'"])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Production is served over HTTPS only (a reverse proxy terminates TLS and says so in
# X-Forwarded-Proto, STAMMKUNDE_BEHIND_PROXY): plain HTTP is redirected and browsers are told
# to never try it again (HSTS). Preloading is a commitment for the whole domain, so opt-in.
SECURE_SSL_REDIRECT = env_bool("STAMMKUNDE_SSL_REDIRECT", MODE == "production")
SECURE_HSTS_SECONDS = env_int("STAMMKUNDE_HSTS_SECONDS", 31_536_000 if MODE == "production" else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("STAMMKUNDE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("STAMMKUNDE_HSTS_PRELOAD", False)
BEHIND_PROXY = env_bool("STAMMKUNDE_BEHIND_PROXY", MODE == "production")
PROXY_COUNT = env_int("STAMMKUNDE_PROXY_COUNT", 1)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# W021 asks for HSTS preloading, which only the domain's owner may decide (see above).
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp 4): scripts and styles from our own static files only, no
# inline code; the nonce is there for a script that must be inline one day (none is today).
# htmx is configured by a meta tag not to inject its indicator <style> (ui/base.html).
# The template editor's rendered previews, kept for a few minutes so the sandboxed frame can load
# them from their own URL: a file cache in the data directory, shared by every worker process
# (the default in-memory cache is per process).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "mail_previews": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "mail_previews"),
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# A mail's own HTML (the editor's preview, a case's original mail) is served from its own URL
# into a sandboxed frame under this policy instead of the page's: its inline styles apply,
# nothing else loads or runs. The sandbox allows the same origin (so a received mail's cid:
# images load from the attachment URL with the staff member's session) but never scripts.
MAIL_FRAME_POLICY = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "frame-ancestors": ["'self'"],
    "sandbox": ["allow-same-origin"],
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Failed logins (django-axes), for the staff login and the admin login alike: after
# LOGIN_FAILURE_LIMIT failures for one username, or from one address, further logins are
# refused for LOGIN_LOCKOUT_MINUTES; every try during a lockout starts the wait again. Admins
# see and lift lockouts at ui:lockout-list (audited).
AXES_FAILURE_LIMIT = env_int("STAMMKUNDE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("STAMMKUNDE_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "ui/security/locked_out.html"
AXES_ENABLE_ADMIN = False  # logins/admin.py shows axes' tables read-only
# The client's address (core/client_address.py), for axes as for everything else: behind the
# reverse proxy from X-Forwarded-For (as many proxies deep as STAMMKUNDE_PROXY_COUNT),
# otherwise the peer itself; a header sent straight to us is ignored. (axes' own ipware
# settings did nothing: django-ipware is not installed, so axes counted the proxy.)
AXES_CLIENT_IP_CALLABLE = "stammkunde.core.client_address.client_address"

# Two-factor login (django-otp): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = env_str("STAMMKUNDE_OTP_ISSUER", "Stammkunde")

# Shop credentials and webhook secrets are stored encrypted (core/crypto.py) with these keys,
# or with the data directory's encryption_key file when none are configured.
ENCRYPTION_KEYS = env_list("STAMMKUNDE_ENCRYPTION_KEY", [])

# E-mail out (SMTP or an ESP), the outbox, inbound mail, the service desk and privacy duties.
from stammkunde.settings_mail import *  # noqa: E402, F403

TASKS = {
    "default": {
        "BACKEND": env_str("STAMMKUNDE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        # intake: webhook inbox and inbound mail; events: domain event delivery; mail: the
        # outbox; long: nightly scoring, backtests, backfills (never in the way of the others).
        "QUEUES": ["default", "imports", "intake", "events", "mail", "long"],
    }
}

# Every queue has its own worker thread (a "lane"), so a long job only ever waits for its own
# queue. `stammkunde serve` runs the queues of TASK_HEAVY_QUEUES in a second worker process, so
# that their CPU-bound work does not share one interpreter with the intake.
TASK_WORKER_LANES = {queue: [queue] for queue in TASKS["default"]["QUEUES"]}
TASK_HEAVY_QUEUES = ["long", "imports"]
# The lease on running tasks (core/lease.py): each worker process renews its heartbeat every
# TASK_HEARTBEAT_SECONDS; a task RUNNING under a process silent for TASK_LEASE_SECONDS is run
# again (tasks declared rerunnable) or failed with the reason, by a job that runs every minute.
TASK_HEARTBEAT_SECONDS = env_int("STAMMKUNDE_TASK_HEARTBEAT_SECONDS", 15)
TASK_LEASE_SECONDS = env_int("STAMMKUNDE_TASK_LEASE_SECONDS", 120)
# Only for tasks claimed by a worker that keeps no lease (Django's plain `db_worker`): how long
# one may stay RUNNING before it is treated as abandoned.
TASK_STALE_AFTER_SECONDS = env_int("STAMMKUNDE_TASK_STALE_AFTER_SECONDS", 3600)
# How long a stopping worker lets its running tasks finish before it hands them back.
TASK_SHUTDOWN_GRACE_SECONDS = env_int("STAMMKUNDE_TASK_SHUTDOWN_GRACE_SECONDS", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("STAMMKUNDE_LOG_LEVEL", "INFO")},
    # axes logs each failed login and lockout as a warning; its start banner is INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
