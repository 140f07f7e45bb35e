"""AuditEntry.get_action_display (its own, cheaper than Django's) shows what Django's does."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from stammkunde.audit.models import AuditAction, AuditEntry


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_action_display_is_djangos(language):
    field = AuditEntry._meta.get_field("action")
    with translation.override(language):
        for value in [*AuditAction.values, "unknown", ""]:
            entry = AuditEntry(action=value)
            expected = models.Model._get_FIELD_display(entry, field)
            assert entry.get_action_display() == expected
            assert type(entry.get_action_display()) is str
    with translation.override("de"):
        assert AuditEntry(action=AuditAction.VIEW).get_action_display() != "viewed"
