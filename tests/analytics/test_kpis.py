"""KPI aggregation per period and the early-warning rule (robust z-score of the change)."""

from datetime import date

import numpy as np
from django.utils import translation

from stammkunde.analytics.kpi_warnings import build_points, recent_warnings
from stammkunde.analytics.kpis import (
    EPOCH,
    aggregate,
    changes,
    period_starts,
    robust_z_scores,
    seasonally_adjusted,
)


def day(text: str) -> int:
    return (date.fromisoformat(text) - EPOCH).days


def test_week_and_month_starts():
    # 2024-01-03 is a Wednesday; its week starts Monday 2024-01-01.
    days = np.array([day("2024-01-03"), day("2024-01-07"), day("2024-01-08"), day("2024-02-29")])

    assert period_starts(days, "week").tolist() == [
        day("2024-01-01"),
        day("2024-01-01"),
        day("2024-01-08"),
        day("2024-02-26"),
    ]
    assert period_starts(days, "month").tolist() == [
        day("2024-01-01"),
        day("2024-01-01"),
        day("2024-01-01"),
        day("2024-02-01"),
    ]


def _orders():
    # Customer 1: first order Mon 1 Jan, again Wed 3 Jan and Mon 8 Jan (returned).
    # Customer 2: first order Tue 2 Jan. Customer 3: first order in December (another
    # currency, so not among these orders), buys again Tue 9 Jan.
    customer = np.array([1, 1, 1, 2, 3])
    days = np.array(
        [
            day("2024-01-01"),
            day("2024-01-03"),
            day("2024-01-08"),
            day("2024-01-02"),
            day("2024-01-09"),
        ]
    )
    value = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    returned = np.array([False, False, True, False, False])
    is_first = np.array([True, False, False, True, False])
    first_day = np.array([day("2024-01-01")] * 3 + [day("2024-01-02"), day("2023-12-20")])
    return customer, days, value, returned, is_first, first_day


def test_weekly_kpis_count_new_and_returning_customers_once_per_week():
    table = aggregate(*_orders(), "week")

    assert table.start.tolist() == [day("2024-01-01"), day("2024-01-08")]
    assert table.orders.tolist() == [3, 2]
    assert table.revenue.tolist() == [70.0, 80.0]
    assert table.customers.tolist() == [2, 2]
    assert table.new_customers.tolist() == [2, 0]
    assert table.returning_customers.tolist() == [0, 2]
    assert table.repeat_orders.tolist() == [1, 2]
    assert table.returned_orders.tolist() == [0, 1]


def test_monthly_kpis_and_dense_daily_rows():
    month = aggregate(*_orders(), "month")
    daily = aggregate(*_orders(), "day")

    assert (month.orders.tolist(), month.customers.tolist()) == ([5], [3])
    assert (month.new_customers.tolist(), month.returning_customers.tolist()) == ([2], [1])
    # 1 to 9 January: nine days, the ones without orders as zero rows.
    assert daily.start.size == 9
    assert daily.orders.tolist() == [1, 1, 1, 0, 0, 0, 0, 1, 1]


def test_changes_are_log_ratios_for_amounts_and_differences_for_rates():
    ratio = changes(np.array([100.0, 150.0, 0.0, 50.0]), kind="ratio", lag=1)
    difference = changes(np.array([0.1, 0.25, 0.2]), kind="difference", lag=1)

    assert np.isnan(ratio[0]) and np.isnan(ratio[2]) and np.isnan(ratio[3])
    assert np.isclose(ratio[1], np.log(1.5))
    assert np.allclose(difference[1:], [0.15, -0.05])


def test_robust_z_needs_history_and_uses_median_and_mad():
    history = np.array([0.0, 0.01, -0.01, 0.02, -0.02, 0.01, -0.01, 0.0, 0.3])

    z = robust_z_scores(history, history=26)

    assert np.all(np.isnan(z[:8]))  # fewer than eight earlier changes
    # Median 0, MAD 0.01 of the eight earlier changes (mean deviation 0.01 is not larger
    # once scaled: 1.2533 * 0.01 < 1.4826 * 0.01): z = 0.3 / (1.4826 * 0.01).
    assert np.isclose(z[8], 0.3 / (1.4826 * 0.01))


