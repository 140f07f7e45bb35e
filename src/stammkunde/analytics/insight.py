"""The plain-language summary of a customer's score, as the customer page shows it.

"usually orders every 41 days; last order 97 days ago; churn alarm; ..." in the reader's language;
a model's percentage only when the last backtest picked that signal.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stammkunde.analytics.models import CustomerScore, UnscoredReason
from stammkunde.analytics.queries import score_for_customer, shown_churn_signal
from stammkunde.core.number_formats import format_money, format_number, format_percent


def customer_insight(customer_id: int) -> str | None:
    """The plain-language summary of a customer's score for the customer page."""
    score = score_for_customer(customer_id)
    return insight_sentence(score, shown_churn_signal()) if score is not None else None


def insight_sentence(score: CustomerScore, shown: str = "days_since_last") -> str:
    """ "usually orders every 41 days; last order 97 days ago; churn alarm; ..." (translated).

    A model's percentage appears only when the backtest picked it as the shown signal
    (``shown``: see ``shown_churn_signal``); the days since the last order are always there.
    """
    if score.unscored_reason and score.unscored_reason != UnscoredReason.NO_ORDER_VALUE:
        return _("Not scored: %(reason)s.") % {"reason": score.get_unscored_reason_display()}
    parts = []
    if score.mean_interval_days:
        days = round(score.mean_interval_days)
        parts.append(
            ngettext(
                "usually orders every %(days)d day", "usually orders every %(days)d days", days
            )
            % {"days": days}
        )
    elif score.orders_count == 1:
        parts.append(_("one order so far"))
    if score.recency_days is not None:
        # Counted to today, as the customer page's key figures count it, not to the day of the
        # scoring run: the two stand side by side and must not differ by the days since.
        recency = score.recency_days + max(
            0, (timezone.localdate() - timezone.localtime(score.scored_at).date()).days
        )
        parts.append(
            _("last order today")
            if recency == 0
            else ngettext("last order %(days)d day ago", "last order %(days)d days ago", recency)
            % {"days": recency}
        )
    if score.churn_alarm:
        parts.append(_("churn alarm"))
    if score.p_alive is not None and shown in ("bgnbd_p_alive", "paretonbd_p_alive"):
        parts.append(
            _("%(percent)s probability still active") % {"percent": format_percent(score.p_alive)}
        )
    elif score.churn_risk is not None and shown == "churn_risk":
        parts.append(
            _("%(percent)s chance of no order in the next 90 days")
            % {"percent": format_percent(score.churn_risk)}
        )
    if score.expected_purchases_90 is not None:
        # The models count purchase days (several orders on one day are one purchase).
        parts.append(
            _("expected to buy on %(count)s days in the next 90 days")
            % {"count": format_number(round(score.expected_purchases_90, 1), 1)}
        )
    if score.clv_12m is not None:
        parts.append(
            _("predicted value next 12 months %(amount)s")
            % {"amount": format_money(score.clv_12m, score.currency)}
        )
    if score.unscored_reason == UnscoredReason.NO_ORDER_VALUE:
        parts.append(_("all orders refunded or returned"))
    return "; ".join(parts)
