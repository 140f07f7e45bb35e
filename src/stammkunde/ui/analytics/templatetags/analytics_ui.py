"""Analytics pieces for staff templates: the insight panel of the customer 360 page, and
formatting of goals and scores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from stammkunde.core.number_formats import format_number, format_percent

register = template.Library()

MAX_PANEL_RECOMMENDATIONS = 3
NO_VALUE = "\u2013"


@register.inclusion_tag("ui/analytics/_insight_panel.html")
def customer_insight_panel(customer: Any) -> dict[str, Any]:
    """Score, the plain-language sentence and up to three recommendations for one customer.

    A few small indexed reads (the score row by primary key, the latest backtest's shown signal,
    the latest run when there are no model figures, the affinities of the customer's products);
    nothing here scans orders.
    """
    from stammkunde.analytics.insight import insight_sentence
    from stammkunde.analytics.queries import churn_overview, score_for_customer, shown_churn_signal
    from stammkunde.analytics.recommendations import recommendations_for

    score = score_for_customer(customer.pk)
    shown = shown_churn_signal()  # read once: the overview shows it too
    overview = (
        churn_overview(shown_signal=shown) if score is not None and score.model == "rules" else None
    )
    return {
        "customer": customer,
        "score": score,
        "segment_contradicted": segment_contradicted(score, shown),
        "shown_signal": shown,
        "overview": overview,
        "insight": insight_sentence(score, shown) if score is not None else None,
        "recommendations": recommendations_for(customer.pk, limit=MAX_PANEL_RECOMMENDATIONS),
    }


# RFM segments that say "doing well"; RFM ranks recency against all customers, the churn risk
# against the customer's own rhythm, so a "loyal" customer can be overdue by their own measure.
GOOD_SEGMENTS = frozenset({"champions", "loyal", "potential_loyalist", "new", "promising"})
HIGH_CHURN_RISK = 0.5
LOW_P_ALIVE = 0.5


def segment_contradicted(score: Any, shown: str = "days_since_last") -> bool:
    """Whether the score's segment sounds good while the churn signal the page shows says the
    opposite; the panel then names the segment as what past orders say (issue 15).

    Follows ``shown`` (``analytics.queries.shown_churn_signal``): a model figure the page does
    not show (the risk while days since the last order are shown) must not turn the badge,
    or the badge would claim a risk the page nowhere states. The churn alarm is always shown.
    """
    if score is None or score.rfm_segment not in GOOD_SEGMENTS:
        return False
    if score.churn_alarm:
        return True
    if shown == "churn_risk":
        return score.churn_risk is not None and score.churn_risk >= HIGH_CHURN_RISK
    if shown in ("bgnbd_p_alive", "paretonbd_p_alive"):
        return score.p_alive is not None and score.p_alive < LOW_P_ALIVE
    return False


@register.filter
def goal_value(goal: Any, which: str) -> str:
    """A goal's ``target`` or ``actual`` in its unit: percent, money or a plain figure."""
    value = getattr(goal, which, None)
    if value is None:
        return NO_VALUE
    value = Decimal(value)
    if goal.is_percent:
        # Goal rates are stored in percent (0 to 100), shares are 0 to 1.
        return format_percent(value / 100, 1)
    if goal.is_money:
        return format_number(value, 2)
    if value == value.to_integral_value():
        return format_number(value, 0)
    return format_number(value, 2)


@register.filter
def as_percent(value: float | None, decimals: int = 0) -> str:
    """0.234 -> ``23 %`` (localized); an en dash for no value."""
    if value is None:
        return NO_VALUE
    return format_percent(value, int(decimals))