def test_a_collapsed_mad_falls_back_to_the_mean_deviation():
    # Six of eight past changes are 0: the MAD is 0; the mean absolute deviation is 0.1 / 8.
    history = np.array([0.0, 0.0, 0.0, 0.05, 0.0, 0.0, -0.05, 0.0, 0.3])

    z = robust_z_scores(history, history=26)

    assert np.isclose(z[8], 0.3 / (1.2533 * 0.1 / 8))


def _weekly_rows(revenue: list[float]) -> dict:
    weeks = len(revenue)
    start = day("2024-01-01") + 7 * np.arange(weeks)
    orders = np.full(weeks, 100.0)
    return {
        "start": start,
        "revenue": np.array(revenue),
        "orders": orders,
        "customers": np.full(weeks, 90.0),
        "new_customers": np.full(weeks, 30.0),
        "returning_customers": np.full(weeks, 60.0),
        "repeat_orders": np.full(weeks, 50.0),
        "returned_orders": np.full(weeks, 5.0),
    }


def test_a_sudden_revenue_drop_is_flagged_and_ordinary_weeks_are_not():
    usual = [1000.0, 1040.0, 980.0, 1020.0, 990.0, 1030.0] * 5  # 30 ordinary weeks
    revenue = [*usual, 500.0, 1010.0]

    points = build_points(_weekly_rows(revenue), "week", today=date(2025, 1, 1))

    assert all(not point.warnings for point in points[:30])
    # Orders stayed at 100, so the basket value fell with revenue; nothing else moved.
    assert {w.kpi for w in points[30].warnings} == {"revenue", "average_order_value"}
    (warning,) = [w for w in points[30].warnings if w.kpi == "revenue"]
    assert np.isclose(warning.change, 500.0 / usual[-1] - 1, atol=1e-4)
    expected_percent = round(abs(500.0 / usual[-1] - 1) * 100)
    assert warning.message == (
        f"Revenue fell by {expected_percent}% compared with the previous week; "
        "unusual for this shop."
    )
    assert points[30].average_order_value == 5  # 500 over 100 orders, as money


def test_the_unfinished_current_period_is_never_judged():
    usual = [1000.0, 1040.0, 980.0, 1020.0, 990.0, 1030.0] * 5
    rows = _weekly_rows([*usual, 100.0])
    last_week = EPOCH.fromordinal(EPOCH.toordinal() + int(rows["start"][-1]) + 2)

    points = build_points(rows, "week", today=last_week)

    assert points[-1].is_partial is True
    assert points[-1].warnings == []


def _monthly_rows(revenue):
    months = len(revenue)
    starts = [day(f"{2021 + m // 12}-{m % 12 + 1:02d}-01") for m in range(months)]
    return {
        "start": np.array(starts),
        "revenue": np.array(revenue),
        "orders": np.full(months, 100.0),
        "customers": np.full(months, 90.0),
        "new_customers": np.full(months, 30.0),
        "returning_customers": np.full(months, 60.0),
        "repeat_orders": np.full(months, 60.0),
        "returned_orders": np.full(months, 5.0),
    }


def test_seasonal_adjustment_takes_off_what_earlier_years_brought_at_that_time():
    change = np.array([0.1, 0.5, 0.2, 0.6, 0.1, 0.4, 0.3])

    adjusted = seasonally_adjusted(change, season=2, years=2)

    # No earlier year for the first two; then one earlier year; then the median of two.
    assert np.allclose(adjusted[:2], change[:2])
    assert np.allclose(adjusted[2:4], [0.2 - 0.1, 0.6 - 0.5])
    assert np.isclose(adjusted[4], 0.1 - np.median([0.2, 0.1]))
    assert np.isclose(adjusted[6], 0.3 - np.median([0.1, 0.2]))


