"""Compiled reads give what their queryset gives, compile once, and refuse what they cannot do."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stammkunde.audit.models import AuditEntry
from stammkunde.core.compiled import CONTAINED, ID, IDS, MOMENT, TEXT, CompiledRead
from stammkunde.shop.models import Order
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def _orders_of(customer_id):
    return Order.objects.filter(customer_id=customer_id).order_by("-placed_at", "-id")


def _fields(instance):
    return {key: value for key, value in vars(instance).items() if key != "_state"}


def test_model_rows_are_the_querysets_rows():
    anna = CustomerFactory(first_name="Anna")
    now = timezone.now()
    OrderFactory(customer=anna, placed_at=now - timedelta(days=3), total=Decimal("12.50"))
    OrderFactory(customer=anna, placed_at=now - timedelta(days=1), total=Decimal("7.10"))
    OrderFactory()  # someone else's
    read = CompiledRead(_orders_of, customer_id=ID)

    found = read.fetch(customer_id=anna.pk)

    expected = list(_orders_of(anna.pk))
    assert [_fields(order) for order in found] == [_fields(order) for order in expected]
    assert [order.total for order in found] == [Decimal("7.10"), Decimal("12.50")]
    assert found[0]._state.adding is False


def test_selected_related_objects_come_with_the_row():
    order = OrderFactory()
    read = CompiledRead(
        lambda pk: Order.objects.select_related("customer", "shop").filter(pk=pk), pk=ID
    )
    read.fetch(pk=order.pk)  # compiled here

    with CaptureQueriesContext(connection) as queries:
        [found] = read.fetch(pk=order.pk)
        names = (found.customer.first_name, found.shop.name)

    assert len(queries) == 1
    assert names == (order.customer.first_name, order.shop.name)


def test_compiles_once_and_uses_new_values_each_time():
    first, second = CustomerFactory(), CustomerFactory()
    OrderFactory(customer=first, number="A-1")
    OrderFactory(customer=second, number="B-1")
    built = []

    def build(customer_id):
        built.append(customer_id)
        return Order.objects.filter(customer_id=customer_id).values_list("number", flat=True)

    read = CompiledRead(build, customer_id=ID)

    assert read.fetch(customer_id=first.pk) == ["A-1"]
    assert read.fetch(customer_id=second.pk) == ["B-1"]
    assert read.fetch(customer_id=first.pk + second.pk + 1000) == []
    assert len(built) == 1


def test_values_tuples_and_annotations():
    order = OrderFactory(number="N-7", total=Decimal("3.30"))
    OrderLineFactory(order=order)
    OrderLineFactory(order=order)
    by_number = CompiledRead(
        lambda number: Order.objects.filter(number=number).values("number", "total"),
        number=TEXT,
    )
    counted = CompiledRead(
        lambda pk: Order.objects.filter(pk=pk).annotate(line_count=Count("lines")), pk=ID
    )
    pairs = CompiledRead(
        lambda pk: Order.objects.filter(pk=pk).values_list("number", "total"), pk=ID
    )

    assert by_number.fetch(number="N-7") == [{"number": "N-7", "total": Decimal("3.30")}]
    assert by_number.fetch(number="N-8") == []
    assert counted.first(pk=order.pk).line_count == 2
    assert pairs.fetch(pk=order.pk) == [("N-7", Decimal("3.30"))]


def test_a_list_of_ids_takes_any_length_and_an_empty_list_reads_nothing():
    orders = [OrderFactory() for _ in range(4)]
    read = CompiledRead(
        lambda ids: Order.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True),
        ids=IDS,
    )
    pks = [order.pk for order in orders]

    assert read.fetch(ids=pks[:1]) == pks[:1]
    assert read.fetch(ids=[pks[3], pks[1], pks[3]]) == [pks[1], pks[3]]
    with CaptureQueriesContext(connection) as queries:
        assert read.fetch(ids=[]) == []
    assert len(queries) == 0


def test_moments_are_compared_as_the_queryset_compares_them():
    now = timezone.now()
    old = OrderFactory(placed_at=now - timedelta(days=10))
    OrderFactory(placed_at=now - timedelta(days=1))
    read = CompiledRead(
        lambda before: Order.objects.filter(placed_at__lt=before).values_list("pk", flat=True),
        before=MOMENT,
    )

    assert read.fetch(before=now - timedelta(days=5)) == [old.pk]
    assert len(read.fetch(before=now)) == 2


def test_a_value_django_transforms_is_refused():
    read = CompiledRead(lambda name: Order.objects.filter(number__istartswith=name), name=TEXT)

    with pytest.raises(ImproperlyConfigured, match="name"):
        read.fetch(name="A")


def test_prefetching_is_refused():
    read = CompiledRead(lambda pk: Order.objects.filter(pk=pk).prefetch_related("lines"), pk=ID)

    with pytest.raises(ImproperlyConfigured, match="prefetch"):
        read.fetch(pk=1)


def test_missing_or_extra_values_are_a_type_error():
    read = CompiledRead(lambda pk: Order.objects.filter(pk=pk), pk=ID)

    with pytest.raises(TypeError):
        read.fetch()
    with pytest.raises(TypeError):
        read.fetch(pk=1, other=2)


def test_contained_text_is_escaped_as_django_escapes_it():
    OrderFactory(number="50%-A")
    OrderFactory(number="50X-B")
    read = CompiledRead(
        lambda part: (
            Order.objects.filter(number__contains=part)
            .order_by("number")
            .values_list("number", flat=True)
        ),
        part=CONTAINED,
    )

    assert read.fetch(part="0%") == ["50%-A"]
    assert read.fetch(part="-") == ["50%-A", "50X-B"]
    assert read.fetch(part="0_") == []


def test_a_naive_moment_is_taken_in_the_default_time_zone():
    placed = timezone.now() - timedelta(days=1)
    order = OrderFactory(placed_at=placed)
    read = CompiledRead(
        lambda at: Order.objects.filter(placed_at=at).values_list("pk", flat=True), at=MOMENT
    )
    naive = timezone.make_naive(placed, timezone.get_default_timezone())

    with pytest.warns(RuntimeWarning):
        expected = list(Order.objects.filter(placed_at=naive).values_list("pk", flat=True))
    assert read.fetch(at=naive) == expected == [order.pk]


def test_a_value_of_a_plain_integer_field_is_found():
    # On PostgreSQL Django wraps an integer field's value for psycopg (Int8): the stand-in must
    # still be recognised (the customer page's audit trail compares AuditEntry.customer_id).
    seen = AuditEntry.objects.create(actor_label="t", action="view", customer_id=41)
    AuditEntry.objects.create(actor_label="t", action="view", customer_id=42)
    read = CompiledRead(
        lambda customer_id: AuditEntry.objects.filter(customer_id=customer_id).values_list(
            "id", flat=True
        ),
        customer_id=ID,
    )

    assert read.fetch(customer_id=41) == [seen.pk]
    assert read.fetch(customer_id=43) == []


def test_an_id_beyond_the_columns_range_finds_nothing():
    """/customers/99999999999999999999/ answered 500: SQLite raised OverflowError and
    PostgreSQL a DataError for the compiled read's parameter. Out of range, an id is no row's;
    an order comparison still compares."""
    orders = [OrderFactory() for _ in range(2)]
    pks = [order.pk for order in orders]
    huge = 10**20
    by_customer = CompiledRead(_orders_of, customer_id=ID)
    assert by_customer.fetch(customer_id=huge) == []
    assert by_customer.fetch(customer_id=-huge) == []
    below = CompiledRead(
        lambda pk: Order.objects.filter(pk__lt=pk).order_by("pk").values_list("pk", flat=True),
        pk=ID,
    )
    assert below.fetch(pk=huge) == pks
    listed = CompiledRead(
        lambda ids: Order.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True),
        ids=IDS,
    )
    assert listed.fetch(ids=[huge, pks[1], -huge]) == [pks[1]]
    assert listed.fetch(ids=[huge]) == []
