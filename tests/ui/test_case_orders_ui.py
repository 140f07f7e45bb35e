"""The case page's orders: their returns, refunds and withdrawals, and what stands out (an
overdue refund, a late withdrawal).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_the_case_page_shows_returns_refunds_and_withdrawals_of_its_orders(client, agent, case):
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from stammkunde.service.services.refunds import check_refund_clocks
    from stammkunde.shop.models import ReturnReason
    from stammkunde.shop.services.aftersales import (
        mark_return_received,
        record_return,
        record_withdrawal,
    )
    from stammkunde.shop.services.refunds import record_refund
    from tests.factories import OrderLineFactory

    berlin = ZoneInfo("Europe/Berlin")
    order = case.orders.get()
    line = OrderLineFactory(order=order)
    announced = datetime(2026, 11, 2, 10, 0, tzinfo=berlin)  # a Monday
    returned = record_return(
        order, reason=ReturnReason.DEFECTIVE, announced_at=announced, lines=[(line, 1)]
    )
    mark_return_received(returned, received_at=datetime(2026, 11, 4, 11, 0, tzinfo=berlin))
    check_refund_clocks(now=datetime(2026, 11, 4, 12, 0, tzinfo=berlin))
    record_refund(
        order,
        amount=Decimal("12.50"),
        refunded_at=datetime(2026, 11, 6, 9, 0, tzinfo=berlin),
        reason="Teilerstattung Kratzer",
        external_id="re_1",
    )
    record_withdrawal(order, declared_at=datetime(2026, 11, 3, 8, 0, tzinfo=berlin))
    client.force_login(agent)
    url = reverse("ui:case-detail", args=[case.pk])
    html = client.get(url).content.decode()
    assert "Return (Defective) announced 02/11/2026: Received" in html
    assert "goods back 04/11/2026" in html
    # The goods came back on Wednesday: the refund is due at the close of Thursday (9 to 5).
    assert "refund due 05/11/2026 17:00" in html
    assert "Refunded €12.50 on 06/11/2026 · Teilerstattung Kratzer" in html
    assert "Withdrawal declared 03/11/2026: Received" in html

    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Erstattet 12,50\xa0€ am 06.11.2026" in german
    # Three more facts cost no query per order: the prefetch reads them once.
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    case.orders.add(OrderFactory(customer=case.customer))
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    assert len(two.captured_queries) == len(one.captured_queries)


def test_an_overdue_refund_and_a_late_withdrawal_stand_out_on_the_case_page(client, agent, case):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from stammkunde.service.services.refunds import check_refund_clocks
    from stammkunde.shop.models import ReturnReason
    from stammkunde.shop.services.aftersales import (
        mark_return_received,
        record_return,
        record_shipment,
        record_withdrawal,
    )
    from tests.factories import OrderLineFactory

    berlin = ZoneInfo("Europe/Berlin")
    order = case.orders.get()
    line = OrderLineFactory(order=order)
    record_shipment(order, shipped_at=datetime(2026, 10, 1, 9, 0, tzinfo=berlin))
    returned = record_return(
        order,
        reason=ReturnReason.SIZE,
        announced_at=datetime(2026, 11, 2, 10, 0, tzinfo=berlin),
        lines=[(line, 1)],
    )
    mark_return_received(returned, received_at=datetime(2026, 11, 4, 11, 0, tzinfo=berlin))
    check_refund_clocks(now=datetime(2026, 11, 9, 12, 0, tzinfo=berlin), on_breach=lambda c: None)
    # A month after shipping: past the 14 days.
    record_withdrawal(order, declared_at=datetime(2026, 11, 3, 8, 0, tzinfo=berlin))
    client.force_login(agent)
    html = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert '<strong class="overdue">refund overdue (due 05/11/2026 17:00)</strong>' in html
    assert "<strong>after the 14-day period</strong>" in html
