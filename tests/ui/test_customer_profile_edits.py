"""Consent and tags changed from the customer page (issue 15): through the customers services,
audited, errors shown in the form (never a 500), only with the permission."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from stammkunde.audit.models import AuditEntry
from stammkunde.customers.models import ConsentEvent, Tag
from stammkunde.customers.services.profile import create_customer
from stammkunde.timeline.models import Activity, ActivityKind

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "consent-card"}


@pytest.fixture
def customer(db):
    return create_customer(by=None, email="h@example.de", first_name="Hedwig", last_name="Kranich")


def _post(client, user, name, customer, data, target):
    client.force_login(user)
    return client.post(
        reverse(f"ui:{name}", args=[customer.pk]),
        data,
        headers={"HX-Request": "true", "HX-Target": target, "Accept-Language": "de"},
    )


def test_a_phone_opt_out_is_recorded_with_source_and_agent(client, agent, customer):
    response = _post(
        client,
        agent,
        "customer-consent",
        customer,
        {"purpose": "newsletter", "channel": "email", "decision": "withdraw", "source": "phone"},
        "consent-card",
    )
    assert response.status_code == 200
    assert "widerrufen" in response.content.decode()
    event = ConsentEvent.objects.get(customer=customer)
    assert (event.granted, event.source, event.source_detail) == (False, "phone", "Anna")
    assert Activity.objects.filter(
        customer=customer, kind=ActivityKind.CONSENT_CHANGED, actor=agent
    ).exists()
    assert AuditEntry.objects.filter(actor=agent, fields=["consent"]).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"purpose": "newsletter", "channel": "email", "source": "phone"},  # no decision
        {"purpose": "spam", "channel": "email", "decision": "grant", "source": "phone"},
        {"purpose": "newsletter", "channel": "email", "decision": "grant", "source": "shop"},
    ],
)
def test_bad_consent_input_is_shown_in_the_form(client, agent, customer, data):
    response = _post(client, agent, "customer-consent", customer, data, "consent-card")
    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode()
    assert not ConsentEvent.objects.filter(customer=customer).exists()


def test_marketing_may_not_record_consent(client, customer):
    from django.contrib.auth.models import Group

    user = User.objects.create_user(username="mara", password="x")
    user.groups.add(Group.objects.get(name="Marketing"))
    data = {"purpose": "newsletter", "channel": "email", "decision": "grant", "source": "phone"}
    response = _post(client, user, "customer-consent", customer, data, "consent-card")
    assert response.status_code == 403
    assert not ConsentEvent.objects.exists()


def test_an_agent_sets_existing_tags_but_creates_none(client, agent, customer):
    Tag.objects.create(name="Großkunde")
    response = _post(client, agent, "customer-tags", customer, {"tags": "großkunde"}, "tags-card")
    assert response.status_code == 200
    assert [tag.name for tag in customer.tags.all()] == ["Großkunde"]
    assert AuditEntry.objects.filter(actor=agent, fields=["tags"]).exists()

    response = _post(
        client, agent, "customer-tags", customer, {"tags": "Großkunde, Neu"}, "tags-card"
    )
    assert response.status_code == 200
    assert "Neu" in response.content.decode() and 'class="field-errors"' in (
        response.content.decode()
    )
    assert [tag.name for tag in customer.tags.all()] == ["Großkunde"]
    assert not Tag.objects.filter(name="Neu").exists()


def test_a_team_lead_creates_a_tag_and_removes_all(client, customer):
    lead = User.objects.create_user(username="lea", password="x")
    from django.contrib.auth.models import Group

    lead.groups.add(Group.objects.get(name="Team lead"))
    _post(client, lead, "customer-tags", customer, {"tags": "VIP, vip ,  Presse "}, "tags-card")
    assert sorted(tag.name for tag in customer.tags.all()) == ["Presse", "VIP"]
    _post(client, lead, "customer-tags", customer, {"tags": ""}, "tags-card")
    assert not customer.tags.exists()


def test_the_customer_page_offers_the_forms_to_agents_only(client, agent, customer):
    client.force_login(agent)
    html = client.get(reverse("ui:customer-detail", args=[customer.pk])).content.decode()
    assert 'id="consent-form"' in html and 'id="tags-form"' in html


ADDRESS = {
    "kind": "billing",
    "name": "Hedwig Kranich",
    "street": "Lindenallee 4",
    "postal_code": "04109",
    "city": "Leipzig",
    "country": "de",
    "is_default": "on",
}


def test_an_agent_adds_and_changes_an_address(client, agent, customer):
    client.force_login(agent)
    url = reverse("ui:customer-address", args=[customer.pk])
    response = client.post(url, ADDRESS)
    assert response.status_code == 302
    address = customer.addresses.get()
    assert (address.street, address.postal_code, address.country) == (
        "Lindenallee 4",
        "04109",
        "DE",
    )
    response = client.post(url, {**ADDRESS, "address": address.pk, "city": "Leipzig-Mitte"})
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.city == "Leipzig-Mitte"
    assert customer.addresses.count() == 1
    assert AuditEntry.objects.filter(actor=agent, object_type="customers.address").count() == 2
    assert (
        Activity.objects.filter(
            customer=customer, kind=ActivityKind.CUSTOMER_UPDATED, params={"fields": ["address"]}
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    "changes",
    [{"street": ""}, {"country": "Deutschland"}, {"kind": "moon"}, {"postal_code": "1" * 40}],
)
def test_a_bad_address_is_shown_in_the_form(client, agent, customer, changes):
    client.force_login(agent)
    response = client.post(
        reverse("ui:customer-address", args=[customer.pk]),
        {**ADDRESS, **changes},
        headers={"Accept-Language": "de"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field-errors"' in html or 'class="form-errors full"' in html
    assert not customer.addresses.exists()


def test_an_address_of_another_customer_cannot_be_changed_here(client, agent, customer):
    other = create_customer(by=None, email="o@example.de", last_name="Other")
    client.force_login(agent)
    client.post(reverse("ui:customer-address", args=[other.pk]), ADDRESS)
    foreign = other.addresses.get()
    response = client.post(
        reverse("ui:customer-address", args=[customer.pk]),
        {**ADDRESS, "address": foreign.pk, "city": "Gestohlen"},
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.city == "Leipzig"
