"""Backfill and reconciliation runs: pulling a shop's orders through its own REST API."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Per-order problems kept on a run for the report; the count goes on beyond this.
MAX_RECORDED_ERRORS = 100


class RunKind(models.TextChoices):
    BACKFILL = "backfill", _("History backfill")
    RECONCILIATION = "reconciliation", _("Reconciliation")


class RunState(models.TextChoices):
    RUNNING = "running", _("Running")
    FAILED = "failed", _("Stopped (can continue)")
    FINISHED = "finished", _("Finished")


class BackfillRun(models.Model):
    """One pass over a shop's orders through its API, with where it got to.

    ``cursor`` is the platform client's position of the next page to fetch (Shopify's
    page_info, a page number elsewhere); it is saved in the same transaction as the orders of
    the page before it, so a run that stops for any reason continues at the first page whose
    orders are not stored yet. ``since`` is the creation-time filter of a backfill (``--since``)
    or the change-time window of a reconciliation.
    """

    shop = models.ForeignKey(
        "shop.Shop", on_delete=models.CASCADE, related_name="backfill_runs", verbose_name=_("shop")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RunKind.choices)
    since = models.DateTimeField(_("since"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=RunState.choices, default=RunState.RUNNING
    )
    cursor = models.TextField(_("next page"), blank=True)
    pages_done = models.PositiveIntegerField(_("pages done"), default=0)
    orders_total = models.PositiveIntegerField(_("orders in the shop"), null=True, blank=True)
    orders_seen = models.PositiveIntegerField(_("orders read"), default=0)
    # Orders that were new or changed; one we already held unchanged is seen, not applied.
    orders_applied = models.PositiveIntegerField(_("orders stored"), default=0)
    orders_failed = models.PositiveIntegerField(_("orders refused"), default=0)
    # [{"order": "<shop's id>", "error": "<message>"}, ...], at most MAX_RECORDED_ERRORS.
    errors = models.JSONField(_("refused orders"), default=list, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("why it stopped"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("backfill run")
        verbose_name_plural = _("backfill runs")
        indexes = [models.Index(fields=["shop", "kind", "state"], name="backfill_run_open")]

    def __str__(self) -> str:
        return f"{self.shop} {self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"
