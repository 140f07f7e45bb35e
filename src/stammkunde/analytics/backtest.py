"""The churn backtest anyone can rerun, and the calibration/holdout check (pure numpy).

Given every purchase as (customer index, time in days), a calibration end and a holdout end:

1. summarise each customer who had bought by the calibration end: repeat purchases x, recency t_x,
   age T, and the number of purchases in the holdout window (purchases at the same time count once,
   as in Fader, Hardie & Lee's treatment of CDNOW);
2. fit BG/NBD and Pareto/NBD on the calibration summaries;
3. score every customer with the product's churn signals - the days since the last order, the
   alarm at k x the shop's average reorder interval (the very rule the scoring job uses), the
   model's churn risk (``btyd.risk``), BG/NBD and Pareto/NBD P(alive) - and measure on the same
   customers (all, and the repeaters separately) how well each ranks who did NOT buy again in the
   holdout (AUC), with bootstrap 95% intervals of each AUC's difference to the days since the
   last order, and how many flagged customers really did not (precision: the alarm flags by its
   own rule, the others flag as many customers as really did not buy again);
4. say in plain words which signal to trust on this data, and pick the signal the product shows:
   a model's figure only where it beats the days since the last order beyond the 95% interval.

``calibration_check`` compares the model's expected holdout purchases with the actual ones per
calibration frequency (0, 1, ..., 7+), as in FHL 2005 Figure 3.

The parts live beside this module: ``backtest_calibration`` (step 1 and the calibration check),
``backtest_signals`` (steps 2 and 3), ``backtest_metrics`` (AUC, precision), ``backtest_verdict``
(step 4) and ``backtest_report`` (the table the command prints).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

from .backtest_calibration import CalibrationCheck, calibration_check, summarize
from .backtest_signals import BOOTSTRAP_SAMPLES, SignalResult, measure_signals
from .backtest_verdict import pick_shown_signal, verdict
from .btyd import DEFAULT_HORIZON_DAYS, BGNBDParams, ParetoNBDParams


@dataclass(frozen=True)
class BacktestResult:
    """What the backtest measured; ``verdict`` says which signal to trust, in the user's language.

    ``customers_returned`` bought again in the holdout; the signals rank the others (the ones who
    did not) first. Parameters are None where a model could not be fitted. ``shown_signal`` is
    the signal the product shows per customer after this backtest.
    """

    customers: int
    customers_returned: int
    repeaters: int
    repeaters_returned: int
    one_time_buyers: int
    one_time_buyers_returned: int
    holdout_length: float
    risk_horizon: float
    churn_factor: float
    alarm_interval: float | None
    bootstrap_samples: int
    bgnbd: BGNBDParams | None
    paretonbd: ParetoNBDParams | None
    signals: tuple[SignalResult, ...]
    best_signal: str | None
    shown_signal: str
    verdict: str
    calibration: CalibrationCheck | None

    def signal(self, key: str) -> SignalResult | None:
        return next((item for item in self.signals if item.key == key), None)

    def to_dict(self) -> dict:
        """Plain JSON-ready values (for ScoringRun.backtest)."""
        return asdict(self)


def run_backtest(
    customer: ArrayLike,
    time: ArrayLike,
    calibration_end: float,
    holdout_end: float,
    *,
    churn_factor: float = 2.0,
    risk_horizon: float = DEFAULT_HORIZON_DAYS,
    bootstrap_samples: int = BOOTSTRAP_SAMPLES,
) -> BacktestResult:
    """Fit on the calibration window, measure the product's churn signals on the holdout window.

    Times are in days (``risk_horizon`` too). Every signal is measured on the same customers:
    all of them, and the repeaters (2+ purchase days by the calibration end) separately.
    """
    summary = summarize(customer, time, calibration_end, holdout_end)
    x, t_x, age = summary.frequency, summary.recency, summary.T
    gone = summary.holdout_purchases == 0  # the event every signal should rank first
    one_time = x == 0
    repeater = ~one_time
    measured = measure_signals(
        summary,
        churn_factor=churn_factor,
        risk_horizon=risk_horizon,
        bootstrap_samples=bootstrap_samples,
    )
    calibration = None
    if measured.bgnbd is not None:
        calibration = calibration_check(
            measured.bgnbd, x, t_x, age, summary.holdout_purchases, summary.holdout_length
        )
    shown = pick_shown_signal(measured.signals)
    best, sentences = verdict(
        measured.signals, x.size, shown, measured.alarm_interval, churn_factor
    )
    return BacktestResult(
        customers=int(x.size),
        customers_returned=int(np.count_nonzero(~gone)),
        repeaters=int(repeater.sum()),
        repeaters_returned=int(np.count_nonzero(repeater & ~gone)),
        one_time_buyers=int(one_time.sum()),
        one_time_buyers_returned=int(np.count_nonzero(one_time & ~gone)),
        holdout_length=summary.holdout_length,
        risk_horizon=float(risk_horizon),
        churn_factor=float(churn_factor),
        alarm_interval=measured.alarm_interval,
        bootstrap_samples=int(bootstrap_samples),
        bgnbd=measured.bgnbd,
        paretonbd=measured.paretonbd,
        signals=measured.signals,
        best_signal=best,
        shown_signal=shown,
        verdict=sentences,
        calibration=calibration,
    )
