"""The service desk's policies and knowledge for the demo: the teams' Bundesland and
response-time standards, goodwill limits, house rules, the help page's contact options,
knowledge articles in German and English, a few goodwill grants (granted, waiting, declined)
and an incident, so that every desk page shows something.

Written through the service desk's services, as the staff would; run once (skipped when
goodwill limits exist already).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from stammkunde.core.origin import Origin, event_origin
from stammkunde.customers.models import Customer
from stammkunde.service.models import GoodwillLimit, Team
from stammkunde.service.services.crisis import add_affected_orders, open_incident
from stammkunde.service.services.goodwill import (
    decline_goodwill,
    request_goodwill,
    set_goodwill_limit,
)
from stammkunde.service.services.macros import save_article, save_category, save_help_settings
from stammkunde.service.services.refunds import check_refund_clocks
from stammkunde.service.services.standards import confirm_standard, publish_standard
from stammkunde.service.services.teams import set_response_standard, update_team
from stammkunde.shop.models import Order, ReturnReason
from stammkunde.shop.services.aftersales import mark_return_received, record_return

# The shop sits in Freiburg: Baden-Württemberg's public holidays close the desk. Every team
# promises an answer the same business day (the house rules) and a solution within two
# business days; the crisis plans' deadlines are the targets of their case types.
BUNDESLAND = "BW"
TEAM_RESOLUTION_HOURS = 16
# (team slug, case type, first response hours or None: the same business day, resolution hours)
STANDARDS = [
    ("logistik", "delivery_problem", 4, 8),
    ("produktmanagement", "damaged_goods", None, 16),
    ("produktmanagement", "warranty_claim", None, 16),
    ("beschwerdestelle", "complaint", 4, 16),
    ("beschwerdestelle", "withdrawal", None, 16),
    ("beschwerdestelle", "return", None, 16),
]
LIMITS = [
    ("Service agent", "", "20"),
    ("Service agent", "delivery_problem", "15"),
    ("Mediator", "", "60"),
    ("Team lead", "", "200"),
]
HOUSE_RULES = "\n".join(
    [
        'Am Telefon: "Kaffeerösterei Süd, Kundenservice, guten Tag, Sie sprechen mit <Name>."',
        "Im Chat und per E-Mail siezen wir, außer der Kunde duzt uns zuerst (Anrede im Profil).",
        "E-Mails beantworten wir am selben Werktag; Erstattungen nach einer Rücksendung "
        "spätestens am nächsten Werktag.",
        "Kulanz: bis 20 € entscheidet jede Mitarbeiterin selbst (Lieferverzug: 15 €), "
        "darüber die Teamleitung.",
        "Schwierige oder festgefahrene Fälle übernimmt Max als Vermittler.",
        "Jeder Kontakt wird im Vorgang festgehalten.",
    ]
)
CATEGORIES = [
    ("versand", "Versand und Lieferung", "Shipping and delivery", 1),
    ("ruecksendung", "Rücksendung und Erstattung", "Returns and refunds", 2),
    ("produkte", "Unsere Produkte", "Our products", 3),
]
ARTICLES = [
    (
        "versand",
        "de",
        "Wo ist mein Paket?",
        "Sendung Lieferung Tracking",
        "Den Link zur Sendungsverfolgung finden Sie in der Versandbestätigung. Die meisten Pakete "
        "kommen nach ein bis zwei Werktagen an. Ist Ihr Paket nach fünf Werktagen nicht da, "
        "schreiben Sie uns: Wir forschen nach und schicken Ersatz.",
    ),
    (
        "versand",
        "en",
        "Where is my parcel?",
        "shipment delivery tracking",
        "The tracking link is in the shipping confirmation. Most parcels arrive within one or two "
        "business days. If yours has not arrived after five business days, write to us: we trace "
        "it and send a replacement.",
    ),
    (
        "ruecksendung",
        "de",
        "Wie schicke ich etwas zurück?",
        "Retoure Widerruf Rücksendeetikett",
        "Sie können innerhalb von 14 Tagen ohne Angabe von Gründen widerrufen. "
        "Das Rücksendeetikett "
        "schicken wir Ihnen auf Wunsch per E-Mail.",
    ),
    (
        "ruecksendung",
        "de",
        "Wann bekomme ich mein Geld zurück?",
        "Erstattung Geld zurück",
        "Sobald Ihre Rücksendung bei uns eingetroffen ist, erstatten wir den Betrag spätestens am "
        "nächsten Werktag über die Zahlungsart, mit der Sie bezahlt haben.",
    ),
    (
        "ruecksendung",
        "en",
        "When do I get my money back?",
        "refund money back",
        "Once your return has arrived, we refund the amount by the next business day at the "
        "latest, to the payment method you used.",
    ),
    (
        "produkte",
        "de",
        "Wie lagere ich Kaffee richtig?",
        "Lagerung Aroma Bohnen",
        "Kühl, dunkel und luftdicht, am besten in der Aromaschutzverpackung. Nicht im "
        "Kühlschrank: Dort nimmt der Kaffee Feuchtigkeit und Gerüche an.",
    ),
]


def desk_demo_exists() -> bool:
    return GoodwillLimit.objects.exists()


def ensure_desk_demo() -> bool:
    """Write the desk's demo content once; returns False if it was there already."""
    if desk_demo_exists():
        return False
    lead = User.objects.get(username="lena")
    agent = User.objects.get(username="anna")
    with event_origin(Origin.DEMO):
        _standards(lead)
        for role, case_type, maximum in LIMITS:
            set_goodwill_limit(role=role, case_type=case_type, maximum=maximum, by=lead)
        rules = publish_standard(title="Servicestandards", body=HOUSE_RULES, by=lead)
        confirm_standard(rules, by=agent)
        save_help_settings(
            by=lead,
            phone="+49 761 123456",
            phone_hours="Mo bis Fr 9 bis 17 Uhr",
            phone_hours_en="Mon to Fri 9 am to 5 pm",
            email="service@kaffee.example",
            postal_address=(
                "Kaffeerösterei Süd GmbH\nKundenservice\nKaiser-Joseph-Str. 1\n79098 Freiburg"
            ),
        )
        categories = {}
        for slug, name_de, name_en, position in CATEGORIES:
            categories[slug] = save_category(
                slug=slug, name_de=name_de, name_en=name_en, position=position, by=lead
            )
        for slug, language, title, keywords, body in ARTICLES:
            save_article(
                None,
                category=categories[slug],
                language=language,
                title=title,
                body=body,
                keywords=keywords,
                by=lead,
            )
        _goodwill(agent, lead)
        _incident(lead)
        _refund_clocks()
    return True


