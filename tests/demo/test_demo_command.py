"""``stammkunde demo`` from an empty database: the queue holds the demo's cases in every state
and the mails' cases, and the missing parcel's case shows an order on its way with tracking."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from stammkunde.service.models import Case, TeamMember
from stammkunde.shop.models import Order, OrderStatus


@pytest.mark.django_db
@pytest.mark.timeout(900)
def test_demo_fills_the_queue_and_files_the_mails(capsys):
    call_command("demo", "--no-serve", "--customers", "60", "--seed", "2")

    assert TeamMember.objects.filter(user__username="anna").exists()
    assert Case.objects.filter(status="closed").exists(), "the demo's cases in every state"
    assert Case.objects.filter(escalated_at__isnull=False).exists()
    parcel = Case.objects.get(subject__startswith="Paket nicht angekommen, Bestellung")
    order = parcel.orders.get()
    assert order.shipments.exclude(tracking_url="").exists()
    on_its_way = Order.objects.filter(status=OrderStatus.SHIPPED, shipments__tracking_url__gt="")
    assert order.status == OrderStatus.SHIPPED or not on_its_way.exists()
    assert parcel.assignee is not None, "the staffed team's round robin assigns it"
    assert "Filed 3 inbound mails" in capsys.readouterr().out
