"""``stammkunde analytics run`` and ``stammkunde analytics backtest``."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from stammkunde.analytics.models import CustomerScore, RunKind, ScoringRun
from tests.analytics.test_scoring import histories, write_orders

pytestmark = pytest.mark.django_db


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("analytics", *args, stdout=out)
    return out.getvalue()


def test_run_scores_and_reports(shop):
    customers = write_orders(shop, histories(count=80))

    output = run_command("run")

    assert f"Scored {len(customers)} customers (0 not scored) with bgnbd" in output
    assert CustomerScore.objects.count() == len(customers)


def test_run_with_pareto_nbd(shop):
    write_orders(shop, histories(count=80))

    output = run_command("run", "--model", "paretonbd")

    run = ScoringRun.objects.get(kind=RunKind.SCORING)
    assert f"with {run.model} in" in output
    assert run.model in {"paretonbd", "bgnbd"}
    if run.model == "bgnbd":  # Pareto/NBD did not fit: BG/NBD took over, and the output says so
        assert "Pareto/NBD could not be fitted; BG/NBD was used instead." in output


def test_backtest_prints_auc_and_precision_per_signal_and_a_verdict(shop):
    write_orders(shop, histories(count=150))
    end = timezone.localdate() - timedelta(days=120)

    output = run_command("backtest", "--calibration-end", end.isoformat(), "--holdout-days", "90")

    run = ScoringRun.objects.get(kind=RunKind.BACKTEST)
    assert f"calibration until {end.isoformat()}, 90 days holdout" in output
    for signal in run.backtest["signals"]:
        assert signal["label"] in output
    assert "| AUC, all |" in output and "| AUC, repeaters |" in output
    assert "base-rate share" in output  # the models flag as many as really did not return
    assert f"{run.backtest['repeaters']} repeaters" in output
    assert run.backtest["verdict"] in output


def test_backtest_refuses_a_holdout_that_ends_in_the_future(shop):
    end = timezone.localdate() - timedelta(days=10)

    with pytest.raises(CommandError, match="holdout window must end by today"):
        run_command("backtest", "--calibration-end", end.isoformat(), "--holdout-days", "90")


def test_backtest_refuses_a_malformed_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run_command("backtest", "--calibration-end", "yesterday")


def test_backtest_on_an_empty_shop_says_so(shop):
    output = run_command("backtest")

    assert "No customer had ordered" in output
