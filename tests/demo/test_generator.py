"""The demo shop in the database: realistic, heterogeneous, and generated only once."""

from __future__ import annotations

import stat
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from stammkunde.customers.models import ConsentEvent, Customer
from stammkunde.demo.showcase import CONNECTED_SHOP_NAME
from stammkunde.demo.writer import generate_demo
from stammkunde.shop.models import Order, OrderLine, Product, Return, Shipment, Shop
from stammkunde.shop.queries import find_customers, key_figures
from stammkunde.timeline.models import Activity
from stammkunde.timeline.queries import timeline_for_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    return generate_demo(customers=400, seed=3, chunk_size=150)


def test_it_creates_customers_orders_and_timeline(demo):
    assert Customer.objects.count() == 400
    assert Order.objects.count() == demo.orders > 400
    assert OrderLine.objects.count() >= demo.orders
    assert Shipment.objects.exists() and Return.objects.exists()
    assert Product.objects.count() >= 150
    assert Activity.objects.count() == demo.activities
    placed = Activity.objects.filter(kind="order_placed").count()
    assert placed == demo.orders
    assert Activity.objects.filter(kind__in=["note", "call"]).exists()
    assert ConsentEvent.objects.filter(granted=True).count() > 80


def test_emails_are_unique_lower_case_and_keys_are_filled(demo):
    emails = list(Customer.objects.values_list("email", flat=True))
    assert len(set(emails)) == len(emails)
    assert all(email == email.lower() and "@" in email for email in emails)
    customer = Customer.objects.exclude(phone="").first()
    keys = (customer.last_name_key, customer.first_name_key, customer.phone_key)
    customer.refresh_keys()
    assert keys == (customer.last_name_key, customer.first_name_key, customer.phone_key)


def test_customers_are_a_mix_of_one_time_and_repeat_buyers(demo):
    counts = Counter(Customer.objects.annotate(n=Count("orders")).values_list("n", flat=True))
    assert 0.35 < counts[1] / 400 < 0.8
    assert sum(v for k, v in counts.items() if k >= 4) > 10
    assert Order.objects.filter(placed_at__gt=timezone.now()).count() == 0


def test_found_by_search_and_key_figures_add_up(demo):
    customer = Customer.objects.annotate(n=Count("orders")).filter(n__gte=3).first()
    assert customer in find_customers(customer.email)
    order = customer.orders.first()
    assert customer in find_customers(order.number)
    figures = key_figures(customer.pk)
    assert figures.order_count >= 2
    newest = timeline_for_customer(customer.pk, shop_ids=None).first()
    assert newest.occurred_at <= timezone.now()


# Two whole demo runs (migrate, generate, score, the desk, the Drehbuch, the showcase shop).
@pytest.mark.timeout(900)
def test_demo_command_creates_logins_and_does_not_duplicate(settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    call_command("demo", customers=60, no_serve=True)
    after_first_run = Customer.objects.count()
    call_command("demo", customers=60, no_serve=True)
    output = capsys.readouterr().out
    assert "skipping generation" in output
    assert Shop.objects.filter(slug="demo").count() == 1
    # The 60 generated customers, plus those the connected showcase shop's deliveries brought
    # (customers of that shop only); the second run adds nobody.
    showcase_only = (
        Customer.objects.filter(shop_accounts__shop__name=CONNECTED_SHOP_NAME)
        .exclude(shop_accounts__shop__slug="demo")
        .distinct()
        .count()
    )
    assert showcase_only > 0
    assert after_first_run == 60 + showcase_only
    assert Customer.objects.count() == after_first_run
    login = tmp_path / "demo-login.txt"
    assert stat.S_IMODE(login.stat().st_mode) == 0o600
    password = login.read_text().split("password:")[1].strip()
    assert password in output and "http://127.0.0.1:8000" in output
    for username in ("admin", "anna", "max", "lena", "mark"):
        assert User.objects.get(username=username).check_password(password)
    assert User.objects.get(username="anna").groups.filter(name="Service agent").exists()
