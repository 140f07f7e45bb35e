"""The cases of an active customer whose processing staff restricted (Art. 18 GDPR; issue 12)
are marked like cases kept after an erasure (queue, search, case page, customer page) and not
worked on: the same refusals, with a message naming the privacy page where the restriction is
lifted; mails are still stored, but nothing is sent, escalated or alerted. Lifted, the case is
worked as before."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from stammkunde.customers.privacy.restriction import lift_restriction, restrict_processing
from stammkunde.messaging.models import OutboundMessage
from stammkunde.service.models import (
    Case,
    CaseMessage,
    CaseStatus,
    GoodwillGrant,
    GoodwillLimit,
    Macro,
)
from stammkunde.service.services.case_desk import use_macro
from stammkunde.service.services.goodwill import GoodwillError, request_goodwill
from stammkunde.service.services.macros import KnowledgeError
from stammkunde.service.services.monitoring import check_response_times

pytestmark = pytest.mark.django_db

MARK = "processing restricted (Art. 18)"
REFUSED = "Processing of this customer's data is restricted (Art. 18 GDPR)"


@pytest.fixture
def restricted(case, team_lead):
    """Erika contests her data: Lena restricts its processing while her case is open."""
    restrict_processing(case.customer_id, by=team_lead, reason="Richtigkeit bestritten")
    case.refresh_from_db()
    return case


def test_the_queue_its_search_the_case_and_customer_page_mark_the_case(
    client, agent, team_lead, restricted
):
    client.force_login(agent)
    queue = client.get(reverse("ui:case-queue")).content.decode()
    assert f'data-restricted="{restricted.reference}"' in queue and MARK in queue
    found = client.get(reverse("ui:case-queue"), {"q": restricted.reference}).content.decode()
    assert f'data-restricted="{restricted.reference}"' in found
    page = client.get(reverse("ui:case-detail", args=[restricted.pk])).content.decode()
    assert 'id="case-restricted"' in page and "restricted by staff" in page
    assert "kept after an erasure" not in page
    for box in ('id="reply-form"', 'id="note-box"', 'id="case-actions"'):
        assert box not in page
    customer = client.get(reverse("ui:customer-detail", args=[restricted.customer_id]))
    assert f'data-restricted="{restricted.reference}"' in customer.content.decode()
    # A lead who may lift it finds the way to the privacy page.
    client.force_login(team_lead)
    page = client.get(reverse("ui:case-detail", args=[restricted.pk])).content.decode()
    assert reverse("ui:customer-privacy", args=[restricted.customer_id]) in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    german = client.get(reverse("ui:case-detail", args=[restricted.pk])).content.decode()
    assert "Verarbeitung eingeschränkt (Art. 18)" in german
    assert "von Mitarbeitern eingeschränkt" in german


def test_every_action_is_refused_and_nothing_is_sent_until_the_restriction_is_lifted(
    client, agent, team_lead, restricted
):
    client.force_login(agent)
    other = Case.objects.create(
        customer=restricted.customer,
        reference="VG-OTHER",
        case_type="question",
        channel="email",
        subject="Andere Frage",
        opened_at=restricted.opened_at,
    )
    messages_before = CaseMessage.objects.filter(case=restricted).count()
    assignee_before = restricted.assignee_id
    posts = [
        ("ui:case-reply", {"text": "Hallo Erika", "status": "waiting_customer"}),
        ("ui:case-note", {"text": "intern"}),
        ("ui:case-status", {"status": "solved"}),
        ("ui:case-assign", {"assignee": "", "team": ""}),
        ("ui:case-escalate", {"reason": "manual"}),
        ("ui:case-merge", {"into": other.reference}),
    ]
    for name, data in posts:
        response = client.post(reverse(name, args=[restricted.pk]), data)
        assert response.status_code == 302, name
        shown = [str(message) for message in get_messages(response.wsgi_request)]
        assert any(REFUSED in text for text in shown), (name, shown)
    restricted.refresh_from_db()
    assert restricted.status == CaseStatus.NEW and restricted.escalated_at is None
    assert restricted.assignee_id == assignee_before
    assert CaseMessage.objects.filter(case=restricted).count() == messages_before
    assert not OutboundMessage.objects.exists()
    macro = Macro.objects.create(name="Gruß", body="Hallo {{ customer.first_name }}")
    with pytest.raises(KnowledgeError, match="privacy page"):
        use_macro(restricted, macro, by=agent)
    GoodwillLimit.objects.create(role="Team lead", case_type="", maximum=Decimal("200"))
    for case in (restricted, None):
        with pytest.raises(GoodwillError, match=r"Art\. 18"):
            request_goodwill(
                customer=restricted.customer,
                kind="voucher",
                amount="5",
                reason="x",
                by=team_lead,
                case=case,
            )
    assert not GoodwillGrant.objects.exists()

    lift_restriction(restricted.customer_id, by=team_lead)
    restricted.refresh_from_db()
    assert restricted.processing_restricted is False
    page = client.get(reverse("ui:case-detail", args=[restricted.pk])).content.decode()
    assert 'id="case-restricted"' not in page and 'id="reply-form"' in page
    response = client.post(
        reverse("ui:case-reply", args=[restricted.pk]),
        {"text": "Hallo Erika", "status": "waiting_customer"},
    )
    assert response.status_code == 302
    assert CaseMessage.objects.filter(case=restricted).count() == messages_before + 1


def test_a_mail_into_the_case_is_stored_there_but_not_acknowledged_or_escalated(restricted):
    from tests.service.intake.helpers import customer_mail, file_raw

    mail = file_raw(
        customer_mail(
            subject=f"Re: Paket nicht angekommen [{restricted.reference}]",
            text="Das ist eine Frechheit, ich schalte meinen Anwalt ein!",
        )
    )
    assert mail.state == "filed", mail.error
    assert CaseMessage.objects.filter(case=restricted, body_text__contains="Anwalt").count() == 1
    assert Case.objects.filter(customer=restricted.customer).count() == 1
    restricted.refresh_from_db()
    assert restricted.escalated_at is None
    assert not OutboundMessage.objects.exists()


def test_the_desk_check_neither_alerts_nor_escalates_a_restricted_case(restricted):
    restricted.team.escalate_on_breach = True
    restricted.team.save(update_fields=["escalate_on_breach"])
    now = timezone.now()
    Case.objects.filter(pk=restricted.pk).update(first_response_due_at=now - timedelta(minutes=3))
    result = check_response_times(now)
    assert (result.breached, result.escalated, result.alerts_queued) == (0, 0, 0)
    restricted.refresh_from_db()
    assert restricted.escalated_at is None
