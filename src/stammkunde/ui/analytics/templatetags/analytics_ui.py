"""Analytics pieces for staff templates: the insight panel of the customer 360 page, and
formatting of goals and scores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()

MAX_PANEL_RECOMMENDATIONS = 3
NO_VALUE = "\u2013"


@register.inclusion_tag("ui/analytics/_insight_panel.html")
def customer_insight_panel(customer: Any) -> dict[str, Any]:
    """Score, the plain-language sentence and up to three recommendations for one customer.

    Three small indexed reads (the score row by primary key, the affinities of the
    customer's products); nothing here scans orders.
    """
    from stammkunde.analytics.queries import customer_insight, score_for_customer
    from stammkunde.analytics.recommendations import recommendations_for

    return {
        "customer": customer,
        "score": score_for_customer(customer.pk),
        "insight": customer_insight(customer.pk),
        "recommendations": recommendations_for(customer.pk, limit=MAX_PANEL_RECOMMENDATIONS),
    }


@register.filter
def goal_value(goal: Any, which: str) -> str:
    """A goal's ``target`` or ``actual`` in its unit: percent, money or a plain figure."""
    value = getattr(goal, which, None)
    if value is None:
        return NO_VALUE
    value = Decimal(value)
    if goal.is_percent:
        return f"{number_format(value, 1, use_l10n=True)} %"
    if goal.is_money:
        return number_format(value, 2, use_l10n=True, force_grouping=True)
    if value == value.to_integral_value():
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    return number_format(value, 2, use_l10n=True, force_grouping=True)


@register.filter
def as_percent(value: float | None, decimals: int = 0) -> str:
    """0.234 -> ``23 %`` (localized); an en dash for no value."""
    if value is None:
        return NO_VALUE
    return f"{number_format(float(value) * 100, int(decimals), use_l10n=True)} %"
