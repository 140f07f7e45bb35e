"""The service report for team leads: response times, standards met, cases per type and team
over time, each team's times, breaches and backlog, backlog by age, goodwill granted (charts
from ui/charts.py)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stammkunde.core.number_formats import format_money, format_number, format_percent
from stammkunde.service.models import CaseType, GoodwillKind
from stammkunde.service.report_queries import ServiceReport
from stammkunde.service.report_queries import service_report as build_report
from stammkunde.service.reporting import met_share, spread
from stammkunde.shop.visibility import staff_shop_ids
from stammkunde.ui.charts import Series, bar_chart, line_chart

PERIODS = {"30": 30, "90": 90, "365": 365}
# Lazy: translated when a page shows them, in its reader's language (gettext here ran once, at
# import, so English readers saw the German labels of the process's first language).
BACKLOG_LABELS = {
    "under_1_day": gettext_lazy("under 1 day"),
    "1_to_3_days": gettext_lazy("1-3 days"),
    "3_to_7_days": gettext_lazy("3-7 days"),
    "7_to_30_days": gettext_lazy("7-30 days"),
    "over_30_days": gettext_lazy("over 30 days"),
}


def _hours(value: float | None) -> str:
    return "\u2013" if value is None else format_number(round(value, 1), 1)


def _percent(value: float | None) -> str:
    return "\u2013" if value is None else format_percent(value, 0)


@login_required
@permission_required("service.view_service_reports", raise_exception=True)
def service_report(request: HttpRequest) -> HttpResponse:
    days = PERIODS.get(request.GET.get("days", "90"), 90)
    report = build_report(since=timezone.now() - timedelta(days=days), by=request.user)
    types = [str(CaseType(value).label) for value in report.per_week_by_type]
    # Each week by its Monday, written as the dashboard's weeks are ("19. Oktober").
    weeks = [date_format(date.fromisoformat(week), "MONTH_DAY_FORMAT") for week in report.weeks]
    per_week = line_chart(
        weeks,
        [
            Series(label, values)
            for label, values in zip(types, report.per_week_by_type.values(), strict=True)
        ],
        title=_("Cases per type and week"),
        description=_("New cases per week, one line per case type"),
        chart_id="cases-per-week",
    )
    per_team = line_chart(
        weeks,
        [Series(name, values) for name, values in report.per_week_by_team.items()],
        title=_("Cases per team and week"),
        description=_("New cases per week, one line per team"),
        chart_id="cases-per-team",
    )
    backlog = bar_chart(
        [str(BACKLOG_LABELS[key]) for key in report.backlog],
        [Series(_("Open cases"), list(report.backlog.values()))],
        title=_("Backlog by age"),
        description=_("Open cases by how long ago they were opened"),
        chart_id="backlog-by-age",
    )
    figures = [
        (_("First response, median (business hours)"), _hours(report.first_response_hours.median)),
        (_("First response, 90th percentile"), _hours(report.first_response_hours.p90)),
        (_("Resolution, median (business hours)"), _hours(report.resolution_hours.median)),
        (_("Resolution, 90th percentile"), _hours(report.resolution_hours.p90)),
        (_("First-response standard met"), _percent(report.first_response_met)),
        (_("Resolution standard met"), _percent(report.resolution_met)),
    ]
    per_type = [(str(CaseType(key).label), count) for key, count in sorted(report.per_type.items())]
    goodwill_rows, goodwill_chart = _goodwill(report)
    return render(
        request,
        "ui/service/cases/report.html",
        {
            "days": days,
            "figures": figures,
            "per_type": per_type,
            "teams": _team_rows(report),
            "goodwill": goodwill_rows,
            "charts": [per_week, per_team, backlog],
            "goodwill_chart": goodwill_chart,
            "limited_to_shops": staff_shop_ids(request.user) is not None,
        },
    )


def _team_rows(report: ServiceReport) -> list[list[str]]:
    """Per team: cases, first response and resolution (median, p90, standard met), open now."""
    rows = []
    for name, team in report.teams.items():
        first, resolution = spread(team.first_response_hours), spread(team.resolution_hours)
        rows.append(
            [
                name,
                str(team.cases),
                _hours(first.median),
                _hours(first.p90),
                _percent(met_share(team.first_response_met)),
                _hours(resolution.median),
                _hours(resolution.p90),
                _percent(met_share(team.resolution_met)),
                str(team.open_now),
            ]
        )
    return rows


def _goodwill(report: ServiceReport) -> tuple[list[tuple[str, int, str]], str]:
    """Goodwill granted per kind (rows) and the euros per kind as a chart ('' without any)."""
    rows = [
        (str(GoodwillKind(row.kind).label), row.count, format_money(row.total, row.currency))
        for row in report.goodwill
    ]
    in_euros = [row for row in report.goodwill if row.currency == "EUR"]
    chart = ""
    if in_euros:
        chart = bar_chart(
            [str(GoodwillKind(row.kind).label) for row in in_euros],
            [Series(_("Granted"), [float(row.total) for row in in_euros])],
            title=_("Goodwill granted"),
            description=_("Goodwill granted in the period per kind, in euros"),
            value_format=lambda value: format_money(value, "EUR"),
            chart_id="goodwill-granted",
        )
    return rows, chart
