"""What a newcomer opens first should not be empty: saved segments, the owner's goals, a
connected shop whose webhook inbox has processed deliveries, and duplicate suggestions.

Everything is written through the owning apps' services: segments and goals by
``analytics``, the shop connection and its deliveries by ``connectors`` (stored by
``receive`` as a verified webhook would be, then worked by the inbox's own processing, which
creates the shop's customers through ``customers``). Two of the shop's customers are people the
demo shop knows already under another e-mail address with the same name and phone, so the
duplicate list has something to suggest. The deliveries carry customers and consents, no
orders, so no order mail of the Drehbuch goes out for them. Run once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from stammkunde.analytics.goals import set_goal
from stammkunde.analytics.models import Goal, Segment
from stammkunde.analytics.segment_services import create_segment
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.processing import process_waiting
from stammkunde.connectors.inbox.services import receive
from stammkunde.connectors.platforms.base import PayloadError
from stammkunde.customers.models import Customer
from stammkunde.shop.models import Platform, Shop

CONNECTED_SHOP_NAME = "Morgenrot Webshop (Demo)"
# (name, description, definition) of the saved segments.
SEGMENTS = [
    (
        "Stammkunden halten",
        "Beste und treue Kundinnen und Kunden: nicht mit Rabatten überhäufen.",
        {"rfm_segments": ["champions", "loyal"]},
    ),
    (
        "Abwanderung droht",
        "Churn-Alarm an: für die Reaktivierung.",
        {"churn_alarm": True},
    ),
    (
        "Wertvoll, aber schläfrig",
        "Viel Umsatz bisher, aber lange nichts bestellt.",
        {"rfm_segments": ["cant_lose", "at_risk"], "revenue_min": "100"},
    ),
]
# (key figure, target) of the owner's goals.
GOALS = [("average_order_value", "42"), ("new_customers", "150"), ("repeat_rate", "35")]
WEBHOOK_CUSTOMERS = 12
KNOWN_PEOPLE = 2
MAX_PASSES = 20


def showcase_demo_exists() -> bool:
    """Whether the showcase (the connected demo shop) was written already."""
    return Shop.objects.filter(name=CONNECTED_SHOP_NAME).exists()


def ensure_showcase_demo() -> dict[str, int] | None:
    """Write segments, goals, the connected shop's deliveries and duplicates once.

    Returns what was written, or None if it was there already.
    """
    if showcase_demo_exists():
        return None
    owner = User.objects.get(username="mark")
    # Connecting a shop is an administrator's job.
    admin = User.objects.filter(is_superuser=True).order_by("id").first() or owner
    segments = _segments(owner)
    for kpi, target in GOALS:
        if not Goal.objects.filter(kpi=kpi).exists():
            set_goal(kpi=kpi, target=target, by=owner)
    deliveries = _connected_shop(admin)
    return {"segments": segments, "goals": len(GOALS), "deliveries": deliveries}


def _segments(owner: User) -> int:
    written = 0
    for name, description, definition in SEGMENTS:
        if Segment.objects.filter(name__iexact=name).exists():
            continue
        create_segment(by=owner, name=name, description=description, definition=definition)
        written += 1
    return written


def _connected_shop(by: User) -> int:
    connection = connect_shop(by=by, name=CONNECTED_SHOP_NAME, platform=Platform.GENERIC)
    shop = connection.shop
    secret = connection.webhook_secret.encode()
    now = timezone.now()
    events = list(_events(now))
    for body in events:
        signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
        receive(shop, {"X-Stammkunde-Signature": f"sha256={signature}"}, body, verified=True)
    # One forged delivery, as the inbox shows it: stored, rejected, never applied.
    with contextlib.suppress(PayloadError):
        receive(shop, {"X-Stammkunde-Signature": "sha256=0"}, events[0], verified=False)
    # The inbox's own processing, as the worker would do it a moment later.
    after_id = 0
    for _pass in range(MAX_PASSES):
        result = process_waiting(now=timezone.now(), after_id=after_id)
        if not result.claimed:
            break
        after_id = result.resume_after
    return len(events) + 1


def _events(now) -> list[bytes]:
    """Customer and consent events of the connected shop, as its plugin would send them."""
    known = list(
        Customer.objects.exclude(phone="")
        .exclude(phone=None)
        .exclude(last_name="")
        .order_by("id")
        .values("first_name", "last_name", "phone")[:KNOWN_PEOPLE]
    )
    people = [(person["first_name"], person["last_name"], person["phone"]) for person in known] + [
        ("Webshop", f"Kunde {number}", "") for number in range(WEBHOOK_CUSTOMERS - len(known))
    ]
    bodies = []
    for number, (first_name, last_name, phone) in enumerate(people, start=1):
        moment = (now - timedelta(minutes=5 * (len(people) - number))).isoformat()
        email = f"webshop-{number}@kaffee.example"
        customer = {
            "id": f"W-{number}",
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "updated_at": moment,
        }
        if phone:
            customer["phone"] = phone
        bodies.append(_body(f"demo-customer-{number}", "customer.upserted", moment, customer))
        if number % 3 == 0:
            consent = {
                "customer_id": f"W-{number}",
                "email": email,
                "channel": "email",
                "granted": True,
                "changed_at": moment,
            }
            bodies.append(_body(f"demo-consent-{number}", "consent.changed", moment, consent))
    return bodies


def _body(event_id: str, kind: str, moment: str, data: dict) -> bytes:
    event = {"id": event_id, "type": kind, "occurred_at": moment, "test": False, "data": data}
    return json.dumps(event, ensure_ascii=False).encode()
