"""Saved customer segments: named, validated filters that marketing uses as audiences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    """A named filter over customers (``definition``, validated by ``analytics.segments``).

    ``customer_count`` is a cached count, refreshed after every scoring run and on save, so
    lists of segments never count millions of customers per request.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    definition = models.JSONField(_("definition"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    customer_count = models.PositiveIntegerField(_("customers"), null=True, blank=True)
    counted_at = models.DateTimeField(_("counted"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        permissions = [
            ("manage_segments", _("Can create, change and delete customer segments")),
            ("export_segment", _("Can export the customers of a segment as CSV")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ui:segment-detail", args=[self.pk])
