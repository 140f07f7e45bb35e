"""The demo's inbound mails are filed like real ones: cases for the customers (orders linked),
the out-of-office reply kept and never answered."""

from __future__ import annotations

import pytest

from stammkunde.demo.mail import file_demo_mails
from stammkunde.demo.writer import generate_demo
from stammkunde.service.models import Case, InboundMail, InboundState


@pytest.mark.django_db
@pytest.mark.timeout(600)
def test_demo_mails_become_cases():
    generate_demo(customers=40, seed=3)
    assert file_demo_mails() == 3
    states = sorted(InboundMail.objects.values_list("state", flat=True))
    assert states == sorted([InboundState.FILED] * 2 + [InboundState.AUTOMATIC])
    parcel = Case.objects.get(subject__startswith="Paket nicht angekommen")
    assert parcel.orders.count() == 1
    assert parcel.case_type == "delivery_problem"
