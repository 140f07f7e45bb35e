"""One row per run of the scoring job or the churn backtest, with its fitted parameters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunState(models.TextChoices):
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


class RunKind(models.TextChoices):
    SCORING = "scoring", _("Scoring")
    BACKTEST = "backtest", _("Churn backtest")


class ScoringRun(models.Model):
    """A run of the nightly scoring job (or of the backtest), its figures and its outcome.

    ``parameters`` holds the fitted model parameters, ``calibration`` the holdout check
    (predicted vs actual repeat purchases per frequency bucket), ``backtest`` the AUC and
    precision per churn signal, ``summary`` the small dashboard aggregates (segment counts,
    histograms) that would cost a scan of all scores to compute on every page view.
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=RunKind.choices, default=RunKind.SCORING
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=RunState.choices, default=RunState.RUNNING
    )
    customers_scored = models.PositiveIntegerField(_("customers scored"), default=0)
    customers_skipped = models.PositiveIntegerField(_("customers not scored"), default=0)
    model = models.CharField(_("model"), max_length=10, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    calibration = models.JSONField(_("calibration check"), default=dict, blank=True)
    backtest = models.JSONField(_("backtest"), default=dict, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        indexes = [models.Index(fields=["kind", "state", "-started_at"], name="run_latest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.state})"
