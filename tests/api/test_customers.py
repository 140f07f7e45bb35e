"""Customers through the API: search, read (merged ids resolve), upsert, merge; all audited."""

from __future__ import annotations

import pytest

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.merging import merge_customers
from stammkunde.customers.models import Customer
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import ShopAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def juergen():
    return create_customer(
        by=None, email="j.mueller@example.de", first_name="Jürgen", last_name="Müller"
    )


def test_search_finds_by_name_and_audits_the_read(api, juergen):
    create_customer(by=None, email="other@example.de", first_name="Eva", last_name="Schmidt")
    response = api.get("/customers", q="mull")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [juergen.pk]
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert (entry.detail, entry.actor_label, entry.actor) == ("search", "shop-sync", None)
    assert list(entry.customers.values_list("customer_id", flat=True)) == [juergen.pk]


def test_list_pages_with_limit_and_offset(api):
    ids = [
        create_customer(by=None, email=f"k{n}@example.de", last_name=f"Kunde{n}").pk
        for n in range(5)
    ]
    first = api.get("/customers", limit=2).json()
    assert [c["id"] for c in first["items"]] == ids[:2]
    assert first["next_offset"] == 2
    last = api.get("/customers", limit=2, offset=4).json()
    assert [c["id"] for c in last["items"]] == ids[4:]
    assert last["next_offset"] is None


def test_a_limit_out_of_range_is_422_with_a_message(api):
    response = api.get("/customers", limit=1000)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Invalid request: ")
    assert "limit" in body["detail"]


def test_read_returns_profile_accounts_and_consents(api, juergen, shop):
    ShopAccount.objects.create(shop=shop, external_id="C-1", customer=juergen)
    body = api.get(f"/customers/{juergen.pk}").json()
    assert body["email"] == "j.mueller@example.de"
    assert body["shop_accounts"] == [{"shop": "kaffee", "external_id": "C-1"}]
    assert body["resolved_from"] is None


def test_a_merged_away_id_answers_with_the_survivor(api, juergen, team_lead):
    twin = create_customer(by=None, email="jm@firma.example", last_name="Müller")
    merge_customers(juergen, twin, by=team_lead)
    body = api.get(f"/customers/{twin.pk}").json()
    assert body["id"] == juergen.pk
    assert body["resolved_from"] == twin.pk


def test_unknown_customer_is_404_json(api):
    response = api.get("/customers/999999")
    assert response.status_code == 404
    assert "999999" in response.json()["detail"]


def test_upsert_creates_then_updates_by_email(api):
    created = api.put("/customers", {"email": " Neu@Example.de ", "first_name": "Nora"})
    assert created.status_code == 201
    customer_id = created.json()["customer"]["id"]
    updated = api.put("/customers", {"email": "neu@example.de", "phone": "0171 1234567"})
    assert updated.status_code == 200
    assert updated.json()["created"] is False
    customer = Customer.objects.get(pk=customer_id)
    assert (customer.first_name, customer.phone_key) == ("Nora", "491711234567")
    assert Customer.objects.count() == 1


def test_upsert_by_shop_customer_id_links_the_account(api, shop):
    first = api.put("/customers", {"shop": "kaffee", "external_id": "77", "last_name": "Groß"})
    assert first.status_code == 201
    again = api.put("/customers", {"shop": "kaffee", "external_id": "77", "email": "g@example.de"})
    assert again.status_code == 200
    customer = ShopAccount.objects.get(shop=shop, external_id="77").customer
    assert (customer.last_name, customer.email) == ("Groß", "g@example.de")


def test_upsert_email_taken_by_another_customer_is_409(api, shop, juergen):
    api.put("/customers", {"shop": "kaffee", "external_id": "5", "last_name": "X"})
    response = api.put(
        "/customers", {"shop": "kaffee", "external_id": "5", "email": "j.mueller@example.de"}
    )
    assert response.status_code == 409
    assert "j.mueller@example.de" in response.json()["detail"]


def test_upsert_needs_email_or_external_id_and_rejects_bad_input(api):
    assert api.put("/customers", {"first_name": "Nobody"}).status_code == 422
    assert api.put("/customers", {"email": "not-an-address"}).status_code == 400
    assert api.put("/customers", {"email": "a@example.de", "colour": "red"}).status_code == 422
    assert (
        api.put("/customers", {"email": "a@example.de", "last_name": "x\x00y"}).status_code == 422
    )
    assert api.put("/customers", "{not json").status_code == 400
    assert not Customer.objects.exists()


def test_upsert_for_an_unknown_shop_is_404(api):
    response = api.put("/customers", {"shop": "nope", "external_id": "1"})
    assert response.status_code == 404


def test_shop_bound_token_cannot_write_to_another_shop(make_api, shop):
    from stammkunde.shop.models import Shop

    Shop.objects.create(name="Tee", slug="tee", platform="generic")
    api = make_api("customers:write", shop=shop)
    response = api.put("/customers", {"shop": "tee", "external_id": "1"})
    # another shop does not exist for a bound token (tests/api/test_bound_tokens.py)
    assert response.status_code == 404


def test_merge_through_the_api(api, juergen):
    twin = create_customer(by=None, email="jm@firma.example", last_name="Müller")
    response = api.post(f"/customers/{juergen.pk}/merge", {"merged_id": twin.pk})
    assert response.status_code == 200
    twin.refresh_from_db()
    assert twin.merged_into_id == juergen.pk
    assert AuditEntry.objects.filter(action=AuditAction.MERGE, actor_label="shop-sync").exists()
    again = api.post(f"/customers/{juergen.pk}/merge", {"merged_id": twin.pk})
    assert again.status_code == 409


def test_merge_needs_its_own_scope(make_api, juergen):
    api = make_api("customers:read", "customers:write")
    twin = create_customer(by=None, email="jm@firma.example")
    assert api.post(f"/customers/{juergen.pk}/merge", {"merged_id": twin.pk}).status_code == 403
