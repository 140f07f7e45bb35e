"""The rules a production install must meet before it starts, as plain functions.

``settings.py`` calls ``production_problems`` in production mode and refuses to start when it
finds any: a debug page, a host list that accepts every Host header or a guessable secret key
would each undo the rest of the protections (docs/INTERNALS.md, "Logins and browser security").
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Django's own deploy check (security.W009) asks for this much; we refuse instead of warning.
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5
INSECURE_PREFIX = "django-insecure-"


def weak_secret_key(key: str) -> bool:
    """Whether ``key`` is too short, too uniform or one of Django's generated dev keys."""
    return (
        len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS
        or key.startswith(INSECURE_PREFIX)
    )


def production_problems(*, debug: bool, allowed_hosts: list[str], secret_key: str) -> list[str]:
    """Why these settings must not serve production (an empty list when they may)."""
    problems = []
    if debug:
        problems.append("STAMMKUNDE_DEBUG must be off in production mode")
    if not allowed_hosts:
        problems.append("STAMMKUNDE_ALLOWED_HOSTS is required in production mode")
    if any(host.strip() in ("*", ".") for host in allowed_hosts):
        problems.append("STAMMKUNDE_ALLOWED_HOSTS must name the hosts, not '*'")
    if not secret_key:
        problems.append("STAMMKUNDE_SECRET_KEY (or STAMMKUNDE_SECRET_KEY_FILE) is required")
    elif weak_secret_key(secret_key):
        problems.append(
            f"STAMMKUNDE_SECRET_KEY is weak: use at least {MIN_SECRET_KEY_LENGTH} random "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    return problems


class SharedDataDirectory(Exception):
    """The data directory given is a directory many users share, such as /tmp."""


def private_directory(path: Path) -> Path:
    """Create ``path`` readable by its owner only (0700), and tighten it if it was wider.

    The data directory holds the database, the secret key and the encryption key: other users
    of the machine have no business reading any of it. A shared directory with the sticky bit
    (``/tmp`` itself) is refused instead of tightened: making it 0700 would lock every other
    user and service of the machine out of it (a mail server's auth process, a test's
    database), and a database directly in /tmp is gone after the next reboot.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & stat.S_ISVTX:
        raise SharedDataDirectory(
            f"STAMMKUNDE_DATA_DIR={path} is a shared directory (sticky bit, like /tmp): "
            f"give Stammkunde a directory of its own, e.g. {path / 'stammkunde'}"
        )
    if mode & 0o077 and path.stat().st_uid == os.getuid():
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; tighten an existing file we own.

    SQLite creates its -wal and -shm files with the database file's mode, so creating the
    database file 0600 before the first connection keeps all three private.
    """
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(descriptor)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077 and path.stat().st_uid == os.getuid():
        path.chmod(0o600)
    return path


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to a new file that is 0600 from its first byte (no window at 0644)."""
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
