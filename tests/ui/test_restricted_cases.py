"""A case kept after an erasure (processing restricted, Art. 18 GDPR; issue 12): marked in
the queue, its search, the case page and the customer page, in English and German; every
action that would process it further is refused with a clear message, and nothing is sent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

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
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

MARK = "processing restricted (Art. 18)"
REFUSED = "Processing of this case is restricted (Art. 18 GDPR)"


@pytest.fixture
def kept(case):
    """The case as a shop's redact keeps it: solved, its letters kept until 2032."""
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.SOLVED, restricted_until=date(2032, 12, 31)
    )
    case.refresh_from_db()
    return case


def test_the_queue_its_search_the_case_and_customer_page_mark_a_kept_case(client, agent, kept):
    client.force_login(agent)
    done = client.get(reverse("ui:case-queue"), {"view": "done"}).content.decode()
    assert f'data-restricted="{kept.reference}"' in done and MARK in done
    found = client.get(reverse("ui:case-queue"), {"view": "done", "q": kept.reference})
    assert f'data-restricted="{kept.reference}"' in found.content.decode()
    page = client.get(reverse("ui:case-detail", args=[kept.pk])).content.decode()
    assert 'id="case-restricted"' in page
    # No reply box, note box, actions or goodwill button on it.
    for box in ('id="reply-form"', 'id="note-box"', 'id="case-actions"'):
        assert box not in page
    customer = client.get(reverse("ui:customer-detail", args=[kept.customer_id]))
    assert f'data-restricted="{kept.reference}"' in customer.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    german = client.get(reverse("ui:case-detail", args=[kept.pk])).content.decode()
    assert "Verarbeitung eingeschränkt (Art. 18)" in german


def test_an_open_case_carries_no_mark(client, agent, case):
    client.force_login(agent)
    page = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert 'id="case-restricted"' not in page and 'id="reply-form"' in page


def test_every_action_on_a_kept_case_is_refused_and_nothing_is_sent(client, agent, kept):
    client.force_login(agent)
    other = Case.objects.create(
        customer=kept.customer,
        reference="VG-OTHER",
        case_type="question",
        channel="email",
        subject="Andere Frage",
        opened_at=kept.opened_at,
    )
    messages_before = CaseMessage.objects.filter(case=kept).count()
    posts = [
        ("ui:case-reply", {"text": "Hallo Erika", "status": "waiting_customer"}),
        ("ui:case-note", {"text": "intern"}),
        ("ui:case-status", {"status": "open"}),
        ("ui:case-assign", {"assignee": str(agent.pk), "team": ""}),
        ("ui:case-escalate", {"reason": "manual"}),
        ("ui:case-merge", {"into": other.reference}),
    ]
    for name, data in posts:
        response = client.post(reverse(name, args=[kept.pk]), data)
        assert response.status_code == 302, name
        shown = [str(message) for message in get_messages(response.wsgi_request)]
        assert any(REFUSED in text for text in shown), (name, shown)
    # Merging another case into the kept one is refused too.
    response = client.post(reverse("ui:case-merge", args=[other.pk]), {"into": kept.reference})
    assert any(REFUSED in str(m) for m in get_messages(response.wsgi_request))
    kept.refresh_from_db()
    other.refresh_from_db()
    assert (kept.status, kept.escalated_at, other.merged_into_id) == (CaseStatus.SOLVED, None, None)
    assert CaseMessage.objects.filter(case=kept).count() == messages_before
    assert not OutboundMessage.objects.exists()

    macro = Macro.objects.create(name="Gruß", body="Hallo {{ customer.first_name }}")
    with pytest.raises(KnowledgeError, match="restricted"):
        use_macro(kept, macro, by=agent)
    response = client.post(reverse("ui:case-macro-use", args=[kept.pk, macro.pk]))
    assert response.status_code == 422 and REFUSED in response.content.decode()


def test_goodwill_is_refused_in_a_kept_case_and_for_an_erased_customer(kept, team_lead):
    GoodwillLimit.objects.create(role="Team lead", case_type="", maximum=Decimal("200"))
    lena = team_lead
    with pytest.raises(GoodwillError, match="restricted"):
        request_goodwill(
            customer=kept.customer, kind="voucher", amount="5", reason="x", by=lena, case=kept
        )
    erased = CustomerFactory(status="erased", email=None)
    with pytest.raises(GoodwillError, match="restricted"):
        request_goodwill(customer=erased, kind="voucher", amount="5", reason="x", by=lena)
    assert not GoodwillGrant.objects.exists()


def test_a_mail_answering_a_kept_case_opens_a_new_case_and_gets_no_acknowledgement_there(kept):
    from tests.service.intake.helpers import customer_mail, file_raw

    mail = file_raw(
        customer_mail(subject=f"Re: Paket nicht angekommen [{kept.reference}]", text="Noch da?")
    )
    assert mail.state == "filed", mail.error
    assert CaseMessage.objects.filter(case=kept, body_text__contains="Noch da?").count() == 0
    new_case = Case.objects.exclude(pk=kept.pk).get(customer=kept.customer)
    assert new_case.reopened_from_id is None and not new_case.processing_restricted
    kept.refresh_from_db()
    assert kept.status == CaseStatus.SOLVED


def test_no_case_is_opened_for_an_erased_customer_and_a_kept_case_is_not_moved(kept, agent):
    from stammkunde.service.services.cases import CaseError, open_case
    from stammkunde.service.services.sender_identity import move_case_to_order_customer
    from tests.factories import OrderFactory

    erased = CustomerFactory(status="erased", email=None)
    with pytest.raises(CaseError, match=r"Art\. 18"):
        open_case(customer=erased, case_type="question", channel="phone", subject="Anruf", body="x")
    owner = CustomerFactory(email="owner@example.de")
    with pytest.raises(CaseError, match="restricted"):
        move_case_to_order_customer(kept, OrderFactory(customer=owner), by=agent)
    assert not Case.objects.filter(customer__in=[erased, owner]).exists()
