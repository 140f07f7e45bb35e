"""Segment pages: marketing saves "high value, at risk", sees its count and exports it;
bad input gets form errors; roles decide who may do what."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.models import CustomerScore, Segment
from stammkunde.audit.models import AuditAction, AuditEntry
from tests.factories import CustomerFactory

ADD = reverse("ui:segment-add")


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def scored(segment: str, clv: str, **customer_fields):
    customer = CustomerFactory(**customer_fields)
    CustomerScore.objects.create(
        customer=customer,
        scored_at=timezone.now(),
        currency="EUR",
        orders_count=3,
        rfm_segment=segment,
        clv_12m=Decimal(clv),
        churn_risk=0.7,
    )
    return customer


@pytest.fixture
def shop_customers(db):
    return {
        "valuable_at_risk": scored("at_risk", "300.00", first_name="Vera"),
        "valuable_cant_lose": scored("cant_lose", "800.00", first_name="Karl"),
        "cheap_at_risk": scored("at_risk", "15.00", first_name="Bea"),
        "loyal": scored("loyal", "900.00", first_name="Lou"),
    }


def high_value_at_risk(**extra):
    return {
        "name": "High value, at risk",
        "description": "Worth a personal call",
        "rfm_segments": ["at_risk", "cant_lose"],
        "clv_min": "100",
        **extra,
    }


def test_marketing_saves_a_segment_and_sees_its_count(client, marketer, shop_customers):
    client.force_login(marketer)
    response = client.post(ADD, high_value_at_risk(), follow=True)
    assert response.status_code == 200
    segment = Segment.objects.get()
    assert segment.customer_count == 2
    assert segment.definition == {"rfm_segments": ["at_risk", "cant_lose"], "clv_min": "100"}
    assert segment.created_by == marketer
    html = response.content.decode()
    assert "Segment saved: 2 customers." in html
    assert 'data-testid="segment-count">2<' in html
    assert "Vera" in html and "Karl" in html and "Bea" not in html
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(segment.pk)).exists()
    assert "High value, at risk" in client.get(reverse("ui:segment-list")).content.decode()


def test_marketing_exports_the_segment_as_csv_and_it_is_audited(client, marketer, shop_customers):
    client.force_login(marketer)
    client.post(ADD, high_value_at_risk())
    segment = Segment.objects.get()
    response = client.get(reverse("ui:segment-export", args=[segment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads umlauts right
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert {row["First name"] for row in rows} == {"Vera", "Karl"}
    assert {row["CLV 12 months"] for row in rows} == {"300.00", "800.00"}
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.actor == marketer
    assert entry.object_id == str(segment.pk)
    assert "2 customers" in entry.detail
    # the row names the customers exported: each one's audit trail shows the export
    exported = set(entry.customers.values_list("customer_id", flat=True))
    assert exported == {int(row["Customer number"]) for row in rows}


def test_export_neutralizes_spreadsheet_formulas(client, marketer, db):
    scored("at_risk", "500.00", first_name='=HYPERLINK("http://evil")', last_name="+1")
    client.force_login(marketer)
    client.post(ADD, high_value_at_risk())
    response = client.get(reverse("ui:segment-export", args=[Segment.objects.get().pk]))
    row = next(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row["First name"].startswith("'=")
    assert row["Last name"] == "'+1"


def test_german_export_opens_in_german_excel_without_formula_cells(client, marketer, db):
    """The German UI's export: BOM, ";", every field quoted, German headers, a salutation
    column, decimal comma, and the injection name turned into text."""
    scored(
        "at_risk",
        "1234.50",
        first_name="Max;=cmd|' /C calc'!A0",
        last_name="Müller",
        salutation="mr",
        email="max@example.de",
        company="@SUM(1+1)*cmd|' /C calc'!A0",
    )
    client.force_login(marketer)
    client.post(ADD, high_value_at_risk())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.get(reverse("ui:segment-export", args=[Segment.objects.get().pk]))
    body = b"".join(response.streaming_content)

    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    header = lines[0].split(";")
    assert header[:6] == [
        '"Kundennummer"',
        '"Anrede"',
        '"Titel"',
        '"Vorname"',
        '"Nachname"',
        '"E-Mail"',
    ]
    row = next(csv.reader([lines[1]], delimiter=";"))
    # Quoted: the ";" in the name stays inside its field, so "=cmd…" never starts a cell of
    # its own; a cell that starts like a formula gets an apostrophe, which Excel shows as text.
    assert row[1:7] == [
        "Herr",
        "",
        "Max;=cmd|' /C calc'!A0",
        "Müller",
        "max@example.de",
        "'@SUM(1+1)*cmd|' /C calc'!A0",
    ]
    # Every field quoted: quoting each read field again gives the line exactly.
    assert ";".join('"' + field.replace('"', '""') + '"' for field in row) == lines[1]
    assert "1234,50" in row
    assert not any(field.startswith(("=", "+", "-", "@")) for field in row)


def test_the_english_export_can_use_semicolons_on_request(client, marketer, shop_customers):
    client.force_login(marketer)
    client.post(ADD, high_value_at_risk())
    url = reverse("ui:segment-export", args=[Segment.objects.get().pk])
    body = b"".join(client.get(url + "?separator=semicolon").streaming_content)
    assert body.decode("utf-8-sig").startswith('"Customer number";"Salutation";')


def test_the_segment_page_lists_every_customer_sorted_and_paged(client, marketer, db):
    for number in range(60):
        scored("at_risk", f"{100 + number}.00", first_name=f"Kunde{number:02d}")
    client.force_login(marketer)
    client.post(ADD, high_value_at_risk(clv_min="0"))
    url = reverse("ui:segment-detail", args=[Segment.objects.get().pk])

    first = client.get(url).content.decode()
    # Sorted by predicted value, highest first; 50 a page.
    assert first.index("Kunde59") < first.index("Kunde58")
    assert "Kunde10" in first and "Kunde09" not in first
    assert "Page 1 of 2" in first
    second = client.get(url + "?page=2").content.decode()
    assert "Kunde09" in second and "Kunde00" in second and "Kunde59" not in second
    ascending = client.get(url + "?sort=clv").content.decode()
    assert ascending.index("Kunde00") < ascending.index("Kunde01")
    assert "Kunde59" not in ascending


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"clv_min": "500", "clv_max": "100"}, "clv_min", "minimum is larger than the maximum"),
        ({"churn_risk_min": "150"}, "churn_risk_min", "less than or equal to 100"),
        ({"clv_min": "lots"}, "clv_min", "Enter a number"),
        ({"rfm_segments": ["vip"]}, "rfm_segments", "Select a valid choice"),
        ({"preferences": "espresso"}, "preferences", "name=value"),
        ({"preferences": "bad key=1"}, None, "not a valid preference name"),
        ({"consent": "pigeon:newsletter"}, "consent", "Select a valid choice"),
        ({"name": ""}, "name", "This field is required"),
        ({"last_order_min_days": "-3"}, "last_order_min_days", "greater than or equal to 0"),
        ({"orders_min": "1e400"}, "orders_min", "Enter a whole number"),
    ],
)
def test_bad_input_gets_form_errors_not_a_500(client, marketer, db, change, field, message):
    client.force_login(marketer)
    response = client.post(ADD, high_value_at_risk(**change))
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field if field else "__all__") or [
        error for errors in form.errors.values() for error in errors
    ]
    assert any(message in error for error in errors), form.errors
    assert not Segment.objects.exists()


def test_a_second_segment_with_the_same_name_is_refused(client, marketer, db):
    client.force_login(marketer)
    client.post(ADD, high_value_at_risk())
    response = client.post(ADD, high_value_at_risk(name="high value, AT RISK"))
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Segment.objects.count() == 1


def test_edit_changes_the_filter_and_recounts(client, marketer, shop_customers):
    client.force_login(marketer)
    client.post(ADD, high_value_at_risk())
    segment = Segment.objects.get()
    edit = reverse("ui:segment-edit", args=[segment.pk])
    form = client.get(edit).context["form"]
    assert form.initial["clv_min"] == "100"
    assert form.initial["rfm_segments"] == ["at_risk", "cant_lose"]
    client.post(edit, high_value_at_risk(clv_min="500"))
    segment.refresh_from_db()
    assert segment.customer_count == 1
    assert segment.definition["clv_min"] == "500"


def test_delete_removes_the_segment(client, marketer, db):
    client.force_login(marketer)
    client.post(ADD, high_value_at_risk())
    segment = Segment.objects.get()
    response = client.post(reverse("ui:segment-delete", args=[segment.pk]))
    assert response.status_code == 302
    assert not Segment.objects.exists()


def test_team_lead_sees_segments_but_may_not_change_or_export_them(client, team_lead, db):
    segment = Segment.objects.create(name="Alle", definition={})
    client.force_login(team_lead)
    assert client.get(reverse("ui:segment-list")).status_code == 200
    assert client.get(reverse("ui:segment-detail", args=[segment.pk])).status_code == 200
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, high_value_at_risk()).status_code == 403
    assert client.get(reverse("ui:segment-export", args=[segment.pk])).status_code == 403
    assert client.post(reverse("ui:segment-delete", args=[segment.pk])).status_code == 403


def test_agent_cannot_reach_segments(client, agent, db):
    segment = Segment.objects.create(name="Alle", definition={})
    client.force_login(agent)
    for name in ("ui:segment-detail", "ui:segment-export", "ui:segment-edit"):
        assert client.get(reverse(name, args=[segment.pk])).status_code == 403


def test_a_stored_definition_that_no_longer_validates_is_shown_not_crashed(client, marketer, db):
    segment = Segment.objects.create(name="Old", definition={"rfm_segments": ["renamed"]})
    client.force_login(marketer)
    response = client.get(reverse("ui:segment-detail", args=[segment.pk]))
    assert response.status_code == 200
    assert "no longer valid" in response.content.decode()
    response = client.get(reverse("ui:segment-export", args=[segment.pk]))
    assert response.status_code == 302


def test_a_segment_a_campaign_uses_is_kept_with_a_message_not_a_500(client, marketer, db):
    from stammkunde.messaging.models import Campaign

    segment = Segment.objects.create(name="Alle", definition={})
    Campaign.objects.create(name="Herbst", purpose="newsletter", segment=segment, sender_name="S")
    client.force_login(marketer)

    response = client.post(reverse("ui:segment-delete", args=[segment.pk]), follow=True)

    assert response.status_code == 200
    assert "used by a campaign" in response.content.decode()
    assert Segment.objects.filter(pk=segment.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DELETE).exists()