def test_christmas_is_unusual_in_the_first_year_only_and_a_spring_slump_always():
    ordinary = [1000.0, 1030.0, 990.0, 1010.0, 1020.0, 980.0, 1000.0, 1040.0, 990.0, 1010.0, 1000.0]
    year = [*ordinary, 1800.0]  # every December brings 80% more
    revenue = year * 3
    revenue[12 * 2 + 3] = 500.0  # April of the third year halves

    points = build_points(_monthly_rows(revenue), "month", today=date(2030, 1, 1))

    def warned(index):
        return {w.kpi for w in points[index].warnings}

    assert "revenue" in warned(11)  # the first December: nothing to compare it with
    assert "revenue" not in warned(23) and "revenue" not in warned(35)  # known by now
    assert "revenue" in warned(27)  # the slump in April is news
    assert "revenue" not in warned(26) and "revenue" not in warned(34)


def test_a_small_rise_is_no_warning_even_when_the_month_usually_falls():
    # Every December fell by a fifth; in the third year it rose by 3%. Against the usual fall
    # that is a big surprise, but a 3% rise is not worth an owner's attention.
    ordinary = [1000.0, 1030.0, 990.0, 1010.0, 1020.0, 980.0, 1000.0, 1040.0, 990.0, 1010.0, 1000.0]
    revenue = [*ordinary, 800.0, *ordinary, 800.0, *ordinary, 1030.0]

    points = build_points(_monthly_rows(revenue), "month", today=date(2030, 1, 1))

    assert "revenue" not in {w.kpi for w in points[35].warnings}


def test_a_tiny_shop_tripling_its_orders_gets_no_revenue_warning():
    # Three orders a week, then nine: the count moved by six (a fact worth a word), but the
    # revenue and basket of nine orders swing with a single order.
    orders = np.array([3.0, 3.0, 4.0, 3.0, 3.0, 3.0] * 5 + [9.0])
    size = orders.size
    rows = {
        "start": day("2024-01-01") + 7 * np.arange(size),
        "revenue": orders * 40.0,
        "orders": orders,
        "customers": orders,
        "new_customers": orders,
        "returning_customers": np.zeros(size),
        "repeat_orders": np.zeros(size),
        "returned_orders": np.zeros(size),
    }

    points = build_points(rows, "week", today=date(2025, 1, 1))

    assert {w.kpi for w in points[-1].warnings} == {"orders", "new_customers"}


def test_a_count_that_moves_by_less_than_five_is_no_warning():
    orders = np.array([3.0, 3.0, 4.0, 3.0, 3.0, 3.0] * 5 + [7.0])
    size = orders.size
    rows = {
        "start": day("2024-01-01") + 7 * np.arange(size),
        "revenue": orders * 40.0,
        "orders": orders,
        "customers": orders,
        "new_customers": orders,
        "returning_customers": np.zeros(size),
        "repeat_orders": np.zeros(size),
        "returned_orders": np.zeros(size),
    }

    points = build_points(rows, "week", today=date(2025, 1, 1))

    assert points[-1].warnings == []


def test_only_the_newest_complete_periods_are_shown_as_warnings():
    ordinary = [1000.0, 1030.0, 990.0, 1010.0, 1020.0, 980.0]
    revenue = ordinary * 6  # 36 months from January 2021
    revenue[14] = 400.0  # a slump in March 2022: long ago
    revenue[34] = 400.0  # and one in November 2023, the last complete month
    rows = _monthly_rows(revenue)

    # 10 December 2023: December is unfinished, November the newest complete month.
    points = build_points(rows, "month", today=date(2023, 12, 10))

    assert "revenue" in {w.kpi for w in points[14].warnings}  # still on its point
    shown = recent_warnings(points, "month")
    assert {start for start, _warning in shown} == {date(2023, 11, 1)}
    assert "revenue" in {warning.kpi for _start, warning in shown}


def test_warning_messages_write_the_change_in_the_ui_language():
    usual = [1000.0, 1040.0, 980.0, 1020.0, 990.0, 1030.0] * 5
    rows = _weekly_rows([*usual, 500.0, 1010.0])

    with translation.override("de"):
        points = build_points(rows, "week", today=date(2025, 1, 1))
    (warning,) = [w for w in points[30].warnings if w.kpi == "revenue"]

    assert warning.message.startswith("Umsatz ist gegenüber der Vorwoche um 51\u00a0% gesunken")
