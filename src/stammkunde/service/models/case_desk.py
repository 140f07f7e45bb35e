"""The desk's policies inside a case: which steps of a crisis plan are done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStepTick(models.Model):
    """One step of a crisis plan ticked off in one case (deleted when unticked)."""

    case = models.ForeignKey("service.Case", on_delete=models.CASCADE, related_name="step_ticks")
    step = models.ForeignKey("service.CrisisStep", on_delete=models.CASCADE, related_name="+")
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done"))

    class Meta:
        verbose_name = _("ticked step")
        verbose_name_plural = _("ticked steps")
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="case_step_ticked_once")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.step_id}"
