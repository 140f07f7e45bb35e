"""Writing the scores: the table ends up with exactly the run's rows, indexes and all.

On SQLite the table is emptied and refilled with its secondary indexes built afresh; on
PostgreSQL rows are upserted and the stale ones deleted. Either way a failed run must leave the
previous scores, and the indexes the dashboard's queries use, as they were.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from django.db import connection, transaction
from django.utils import timezone

from stammkunde.analytics.models import CustomerScore
from stammkunde.analytics.writing import SCORE_COLUMNS, ScoreColumns, replace_scores
from tests.factories import CustomerFactory

EPOCH = date(1970, 1, 1)


def columns_for(customer_ids: list[int], *, orders: int, scored_at) -> ScoreColumns:
    """Score columns as the scorecard hands them over: arrays, NaN and -1 for NULL."""
    n = len(customer_ids)
    day = (date(2026, 11, 1) - EPOCH).days
    values = {
        "customer_id": np.array(customer_ids, dtype=np.int64),
        "scored_at": scored_at,
        "currency": "EUR",
        "orders_count": np.full(n, orders),
        "first_order_at": np.full(n, day - 100),
        "last_order_at": np.full(n, day),
        "recency_days": np.full(n, 32),
        "total_revenue": np.full(n, 120.456),
        "average_order_value": np.full(n, 40.0),
        "r_score": np.full(n, 3),
        "f_score": np.full(n, 2),
        "m_score": np.full(n, -1),  # NULL
        "rfm_segment": np.full(n, "need_attention", dtype=object),
        "mean_interval_days": np.full(n, np.nan),
        "reference_interval_days": np.full(n, 42.5),
        "days_overdue": np.full(n, 5),
        "churn_alarm": np.arange(n) % 2 == 0,
        "churn_alarm_since": np.where(np.arange(n) % 2 == 0, day + 20, -1),
        "p_alive": np.linspace(0.1, 0.9, n),
        "churn_risk": np.linspace(0.9, 0.1, n),
        "expected_purchases_30": np.full(n, 0.25),
        "expected_purchases_90": np.full(n, 0.5),
        "expected_purchases_365": np.full(n, np.inf),  # NULL
        "expected_next_order_at": np.full(n, day + 40),
        "expected_order_value": np.full(n, 39.999),
        "clv_12m": np.full(n, 80.0),
        "model": np.full(n, "bgnbd", dtype=object),
        "unscored_reason": np.full(n, "", dtype=object),
    }
    assert set(values) == set(SCORE_COLUMNS)
    return ScoreColumns(values=values, size=n)


def indexes() -> dict:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, CustomerScore._meta.db_table)
    return {
        name: (tuple(info["columns"]), info.get("orders"))
        for name, info in found.items()
        if info["index"] and not info["primary_key"]
    }


@pytest.mark.django_db
def test_the_table_holds_exactly_the_new_rows_with_every_index():
    kept, gone, new = CustomerFactory(), CustomerFactory(), CustomerFactory()
    before = timezone.now() - timedelta(days=1)
    replace_scores(columns_for([kept.pk, gone.pk], orders=1, scored_at=before), scored_at=before)
    names = indexes()
    assert {"score_churn_risk", "score_clv", "score_alarm_since"} <= set(names)

    now = timezone.now()
    written = replace_scores(columns_for([new.pk, kept.pk], orders=4, scored_at=now), scored_at=now)

    assert written == 2
    rows = {row.customer_id: row for row in CustomerScore.objects.all()}
    assert set(rows) == {kept.pk, new.pk}  # gone: not scored any more
    score = rows[kept.pk]
    assert score.orders_count == 4
    assert score.scored_at == now
    assert score.last_order_at == date(2026, 11, 1)
    assert str(score.total_revenue) == "120.46"
    assert score.m_score is None and score.mean_interval_days is None
    assert score.expected_purchases_365 is None
    assert indexes() == names
    alarms = CustomerScore.objects.filter(churn_alarm=True).values_list("customer_id", flat=True)
    assert list(alarms) == [new.pk]


@pytest.mark.django_db(transaction=True)
def test_a_failed_run_leaves_the_previous_scores_and_indexes():
    customers = [CustomerFactory().pk for _ in range(3)]
    before = timezone.now() - timedelta(days=1)
    with transaction.atomic():
        replace_scores(columns_for(customers, orders=1, scored_at=before), scored_at=before)
    names = indexes()

    now = timezone.now()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        replace_scores(columns_for(customers[:1], orders=7, scored_at=now), scored_at=now)
        raise ZeroDivisionError  # anything later in the run's transaction

    assert sorted(CustomerScore.objects.values_list("customer_id", "orders_count")) == [
        (pk, 1) for pk in sorted(customers)
    ]
    assert indexes() == names


@pytest.mark.django_db(transaction=True)
def test_scores_are_only_replaced_inside_a_transaction():
    customer = CustomerFactory()
    now = timezone.now()
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL upserts row by row set; the rule is SQLite's table reload")
    with pytest.raises(RuntimeError):
        replace_scores(columns_for([customer.pk], orders=1, scored_at=now), scored_at=now)
    assert not CustomerScore.objects.exists()
