"""The timeline folded by order across page boundaries (issue 15): an order whose entries fall
on two pages is one line on the first, and never appears again on the next."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.customers.services.profile import create_customer
from stammkunde.timeline.models import Activity, ActivityKind
from stammkunde.timeline.queries import folded_timeline_page
from stammkunde.timeline.services import record_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return create_customer(by=None, email="f@example.de", first_name="Fritz", last_name="Falt")


def _entry(customer, kind, hours_ago, number=None):
    params = {"number": number} if number else {"text": f"Notiz {hours_ago}"}
    return record_activity(
        customer_id=customer.pk,
        kind=kind,
        params=params,
        occurred_at=timezone.now() - timedelta(hours=hours_ago),
    )


@pytest.fixture
def spread(customer):
    """Newest first: created (now), A delivered, note, note, B placed, note, A shipped, note,
    A placed."""
    created = Activity.objects.get(customer=customer, kind=ActivityKind.CUSTOMER_CREATED)
    return [
        created,
        _entry(customer, ActivityKind.ORDER_DELIVERED, 1, "A-1"),
        _entry(customer, ActivityKind.NOTE, 2),
        _entry(customer, ActivityKind.NOTE, 3),
        _entry(customer, ActivityKind.ORDER_PLACED, 4, "B-2"),
        _entry(customer, ActivityKind.NOTE, 5),
        _entry(customer, ActivityKind.ORDER_SHIPPED, 6, "A-1"),
        _entry(customer, ActivityKind.NOTE, 7),
        _entry(customer, ActivityKind.ORDER_PLACED, 8, "A-1"),
    ]


def _pages(customer, limit):
    pages, cursor = [], None
    while True:
        lines, cursor = folded_timeline_page(customer.pk, shop_ids=None, before=cursor, limit=limit)
        pages.append(lines)
        if cursor is None or len(pages) > 20:
            return pages


def test_an_order_spanning_two_pages_is_one_line_on_the_first(customer, spread):
    created, delivered_a, note1, note2, placed_b, note3, shipped_a, note4, placed_a = spread
    first, cursor = folded_timeline_page(customer.pk, shop_ids=None, limit=3)
    assert [line.entry for line in first] == [created, delivered_a, note1]
    # A's shipping and placing lie beyond this page's three lines and are folded in anyway.
    assert first[1].more == [shipped_a, placed_a]
    second, cursor = folded_timeline_page(customer.pk, shop_ids=None, before=cursor, limit=3)
    assert [line.entry for line in second] == [note2, placed_b, note3]
    assert all(line.more == [] for line in second)
    third, cursor = folded_timeline_page(customer.pk, shop_ids=None, before=cursor, limit=3)
    assert [line.entry for line in third] == [note4]
    assert cursor is None


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 8, 50])
def test_every_entry_is_shown_once_whatever_the_page_size(customer, spread, limit):
    shown = []
    for page in _pages(customer, limit):
        for line in page:
            shown.extend([line.entry, *line.more])
    assert sorted(entry.pk for entry in shown) == sorted(entry.pk for entry in spread)
    heads = [line.entry for page in _pages(customer, limit) for line in page]
    # The "created" entry, four notes and two orders: seven lines, each order once.
    assert len(heads) == 7


def test_a_kind_filter_folds_the_same_way(customer, spread):
    _created, delivered_a, _n1, _n2, placed_b, _n3, shipped_a, _n4, placed_a = spread
    orders = [ActivityKind.ORDER_PLACED, ActivityKind.ORDER_SHIPPED, ActivityKind.ORDER_DELIVERED]
    lines, cursor = folded_timeline_page(customer.pk, shop_ids=None, limit=1, kinds=orders)
    assert [(line.entry, line.more) for line in lines] == [(delivered_a, [shipped_a, placed_a])]
    rest, cursor = folded_timeline_page(
        customer.pk, shop_ids=None, before=cursor, limit=5, kinds=orders
    )
    assert [(line.entry, line.more) for line in rest] == [(placed_b, [])]
    assert cursor is None
