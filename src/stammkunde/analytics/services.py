"""The scoring job, the churn backtest on the shop's own orders, and settings changes.

``run_scoring`` reads every counted order in one streamed query, computes per customer in
numpy (stammkunde.analytics.rfm, .intervals, .scoring), and writes scores and dashboard
aggregates in one transaction. Bad data never makes it fail: what cannot be scored is marked
with its reason, a failed model fit falls back to the simple rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.analytics import backtest, reading, scoring, writing
from stammkunde.analytics.aggregating import dashboard_aggregates, summary_of_scores
from stammkunde.analytics.models import (
    AnalyticsSettings,
    RunKind,
    RunState,
    ScoreModel,
    ScoringRun,
)
from stammkunde.analytics.scorecard import ScoringRules, score_customers, usable_orders
from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit

logger = logging.getLogger(__name__)
EPOCH = date(1970, 1, 1)

Progress = Callable[[str, int, int | None], None]
SETTINGS_FIELDS = (
    "churn_factor",
    "reference_interval",
    "interval_overrides",
    "clv_margin",
    "monthly_discount_rate",
    "main_currency",
    "exchange_rates",
    "holdout_days",
)


def current_settings() -> AnalyticsSettings:
    """The settings row, or the defaults when nobody has saved settings yet."""
    return AnalyticsSettings.objects.filter(pk=1).first() or AnalyticsSettings(pk=1)


@transaction.atomic
def update_settings(*, by, **changes) -> AnalyticsSettings:
    """Change analytics settings (validated like the admin form); applies from the next run."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    settings_row = current_settings()
    for name, value in changes.items():
        setattr(settings_row, name, value)
    settings_row.full_clean()
    settings_row.save()
    audit(actor=by, action=AuditAction.CHANGE, obj=settings_row, fields=changes.keys())
    return settings_row


@dataclass(frozen=True)
class Currencies:
    main: str
    rates: np.ndarray  # per currency code index: units of main currency, NaN = no rate


def _known_currencies(settings_row: AnalyticsSettings) -> set[str]:
    """Currencies orders are expected in: the shops', the settings', the last run's."""
    from stammkunde.shop.models import Shop

    known = set(Shop.objects.values_list("currency", flat=True))
    known |= {str(code) for code in (settings_row.exchange_rates or {})}
    known.add(settings_row.main_currency or "")
    previous = (
        ScoringRun.objects.filter(kind=RunKind.SCORING, state=RunState.FINISHED)
        .order_by("-started_at")
        .values_list("summary", flat=True)
        .first()
    )
    if isinstance(previous, dict) and isinstance(previous.get("currencies"), dict):
        known |= {str(code) for code in previous["currencies"]}
    return {code.upper() for code in known if code}


def _currencies(orders: reading.OrderArrays, settings_row: AnalyticsSettings) -> Currencies:
    main = (settings_row.main_currency or "").upper() or (
        next(iter(orders.currency_orders), None) or "EUR"
    )
    given = {str(k).upper(): v for k, v in (settings_row.exchange_rates or {}).items()}
    rates = []
    for code in orders.currencies:
        code = code.upper()
        if code == main:
            rates.append(1.0)
            continue
        try:
            rate = float(given.get(code, "nan"))
        except (TypeError, ValueError):
            rate = float("nan")
        rates.append(rate if np.isfinite(rate) and rate > 0 else float("nan"))
    return Currencies(main=main, rates=np.array(rates, dtype=float))


def run_scoring(
    *, progress: Progress | None = None, model: str = "bgnbd", as_of: datetime | None = None
) -> ScoringRun:
    """Score every customer with orders and refresh the dashboard aggregates.

    ``progress(stage, done, total)`` is called as the job advances. ``as_of`` scores the shop as
    it stood at that time (default: now; orders after it count as future orders), e.g. to score
    a historical data set as of its last day. Returns the run (state ``finished``, or
    ``failed`` with the error recorded).
    """
    if model not in (ScoreModel.BGNBD, ScoreModel.PARETONBD):
        raise ValueError(f"unknown model {model!r}: use bgnbd or paretonbd")
    now = timezone.now()
    run = ScoringRun.objects.create(kind=RunKind.SCORING, started_at=now, model=model)
    try:
        orders = _score(
            run, now=now, as_of=as_of or now, model=model, progress=progress or _no_progress
        )
    except Exception as error:
        logger.exception("scoring run %s failed", run.pk)
        run.state = RunState.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "error", "finished_at"])
        return run
    _refresh_followers(run, orders)
    return run


def _no_progress(stage: str, done: int, total: int | None) -> None:
    return None


