"""The case pages: queue, case page and its actions, opening a case, splitting one, deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stammkunde.audit.models import AuditEntry
from stammkunde.messaging.models import OutboundMessage
from stammkunde.service.models import Case, CaseMessage, CaseStatus, Team, TeamMember
from stammkunde.service.services import cases as services
from tests.factories import OrderFactory, make_staff_user

pytestmark = pytest.mark.django_db


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


def test_an_empty_queue_says_what_to_do(client, agent, case, erika):
    # "Hier sind keine Vorgänge." under "Meine (0)" while a case waited unassigned.
    from django.conf import settings

    Case.objects.filter(pk=case.pk).update(assignee=None)
    client.force_login(agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    mine = client.get(reverse("ui:case-queue"), {"view": "mine"}).content.decode()
    assert "Ihnen ist kein Vorgang zugewiesen." in mine
    assert 'href="?view=unassigned">Übernehmen Sie einen' in mine
    filtered = client.get(reverse("ui:case-queue"), {"view": "all", "case_type": "return"})
    assert "Kein Vorgang passt zu diesen Filtern." in filtered.content.decode()
    escalated = client.get(reverse("ui:case-queue"), {"view": "escalated"}).content.decode()
    assert "An die Schlichtung eskalieren" in escalated


def test_the_case_page_shows_thread_orders_and_is_audited(client, agent, case):
    client.force_login(agent)
    html = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert "Bestellung 10234 ist nicht da." in html
    assert "10234" in html
    assert AuditEntry.objects.filter(
        actor=agent, action="view", object_id=str(case.pk), customer_id=case.customer_id
    ).exists()


def test_after_the_first_reply_the_case_page_shows_the_resolution_clock(client, agent, case):
    # It showed no due time at all once answered: no team had a resolution target.
    services.reply(case, by=agent, text="Guten Tag, wir sehen nach.", status=CaseStatus.OPEN)
    case.refresh_from_db()
    assert case.resolution_due_at is not None
    client.force_login(agent)
    html = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert 'id="first-response"' in html
    assert 'id="resolution-due"' in html
    assert timezone.localtime(case.resolution_due_at).isoformat() in html


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


def test_the_case_page_puts_the_thread_before_plans_and_macros(client, agent, case):
    # The agent reads first: the thread stood below the crisis plans, macros and articles.
    client.force_login(agent)
    html = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    thread = html.index('id="thread"')
    assert 'class="card crisis-plan"' in html
    assert thread < html.index('class="card crisis-plan"')
    assert thread < html.index('class="card macros-panel"')
    assert thread < html.index('id="article-suggestions"')


def test_the_case_pages_selects_have_labels_and_the_subnav_marks_the_page(client, agent, case):
    client.force_login(agent)
    html = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert '<label for="escalate_reason">Reason for the escalation</label>' in html
    assert 'id="escalate_reason"' in html
    assert '<label for="case_status">Status</label>' in html
    assert html.count('id="id_status"') <= 1
    assert 'aria-current="true">Case queue' in html
    queue = client.get(reverse("ui:case-queue")).content.decode()
    assert 'aria-current="page">Case queue' in queue