def _standards(lead: User) -> None:
    teams = {team.slug: team for team in Team.objects.all()}
    for team in teams.values():
        update_team(
            team,
            by=lead,
            changes={"subdivision": BUNDESLAND, "resolution_minutes": TEAM_RESOLUTION_HOURS * 60},
        )
    for slug, case_type, first_hours, resolution_hours in STANDARDS:
        if slug in teams:
            set_response_standard(
                teams[slug],
                case_type=case_type,
                first_response_minutes=first_hours and first_hours * 60,
                resolution_minutes=resolution_hours * 60,
                by=lead,
            )


def _goodwill(agent: User, lead: User) -> None:
    customers = list(
        Customer.objects.filter(orders__isnull=False, email__isnull=False)
        .distinct()
        .order_by("id")[:4]
    )
    if len(customers) < 4:
        return
    # (kind, amount, reason, case type) per customer; the last one is declined by the lead.
    requests = [
        ("voucher", "10", "Paket drei Tage zu spät", "delivery_problem"),
        ("free_shipping", "4.90", "Mühle mit Kratzer, Kunde behält sie", "damaged_goods"),
        ("voucher", "35", "Zweiter Lieferausfall im selben Monat", "complaint"),
        ("gift", "60", "Kunde droht mit Bewertung", "complaint"),
    ]
    grants = [
        request_goodwill(
            customer=customer,
            kind=kind,
            amount=Decimal(amount),
            reason=reason,
            by=agent,
            case_type=case_type,
        )
        for customer, (kind, amount, reason, case_type) in zip(customers, requests, strict=True)
    ]
    declined = grants[-1]
    decline_goodwill(
        declined, by=lead, reason="Schon 20 € Gutschein im Mai; bitte Vermittler einschalten"
    )


def _incident(lead: User) -> None:
    numbers = list(Order.objects.order_by("-placed_at").values_list("number", flat=True)[:6])
    if not numbers:
        return
    incident = open_incident(
        title="Röstcharge 48 verspätet",
        incident_type="late_delivery",
        description="Die Röstmaschine fiel zwei Tage aus; sechs Bestellungen kommen später.",
        by=lead,
    )
    add_affected_orders(incident, numbers=numbers, by=lead)


# Returns waiting for their refund, so the refund clocks' page is not empty: (reason, days since
# the return was announced, hours since it arrived). The demo's older returns are all refunded.
WAITING_RETURNS = (
    (ReturnReason.DEFECTIVE, 2, 3),  # arrived this morning: due by the next business day
    (ReturnReason.SIZE, 9, 24 * 5),  # arrived five days ago: overdue
)


def _refund_clocks() -> None:
    """Two received returns of recent orders not yet refunded, and the clock check over them."""
    now = timezone.now()
    orders = (
        Order.objects.filter(customer__isnull=False, returns__isnull=True, lines__isnull=False)
        .distinct()
        .order_by("-placed_at")[6 : 6 + len(WAITING_RETURNS)]
    )
    for order, (reason, announced_days, arrived_hours) in zip(
        orders, WAITING_RETURNS, strict=False
    ):
        line = order.lines.order_by("pk").first()
        return_request = record_return(
            order,
            reason=reason,
            announced_at=now - timedelta(days=announced_days),
            lines=[(line, 1)],
        )
        mark_return_received(return_request, received_at=now - timedelta(hours=arrived_hours))
    check_refund_clocks(now)