def _score(
    run: ScoringRun, *, now: datetime, as_of: datetime, model: str, progress: Progress
) -> reading.OrderArrays:
    """Read, compute and write the run's scores; returns the orders read, for the followers."""
    settings_row = current_settings()
    total_orders = reading.estimated_order_count()
    progress("read", 0, total_orders)
    orders = reading.read_orders(
        lambda done: progress("read", done, total_orders),
        known_currencies=_known_currencies(settings_row),
    )
    progress("read", len(orders), total_orders)
    currencies = _currencies(orders, settings_row)
    as_of_day = int(reading.local_days(np.array([int(as_of.timestamp())]))[0])

    progress("compute", 0, None)
    card = score_customers(
        orders,
        as_of_day=as_of_day,
        now_seconds=int(as_of.timestamp()),
        main_currency=currencies.main,
        rates=currencies.rates,
        rules=ScoringRules.from_settings(settings_row),
        model=model,
        uncounted_customers=orders.uncounted_customers,
        categories=reading.main_categories,
    )
    aggregates = dashboard_aggregates(
        orders,
        rates=currencies.rates,
        main_currency=currencies.main,
        now_seconds=int(as_of.timestamp()),
    )
    progress("compute", 1, 1)

    total = card.size
    progress("write", 0, total)
    with transaction.atomic(), _bulk_settings():
        written = writing.replace_scores(
            card.columns(scored_at=now),
            scored_at=now,
            progress=lambda done: progress("write", done, total),
        )
        writing.delete_restricted_scores()
        writing.replace_kpi_rows(aggregates.kpi_rows, now)
        writing.replace_cohort_cells(aggregates.cohort_rows, now)
        run.state = RunState.FINISHED
        run.finished_at = timezone.now()
        run.model = card.model
        run.customers_scored = card.scored_count
        run.customers_skipped = written - card.scored_count
        run.parameters = card.parameters
        run.calibration = card.calibration
        run.summary = summary_of_scores(card, main_currency=currencies.main) | {
            "as_of": (EPOCH + timedelta(days=as_of_day)).isoformat(),
            "orders_read": len(orders),
            "currencies": orders.currency_orders,
            "fit_error": card.fit_error,
            "churn_factor": float(settings_row.churn_factor),
            "model_status": {
                "reason": card.model_reason,
                "fallback_from": card.fallback_from,
                "customers": card.scored_count,
                "repeaters": int(np.count_nonzero(card.summary.frequency > 0)),
                "min_customers": scoring.MIN_MODEL_CUSTOMERS,
                "min_repeaters": scoring.MIN_MODEL_REPEATERS,
            },
        }
        run.save()
    progress("write", total, total)
    return orders


class BacktestError(ValueError):
    """The backtest cannot run with these dates (message for the user)."""


def run_backtest(
    *,
    calibration_end: date | None = None,
    holdout_days: int | None = None,
    progress: Progress | None = None,
) -> ScoringRun:
    """Rerun the churn backtest on the shop's own orders and store its table.

    Fits on the orders up to ``calibration_end`` (default: ``holdout_days`` before today) and
    measures on the following ``holdout_days`` (default: the settings' holdout) how well each
    churn signal ranked who really bought again. Raises BacktestError for impossible dates.
    """
    progress = progress or _no_progress
    settings_row = current_settings()
    holdout = int(holdout_days or settings_row.holdout_days)
    if holdout < 1:
        raise BacktestError(_("The holdout window must be at least one day long."))
    now = timezone.now()
    as_of_day = int(reading.local_days(np.array([int(now.timestamp())]))[0])
    end_day = as_of_day - holdout if calibration_end is None else (calibration_end - EPOCH).days
    if end_day + holdout > as_of_day:
        raise BacktestError(
            _("The holdout window must end by today: choose an earlier calibration end.")
        )
    run = ScoringRun.objects.create(kind=RunKind.BACKTEST, started_at=now)
    total_orders = reading.estimated_order_count()
    orders = reading.read_orders(
        lambda done: progress("read", done, total_orders),
        known_currencies=_known_currencies(settings_row),
    )
    currencies = _currencies(orders, settings_row)
    usable = usable_orders(orders, now_seconds=int(now.timestamp()), rates=currencies.rates)
    progress("compute", 0, None)
    try:
        with np.errstate(all="ignore"):
            result = backtest.run_backtest(
                orders.customer[usable],
                orders.day[usable].astype(float),
                float(end_day),
                float(end_day + holdout),
                churn_factor=float(settings_row.churn_factor),
            )
    except (ValueError, ArithmeticError) as error:
        run.state = RunState.FAILED
        run.error = str(error)[:2000]
    else:
        run.state = RunState.FINISHED
        run.backtest = _json_safe(result.to_dict()) | {
            "calibration_end": (EPOCH + timedelta(days=end_day)).isoformat(),
            "holdout_days": holdout,
        }
        run.customers_scored = result.customers
        run.model = ScoreModel.BGNBD if result.bgnbd else ScoreModel.RULES
    run.finished_at = timezone.now()
    run.save()
    progress("compute", 1, 1)
    return run


def _json_safe(value):
    """Replace NaN and infinities (not valid JSON) by None, recursively."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def _bulk_settings():
    from stammkunde.core.bulk import sqlite_bulk_write_settings

    return sqlite_bulk_write_settings()


def _refresh_followers(run: ScoringRun, orders: reading.OrderArrays) -> None:
    """Segment counts and product affinities follow each scoring (helper modules of the app);
    the affinities take the orders the run read (customer and time of each order)."""
    problems = []
    try:
        from stammkunde.analytics.segments import refresh_segment_counts

        refresh_segment_counts()
    except Exception as error:
        logger.exception("refreshing segment counts failed")
        problems.append(f"segments: {type(error).__name__}: {error}")
    try:
        from stammkunde.analytics.recommendations import refresh_product_affinities

        refresh_product_affinities(orders=orders)
    except Exception as error:
        logger.exception("refreshing product affinities failed")
        problems.append(f"recommendations: {type(error).__name__}: {error}")
    if problems:
        run.error = "; ".join(problems)[:2000]
        run.save(update_fields=["error"])
