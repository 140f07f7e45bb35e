"""The goals form: one optional target per key figure. It only parses; analytics.goals decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from stammkunde.analytics.goals import PERCENT_KPIS, GoalError, clean_target
from stammkunde.analytics.models import Goal, GoalKpi

HELP = {
    GoalKpi.AVERAGE_ORDER_VALUE: gettext_lazy("Amount in the shop's currency."),
    GoalKpi.PURCHASE_FREQUENCY: gettext_lazy("Orders per buying customer in a month."),
    GoalKpi.NEW_CUSTOMERS: gettext_lazy("First-time buyers per month."),
    GoalKpi.REVIEW_RATE: gettext_lazy(
        "Percent of orders that get a review (0 to 100); shown once reviews are recorded."
    ),
    GoalKpi.REPEAT_RATE: gettext_lazy("Percent of orders from returning customers (0 to 100)."),
}


class GoalsForm(forms.Form):
    """One optional target per key figure; an empty field removes that goal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kpi in GoalKpi:
            self.fields[kpi.value] = forms.DecimalField(
                label=kpi.label,
                required=False,
                min_value=0,
                max_value=100 if kpi in PERCENT_KPIS else 1_000_000_000,
                max_digits=14,
                decimal_places=4,
                help_text=HELP[kpi],
            )

    @classmethod
    def current(cls) -> GoalsForm:
        return cls(initial={goal.kpi: goal.target.normalize() for goal in Goal.objects.all()})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for kpi in GoalKpi.values:
            if data.get(kpi) is not None:
                try:
                    data[kpi] = clean_target(kpi, data[kpi])
                except GoalError as error:
                    self.add_error(kpi, str(error))
        return data
