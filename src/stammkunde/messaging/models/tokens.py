"""Links from mails that work once: a used token is remembered (by its hash) to refuse a replay."""

from __future__ import annotations

from django.db import models


class UsedToken(models.Model):
    digest = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=20)
    used_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.digest[:8]}"
