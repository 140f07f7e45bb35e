"""The demo's service cases: a history over the past weeks that makes the queue, the
mediator's escalations and the service report look like a desk at work; written once.

All demo cases were answered at once when the demo ran: first responses of "0 hours", every
standard met or none, every case in the current week, the backlog empty or all of one age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stammkunde.demo.cases import ensure_cases_demo
from stammkunde.demo.desk import ensure_desk_demo
from stammkunde.demo.staff import ensure_demo_staff
from stammkunde.service.models import Case, CaseMessage, GoodwillGrant
from stammkunde.service.report_queries import service_report
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

# Friday 4 December 2026, 12:00 in Freiburg.
NOW = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def demo_desk():
    ensure_demo_staff("geheim-demo-1")
    for index in range(50):
        OrderFactory(customer=CustomerFactory(), placed_at=NOW - timedelta(days=index % 40 + 2))
    ensure_desk_demo()  # the teams' Bundesland, standards and targets, as the demo runs it


def test_cases_demo_writes_a_history_the_report_can_judge(demo_desk):
    assert ensure_cases_demo(count=48, now=NOW) is True
    cases = list(Case.objects.filter(merged_into__isnull=True))
    opened = [case.opened_at.astimezone(BERLIN) for case in cases]
    # Spread over the past weeks, most of them on weekdays in business hours.
    assert len({moment.isocalendar()[:2] for moment in opened}) >= 6
    assert min(opened) < NOW - timedelta(weeks=5)
    office = [moment for moment in opened if moment.weekday() < 5 and 8 <= moment.hour < 18]
    assert len(office) >= 0.7 * len(opened)
    replies = list(
        CaseMessage.objects.filter(direction="outbound").values_list("created_at", flat=True)
    )
    assert max(replies) - min(replies) > timedelta(weeks=4)

    report = service_report(since=NOW - timedelta(weeks=9), now=NOW)
    # Most answered and solved within the standard, not all; in hours, not at once.
    assert 0.6 <= report.first_response_met < 1
    assert 0.6 <= report.resolution_met < 1
    assert 0.25 < report.first_response_hours.median < 8
    assert report.resolution_hours.median > report.first_response_hours.median
    assert len(report.weeks) >= 6
    assert all(sum(counts) for counts in report.per_week_by_team.values())
    assert sum(report.backlog.values()) >= 2

    statuses = {case.status for case in cases}
    assert {"solved", "closed"} <= statuses
    assert statuses & {"new", "open", "waiting_customer"}
    # Waiting for the customer stopped the clock; the mediator got some; a few breached.
    assert any(case.pauses for case in cases)
    reasons = {case.escalation_reason for case in cases if case.escalated_at is not None}
    assert {"manual", "response_time"} <= reasons
    assert all(case.escalated_at >= case.opened_at for case in cases if case.escalated_at)
    assert any(case.breached_at for case in cases)
    assert Case.objects.filter(merged_into__isnull=False).count() == 1
    # Goodwill came with the answers over the weeks: within the agent's limit at once, above
    # it decided by the team lead later.
    grants = list(GoodwillGrant.objects.filter(case__isnull=False))
    assert len(grants) >= 4
    assert max(g.requested_at for g in grants) - min(g.requested_at for g in grants) > timedelta(
        weeks=2
    )
    assert any(g.decided_by is not None and g.decided_at > g.requested_at for g in grants)
    assert any(g.status == "granted" and g.decided_by is None for g in grants)


def test_cases_demo_runs_once(demo_desk):
    assert ensure_cases_demo(count=12, now=NOW) is True
    count = Case.objects.count()
    assert ensure_cases_demo(count=12, now=NOW) is False
    assert Case.objects.count() == count
