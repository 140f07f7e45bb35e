"""The Drehbuch in the demo: the shipped triggers switched on with the demo team lead as the
sender, the mails of the last two weeks' orders (sent, or held back with the reason) and a
newsletter campaign that already went out.

Written through messaging's services, as the worker would; mails go through the outbox to
Django's in-memory backend (the demo has no mail server). Run once (skipped when a trigger is
switched on already).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from stammkunde.analytics.models import Segment
from stammkunde.analytics.segment_services import create_segment
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import Trigger
from stammkunde.messaging.services.campaigns import (
    run_campaign,
    save_campaign,
    schedule_campaign,
)
from stammkunde.messaging.services.sending import drain
from stammkunde.messaging.services.templates import create_template
from stammkunde.messaging.services.triggers import (
    TriggerError,
    fire_due_runs,
    save_trigger,
    schedule_run,
    switch_trigger,
)
from stammkunde.shop.models import Shipment

SENDER = ("Lena Hoffmann", "lena.hoffmann@kaffee.example", "Kundenservice")
RECENT_ORDERS = 40
IN_MEMORY = "django.core.mail.backends.locmem.EmailBackend"

NEWSLETTER = {
    "de": (
        "Neu aus der Rösterei: Kenia AA",
        "{{ salutation }},\n\ndiese Woche haben wir zum ersten Mal einen Kenia AA geröstet: "
        "fruchtig, mit einer Note von schwarzer Johannisbeere. Wer mag, bekommt ihn ab "
        "Donnerstag in 250 g und 500 g.\n\nViele Grüße\n{{ sender.name }}",
    ),
    "en": (
        "New from the roastery: Kenya AA",
        "{{ salutation }},\n\nthis week we roasted a Kenya AA for the first time: fruity, with "
        "a hint of blackcurrant. From Thursday it comes in 250 g and 500 g.\n\n"
        "Best wishes,\n{{ sender.name }}",
    ),
}


def ensure_drehbuch_demo() -> bool:
    """Switch the Drehbuch on and give it a history; False when it ran before."""
    if Trigger.objects.filter(is_active=True).exists():
        return False
    name, address, role = SENDER
    for trigger in Trigger.objects.filter(key__startswith="default:"):
        save_trigger(
            trigger,
            by=None,
            sender_name=name,
            sender_address=address,
            sender_role=role,
            conditions=trigger.conditions,
        )
        try:
            switch_trigger(trigger, on=True, by=None)
        except TriggerError:
            continue
    _recent_order_mails()
    _past_campaign()
    drain(backend=IN_MEMORY)
    return True


def _recent_order_mails() -> None:
    now = timezone.now()
    shipped = Trigger.objects.get(key="default:order_shipped")
    feedback = Trigger.objects.get(key="default:feedback_request")
    shipments = (
        Shipment.objects.filter(shipped_at__gte=now - timedelta(days=14))
        .exclude(order__customer__isnull=True)
        .select_related("order")
        .order_by("-shipped_at")[:RECENT_ORDERS]
    )
    for shipment in shipments:
        facts = {"order_id": shipment.order_id, "shipment_id": shipment.pk}
        customer_id = shipment.order.customer_id
        occasion = f"demo:shipment:{shipment.pk}"
        schedule_run(shipped, customer_id=customer_id, occasion=occasion, facts=facts, due_at=now)
        # Feedback requests are advertising: most demo customers never agreed, so the
        # Drehbuch shows them held back with that reason.
        schedule_run(feedback, customer_id=customer_id, occasion=occasion, facts=facts, due_at=now)
    while fire_due_runs(now=now + timedelta(seconds=1)):
        pass


def _past_campaign() -> None:
    segment = Segment.objects.filter(name="Newsletter-Abonnenten").first() or create_segment(
        by=None,
        name="Newsletter-Abonnenten",
        description="Alle, die den Newsletter bestellt haben",
        definition={"consent": {"channel": "email", "purpose": "newsletter"}},
    )
    templates = {}
    for language, (subject, text) in NEWSLETTER.items():
        templates[language] = create_template(
            by=None,
            name=f"Newsletter Kenia AA ({language})",
            language=language,
            purpose=Purpose.NEWSLETTER,
            subject=subject,
            text_body=text,
        )
    name, address, _role = SENDER
    campaign = save_campaign(
        None,
        by=None,
        name="Kenia AA",
        purpose=Purpose.NEWSLETTER,
        segment=segment,
        template_de=templates["de"],
        template_en=templates["en"],
        sender_name=name,
        sender_address=address,
    )
    schedule_campaign(campaign, at=timezone.now(), by=None)
    run_campaign(campaign.pk)
