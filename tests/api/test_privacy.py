"""GDPR through the API: export and erasure need the scope customers:privacy; both audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.api.models import Scope
from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import OrderStatus
from tests.factories import OrderFactory


@pytest.fixture
def karl(db):
    return create_customer(by=None, email="karl@example.de", first_name="Karl", last_name="Kurz")


def test_the_export_needs_the_privacy_scope(make_api, karl):
    reader = make_api(Scope.CUSTOMERS_READ)
    assert reader.get(f"/customers/{karl.pk}/gdpr-export").status_code == 403
    assert reader.post(f"/customers/{karl.pk}/erasure", {}).status_code == 403
    assert Customer.objects.get(pk=karl.pk).status == CustomerStatus.ACTIVE


def test_the_export_returns_the_customers_data_and_is_audited(make_api, karl):
    api = make_api(Scope.PRIVACY, name="dsgvo-tool")
    response = api.get(f"/customers/{karl.pk}/gdpr-export")
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["customers"]["profile"]["email"] == "karl@example.de"
    assert AuditEntry.objects.filter(
        action=AuditAction.EXPORT, customer_id=karl.pk, actor_label="dsgvo-tool"
    ).exists()


def test_an_erasure_with_an_open_order_is_deferred_with_its_reason(make_api, karl):
    OrderFactory(
        customer=karl, status=OrderStatus.PLACED, placed_at=timezone.now() - timedelta(days=1)
    )
    response = make_api(Scope.PRIVACY).post(f"/customers/{karl.pk}/erasure", {})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "deferred"
    assert body["obstacles"][0]["reason"] == "open_order"
    assert Customer.objects.get(pk=karl.pk).email == "karl@example.de"


def test_an_erasure_names_what_is_kept_and_until_when(make_api, karl):
    placed = timezone.now() - timedelta(days=200)
    OrderFactory(customer=karl, status=OrderStatus.DELIVERED, placed_at=placed)
    body = make_api(Scope.PRIVACY).post(f"/customers/{karl.pk}/erasure", {}).json()
    assert body["state"] == "restricted"
    until_year = timezone.localtime(placed).year + 8
    assert body["restricted_until"] == f"{until_year}-12-31"
    assert body["retention_duties"][0]["what"] == "orders"


def test_an_unknown_customer_is_404(make_api, db):
    api = make_api(Scope.PRIVACY)
    assert api.post("/customers/424242/erasure", {}).status_code == 404
    assert api.get("/customers/424242/gdpr-export").status_code == 404


def test_an_erased_customer_is_gone_from_search_and_reads(make_api, karl):
    make_api(Scope.PRIVACY, name="dsgvo-tool").post(f"/customers/{karl.pk}/erasure", {})
    reader = make_api(Scope.CUSTOMERS_READ)
    assert reader.get(f"/customers/{karl.pk}").status_code == 404
    assert reader.get("/customers", q="kurz").json()["items"] == []


def test_a_page_of_customers_is_audited_once_naming_them(make_api, karl):
    other = create_customer(by=None, email="lea@example.de", last_name="Lang")
    make_api(Scope.CUSTOMERS_READ).get("/customers")
    row = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert set(row.customers.values_list("customer_id", flat=True)) == {karl.pk, other.pk}
