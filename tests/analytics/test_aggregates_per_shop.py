"""KPI rows and cohort cells per shop (issue 12): the nightly job writes each shop's rows beside
the all-shop rows (shop NULL); reads sum the chosen shops' counts and compute rates from the sums;
the migration keeps the rows stored before as the all-shop rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from stammkunde.analytics.chart_queries import cohort_table
from stammkunde.analytics.models import CohortCell, KpiRow
from stammkunde.analytics.queries import kpi_series
from stammkunde.analytics.services import run_scoring
from stammkunde.shop.models import Platform, Shop
from tests.factories import CustomerFactory, OrderFactory


def _shop(slug: str) -> Shop:
    return Shop.objects.create(name=slug.title(), slug=slug, platform=Platform.CSV)


@pytest.mark.django_db
def test_the_job_writes_each_shops_rows_beside_the_all_shop_rows():
    first, second = _shop("erster"), _shop("zweiter")
    both = CustomerFactory()
    placed = timezone.now() - timedelta(days=3)
    OrderFactory(shop=first, customer=both, placed_at=placed, total=Decimal("40.00"))
    OrderFactory(shop=second, customer=both, placed_at=placed, total=Decimal("15.00"))
    OrderFactory(shop=second, placed_at=placed, total=Decimal("5.00"))
    run_scoring()

    def day_rows(shop):
        rows = KpiRow.objects.filter(period="day", shop=shop, orders__gt=0)
        return list(rows.values_list("revenue", "orders", "customers", "new_customers"))

    # one customer in both shops: new once in all shops, new in each shop of its own
    assert day_rows(None) == [(Decimal("60.00"), 3, 2, 2)]
    assert day_rows(first) == [(Decimal("40.00"), 1, 1, 1)]
    assert day_rows(second) == [(Decimal("20.00"), 2, 2, 2)]
    sizes = CohortCell.objects.filter(month_offset=0).values_list("shop_id", "customers")
    cohort_sizes = dict(sizes)
    assert cohort_sizes == {None: 2, first.pk: 1, second.pk: 2}


def _month_row(shop, month: date, revenue: str, orders: int, repeat: int):
    KpiRow.objects.create(
        shop=shop, period="month", period_start=month, currency="EUR",
        revenue=Decimal(revenue), orders=orders, customers=orders, repeat_orders=repeat,
        computed_at=timezone.now(),
    )  # fmt: skip


@pytest.mark.django_db
def test_summed_shops_fill_the_months_neither_sold_in_and_take_rates_from_the_sums():
    first, second = _shop("erster"), _shop("zweiter")
    _month_row(first, date(2024, 1, 1), "100.00", 4, 1)
    _month_row(second, date(2024, 1, 1), "900.00", 1, 1)
    _month_row(second, date(2024, 3, 1), "50.00", 2, 0)
    points = kpi_series("month", currency="EUR", shop_ids={first.pk, second.pk})
    assert [point.period_start for point in points] == [
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 3, 1),
    ]
    january, february = points[0], points[1]
    assert january.revenue == Decimal("1000.00") and january.orders == 5
    # 1000 / 5 orders, 2 repeat orders of 5: not the mean of 25.00 and 900.00, of 25% and 100%
    assert Decimal(str(january.average_order_value)) == Decimal("200.00")
    assert january.repeat_rate == pytest.approx(0.4)
    assert february.orders == 0
    assert kpi_series("month", currency="EUR") == []  # no all-shop rows stored


@pytest.mark.django_db
def test_cohort_retention_of_several_shops_comes_from_the_summed_customers():
    first, second = _shop("erster"), _shop("zweiter")
    cells = ((first, 1, 0, 10), (first, 1, 1, 5), (second, 1, 0, 30), (second, 1, 1, 3))
    for shop, month, offset, customers in (*cells, (first, 2, 0, 2)):
        CohortCell.objects.create(
            shop=shop, currency="EUR", cohort_month=date(2024, month, 1), month_offset=offset,
            customers=customers, computed_at=timezone.now(),
        )  # fmt: skip
    table = cohort_table(months=12, currency="EUR", shop_ids=[first.pk, second.pk])
    row = table.rows[0]  # January; February's cohort makes its second month known
    # 8 of 40 came back a month later: 20% (not the mean of 50% and 10%)
    assert row.size == 40 and row.customers == [40, 8]
    assert row.retention == [1.0, 0.2]
    assert cohort_table(months=12, currency="EUR").rows == []


BEFORE = [("analytics", "0002_purchase_day_labels")]
AFTER = [("analytics", "0003_aggregates_per_shop")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_stored_rows_as_the_all_shop_rows():
    apps = _migrate(BEFORE)
    try:
        computed = datetime(2025, 5, 2, tzinfo=UTC)
        apps.get_model("analytics", "KpiRow").objects.create(
            period="month", period_start=date(2025, 4, 1), currency="EUR",
            revenue=Decimal("123.45"), orders=7, computed_at=computed,
        )  # fmt: skip
        apps.get_model("analytics", "CohortCell").objects.create(
            currency="EUR", cohort_month=date(2025, 4, 1), month_offset=0, customers=6,
            computed_at=computed,
        )  # fmt: skip
        apps = _migrate(AFTER)
        rows = apps.get_model("analytics", "KpiRow").objects.values_list(
            "shop_id", "period_start", "revenue", "orders"
        )
        assert list(rows) == [(None, date(2025, 4, 1), Decimal("123.45"), 7)]
        cells = apps.get_model("analytics", "CohortCell").objects.values_list(
            "shop_id", "customers"
        )
        assert list(cells) == [(None, 6)]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
