"""The demo's mail: sent and held-back messages with reasons, two suppressed addresses, once."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import override_settings

from stammkunde.customers.models import ConsentChannel, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.demo.messages import ensure_messaging_demo
from stammkunde.messaging.models import OutboundMessage, SendDecision, Suppression
from stammkunde.timeline.models import Activity
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@override_settings(MESSAGING_GOVERNOR={"quiet_hours_start": time(0), "quiet_hours_end": time(0)})
def test_demo_shows_sent_and_held_back_messages_and_suppressions():
    customers = [CustomerFactory(email=f"demo{n}@example.org") for n in range(30)]
    # Newsletters go to every third customer; all but one of them subscribed.
    for customer in customers[::3][:2] + customers[::3][3:]:
        record_consent(
            customer,
            channel=ConsentChannel.EMAIL,
            purpose="newsletter",
            granted=True,
            source=ConsentSource.SHOP,
        )
    counts = ensure_messaging_demo(30)
    assert counts["sent"] > 0 and counts["held_back"] > 0
    assert counts["suppressed"] == 2
    rules = set(SendDecision.objects.filter(outcome="suppress").values_list("rule", flat=True))
    assert {"no_consent", "minimum_gap", "open_case", "bounced"} <= rules
    assert set(Suppression.objects.values_list("reason", flat=True)) == {"hard_bounce", "complaint"}
    assert OutboundMessage.objects.filter(state="sent").count() == counts["sent"]
    assert Activity.objects.filter(kind="message_sent").count() == counts["sent"]
    assert Activity.objects.filter(kind="message_held_back").count() == counts["held_back"]
    assert ensure_messaging_demo(30) is None
