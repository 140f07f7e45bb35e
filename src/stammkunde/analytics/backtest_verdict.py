"""Which churn signal to trust after a backtest, and the plain sentences that say so."""

from __future__ import annotations

import numpy as np

from .backtest_signals import BASELINE, SHOWN_SIGNALS, SignalResult
from .backtest_signals import gettext_if_ready as _

# Below this AUC (0.5 is chance) a signal is not worth trusting for anything.
USEFUL_AUC = 0.55


def pick_shown_signal(signals: list[SignalResult] | tuple[SignalResult, ...]) -> str:
    """The signal to show: a model's only if it beats the days since the last order for sure.

    "For sure": over all customers the 95% interval of its AUC difference lies above zero; among
    several such, the one with the largest lower bound. Otherwise the plain rule.
    """
    better = [
        item
        for item in signals
        if item.key in SHOWN_SIGNALS
        and item.key != BASELINE
        and item.difference is not None
        and item.difference.low > 0
    ]
    if not better:
        return BASELINE
    return max(better, key=lambda item: item.difference.low).key


def verdict(
    signals: list[SignalResult] | tuple[SignalResult, ...],
    customers: int,
    shown: str,
    alarm_interval: float | None,
    churn_factor: float,
) -> tuple[str | None, str]:
    """The key of the signal to trust and plain sentences about it (user's language)."""
    rated = [item for item in signals if item.auc is not None]
    if customers == 0:
        return None, _("No customer had ordered before the end of the calibration window.")
    if not rated:
        return None, _(
            "Cannot compare the signals yet: in the holdout window either every customer or no "
            "customer ordered again."
        )
    baseline = next((item for item in rated if item.key == BASELINE), None)
    best = max(rated, key=lambda item: item.auc)
    if best.auc < USEFUL_AUC:
        return None, _(
            "None of the signals predicts well on this shop's data who orders again (best: "
            "%(label)s, AUC %(auc).2f, where 0.5 is chance). Treat churn alarms as hints only."
        ) % {"label": best.label, "auc": best.auc}
    if shown != BASELINE:
        chosen = next(item for item in rated if item.key == shown)
        return shown, _(
            "Trust the %(label)s: on this shop's data it predicts better than the days since "
            "the last order who does not order again (AUC %(auc).2f against %(base).2f over all "
            "customers; difference %(diff)+.3f, 95%% interval %(low)+.3f to %(high)+.3f)."
        ) % {
            "label": chosen.label,
            "auc": chosen.auc,
            "base": baseline.auc if baseline else float("nan"),
            "diff": chosen.difference.estimate,
            "low": chosen.difference.low,
            "high": chosen.difference.high,
        }
    closest = max(
        (item for item in rated if item.difference is not None and item.key in SHOWN_SIGNALS),
        key=lambda item: item.difference.estimate,
        default=None,
    )
    sentence = _(
        "Trust the days since the last order: on this shop's data no model predicts better who "
        "does not order again (AUC %(base).2f over all customers)."
    ) % {"base": baseline.auc if baseline else float("nan")}
    if closest is not None:
        sentence += " " + _(
            "The closest, the %(label)s, differs by %(diff)+.3f (95%% interval %(low)+.3f to "
            "%(high)+.3f)."
        ) % {
            "label": closest.label,
            "diff": closest.difference.estimate,
            "low": closest.difference.low,
            "high": closest.difference.high,
        }
    better_for_repeaters = [
        item
        for item in rated
        if item.key in SHOWN_SIGNALS
        and item.difference_repeaters is not None
        and item.difference_repeaters.low > 0
    ]
    if better_for_repeaters:
        top = max(better_for_repeaters, key=lambda item: item.difference_repeaters.low)
        sentence += " " + _(
            "Among customers who have ordered more than once, the %(label)s predicts better "
            "(difference %(diff)+.3f, 95%% interval %(low)+.3f to %(high)+.3f)."
        ) % {
            "label": top.label,
            "diff": top.difference_repeaters.estimate,
            "low": top.difference_repeaters.low,
            "high": top.difference_repeaters.high,
        }
    if alarm_interval is not None:
        sentence += " " + _(
            "The churn alarm rings for customers who have waited more than %(days)d days, the "
            "factor times the average reorder interval of %(interval)d days."
        ) % {
            "days": int(np.floor(churn_factor * alarm_interval)),
            "interval": round(alarm_interval),
        }
    return BASELINE, sentence
