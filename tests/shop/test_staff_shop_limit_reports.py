"""Staff limited to shops on the inbound mail, the incidents, the suppression list, the goodwill
report and voucher export, the service report, the mail preview and the figures of the
dashboard, the start page, the goals and the segments (issue 12). A lead limited to shop A
sees shop A's part; an unlimited lead sees every shop."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.models import CustomerScore, RunState, ScoringRun, Segment
from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.messaging.models import MessageTemplate, OutboundMessage, Suppression
from stammkunde.service.models import (
    AffectedOrder,
    Case,
    GoodwillGrant,
    InboundMail,
    Incident,
)
from stammkunde.shop.models import Voucher
from stammkunde.shop.services import limit_staff_to_shops
from tests.factories import make_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited_lead(two_shops):
    """Lea leads the team of shop A only."""
    lead = make_staff_user("lea-a", role="Team lead")
    limit_staff_to_shops(lead, [two_shops["a"].pk], by=None)
    return lead


def _get(client, user, url, params=None):
    client.force_login(user)
    return client.get(url, params or {})


def _html(client, user, url, params=None) -> str:
    response = _get(client, user, url, params)
    assert response.status_code == 200
    return response.content.decode()


def _refused(user, object_id) -> bool:
    return AuditEntry.objects.filter(
        actor=user, action=AuditAction.REFUSE, object_id=str(object_id)
    ).exists()


def _mail(customer, subject):
    return InboundMail.objects.create(
        source="imap",
        raw=f"From: {customer.email}\r\nSubject: {subject}\r\n\r\nHallo".encode(),
        received_at=timezone.now(),
        state="parked",
        customer=customer,
        from_address=customer.email,
        subject=subject,
    )


def test_inbound_mail_of_another_shops_customer_is_not_listed_and_404(
    client, limited_lead, team_lead, two_shops
):
    _mail(two_shops["alma"], "Espresso kaputt")
    of_bruno = _mail(two_shops["bruno"], "Tee zu bitter")
    unknown = InboundMail.objects.create(
        source="imap", raw=b"Subject: ?\r\n\r\n", received_at=timezone.now(), state="parked"
    )
    html = _html(client, limited_lead, reverse("ui:inbound-mail-list"))
    # Filed in no case, even the mail of the shop's own customer may be about any shop (one
    # mailbox for all): it is for unlimited staff (tests/service/test_staff_shop_mail.py).
    assert "Espresso kaputt" not in html and "Tee zu bitter" not in html
    assert reverse("ui:inbound-mail-detail", args=[unknown.pk]) not in html
    unlimited = _html(client, team_lead, reverse("ui:inbound-mail-list"))
    assert "Tee zu bitter" in unlimited and "Espresso kaputt" in unlimited
    for name in ("ui:inbound-mail-detail", "ui:inbound-mail-original"):
        assert _get(client, limited_lead, reverse(name, args=[of_bruno.pk])).status_code == 404
    response = client.post(reverse("ui:inbound-mail-reprocess", args=[of_bruno.pk]))
    assert response.status_code == 404
    of_bruno.refresh_from_db()
    assert of_bruno.state == "parked"
    assert _refused(limited_lead, of_bruno.pk)


def test_an_incident_shows_adds_and_messages_only_the_shops_orders(
    client, limited_lead, team_lead, two_shops, settings
):
    settings.DEFAULT_FROM_EMAIL = "service@example.de"
    incident = Incident.objects.create(title="Paketdienst streikt", incident_type="late_delivery")
    url = reverse("ui:incident-detail", args=[incident.pk])
    client.force_login(limited_lead)
    client.post(url, {"add_orders": "1", "numbers": "A-1001, B-2001"})
    added = set(incident.affected.values_list("order__number", flat=True))
    assert added == {"A-1001"}  # B-2001 is answered as unknown
    bruno_order = two_shops["bruno"].orders.get()
    AffectedOrder.objects.create(
        incident=incident, order=bruno_order, customer_id=two_shops["bruno"].pk
    )
    _html(client, limited_lead, url)  # shows the flash message about the unknown B-2001
    html = _html(client, limited_lead, url)
    assert "A-1001" in html and "B-2001" not in html and 'id="limited-to-shops"' in html
    assert "B-2001" in _html(client, team_lead, url)
    client.force_login(limited_lead)
    client.post(url, {"notify": "1", "subject": "Verspätung", "body": "Es tut uns leid."})
    notified = set(
        OutboundMessage.objects.filter(source_type="incident").values_list("to_address", flat=True)
    )
    assert notified == {"alma@example.de"}
    assert AffectedOrder.objects.get(order=bruno_order).notified_at is None


def test_the_suppression_list_shows_and_frees_only_the_shops_customers_addresses(
    client, limited_lead, team_lead, two_shops
):
    for address in ("alma@example.de", "bruno@example.de", "unbekannt@example.de"):
        Suppression.objects.create(address=address, reason="manual")
    html = _html(client, limited_lead, reverse("ui:suppression-list"))
    assert "alma@example.de" in html
    assert "bruno@example.de" not in html and "unbekannt@example.de" not in html
    assert "bruno@example.de" in _html(client, team_lead, reverse("ui:suppression-list"))
    client.force_login(limited_lead)
    client.post(reverse("ui:suppression-remove"), {"address": "bruno@example.de"})
    assert Suppression.objects.filter(address="bruno@example.de").exists()
    assert AuditEntry.objects.filter(actor=limited_lead, action=AuditAction.REFUSE).exists()
    client.post(reverse("ui:suppression-remove"), {"address": "alma@example.de"})
    assert not Suppression.objects.filter(address="alma@example.de").exists()


def _granted(customer, agent, amount):
    return GoodwillGrant.objects.create(
        customer=customer,
        kind="voucher",
        amount=amount,
        reason="Lieferung verspätet",
        status="granted",
        requested_by=agent,
        requested_at=timezone.now(),
    )


def _shows(html: str, amount: str) -> bool:
    """Whether the page shows the amount, written the English or the German way."""
    return amount in html or amount.replace(".", ",") in html


def test_the_goodwill_report_and_voucher_export_count_only_the_shops_customers(
    client, agent, limited_lead, team_lead, two_shops
):
    # Amounts with cents that no clock time, id or year on the page can contain by chance.
    _granted(two_shops["alma"], agent, "17.31")
    _granted(two_shops["bruno"], agent, "42.83")
    html = _html(client, limited_lead, reverse("ui:goodwill-report"))
    assert _shows(html, "17.31") and not _shows(html, "42.83") and not _shows(html, "60.14")
    assert _shows(_html(client, team_lead, reverse("ui:goodwill-report")), "60.14")
    for number, customer in enumerate((two_shops["alma"], two_shops["bruno"], None)):
        Voucher.objects.create(
            code=f"GW-TEST-{number}",
            amount=Decimal("10"),
            customer=customer,
            source_type="goodwill",
            issued_at=timezone.now(),
        )
    client.force_login(limited_lead)
    csv = client.post(reverse("ui:voucher-export")).content.decode()
    assert "GW-TEST-0" in csv and "alma@example.de" in csv
    assert "GW-TEST-1" not in csv and "GW-TEST-2" not in csv
    assert set(
        Voucher.objects.filter(exported_at__isnull=False).values_list("code", flat=True)
    ) == {"GW-TEST-0"}
    export = AuditEntry.objects.get(actor=limited_lead, action=AuditAction.EXPORT)
    assert list(export.customers.values_list("customer_id", flat=True)) == [two_shops["alma"].pk]


def test_the_service_report_counts_only_the_shops_cases(client, limited_lead, team_lead, two_shops):
    now = timezone.now()
    for number, customer in enumerate((two_shops["alma"], two_shops["bruno"], two_shops["bruno"])):
        Case.objects.create(
            reference=f"VG-2000{number}",
            customer=customer,
            subject="Frage",
            case_type="question",
            opened_at=now - timedelta(days=1),
        )
    html = _html(client, limited_lead, reverse("ui:service-report"))
    unlimited = _html(client, team_lead, reverse("ui:service-report"))
    # the cases-per-type table: one of shop A, three in all
    assert '<td class="num">1</td>' in html and '<td class="num">3</td>' not in html
    assert '<td class="num">3</td>' in unlimited
    assert 'id="limited-to-shops"' in html and 'id="limited-to-shops"' not in unlimited


def test_the_mail_preview_does_not_render_another_shops_customer_or_order(
    client, limited_lead, two_shops
):
    template = MessageTemplate.objects.exclude(purpose="transactional").order_by("pk").first()
    url = reverse("ui:template-preview", args=[template.pk])
    client.force_login(limited_lead)
    subject = "Hallo {{ customer.first_name }}"
    for field, value in (("customer", "bruno@example.de"), ("order", "B-2001")):
        html = client.post(url, {"subject": subject, field: value}).content.decode()
        assert "Bruno" not in html
    assert AuditEntry.objects.filter(actor=limited_lead, action=AuditAction.REFUSE).count() == 2
    html = client.post(url, {"subject": subject, "customer": "alma@example.de"}).content.decode()
    assert "Hallo Alma" in html


def _scored(customer, segment):
    CustomerScore.objects.create(
        customer=customer,
        scored_at=timezone.now(),
        rfm_segment=segment,
        churn_alarm=True,
        churn_alarm_since=timezone.localdate(),
        total_revenue=Decimal("80"),
    )


def test_the_dashboard_shows_the_shops_figures_and_hides_the_runs_figures_of_all_shops(
    client, limited_lead, team_lead, two_shops
):
    ScoringRun.objects.create(
        started_at=timezone.now(),
        finished_at=timezone.now(),
        state=RunState.FINISHED,
        customers_scored=4321,
        summary={"segments": {"champions": 40, "at_risk": 60}, "clv_total": 98765.0},
    )
    _scored(two_shops["alma"], "champions")
    _scored(two_shops["bruno"], "at_risk")
    html = _html(client, limited_lead, reverse("ui:dashboard"))
    assert 'id="limited-to-shops"' in html
    assert "Ahorn" in html and "Birkenfeld" not in html
    # the shop's own cohorts and time charts; no goals, forecasts, model checks of all shops
    assert "chart-cohorts" in html and "chart-revenue" in html
    assert 'id="goals"' not in html and "chart-clv" not in html and "analytics-details" not in html
    assert "4321" not in html and "4,321" not in html
    # the RFM chart of the limited lead counts Alma only, not the run's 40 and 60
    assert ">40<" not in html and ">60<" not in html
    unlimited = _html(client, team_lead, reverse("ui:dashboard"))
    assert 'id="limited-to-shops"' not in unlimited and 'id="goals"' in unlimited
    assert "Birkenfeld" in unlimited and "chart-clv" in unlimited


def test_the_goals_and_segment_counts_of_all_shops_are_not_shown(
    client, limited_lead, team_lead, two_shops
):
    Segment.objects.create(name="Alle", definition={}, customer_count=987654)
    for url in (reverse("ui:goals"), reverse("ui:segment-list")):
        assert 'id="limited-to-shops"' in _html(client, limited_lead, url), url
        assert 'id="limited-to-shops"' not in _html(client, team_lead, url), url
    assert "987654" not in _html(client, limited_lead, reverse("ui:segment-list"))
    assert "987654" in _html(client, team_lead, reverse("ui:segment-list"))
    assert "Progress" not in _html(client, limited_lead, reverse("ui:goals"))
