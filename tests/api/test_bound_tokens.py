"""A token bound to a shop sees and writes only that shop's customers (an account or an order
there) and orders; another shop's are 404, as if they did not exist, and the probe is audited.

The attack of issue 12: a token made with ``--shop zweitshop`` changed a demo-shop customer's
name through ``PUT /api/customers``.
"""

from __future__ import annotations

import pytest

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.models import Customer
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Platform, Shop, ShopAccount
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops(db):
    demo = Shop.objects.create(name="Demo-Shop", slug="demo", platform=Platform.GENERIC)
    second = Shop.objects.create(name="Zweitshop", slug="zweitshop", platform=Platform.GENERIC)
    return demo, second


@pytest.fixture
def people(shops):
    """Jürgen bought in the demo shop; Nora has an account in the second shop only."""
    demo, second = shops
    juergen = create_customer(by=None, email="j.mueller@example.de", last_name="Müller")
    order = OrderFactory(shop=demo, customer=juergen, number="5001")
    nora = create_customer(by=None, email="nora@example.de", last_name="Nowak")
    ShopAccount.objects.create(shop=second, external_id="n-1", customer=nora)
    return {"juergen": juergen, "order": order, "nora": nora}


@pytest.fixture
def second_shop_api(make_api, shops):
    return make_api(shop=shops[1], name="zweitshop-sync")


def refusals() -> int:
    return AuditEntry.objects.filter(
        action=AuditAction.REFUSE, actor_label="zweitshop-sync"
    ).count()


def test_the_issue_attack_put_by_email_is_404_and_changes_nothing(second_shop_api, people):
    response = second_shop_api.put(
        "/customers", {"email": "j.mueller@example.de", "last_name": "Gehackt"}
    )

    assert response.status_code == 404
    people["juergen"].refresh_from_db()
    assert people["juergen"].last_name == "Müller"
    assert refusals() == 1


def test_reads_of_another_shops_customer_and_order_are_404_and_audited(second_shop_api, people):
    juergen, order = people["juergen"], people["order"]

    assert second_shop_api.get(f"/customers/{juergen.pk}").status_code == 404
    assert second_shop_api.get(f"/customers/{juergen.pk}/activities").status_code == 404
    assert second_shop_api.get(f"/orders/{order.pk}").status_code == 404
    assert second_shop_api.post(f"/customers/{juergen.pk}/notes", {"text": "x"}).status_code == 404

    assert refusals() == 4
    # an id that does not exist at all answers the same
    missing = second_shop_api.get("/customers/999999")
    assert missing.status_code == 404
    assert missing.json()["detail"] == second_shop_api.get(f"/customers/{juergen.pk}").json()[
        "detail"
    ].replace(str(juergen.pk), "999999")


def test_its_own_customer_is_read_and_written(second_shop_api, people):
    nora = people["nora"]

    assert second_shop_api.get(f"/customers/{nora.pk}").status_code == 200
    response = second_shop_api.put(
        "/customers", {"external_id": "n-1", "first_name": "Nora", "email": "nora@example.de"}
    )

    assert response.status_code == 200, response.content
    nora.refresh_from_db()
    assert nora.first_name == "Nora"
    assert refusals() == 0


def test_lists_and_search_show_only_its_own_customers_and_orders(second_shop_api, people):
    listed = second_shop_api.get("/customers").json()["items"]
    by_name = second_shop_api.get("/customers", q="Müller").json()["items"]
    by_number = second_shop_api.get("/customers", q="5001").json()["items"]
    by_email = second_shop_api.get("/customers", email="j.mueller@example.de").json()["items"]
    orders = second_shop_api.get("/orders", customer_id=people["juergen"].pk).json()["items"]

    assert [item["id"] for item in listed] == [people["nora"].pk]
    assert by_name == by_number == by_email == orders == []


def test_merging_across_shops_is_404_and_merges_nothing(make_api, shops, people):
    api = make_api("customers:merge", shop=shops[1], name="zweitshop-sync")
    nora, juergen = people["nora"], people["juergen"]

    response = api.post(f"/customers/{nora.pk}/merge", {"merged_id": juergen.pk})

    assert response.status_code == 404
    assert Customer.objects.get(pk=juergen.pk).merged_into_id is None
    assert refusals() == 1


def test_merging_a_customer_shared_with_another_shop_is_404(make_api, shops, people):
    """Jürgen bought in the second shop too: its token sees him, but a merge would move the
    demo shop's orders and accounts, so he is not the token's to merge."""
    api = make_api("customers:merge", shop=shops[1], name="zweitshop-sync")
    nora, juergen = people["nora"], people["juergen"]
    OrderFactory(shop=shops[1], customer=juergen, number="Z-9")

    response = api.post(f"/customers/{nora.pk}/merge", {"merged_id": juergen.pk})

    assert response.status_code == 404
    assert Customer.objects.get(pk=juergen.pk).merged_into_id is None
    assert refusals() == 1


def test_writing_orders_or_events_for_another_shop_is_404(second_shop_api, people):
    order = {
        "shop": "demo",
        "external_id": "o-1",
        "placed_at": "2026-11-30T10:00:00+01:00",
        "lines": [{"name": "Tee", "quantity": 1, "unit_price": "4.90"}],
    }
    assert second_shop_api.put("/orders", order).status_code == 404
    event = {"id": "e-1", "type": "customer.upserted", "data": {"id": "c-1"}}
    assert second_shop_api.send("post", "/events?shop=demo", event).status_code == 404
    assert refusals() == 2


def test_an_unbound_token_still_sees_every_shop(make_api, people):
    api = make_api()
    assert api.get(f"/customers/{people['juergen'].pk}").status_code == 200
    assert api.get(f"/customers/{people['nora'].pk}").status_code == 200


def test_a_shared_customer_shows_a_bound_token_only_its_shops_accounts(
    second_shop_api, shops, people
):
    """Jürgen has an account in the demo shop and bought in the second shop too: the second
    shop's token reads him, but not that (nor under which id) he is a demo-shop customer."""
    demo, second = shops
    ShopAccount.objects.create(shop=demo, external_id="demo-77", customer=people["juergen"])
    OrderFactory(shop=second, customer=people["juergen"], number="Z-1")
    ShopAccount.objects.create(shop=second, external_id="z-9", customer=people["juergen"])

    response = second_shop_api.get(f"/customers/{people['juergen'].pk}")

    assert response.status_code == 200
    assert response.json()["shop_accounts"] == [{"shop": "zweitshop", "external_id": "z-9"}]
    assert "demo-77" not in response.content.decode()
