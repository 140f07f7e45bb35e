"""Orders and timelines through the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stammkunde.customers.merging import merge_customers
from stammkunde.customers.models import Customer
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Order
from stammkunde.timeline.models import Activity, ActivityKind

pytestmark = pytest.mark.django_db

ORDER = {
    "shop": "kaffee",
    "external_id": "A-1001",
    "number": "1001",
    "placed_at": "2026-03-01T10:15:00+01:00",
    "currency": "eur",
    "customer": {"email": "Kim@Example.de", "first_name": "Kim", "last_name": "Ahn"},
    "lines": [
        {"name": "Espresso 1 kg", "quantity": 2, "unit_price": "18.90", "sku": "ESP"},
        {"name": "Filter", "quantity": 1, "unit_price": "3.50"},
    ],
    "shipping_total": "4.90",
}


def test_order_upsert_creates_order_and_guest_customer(api, shop):
    response = api.put("/orders", ORDER)
    assert response.status_code == 201
    body = response.json()["order"]
    # 2 x 18.90 + 3.50 + 4.90 shipping, computed by hand
    assert Decimal(body["total"]) == Decimal("46.20")
    assert body["currency"] == "EUR"
    customer = Customer.objects.get(email="kim@example.de")
    assert body["customer_id"] == customer.pk
    assert Activity.objects.filter(customer=customer, kind=ActivityKind.ORDER_PLACED).count() == 1


def test_order_upsert_again_updates_in_place(api, shop):
    api.put("/orders", ORDER)
    changed = {**ORDER, "status": "shipped", "lines": [ORDER["lines"][0]]}
    response = api.put("/orders", changed)
    assert response.status_code == 200
    order = Order.objects.get()
    assert (order.status, order.lines.count(), order.total) == ("shipped", 1, Decimal("42.70"))


def test_guest_order_with_the_email_of_a_merged_customer_goes_to_the_survivor(api, shop, team_lead):
    survivor = create_customer(by=None, email="kim.ahn@firma.example")
    merged = create_customer(by=None, email="kim@example.de")
    merge_customers(survivor, merged, by=team_lead)
    api.put("/orders", ORDER)
    assert Order.objects.get().customer_id == survivor.pk
    assert Customer.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"lines": []}, 422),
        ({"lines": [{"name": "x", "quantity": -1, "unit_price": "1.00"}]}, 422),
        ({"lines": [{"name": "x", "quantity": 1, "unit_price": "-1.00"}]}, 422),
        ({"lines": [{"name": "x", "quantity": 1, "unit_price": "1.00"}] * 5000}, 422),
        ({"placed_at": "2026-03-01T10:15:00"}, 422),  # no time zone: the schema names the field
        ({"placed_at": "yesterday"}, 422),
        ({"discount_total": "500.00"}, 400),  # larger than the order
        ({"shop": "nope"}, 404),
        ({"customer": {"email": "kein-at"}}, 400),
    ],
)
def test_bad_orders_get_a_clear_4xx_and_nothing_is_written(api, shop, change, status):
    response = api.put("/orders", {**ORDER, **change})
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert not Order.objects.exists()


def test_order_reads_filter_by_customer_and_respect_the_token_shop(make_api, shop):
    from stammkunde.shop.models import Shop

    writer = make_api("orders:write", "orders:read", name="writer")
    writer.put("/orders", ORDER)
    tea = Shop.objects.create(name="Tee", slug="tee", platform="generic")
    tea_reader = make_api("orders:read", name="tea", shop=tea)
    assert tea_reader.get("/orders").json()["items"] == []
    order = Order.objects.get()
    assert tea_reader.get(f"/orders/{order.pk}").status_code == 404
    items = writer.get("/orders", customer_id=order.customer_id).json()["items"]
    assert [item["number"] for item in items] == ["1001"]


def test_timeline_read_with_cursor_paging(api):
    customer = create_customer(by=None, email="t@example.de")
    for n in range(4):
        add_note(customer, by=None, text=f"Notiz {n}")
    first = api.get(f"/customers/{customer.pk}/activities", limit=3).json()
    assert len(first["items"]) == 3
    rest = api.get(
        f"/customers/{customer.pk}/activities", limit=3, before=first["next_cursor"]
    ).json()
    seen = [item["id"] for item in first["items"] + rest["items"]]
    assert sorted(seen) == sorted(
        Activity.objects.filter(customer=customer).values_list("id", flat=True)
    )
    assert rest["next_cursor"] is None


def test_bad_cursor_is_400(api):
    customer = create_customer(by=None, email="t@example.de")
    response = api.get(f"/customers/{customer.pk}/activities", before="garbage")
    assert response.status_code == 400


def test_post_a_note_labelled_with_the_token(api):
    customer = create_customer(by=None, email="t@example.de")
    response = api.post(f"/customers/{customer.pk}/notes", {"text": "Rückruf erbeten"})
    assert response.status_code == 201
    assert response.json()["actor"] == "shop-sync"
    note = Activity.objects.get(kind=ActivityKind.NOTE)
    assert (note.summary, note.actor_label) == ("Rückruf erbeten", "shop-sync")


def test_a_ten_megabyte_note_is_refused(api):
    customer = create_customer(by=None, email="t@example.de")
    response = api.post(f"/customers/{customer.pk}/notes", {"text": "x" * 10_000_001})
    assert response.status_code == 413
    assert response.json()["detail"]
    assert not Activity.objects.filter(kind=ActivityKind.NOTE).exists()


def test_reads_of_orders_and_timelines_are_audited_with_the_token_name(api, shop):
    from stammkunde.audit.models import AuditAction, AuditEntry

    api.put("/orders", ORDER)
    order = Order.objects.get()
    before = AuditEntry.objects.filter(action=AuditAction.VIEW).count()
    api.get(f"/orders/{order.pk}")
    api.get(f"/customers/{order.customer_id}/activities")
    views = AuditEntry.objects.filter(action=AuditAction.VIEW).order_by("id")[before:]
    assert [(v.object_type, v.customer_id, v.actor_label) for v in views] == [
        ("shop.order", order.customer_id, "shop-sync"),
        ("customers.customer", order.customer_id, "shop-sync"),
    ]
