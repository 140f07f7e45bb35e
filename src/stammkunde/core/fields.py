"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models

from stammkunde.core import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted (``core.crypto``) and read back in plain text.

    Tokens differ on every write, so the only lookup that works is against the empty string
    ("not set"), which is stored as is.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value is None else crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value is None else crypto.encrypt(value)
