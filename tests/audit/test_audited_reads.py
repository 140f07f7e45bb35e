"""Reads of personal data by staff write one audit row per page, naming the customers shown."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from stammkunde.audit.models import AuditAction, AuditedCustomer, AuditEntry
from stammkunde.audit.queries import audit_trail_for_customer
from stammkunde.customers.services.profile import create_customer

SRC = Path(__file__).resolve().parents[2] / "src" / "stammkunde"


@pytest.fixture
def people(db):
    return [
        create_customer(by=None, email=f"kunde{n}@example.de", first_name="Kim", last_name=name)
        for n, name in enumerate(["Adler", "Becker", "Conrad"])
    ]


def test_the_360_page_writes_one_view_row_with_the_client_address(client, agent, people):
    client.force_login(agent)
    response = client.get(reverse("ui:customer-detail", args=[people[0].pk]))
    assert response.status_code == 200
    rows = AuditEntry.objects.filter(action=AuditAction.VIEW, actor=agent)
    assert rows.count() == 1
    row = rows.get()
    assert row.customer_id == people[0].pk
    assert row.detail == "360"
    assert row.ip_address == "127.0.0.1"


def test_the_customer_list_writes_one_row_naming_every_customer_shown(client, agent, people):
    client.force_login(agent)
    assert client.get(reverse("ui:customer-list")).status_code == 200
    row = AuditEntry.objects.get(action=AuditAction.VIEW, actor=agent)
    shown = set(AuditedCustomer.objects.filter(entry=row).values_list("customer_id", flat=True))
    assert shown == {person.pk for person in people}


def test_search_results_are_audited_with_the_customers_found(client, agent, people):
    client.force_login(agent)
    client.get(reverse("ui:customer-list"), {"q": "becker"})
    row = AuditEntry.objects.get(action=AuditAction.VIEW, actor=agent)
    assert row.detail == "search"
    assert list(row.customers.values_list("customer_id", flat=True)) == [people[1].pk]


def test_a_list_that_showed_a_customer_is_in_their_audit_trail(client, agent, people):
    client.force_login(agent)
    client.get(reverse("ui:customer-list"), {"q": "conrad"})
    trail = audit_trail_for_customer(people[2].pk).filter(action=AuditAction.VIEW)
    assert [(entry.actor, entry.detail) for entry in trail] == [(agent, "search")]
    assert not audit_trail_for_customer(people[0].pk).filter(action=AuditAction.VIEW).exists()


def test_loading_more_of_the_timeline_is_audited(client, agent, people):
    client.force_login(agent)
    client.get(reverse("ui:customer-timeline", args=[people[1].pk]))
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, customer_id=people[1].pk, detail="timeline"
    ).exists()


# Reads that return personal data without writing the audit row; staff pages use the audited
# variants (``search_customers``, ``customers_page``, ``customer_for_staff``) instead.
UNAUDITED_READS = {"find_customers", "active_customers", "customer_ids_matching"}
# The home page counts customers (no personal data) with ``active_customers().count()``.
ALLOWED = {("ui/home.py", "active_customers")}


def test_staff_pages_use_only_the_audited_reads():
    offenders = []
    for path in sorted((SRC / "ui").rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in UNAUDITED_READS and (relative, alias.name) not in ALLOWED:
                        offenders.append(f"{relative}: {alias.name}")
    assert offenders == []


def test_duplicate_suggestions_and_the_merge_preview_are_audited(client, team_lead):
    first = create_customer(
        by=None, email="a@example.de", first_name="Jan", last_name="Ott", phone="0171 1112223"
    )
    second = create_customer(
        by=None, email="b@example.de", first_name="Jan", last_name="Ott", phone="+49 171 1112223"
    )
    client.force_login(team_lead)
    assert client.get(reverse("ui:duplicate-list")).status_code == 200
    listed = AuditEntry.objects.get(detail="duplicate suggestions", actor=team_lead)
    assert set(listed.customers.values_list("customer_id", flat=True)) == {first.pk, second.pk}
    response = client.get(reverse("ui:customer-merge", args=[first.pk]), {"other": second.pk})
    assert response.status_code == 200
    preview = AuditEntry.objects.get(detail="merge preview", actor=team_lead)
    assert set(preview.customers.values_list("customer_id", flat=True)) == {first.pk, second.pk}


def test_a_raw_payload_read_is_audited_naming_the_customers_it_touched(client, db):
    from stammkunde.connectors.inbox import receive
    from stammkunde.connectors.inbox.connections import connect_shop
    from stammkunde.connectors.inbox.services import process_waiting
    from tests.connectors.test_inbox_helpers import SECRET, shopify_delivery
    from tests.factories import make_staff_user

    admin = make_staff_user("ingrid", role="Admin")
    shop = connect_shop(by=None, name="Kaffee", platform="shopify", webhook_secret=SECRET).shop
    headers, body = shopify_delivery(1001, webhook_id="w-ok", first_name="Jürgen")
    delivery = receive(shop, headers, body, verified=True)
    process_waiting()
    client.force_login(admin)
    assert client.get(reverse("ui:delivery-detail", args=[delivery.pk])).status_code == 200
    row = AuditEntry.objects.get(detail="raw payload", actor=admin)
    assert row.object_id == str(delivery.pk)
    assert row.customers.count() == 1


def test_the_duplicate_notice_on_the_360_page_audits_the_candidates_shown(client, agent):
    first = create_customer(
        by=None, email="c@example.de", first_name="Ute", last_name="Rau", phone="0171 5556667"
    )
    second = create_customer(
        by=None, email="d@example.de", first_name="Ute", last_name="Rau", phone="+49 171 5556667"
    )
    client.force_login(agent)
    client.get(reverse("ui:customer-detail", args=[first.pk]))
    row = AuditEntry.objects.get(detail="duplicate notice", actor=agent)
    assert list(row.customers.values_list("customer_id", flat=True)) == [second.pk]


@pytest.mark.parametrize(
    ("page", "detail"),
    [
        ("ui:customer-edit", "profile form"),
        ("ui:customer-address", "address form"),
        ("ui:case-new", "new case"),
    ],
)
def test_a_form_that_shows_a_customer_is_an_audited_read(client, agent, people, page, detail):
    """The profile, address and new-case forms show name, e-mail and orders like the 360 page."""
    client.force_login(agent)
    response = client.get(reverse(page, args=[people[1].pk]))
    assert response.status_code == 200
    assert "Becker" in response.content.decode()
    row = AuditEntry.objects.get(action=AuditAction.VIEW, actor=agent)
    assert (row.customer_id, row.detail) == (people[1].pk, detail)


def test_saving_the_profile_form_writes_the_change_not_a_read(client, agent, people):
    client.force_login(agent)
    url = reverse("ui:customer-edit", args=[people[0].pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["last_name"] = "Adler-Berg"
    assert client.post(url, data).status_code == 302
    assert AuditEntry.objects.filter(actor=agent, action=AuditAction.VIEW).count() == 1
    assert AuditEntry.objects.filter(actor=agent, action=AuditAction.CHANGE).exists()
