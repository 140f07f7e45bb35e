"""The case pages: queue, case page and its actions, opening a case, teams, rules, report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stammkunde.audit.models import AuditEntry
from stammkunde.messaging.models import OutboundMessage
from stammkunde.service.models import Case, CaseMessage, CaseStatus, RoutingRule, Team, TeamMember
from stammkunde.service.services import cases as services
from tests.factories import CustomerFactory, OrderFactory, make_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def erika(db):
    return CustomerFactory(first_name="Erika", last_name="Mustermann", email="erika@example.de")


@pytest.fixture
def case(erika, agent):
    for team in Team.objects.all():
        TeamMember.objects.create(team=team, user=agent)
    order = OrderFactory(customer=erika, number="10234")
    return services.open_case(
        customer=erika,
        case_type="delivery_problem",
        channel="email",
        subject="Paket nicht angekommen",
        body="Bestellung 10234 ist nicht da.",
        orders=[order],
        from_address="erika@example.de",
        message_id="<m1@example.de>",
    )


@pytest.fixture
def mediator(db):
    return make_staff_user("moritz", role="Mediator")


def test_the_agent_finds_the_case_in_their_queue(client, agent, case):
    client.force_login(agent)
    html = client.get(reverse("ui:case-queue")).content.decode()
    assert case.reference in html
    assert "Paket nicht angekommen" in html
    entry = AuditEntry.objects.filter(actor=agent, detail="case queue: mine").get()
    assert list(entry.customers.values_list("customer_id", flat=True)) == [case.customer_id]


def test_the_queue_filters_by_type_and_text(client, agent, case):
    client.force_login(agent)
    hit = client.get(reverse("ui:case-queue"), {"view": "all", "case_type": "delivery_problem"})
    miss = client.get(reverse("ui:case-queue"), {"view": "all", "case_type": "return"})
    by_text = client.get(reverse("ui:case-queue"), {"view": "all", "q": case.reference})
    assert case.reference in hit.content.decode()
    assert case.reference not in miss.content.decode()
    assert case.reference in by_text.content.decode()


def test_the_case_page_shows_thread_orders_and_is_audited(client, agent, case):
    client.force_login(agent)
    html = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert "Bestellung 10234 ist nicht da." in html
    assert "10234" in html
    assert AuditEntry.objects.filter(
        actor=agent, action="view", object_id=str(case.pk), customer_id=case.customer_id
    ).exists()


def test_the_case_page_reads_a_long_thread_in_a_fixed_number_of_queries(client, agent, case):
    client.force_login(agent)
    url = reverse("ui:case-detail", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    now = timezone.now()
    CaseMessage.objects.bulk_create(
        CaseMessage(
            case=case,
            direction="note" if number % 3 == 0 else "inbound",
            author=agent if number % 3 == 0 else None,
            from_address="erika@example.de",
            body_text=f"Nachricht {number}",
            created_at=now + timedelta(seconds=number),
        )
        for number in range(200)
    )
    with CaptureQueriesContext(connection) as long:
        response = client.get(url)
    assert "Nachricht 199" in response.content.decode()
    assert len(long.captured_queries) == len(short.captured_queries)


def test_html_of_a_mail_is_shown_in_a_sandbox_without_scripts(client, agent, case):
    CaseMessage.objects.filter(case=case).update(body_html="<p>Hallo</p><script>alert(1)</script>")
    client.force_login(agent)
    html = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert 'sandbox="allow-same-origin" title=' in html
    assert "allow-scripts" not in html


def test_the_agent_replies_and_sets_the_status(client, agent, case):
    client.force_login(agent)
    response = client.post(
        reverse("ui:case-reply", args=[case.pk]),
        {"text": "Wir haben nachgefragt.", "status": "waiting_customer"},
    )
    assert response.status_code == 302
    assert OutboundMessage.objects.get().subject.startswith(f"Re: [{case.reference}]")
    client.post(reverse("ui:case-status", args=[case.pk]), {"status": "solved"})
    case.refresh_from_db()
    assert case.status == CaseStatus.SOLVED


def test_an_empty_reply_gets_a_message_not_a_500(client, agent, case):
    client.force_login(agent)
    response = client.post(
        reverse("ui:case-reply", args=[case.pk]), {"text": " ", "status": "open"}, follow=True
    )
    assert response.status_code == 200
    assert OutboundMessage.objects.count() == 0


def test_notes_assign_and_escalate_from_the_page(client, agent, case, mediator):
    client.force_login(agent)
    client.post(reverse("ui:case-note", args=[case.pk]), {"text": "Kundin ruft an"})
    client.post(reverse("ui:case-assign", args=[case.pk]), {"assignee": "", "team": ""})
    client.post(reverse("ui:case-escalate", args=[case.pk]), {"reason": "customer_request"})
    case.refresh_from_db()
    assert case.messages.filter(direction="note").count() == 1
    assert case.assignee is None
    assert case.escalation_reason == "customer_request"
    client.force_login(mediator)
    html = client.get(reverse("ui:case-queue")).content.decode()
    assert case.reference in html
    assert "the customer asked for someone else" in html


def test_a_case_is_opened_from_the_customer_page_during_a_call(client, agent, erika):
    client.force_login(agent)
    page = client.get(reverse("ui:customer-detail", args=[erika.pk])).content.decode()
    assert reverse("ui:case-new", args=[erika.pk]) in page
    response = client.post(
        reverse("ui:case-new", args=[erika.pk]) + "?channel=phone",
        {
            "case_type": "damaged_goods",
            "channel": "phone",
            "subject": "Tasse zerbrochen",
            "body": "Ruft an",
        },
    )
    case = Case.objects.get(customer=erika)
    assert response.url == reverse("ui:case-detail", args=[case.pk])
    assert case.channel == "phone"
    assert case.team.slug == "produktmanagement"
    assert case.opened_by == agent


def test_a_bad_form_to_open_a_case_is_a_422(client, agent, erika):
    client.force_login(agent)
    response = client.post(
        reverse("ui:case-new", args=[erika.pk]),
        {"case_type": "weird", "channel": "phone", "subject": ""},
    )
    assert response.status_code == 422


def test_marketing_sees_no_cases(client, marketer, case):
    client.force_login(marketer)
    assert client.get(reverse("ui:case-queue")).status_code == 403
    assert client.get(reverse("ui:case-detail", args=[case.pk])).status_code == 403


def test_agents_may_not_change_teams_or_see_reports(client, agent):
    client.force_login(agent)
    assert client.get(reverse("ui:team-list")).status_code == 403
    assert client.get(reverse("ui:service-report")).status_code == 403


def test_the_team_lead_edits_a_team_and_a_rule(client, team_lead):
    client.force_login(team_lead)
    team = Team.objects.get(slug="logistik")
    response = client.post(
        reverse("ui:team-edit", args=[team.pk]),
        {
            "name": "Logistik",
            "opening_hours": '{"0": [["08:00", "16:00"]]}',
            "subdivision": "BY",
            "company_holidays": "[]",
            "first_response_minutes": "240",
            "resolution_minutes": "",
            "warn_before_minutes": "30",
            "escalate_on_breach": "on",
            "assignment": "least_loaded",
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.first_response_minutes, team.assignment) == (240, "least_loaded")
    bad = client.post(
        reverse("ui:team-edit", args=[team.pk]),
        {
            "name": "Logistik",
            "opening_hours": '{"0": [["17:00", "08:00"]]}',
            "assignment": "none",
            "warn_before_minutes": "30",
        },
    )
    assert bad.status_code == 422
    response = client.post(
        reverse("ui:routing-rule-new"),
        {
            "name": "Retouren",
            "position": "50",
            "is_active": "on",
            "case_type": "return",
            "team": str(team.pk),
        },
    )
    assert response.status_code == 302
    assert RoutingRule.objects.filter(name="Retouren", team=team).exists()


def test_the_report_shows_figures_and_charts(client, team_lead, case, agent):
    services.reply(case, by=agent, text="Ist unterwegs.")
    client.force_login(team_lead)
    html = client.get(reverse("ui:service-report")).content.decode()
    assert "First response, median" in html
    assert 'id="cases-per-week"' in html or "cases-per-week" in html
    assert "Delivery problem" in html


def test_the_team_lead_records_absences_members_and_standards(client, team_lead, agent):
    from stammkunde.audit.models import AuditAction
    from stammkunde.service.models import Absence, ResponseStandard

    team = Team.objects.get(is_default=True)
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:absence-list"),
        {
            "user": agent.pk,
            "starts": "2030-07-01T08:00",
            "ends": "2030-07-14T18:00",
            "substitute": team_lead.pk,
            "note": "Urlaub",
        },
    )
    assert response.status_code == 302
    absence = Absence.objects.get(user=agent)
    assert absence.substitute == team_lead
    page = client.get(reverse("ui:absence-list"))
    assert "Urlaub" in page.content.decode()
    assert AuditEntry.objects.filter(
        actor=team_lead, action=AuditAction.VIEW, object_type="service.absence"
    ).exists()
    backwards = client.post(
        reverse("ui:absence-list"),
        {"user": agent.pk, "starts": "2030-08-02T08:00", "ends": "2030-08-01T08:00"},
    )
    assert backwards.status_code == 422
    assert Absence.objects.filter(user=agent).count() == 1

    client.post(
        reverse("ui:team-member-set", args=[team.pk]),
        {"user": agent.pk, "takes_cases": "on"},
    )
    assert TeamMember.objects.get(team=team, user=agent).is_active is True
    client.post(
        reverse("ui:team-standard-set", args=[team.pk]),
        {"case_type": "damaged_goods", "first_response_hours": "1,5", "resolution_hours": "8"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    standard = ResponseStandard.objects.get(team=team, case_type="damaged_goods")
    assert (standard.first_response_minutes, standard.resolution_minutes) == (90, 480)
    page = client.get(reverse("ui:team-edit", args=[team.pk])).content.decode()
    assert 'data-member="' + agent.username + '"' in page
    assert "1.5" in page

    client.post(reverse("ui:absence-list"), {"end": absence.pk})
    assert not Absence.objects.filter(pk=absence.pk).exists()  # still to come: cancelled


def test_an_overlapping_absence_is_a_form_error(client, team_lead, agent):
    from stammkunde.service.models import Absence

    client.force_login(team_lead)
    first = {"user": agent.pk, "starts": "2030-07-01T08:00", "ends": "2030-07-14T18:00"}
    assert client.post(reverse("ui:absence-list"), first).status_code == 302
    overlapping = {"user": agent.pk, "starts": "2030-07-10T08:00", "ends": "2030-07-20T18:00"}
    response = client.post(reverse("ui:absence-list"), overlapping)
    assert response.status_code == 422
    assert "is already away from" in response.content.decode()
    german = client.post(reverse("ui:absence-list"), overlapping, HTTP_ACCEPT_LANGUAGE="de")
    assert "ist bereits von 01.07.2030 08:00 bis 14.07.2030 18:00 abwesend" in (
        german.content.decode()
    )
    assert Absence.objects.filter(user=agent).count() == 1


def test_past_absences_are_listed_latest_first_in_pages(client, team_lead, agent):
    from datetime import timedelta

    from django.utils import timezone

    from stammkunde.service.services.teams import record_absence

    now = timezone.now()
    for weeks in range(1, 23):  # 22 past absences: a page of 20 and one of 2
        record_absence(
            user=agent,
            starts=now - timedelta(weeks=weeks, days=2),
            ends=now - timedelta(weeks=weeks),
            note=f"Woche {weeks}",
            by=team_lead,
        )
    record_absence(
        user=agent,
        starts=now + timedelta(days=1),
        ends=now + timedelta(days=2),
        note="bald",
        by=team_lead,
    )
    client.force_login(team_lead)
    first = client.get(reverse("ui:absence-list")).content.decode()
    past = first[first.index('id="past"') :]
    assert past.count("data-past-absence=") == 20
    assert "Woche 1<" in past and "Woche 20<" in past and "Woche 21<" not in past
    assert past.index("Woche 1<") < past.index("Woche 2<")
    assert "bald" not in past
    assert "?past_page=2" in past
    second = client.get(reverse("ui:absence-list") + "?past_page=2").content.decode()
    past = second[second.index('id="past"') :]
    assert past.count("data-past-absence=") == 2
    assert "Woche 21<" in past and "Woche 22<" in past
    assert "?past_page=1" in past and "?past_page=3" not in past
    assert client.get(reverse("ui:absence-list") + "?past_page=x").status_code == 200


def test_agents_may_not_manage_absences(client, agent):
    client.force_login(agent)
    assert client.get(reverse("ui:absence-list")).status_code == 403


def test_the_agent_splits_ticked_messages_into_a_new_case(client, agent, case, erika):
    second = services.add_inbound_message(
        case, from_address=erika.email, subject="Andere Frage: Rechnung", text="Rechnung fehlt."
    )
    client.force_login(agent)
    page = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert f'name="message" value="{second.pk}" form="split-form"' in page
    assert 'id="split-form"' in page
    response = client.post(reverse("ui:case-split", args=[case.pk]), {"message": [second.pk]})
    new_case = Case.objects.get(split_from=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:case-detail", args=[new_case.pk])
    assert CaseMessage.objects.get(pk=second.pk).case_id == new_case.pk
    new_page = client.get(reverse("ui:case-detail", args=[new_case.pk])).content.decode()
    assert case.reference in new_page
    old_page = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert new_case.reference in old_page
    # Nothing ticked, or a message of another case: a message, no 500, nothing moved.
    response = client.post(
        reverse("ui:case-split", args=[case.pk]), {"message": ["x"]}, follow=True
    )
    assert response.status_code == 200
    assert Case.objects.filter(split_from=case).count() == 1
    response = client.post(
        reverse("ui:case-split", args=[case.pk]), {"message": [second.pk]}, follow=True
    )
    assert response.status_code == 200
    assert CaseMessage.objects.get(pk=second.pk).case_id == new_case.pk


def test_the_queue_lists_the_users_cases_about_to_miss_their_deadline(client, agent, case):
    Case.objects.filter(pk=case.pk).update(
        assignee=agent, breach_warned_at=timezone.now(), breached_at=timezone.now()
    )
    client.force_login(agent)
    page = client.get(reverse("ui:case-queue")).content.decode()
    assert 'id="breach-alerts"' in page
    assert f'data-alert="{case.reference}"' in page
    assert AuditEntry.objects.filter(actor=agent, detail="breach alerts").exists()
    other = make_staff_user("carla", role="Service agent")
    client.force_login(other)
    assert 'id="breach-alerts"' not in client.get(reverse("ui:case-queue")).content.decode()


def test_the_case_page_offers_to_move_an_unverified_senders_case(client, agent, team_lead, erika):
    from stammkunde.customers.senders import customer_for_sender

    for team in Team.objects.all():
        TeamMember.objects.get_or_create(team=team, user=agent)
    order = OrderFactory(customer=erika, number="10777")
    stranger, _created = customer_for_sender(email="neu@example.net", name="Paul Muster")
    case = services.open_case(
        customer=stranger,
        case_type="delivery_problem",
        channel="email",
        subject="Wo bleibt Bestellung 10777?",
        body="Nichts angekommen.",
        from_address="neu@example.net",
    )
    client.force_login(team_lead)
    page = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert 'id="unverified-sender"' in page
    assert f"/customers/{erika.pk}/merge/?other={stranger.pk}" in page
    assert AuditEntry.objects.filter(
        actor=team_lead, customers__customer_id=erika.pk, action="view"
    ).exists()
    client.force_login(agent)
    wrong = client.post(
        reverse("ui:case-move-to-order-customer", args=[case.pk]), {"order": "999999"}
    )
    assert wrong.status_code == 302
    assert Case.objects.get(pk=case.pk).customer_id == stranger.pk
    client.post(reverse("ui:case-move-to-order-customer", args=[case.pk]), {"order": order.pk})
    assert Case.objects.get(pk=case.pk).customer_id == erika.pk


def test_the_case_page_shows_returns_refunds_and_withdrawals_of_its_orders(client, agent, case):
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from stammkunde.service.services.refunds import check_refund_clocks
    from stammkunde.shop.models import ReturnReason
    from stammkunde.shop.services.aftersales import (
        mark_return_received,
        record_return,
        record_withdrawal,
    )
    from stammkunde.shop.services.refunds import record_refund
    from tests.factories import OrderLineFactory

    berlin = ZoneInfo("Europe/Berlin")
    order = case.orders.get()
    line = OrderLineFactory(order=order)
    announced = datetime(2026, 11, 2, 10, 0, tzinfo=berlin)  # a Monday
    returned = record_return(
        order, reason=ReturnReason.DEFECTIVE, announced_at=announced, lines=[(line, 1)]
    )
    mark_return_received(returned, received_at=datetime(2026, 11, 4, 11, 0, tzinfo=berlin))
    check_refund_clocks(now=datetime(2026, 11, 4, 12, 0, tzinfo=berlin))
    record_refund(
        order,
        amount=Decimal("12.50"),
        refunded_at=datetime(2026, 11, 6, 9, 0, tzinfo=berlin),
        reason="Teilerstattung Kratzer",
        external_id="re_1",
    )
    record_withdrawal(order, declared_at=datetime(2026, 11, 3, 8, 0, tzinfo=berlin))
    client.force_login(agent)
    url = reverse("ui:case-detail", args=[case.pk])
    html = client.get(url).content.decode()
    assert "Return (Defective) announced 11/02/2026: Received" in html
    assert "goods back 11/04/2026" in html
    # The goods came back on Wednesday: the refund is due at the close of Thursday (9 to 5).
    assert "refund due 11/05/2026 5 p.m." in html
    assert "Refunded €12.50 on 11/06/2026 · Teilerstattung Kratzer" in html
    assert "Withdrawal declared 11/03/2026: Received" in html

    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Erstattet 12,50\xa0€ am 06.11.2026" in german
    # Three more facts cost no query per order: the prefetch reads them once.
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    case.orders.add(OrderFactory(customer=case.customer))
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    assert len(two.captured_queries) == len(one.captured_queries)


def test_an_overdue_refund_and_a_late_withdrawal_stand_out_on_the_case_page(client, agent, case):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from stammkunde.service.services.refunds import check_refund_clocks
    from stammkunde.shop.models import ReturnReason
    from stammkunde.shop.services.aftersales import (
        mark_return_received,
        record_return,
        record_shipment,
        record_withdrawal,
    )
    from tests.factories import OrderLineFactory

    berlin = ZoneInfo("Europe/Berlin")
    order = case.orders.get()
    line = OrderLineFactory(order=order)
    record_shipment(order, shipped_at=datetime(2026, 10, 1, 9, 0, tzinfo=berlin))
    returned = record_return(
        order,
        reason=ReturnReason.SIZE,
        announced_at=datetime(2026, 11, 2, 10, 0, tzinfo=berlin),
        lines=[(line, 1)],
    )
    mark_return_received(returned, received_at=datetime(2026, 11, 4, 11, 0, tzinfo=berlin))
    check_refund_clocks(now=datetime(2026, 11, 9, 12, 0, tzinfo=berlin), on_breach=lambda c: None)
    # A month after shipping: past the 14 days.
    record_withdrawal(order, declared_at=datetime(2026, 11, 3, 8, 0, tzinfo=berlin))
    client.force_login(agent)
    html = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert '<strong class="overdue">refund overdue (due 11/05/2026 5 p.m.)</strong>' in html
    assert "<strong>after the 14-day period</strong>" in html
