"""``stammkunde analytics run`` (the scoring job) and ``stammkunde analytics backtest``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stammkunde.analytics.backtest_report import report_counts, report_table
from stammkunde.analytics.models import RunState


class Command(BaseCommand):
    help = "Score customers (RFM, churn alarm, BG/NBD, CLV) or rerun the churn backtest."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        run = commands.add_parser("run", help="run the scoring job now")
        run.add_argument("--model", choices=["bgnbd", "paretonbd"], default="bgnbd")
        backtest = commands.add_parser("backtest", help="measure the churn signals on past orders")
        backtest.add_argument(
            "--calibration-end",
            type=_parse_date,
            default=None,
            help="last day of the calibration window, YYYY-MM-DD (default: holdout before today)",
        )
        backtest.add_argument(
            "--holdout-days", type=int, default=None, help="length of the holdout window in days"
        )

    def handle(self, *args, **options) -> None:
        if options["action"] == "run":
            self._run(options["model"])
        else:
            self._backtest(options["calibration_end"], options["holdout_days"])

    def _progress_bar(self) -> tuple[Progress, Callable[[str, int, int | None], None]]:
        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        labels = {
            "read": _("Reading orders"),
            "compute": _("Computing scores"),
            "write": _("Writing scores"),
        }
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(labels.get(stage, stage), total=total)
            progress.update(tasks[stage], completed=done, total=total)

        return progress, update

    def _run(self, model: str) -> None:
        from stammkunde.analytics.services import run_scoring

        progress, update = self._progress_bar()
        with progress:
            run = run_scoring(progress=update, model=model)
        if run.state != RunState.FINISHED:
            raise CommandError(_("The scoring job failed: %(error)s") % {"error": run.error})
        self.stdout.write(
            _(
                "Scored %(scored)d customers (%(skipped)d not scored) with %(model)s in "
                "%(seconds).1f s; %(alarms)d churn alarms."
            )
            % {
                "scored": run.customers_scored,
                "skipped": run.customers_skipped,
                "model": run.model,
                "seconds": (run.finished_at - run.started_at).total_seconds(),
                "alarms": run.summary.get("churn_alarms", 0),
            }
        )
        status = run.summary.get("model_status") or {}
        if status.get("fallback_from") == "paretonbd":
            self.stdout.write(_("Pareto/NBD could not be fitted; BG/NBD was used instead."))
        if status.get("reason") in ("too_few_customers", "too_few_repeaters"):
            self.stdout.write(
                _(
                    "Not enough data yet for predictions: %(customers)d customers, "
                    "%(repeaters)d of them ordered more than once; the models need at least "
                    "%(min_customers)d and %(min_repeaters)d."
                )
                % status
            )
        elif run.summary.get("fit_error"):
            self.stdout.write(
                _("The model could not be fitted (%(error)s); simple rules were used.")
                % {"error": run.summary["fit_error"]}
            )
        if run.error:
            self.stdout.write(_("Follow-up steps reported: %(error)s") % {"error": run.error})

    def _backtest(self, calibration_end: date | None, holdout_days: int | None) -> None:
        from stammkunde.analytics.services import BacktestError, run_backtest

        progress, update = self._progress_bar()
        try:
            with progress:
                run = run_backtest(
                    calibration_end=calibration_end, holdout_days=holdout_days, progress=update
                )
        except BacktestError as error:
            raise CommandError(str(error)) from None
        if run.state != RunState.FINISHED:
            raise CommandError(_("The backtest failed: %(error)s") % {"error": run.error})
        result = run.backtest
        self.stdout.write(
            _("Churn backtest: calibration until %(end)s, %(days)d days holdout")
            % {"end": result["calibration_end"], "days": result["holdout_days"]}
        )
        self.stdout.write(report_table(result))
        self.stdout.write(report_counts(result))
        self.stdout.write(result["verdict"])


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("Dates are written YYYY-MM-DD, e.g. 2026-06-30.")
        ) from None
