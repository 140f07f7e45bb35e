"""The desk's own settings that belong to no team (one row)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Solved within 24 business hours (three days of eight opening hours) unless a team lead sets
# another default: the value of a new installation and of the migration that added the setting.
DEFAULT_RESOLUTION_MINUTES = 24 * 60
# The bounds a team lead may set (in whole business hours): at least one, at most 90 days.
MIN_RESOLUTION_MINUTES = 60
MAX_RESOLUTION_MINUTES = 90 * 24 * 60


class DeskSettings(models.Model):
    """Settings of the whole desk. ``default_resolution_minutes``: the resolution target in
    business minutes of a case whose team has none (for the case type or in general)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    default_resolution_minutes = models.PositiveIntegerField(
        _("default resolution target (business minutes)"), default=DEFAULT_RESOLUTION_MINUTES
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="desk_settings_one_row"),
            models.CheckConstraint(
                condition=Q(
                    default_resolution_minutes__gte=MIN_RESOLUTION_MINUTES,
                    default_resolution_minutes__lte=MAX_RESOLUTION_MINUTES,
                ),
                name="desk_settings_resolution_bounds",
            ),
        ]

    def __str__(self) -> str:
        return str(_("desk settings"))
