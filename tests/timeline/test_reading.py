"""Entries written in German read English to an English reader and German to a German one,
on the customer page, the start page and in the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from stammkunde.api.models import Scope
from stammkunde.api.tokens import create_token
from stammkunde.shop.services import LineInput, OrderInput, resolve_customer, upsert_order
from stammkunde.timeline.models import Activity, ActivityKind


@pytest.fixture
def token(db):
    """The secret of an integration's API token with every scope."""
    _token, secret = create_token(name="shop-sync", scopes=Scope.values)
    return secret


@pytest.fixture
def eva_ordered_in_german(shop):
    """Eva's order 108810 for 27.08 EUR arrived while the installation spoke German."""
    with translation.override("de"):
        customer = resolve_customer(shop, email="eva@example.de", first_name="Eva")
        upsert_order(
            shop,
            OrderInput(
                external_id="108810",
                number="108810",
                placed_at=timezone.now() - timedelta(days=1),
                lines=[LineInput(name="Espresso", quantity=1, unit_price=Decimal("22.18"))],
                shipping_total=Decimal("4.90"),
                email="eva@example.de",
            ),
            customer=customer,
        )
    return customer


def test_the_entry_stores_facts_not_a_sentence(eva_ordered_in_german):
    entry = Activity.objects.get(customer=eva_ordered_in_german, kind=ActivityKind.ORDER_PLACED)
    assert entry.params == {"number": "108810", "amount": "27.08", "currency": "EUR"}


def test_customer_page_in_english_shows_no_german_entry(client, agent, eva_ordered_in_german):
    client.force_login(agent)
    html = client.get(reverse("ui:customer-detail", args=[eva_ordered_in_german.pk])).content
    html = html.decode()
    assert "Order 108810 for €27.08" in html
    assert "Bestellung" not in html
    assert "Kunde angelegt" not in html


def test_customer_page_in_german_writes_the_amount_the_german_way(agent, eva_ordered_in_german):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(agent)
    html = client.get(reverse("ui:customer-detail", args=[eva_ordered_in_german.pk])).content
    assert "Bestellung 108810 über 27,08\u00a0€" in html.decode()


@pytest.mark.parametrize(
    ("language", "line"),
    [("en", "Order 108810 for €27.08"), ("de", "Bestellung 108810 über 27,08\u00a0€")],
)
def test_start_page_shows_the_line_in_the_readers_language(
    agent, eva_ordered_in_german, language, line
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(agent)
    assert line in client.get(reverse("ui:home")).content.decode()


@pytest.mark.parametrize(
    ("language", "line"),
    [("en", "Order 108810 for €27.08"), ("de", "Bestellung 108810 über 27,08\u00a0€")],
)
def test_api_returns_kind_params_and_the_line_in_the_requests_language(
    token, eva_ordered_in_german, language, line
):
    response = Client().get(
        f"/api/customers/{eva_ordered_in_german.pk}/activities",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
    )
    assert response.status_code == 200
    [placed] = [item for item in response.json()["items"] if item["kind"] == "order_placed"]
    assert placed["params"] == {"number": "108810", "amount": "27.08", "currency": "EUR"}
    assert placed["summary"] == line


def test_api_note_keeps_the_authors_words(token, shop):
    customer = resolve_customer(shop, email="t@example.de")
    response = Client().post(
        f"/api/customers/{customer.pk}/notes",
        {"text": "Rückruf erbeten\nab 14 Uhr"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == 201
    assert response.json()["params"] == {"text": "Rückruf erbeten"}
    assert response.json()["summary"] == "Rückruf erbeten"
    assert response.json()["body"] == "Rückruf erbeten\nab 14 Uhr"
