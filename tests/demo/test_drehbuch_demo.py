"""The demo's Drehbuch: the shipped triggers on, recent orders' mails sent or held back with
the reason, a past newsletter campaign; written once."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from stammkunde.customers.models import ConsentChannel, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.demo.drehbuch import ensure_drehbuch_demo
from stammkunde.messaging.drehbuch_queries import drehbuch_rows
from stammkunde.messaging.models import Campaign, CampaignState, OutboundMessage, Trigger
from stammkunde.shop.models import Shipment
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@override_settings(MESSAGING_GOVERNOR={"quiet_hours_start": time(0), "quiet_hours_end": time(0)})
def test_drehbuch_demo_switches_on_sends_and_holds_back_once():
    for index in range(3):
        customer = CustomerFactory(first_name="Anna", last_name=f"Muster{index}", salutation="ms")
        if index == 0:
            record_consent(
                customer,
                channel=ConsentChannel.EMAIL,
                purpose="newsletter",
                granted=True,
                source=ConsentSource.CUSTOMER,
            )
        order = OrderFactory(customer=customer, placed_at=timezone.now() - timedelta(days=3))
        OrderLineFactory(order=order, name="Kenia AA, 250 g", line_number=1)
        Shipment.objects.create(
            order=order, carrier="DHL", shipped_at=timezone.now() - timedelta(days=2)
        )
    assert ensure_drehbuch_demo() is True
    assert Trigger.objects.filter(is_active=True).count() == Trigger.objects.count()
    assert set(Trigger.objects.values_list("sender_name", flat=True)) == {"Lena Hoffmann"}
    shipped = OutboundMessage.objects.filter(source_type="trigger", state="sent")
    assert shipped.count() == 3
    rows = {trigger.key: counts for trigger, counts in drehbuch_rows()}
    assert rows["default:order_shipped"].sent == 3
    assert dict(rows["default:feedback_request"].held) == {"No consent": 3}
    campaign = Campaign.objects.get()
    assert campaign.state == CampaignState.DONE
    assert OutboundMessage.objects.filter(source_type="campaign", state="sent").count() == 1
    assert ensure_drehbuch_demo() is False
