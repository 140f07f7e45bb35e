"""Encryption of the secrets the CRM keeps for others: shop API credentials, webhook secrets.

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with a ``fernet:``
prefix. The key comes from ``STAMMKUNDE_ENCRYPTION_KEY`` (several comma-separated keys: the
first encrypts, all decrypt, so a key can be rotated) or from ``encryption_key`` in the data
directory, created 0600 on first use. A copy of the database alone therefore does not hand over
the shops; keep the key out of the database backups' reach (README, "Production").
"""

from __future__ import annotations

import contextlib
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"
KEY_FILE_NAME = "encryption_key"


def load_keys(configured: list[str], data_dir: Path) -> list[str]:
    """The configured keys, or the data directory's key file (created 0600 when missing)."""
    from stammkunde.core.deployment import write_private_file

    if configured:
        return configured
    key_file = data_dir / KEY_FILE_NAME
    if not key_file.exists():
        # FileExistsError: another process made it a moment ago.
        with contextlib.suppress(FileExistsError):
            write_private_file(key_file, Fernet.generate_key().decode())
    return [key_file.read_text().strip()]


@cache
def _fernet() -> MultiFernet:
    keys = load_keys(list(settings.ENCRYPTION_KEYS), Path(settings.DATA_DIR))
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "STAMMKUNDE_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes): "
            f"{error}"
        ) from None


def is_encrypted(value: str) -> bool:
    """Whether ``value`` is a token made by ``encrypt``."""
    return value.startswith(PREFIX)


def encrypt(plain: str) -> str:
    """The stored form of ``plain``; the empty string stays empty (means "not set")."""
    if not plain or is_encrypted(plain):
        return plain
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    """The plain text of a stored value; a value stored before encryption is returned as is.

    A token no configured key opens is a configuration error (a lost or wrong key), never
    silently treated as the secret itself.
    """
    if not is_encrypted(stored):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with STAMMKUNDE_ENCRYPTION_KEY or the data "
            "directory's encryption_key: the key was changed or lost."
        ) from None


def reset_cache() -> None:
    """Forget the loaded keys (tests that change the settings)."""
    _fernet.cache_clear()
