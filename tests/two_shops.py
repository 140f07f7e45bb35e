"""Two shops and their customers, an agent limited to one: the world of the tests of staff
limited to shops (tests/shop, tests/service, tests/customers, tests/audit import it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Platform, Shop, ShopAccount
from stammkunde.shop.services import limit_staff_to_shops
from tests.factories import OrderFactory


@pytest.fixture
def two_shops(db, agent):
    """Shop A ("Kaffee") and shop B ("Tee"): Alma buys in A, Bruno in B, Clara in both (an
    order in each); Anton has only an account in A. The agent is limited to shop A."""
    a = Shop.objects.create(name="Kaffee", slug="kaffee-a", platform=Platform.CSV)
    b = Shop.objects.create(name="Tee", slug="tee-b", platform=Platform.CSV)
    alma = create_customer(by=None, email="alma@example.de", first_name="Alma", last_name="Ahorn")
    bruno = create_customer(
        by=None, email="bruno@example.de", first_name="Bruno", last_name="Birkenfeld"
    )
    clara = create_customer(
        by=None, email="clara@example.de", first_name="Clara", last_name="Cedernholz"
    )
    anton = create_customer(
        by=None, email="anton@example.de", first_name="Anton", last_name="Akazienweg"
    )
    week_ago = timezone.now() - timedelta(days=7)
    OrderFactory(shop=a, customer=alma, number="A-1001", placed_at=week_ago)
    OrderFactory(shop=b, customer=bruno, number="B-2001", placed_at=week_ago)
    OrderFactory(shop=a, customer=clara, number="A-1002", placed_at=week_ago)
    OrderFactory(shop=b, customer=clara, number="B-2002", placed_at=week_ago)
    ShopAccount.objects.create(shop=a, customer=anton, external_id="anton-a")
    add_note(bruno, by=None, text="Bruno mag Earl Grey")
    add_note(alma, by=None, text="Alma mag Espresso")
    limit_staff_to_shops(agent, [a.pk], by=None)
    return {"a": a, "b": b, "alma": alma, "bruno": bruno, "clara": clara, "anton": anton}
