"""The periodic job: warnings before a breach, escalation on breach, absent agents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.service.models import Absence, Case, CaseStatus
from stammkunde.service.services import cases as services
from stammkunde.service.services.monitoring import check_response_times, hand_over_absent_cases
from stammkunde.timeline.models import Activity

pytestmark = pytest.mark.django_db


def _case(customer, team_slug="beschwerdestelle"):
    return services.open_case(
        customer=customer,
        case_type="question",
        channel="email",
        subject="Frage",
        body="Hallo",
    )


def test_a_coming_breach_warns_and_a_breach_escalates_once(staffed, customer):
    team = staffed["beschwerdestelle"]
    team.first_response_minutes = 120
    team.save()
    case = _case(customer)
    opened = case.opened_at
    assert case.first_response_due_at == opened + timedelta(minutes=120)
    early = check_response_times(opened + timedelta(minutes=30))
    assert (early.warned, early.breached) == (0, 0)
    warned = check_response_times(opened + timedelta(minutes=90))
    assert (warned.warned, warned.breached) == (1, 0)
    breached = check_response_times(opened + timedelta(minutes=121))
    assert (breached.breached, breached.escalated) == (1, 1)
    again = check_response_times(opened + timedelta(minutes=130))
    assert (again.warned, again.breached, again.escalated) == (0, 0, 0)
    case.refresh_from_db()
    assert case.escalation_reason == "response_time"
    assert Activity.objects.filter(customer=customer, kind="case_escalated").count() == 1


def test_a_team_may_keep_breaches_out_of_the_mediators_queue(staffed, customer):
    team = staffed["beschwerdestelle"]
    team.first_response_minutes = 60
    team.escalate_on_breach = False
    team.save()
    case = _case(customer)
    result = check_response_times(case.opened_at + timedelta(hours=2))
    assert (result.breached, result.escalated) == (1, 0)
    case.refresh_from_db()
    assert case.breached_at is not None
    assert case.escalated_at is None


def test_cases_waiting_for_the_customer_do_not_breach(staffed, customer, agent):
    team = staffed["beschwerdestelle"]
    team.first_response_minutes = 60
    team.save()
    case = _case(customer)
    services.set_status(case, CaseStatus.WAITING_CUSTOMER, by=agent)
    result = check_response_times(case.opened_at + timedelta(hours=5))
    assert result.breached == 0


def test_an_absent_agents_cases_go_to_a_colleague(staffed, customer, agent, colleague):
    case = _case(customer)
    Case.objects.filter(pk=case.pk).update(assignee=agent)
    now = timezone.now()
    Absence.objects.create(
        user=agent, starts=now - timedelta(hours=1), ends=now + timedelta(days=3)
    )
    assert hand_over_absent_cases(now) == 1
    case.refresh_from_db()
    assert case.assignee == colleague
    assert hand_over_absent_cases(now) == 0


def test_assignee_and_team_lead_get_one_mail_per_warning_and_breach(
    staffed, customer, agent, colleague, lena
):
    from stammkunde.messaging.models import OutboundMessage
    from stammkunde.service.alert_queries import breach_alert_count, breach_alerts
    from stammkunde.service.models import TeamMember

    team = staffed["beschwerdestelle"]
    team.first_response_minutes = 120
    team.save()
    TeamMember.objects.create(team=team, user=lena, is_lead=True, is_active=False)
    for person, address in ((agent, "agent@shop.example"), (lena, "lena@shop.example")):
        person.email = address
        person.save(update_fields=["email"])
    case = _case(customer)
    services.assign(case, agent, by=None)
    case.refresh_from_db()
    assert breach_alert_count(agent) == 0

    warned = check_response_times(case.opened_at + timedelta(minutes=90))
    assert warned.alerts_queued == 2
    mails = OutboundMessage.objects.filter(source_type="case_clock", source_id=str(case.pk))
    assert sorted(mails.all().values_list("to_address", flat=True)) == [
        "agent@shop.example",
        "lena@shop.example",
    ]
    assert all(case.reference in mail.subject for mail in mails.all())
    assert all(f"/service/cases/{case.pk}/" in mail.text_body for mail in mails.all())
    assert breach_alert_count(agent) == 1
    assert breach_alert_count(lena) == 1
    assert breach_alert_count(colleague) == 0

    check_response_times(case.opened_at + timedelta(minutes=100))  # nothing new
    assert mails.all().count() == 2
    breached = check_response_times(case.opened_at + timedelta(minutes=121))
    assert breached.alerts_queued == 2
    assert mails.all().count() == 4
    check_response_times(case.opened_at + timedelta(minutes=130))
    assert mails.all().count() == 4
    assert [alert.pk for alert in breach_alerts(by=lena)] == [case.pk]


def test_after_a_late_first_response_the_resolution_clock_warns_and_breaches(
    staffed, customer, agent
):
    # The first response's breach marks kept the resolution clock from ever warning.
    team = staffed["beschwerdestelle"]
    team.first_response_minutes, team.resolution_minutes = 60, 600
    team.escalate_on_breach = False
    team.save()
    case = _case(customer)
    opened = case.opened_at
    assert check_response_times(opened + timedelta(minutes=61)).breached == 1
    services.reply(case, by=agent, text="Guten Tag, wir sehen nach.", status=CaseStatus.OPEN)
    case.refresh_from_db()
    assert (case.breach_warned_at, case.breached_at) == (None, None)
    assert case.resolution_due_at == opened + timedelta(minutes=600)
    assert check_response_times(opened + timedelta(minutes=560)).warned == 1
    assert check_response_times(opened + timedelta(minutes=601)).breached == 1


def test_breaches_found_long_after_their_due_time_make_one_mail_per_person_and_no_escalation(
    staffed, customer, agent, lena
):
    """After an upgrade, migration 0009 gave the old open cases their resolution due times,
    many of them days past: the next check mailed every lead once per case and filled the
    mediator's queue. Such breaches are marked, listed in one mail per person, not escalated;
    a breach the check sees as it happens still alerts and escalates on its own."""
    from stammkunde.messaging.models import OutboundMessage
    from stammkunde.service.models import TeamMember
    from stammkunde.service.services.monitoring import FOUND_LATE_AFTER

    team = staffed["beschwerdestelle"]
    team.first_response_minutes, team.resolution_minutes = 60, 600
    team.save()
    TeamMember.objects.create(team=team, user=lena, is_lead=True)
    lena.email = "lena@shop.example"
    lena.save(update_fields=["email"])
    now = timezone.now()
    old = [_case(customer) for _ in range(30)]
    # Answered long ago, resolution due days ago: as migration 0009 left them.
    Case.objects.filter(pk__in=[case.pk for case in old]).update(
        first_response_at=now - timedelta(days=6), resolution_due_at=now - timedelta(days=3)
    )
    fresh = _case(customer)
    Case.objects.filter(pk=fresh.pk).update(first_response_due_at=now - timedelta(minutes=3))

    result = check_response_times(now)
    assert (result.breached, result.found_late, result.escalated) == (31, 30, 1)
    assert Case.objects.filter(breached_at=now).count() == 31
    assert Case.objects.filter(escalated_at__isnull=False).get() == fresh
    mails = OutboundMessage.objects.filter(source_type="case_clock", to_address="lena@shop.example")
    # One about the breach seen as it happened, one listing the thirty.
    assert mails.count() == 2
    digest = mails.exclude(source_id=str(fresh.pk)).get()
    assert digest.subject == "30 Vorgänge über ihrer Frist vorgefunden"
    assert old[0].reference in digest.text_body
    assert "und 5 weitere" in digest.text_body
    assert "/service/cases/?view=due" in digest.text_body
    # Nothing new on the next run (every five minutes, far below the lateness).
    assert check_response_times(now + timedelta(minutes=5)).alerts_queued == 0
    assert timedelta(minutes=30) <= FOUND_LATE_AFTER
