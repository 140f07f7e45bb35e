"""Test data builders (factory_boy) with German data, as the real shops have it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from stammkunde.customers.models import Customer
from stammkunde.shop.models import Order, OrderLine, Shop

PASSWORD = "korrekt-Pferd-Batterie-42"


def make_staff_user(username: str, *, role: str) -> User:
    """A staff user in one of the role groups, with the shared test password."""
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title()
    )
    user.groups.add(Group.objects.get(name=role))
    return user


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.Sequence(lambda n: f"kunde{n}@example.de")
    phone = factory.Faker("phone_number", locale="de_DE")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop
        django_get_or_create = ("slug",)

    name = "Testshop"
    slug = "testshop"
    platform = "csv"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    shop = factory.SubFactory(ShopFactory)
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    number = factory.Sequence(lambda n: f"{10000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    placed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    total = Decimal("49.90")
    subtotal = Decimal("49.90")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    name = "Espresso Bohnen 1 kg"
    sku = "ESP-1000"
    quantity = 1
    unit_price = Decimal("49.90")
    total = Decimal("49.90")
