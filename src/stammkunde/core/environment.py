"""Typed readers for environment variables that fail loudly on bad values.

A value may also come from a file named by ``<NAME>_FILE`` (Docker and systemd secrets).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        with open(file_name, encoding="utf-8") as handle:
            return handle.read().strip()
    return os.environ.get(name)


def env_str(name: str, default: str) -> str:
    """Return the variable's text, or ``default`` when it is unset."""
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean; anything but yes/no/true/false/1/0/on/off is a configuration error."""
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    """Return an integer; a non-numeric value is a configuration error."""
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma separated list with blanks dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_smtp_url(url: str) -> tuple[str, int, str, str, bool, bool]:
    """(host, port, user, password, use_tls, use_ssl) from ``smtp://user:pw@host:port?tls=1``
    or ``smtps://...``; anything else is a configuration error."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ImproperlyConfigured("STAMMKUNDE_SMTP_URL must look like smtp://user:pw@host:port")
    ssl = parts.scheme == "smtps"
    tls = parse_qs(parts.query).get("tls", ["0"])[0].strip().lower() in _TRUE
    try:
        port = parts.port or (465 if ssl else 587 if tls else 25)
    except ValueError:
        raise ImproperlyConfigured("STAMMKUNDE_SMTP_URL has an invalid port") from None
    return (
        parts.hostname,
        port,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        tls,
        ssl,
    )
