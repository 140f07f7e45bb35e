"""The privacy pages: a customer's export and erasure, the audit trail search, requests,
retention and the record of processing activities; each checks its permission."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.models import Customer, CustomerStatus, PrivacyRequest
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import OrderStatus
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def helga(db, shop):
    customer = create_customer(
        by=None, email="helga.berg@example.de", first_name="Helga", last_name="Berg"
    )
    order = OrderFactory(
        customer=customer,
        shop=shop,
        number="300777",
        status=OrderStatus.DELIVERED,
        placed_at=timezone.now() - timedelta(days=200),
    )
    OrderLineFactory(order=order)
    return customer


def test_agent_may_not_export_or_erase(client, agent, helga):
    client.force_login(agent)
    assert client.get(reverse("ui:customer-privacy", args=[helga.pk])).status_code == 403
    assert client.get(reverse("ui:customer-export-json", args=[helga.pk])).status_code == 403
    response = client.post(reverse("ui:customer-erase", args=[helga.pk]), {"confirm": "erase"})
    assert response.status_code == 403
    assert Customer.objects.get(pk=helga.pk).status == CustomerStatus.ACTIVE


def test_the_privacy_page_shows_what_must_be_kept_and_for_how_long(client, team_lead, helga):
    client.force_login(team_lead)
    response = client.get(reverse("ui:customer-privacy", args=[helga.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Orders and invoices (accounting vouchers)" in html
    assert "8 years" in html
    until = f"12/31/{timezone.localdate().year - (0 if timezone.localdate().month > 6 else 1) + 8}"
    assert "HGB" in html
    assert until[-4:] in html


def test_the_json_export_downloads_everything_and_is_audited(client, team_lead, helga):
    client.force_login(team_lead)
    response = client.get(reverse("ui:customer-export-json", args=[helga.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert document["data"]["customers"]["profile"]["email"] == "helga.berg@example.de"
    assert document["data"]["shop"]["orders"][0]["number"] == "300777"
    assert AuditEntry.objects.filter(
        action=AuditAction.EXPORT, customer_id=helga.pk, actor=team_lead
    ).exists()


def test_the_readable_summary_names_the_customer_and_orders(client, team_lead, helga):
    client.force_login(team_lead)
    response = client.get(reverse("ui:customer-export-html", args=[helga.pk]))
    html = response.content.decode()
    assert "helga.berg@example.de" in html
    assert "300777" in html
    assert "Who accessed your data" in html


def test_erasure_needs_the_confirmation_box(client, team_lead, helga):
    client.force_login(team_lead)
    client.post(reverse("ui:customer-erase", args=[helga.pk]), {})
    assert Customer.objects.get(pk=helga.pk).status == CustomerStatus.ACTIVE


def test_team_lead_erases_and_the_kept_order_is_named(client, team_lead, helga):
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:customer-erase", args=[helga.pk]), {"confirm": "erase"}, follow=True
    )
    html = response.content.decode()
    assert "Records the law requires are kept until" in html
    helga.refresh_from_db()
    assert (helga.status, helga.email) == (CustomerStatus.ERASED, None)


def test_an_open_order_defers_the_erasure_with_a_clear_message(client, team_lead, helga, shop):
    OrderFactory(customer=helga, shop=shop, number="300778", status=OrderStatus.PAID)
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:customer-erase", args=[helga.pk]), {"confirm": "erase"}, follow=True
    )
    html = response.content.decode()
    assert "The erasure is deferred" in html
    assert "Order 300778 is still open (Paid)" in html
    assert Customer.objects.get(pk=helga.pk).email == "helga.berg@example.de"


def test_the_audit_trail_is_searched_by_customer_and_action(client, team_lead, agent, helga):
    client.force_login(agent)
    client.get(reverse("ui:customer-detail", args=[helga.pk]))
    assert client.get(reverse("ui:audit-trail")).status_code == 403
    client.force_login(team_lead)
    response = client.get(
        reverse("ui:audit-trail"), {"customer": helga.pk, "action": "view", "staff": agent.pk}
    )
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [(entry.actor, entry.detail) for entry in entries] == [(agent, "360")]


def test_the_audit_trail_rejects_bad_input_with_a_form_error(client, team_lead):
    client.force_login(team_lead)
    response = client.get(reverse("ui:audit-trail"), {"customer": "abc", "since": "gestern"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_requests_page_lists_the_outcome(client, team_lead, helga):
    client.force_login(team_lead)
    client.post(reverse("ui:customer-erase", args=[helga.pk]), {"confirm": "erase"})
    response = client.get(reverse("ui:privacy-requests"))
    assert response.status_code == 200
    assert PrivacyRequest.objects.count() == 1
    assert "accounting vouchers" in response.content.decode()


def test_retention_page_lists_who_is_due_and_why(client, team_lead, settings):
    settings.RETENTION_UNVERIFIED_DAYS = 10
    lead = create_customer(by=None, email="niemand@example.de", last_name="Niemand")
    Customer.objects.filter(pk=lead.pk).update(updated_at=timezone.now() - timedelta(days=30))
    client.force_login(team_lead)
    response = client.get(reverse("ui:privacy-retention"))
    html = response.content.decode()
    assert "Niemand" in html
    assert "Unverified contact" in html
    assert AuditEntry.objects.filter(detail="retention list", actor=team_lead).exists()


def test_the_processing_record_is_generated_from_the_configuration(
    client, team_lead, shop, settings
):
    settings.PRIVACY_CONTROLLER = "Kaffeerösterei Süd GmbH, München"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "mail.example.de"
    client.force_login(team_lead)
    html = client.get(reverse("ui:processing-record")).content.decode()
    assert "Kaffeerösterei Süd GmbH, München" in html
    assert "mail.example.de" in html
    assert "Kaffeerösterei Süd" in html
    assert "8 years" in html
    # What erasure does with the desk's records, as the code does it (service/desk_gdpr.py).
    assert "by e-mail or the web form, with the original" in html
    assert "Goodwill granted" in html and "kept 8 years from the end of the calendar" in html
    assert "free-text reasons are deleted on erasure" in html


def test_retention_page_lists_what_an_erasure_kept_until_when(client, team_lead, helga, shop):
    import re
    from datetime import UTC, date, datetime

    from stammkunde.customers.privacy.erasure import request_erasure

    OrderFactory(
        customer=helga,
        shop=shop,
        number="100019",
        status=OrderStatus.DELIVERED,
        placed_at=datetime(2019, 3, 1, 10, tzinfo=UTC),
    )
    from stammkunde.shop.models import Order

    Order.objects.filter(number="300777").update(placed_at=datetime(2026, 2, 1, 10, tzinfo=UTC))
    request_erasure(helga.pk, by=None, today=date(2026, 12, 3))

    client.force_login(team_lead)
    html = client.get(reverse("ui:privacy-retention")).content.decode()

    # The order of 2019 goes after 2027, the one of 2026 keeps the record until the end of 2034.
    first = re.search(r"31[./]12[./]2027", html)
    last = re.search(r"31[./]12[./]2034", html)
    assert first and last and first.start() < last.start()
    assert f"#{helga.pk}" in html
    assert "accounting vouchers" in html
