"""Staff limited to shops on the lists outside the customer pages (issue 12): the outbox, the
webhook inbox, goodwill approvals, refunds due, the audit trail, privacy requests, the
retention page and the dashboard's churn alarms. Each list is limited in the query that reads
it; a lead limited to shop A sees shop A's rows only, an unlimited lead sees both."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.models import CustomerScore, RunState, ScoringRun
from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.audit.services import audit
from stammkunde.connectors.inbox.services import receive
from stammkunde.customers.models import PrivacyRequest
from stammkunde.customers.services.profile import create_customer
from stammkunde.messaging.models import OutboundMessage
from stammkunde.service.models import GoodwillGrant
from stammkunde.service.services.refunds import start_refund_clocks
from stammkunde.shop.models import Platform, ReturnReason, ShopAccount
from stammkunde.shop.services import limit_staff_to_shops, mark_return_received, record_return
from tests.connectors.test_inbox_helpers import shopify_delivery
from tests.factories import OrderLineFactory, make_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited_lead(two_shops):
    """Lea leads the team of shop A only."""
    lead = make_staff_user("lea-a", role="Team lead")
    limit_staff_to_shops(lead, [two_shops["a"].pk], by=None)
    return lead


def _html(client, user, url, params=None) -> str:
    client.force_login(user)
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def _message(customer, key):
    return OutboundMessage.objects.create(
        idempotency_key=key,
        customer=customer,
        to_address=customer.email,
        purpose="transactional",
        state="sent",
        subject="Ihre Bestellung",
        text_body="Danke!",
        from_address="shop@example.de",
        message_id=f"<{key}@example.de>",
    )


def test_the_outbox_lists_only_messages_to_the_shops_customers(
    client, limited_lead, team_lead, two_shops
):
    _message(two_shops["alma"], "out-alma")
    _message(two_shops["bruno"], "out-bruno")
    html = _html(client, limited_lead, reverse("ui:outbox-list"))
    assert "alma@example.de" in html
    assert "bruno@example.de" not in html
    assert "bruno@example.de" in _html(client, team_lead, reverse("ui:outbox-list"))


def test_the_webhook_inbox_lists_only_the_shops_deliveries(client, two_shops):
    admin = make_staff_user("ada", role="Admin")
    for shop in (two_shops["a"], two_shops["b"]):
        shop.platform = Platform.SHOPIFY
        shop.save(update_fields=["platform"])
    in_a = receive(two_shops["a"], *shopify_delivery(7001, webhook_id="w-a"), verified=False)
    in_b = receive(two_shops["b"], *shopify_delivery(7002, webhook_id="w-b"), verified=False)
    detail_a = reverse("ui:delivery-detail", args=[in_a.pk])
    detail_b = reverse("ui:delivery-detail", args=[in_b.pk])
    assert detail_b in _html(client, admin, reverse("ui:inbox"))
    limit_staff_to_shops(admin, [two_shops["a"].pk], by=None)
    client.force_login(admin)
    html = client.get(reverse("ui:inbox")).content.decode()
    assert detail_a in html and detail_b not in html
    assert client.get(detail_b).status_code == 404
    reprocess_b = reverse("ui:delivery-reprocess", args=[in_b.pk])
    assert client.post(reprocess_b).status_code == 404
    assert AuditEntry.objects.filter(actor=admin, action=AuditAction.REFUSE).exists()


def _grant(customer, agent):
    return GoodwillGrant.objects.create(
        customer=customer,
        kind="voucher",
        amount="15.00",
        reason="Lieferung verspätet",
        status="pending",
        requested_by=agent,
        requested_at=timezone.now(),
    )


def test_goodwill_waiting_for_approval_only_for_the_shops_customers(
    client, agent, limited_lead, team_lead, two_shops
):
    _grant(two_shops["alma"], agent)
    _grant(two_shops["bruno"], agent)
    html = _html(client, limited_lead, reverse("ui:goodwill-list"))
    assert "Ahorn" in html and "Birkenfeld" not in html
    assert "Birkenfeld" in _html(client, team_lead, reverse("ui:goodwill-list"))


def test_another_shops_goodwill_cannot_be_decided(client, agent, limited_lead, two_shops):
    grant = _grant(two_shops["bruno"], agent)
    client.force_login(limited_lead)
    url = reverse("ui:goodwill-decide", args=[grant.pk])
    response = client.post(url, {"decision": "approve", "reason": "ok"})
    assert response.status_code == 404
    grant.refresh_from_db()
    assert grant.status == "pending"
    assert AuditEntry.objects.filter(
        actor=limited_lead, action=AuditAction.REFUSE, object_id=str(grant.pk)
    ).exists()


def test_refunds_due_only_for_the_shops_orders(client, limited_lead, team_lead, two_shops):
    for customer in (two_shops["alma"], two_shops["bruno"]):
        order = customer.orders.get()
        line = OrderLineFactory(order=order, quantity=1, total=Decimal("10"))
        item = record_return(
            order,
            reason=ReturnReason.OTHER,
            announced_at=timezone.now() - timedelta(days=2),
            lines=[(line, 1)],
        )
        mark_return_received(item, received_at=timezone.now() - timedelta(days=1))
    assert start_refund_clocks() == 2
    html = _html(client, limited_lead, reverse("ui:refund-clock-list"))
    assert "A-1001" in html and "B-2001" not in html
    assert "B-2001" in _html(client, team_lead, reverse("ui:refund-clock-list"))


def test_the_audit_trail_shows_only_entries_about_the_shops_customers(
    client, agent, limited_lead, two_shops
):
    alma, bruno = two_shops["alma"], two_shops["bruno"]
    audit(actor=agent, action=AuditAction.VIEW, obj=alma, customer_id=alma.pk, detail="Alma")
    audit(actor=agent, action=AuditAction.VIEW, obj=bruno, customer_id=bruno.pk, detail="Bruno")
    url = reverse("ui:audit-trail")
    html = _html(client, limited_lead, url, {"staff": agent.pk})
    bruno_link = reverse("ui:customer-detail", args=[bruno.pk])
    assert reverse("ui:customer-detail", args=[alma.pk]) in html
    assert bruno_link not in html
    assert bruno_link not in _html(client, limited_lead, url, {"customer": bruno.pk})
    assert AuditEntry.objects.filter(
        actor=limited_lead, action=AuditAction.REFUSE, object_id=str(bruno.pk)
    ).exists()


def test_privacy_requests_only_of_the_shops_customers(client, limited_lead, team_lead, two_shops):
    for customer in (two_shops["alma"], two_shops["bruno"]):
        PrivacyRequest.objects.create(
            kind="export", customer_id=customer.pk, channel="staff", state="done"
        )
    url = reverse("ui:privacy-requests")
    alma_link = reverse("ui:customer-privacy", args=[two_shops["alma"].pk])
    bruno_link = reverse("ui:customer-privacy", args=[two_shops["bruno"].pk])
    html = _html(client, limited_lead, url)
    assert alma_link in html and bruno_link not in html
    assert bruno_link in _html(client, team_lead, url)


def test_the_retention_page_lists_only_the_shops_customers(
    client, settings, limited_lead, team_lead, two_shops
):
    # leads with an account and no orders: Anton in shop A (fixture), Berta in shop B
    berta = create_customer(
        by=None, email="berta@example.de", first_name="Berta", last_name="Buche"
    )
    ShopAccount.objects.create(shop=two_shops["b"], customer=berta, external_id="berta-b")
    settings.RETENTION_LEAD_DAYS = 1
    url = reverse("ui:privacy-retention")
    html = _html(client, limited_lead, url)
    assert "Akazienweg" in html and "Buche" not in html
    assert "Buche" in _html(client, team_lead, url)


def test_the_dashboards_churn_alarms_only_of_the_shops_customers(
    client, limited_lead, team_lead, two_shops
):
    ScoringRun.objects.create(
        started_at=timezone.now(), finished_at=timezone.now(), state=RunState.FINISHED
    )
    for customer in (two_shops["alma"], two_shops["bruno"]):
        CustomerScore.objects.create(
            customer=customer,
            scored_at=timezone.now(),
            churn_alarm=True,
            churn_alarm_since=timezone.localdate(),
            total_revenue=Decimal("80"),
        )
    url = reverse("ui:dashboard")
    html = _html(client, limited_lead, url)
    assert "Ahorn" in html and "Birkenfeld" not in html
    assert 'id="limited-to-shops"' in html
    unlimited = _html(client, team_lead, url)
    assert "Birkenfeld" in unlimited and 'id="limited-to-shops"' not in unlimited
