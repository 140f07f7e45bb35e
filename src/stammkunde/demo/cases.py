"""Service cases for the demo: team members, and cases in every state (new, open, waiting,
solved, closed, escalated, merged), written once through the service desk's services so that
the queue, the mediator's escalations and the report are not empty."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from stammkunde.core.origin import Origin, event_origin
from stammkunde.customers.models import Customer
from stammkunde.service.models import Case, CaseStatus, Team
from stammkunde.service.services import cases as services
from stammkunde.service.services import teams
from stammkunde.service.services.threads import merge_cases

# (case type, subject, first message) as customers write them.
STORIES = [
    (
        "delivery_problem",
        "Paket nicht angekommen",
        "Meine Bestellung ist seit einer Woche unterwegs, der Link zeigt nichts Neues.",
    ),
    (
        "delivery_problem",
        "Wo bleibt meine Lieferung?",
        "Ich warte noch auf das Paket, können Sie nachsehen?",
    ),
    ("damaged_goods", "Tasse kam zerbrochen an", "Eine der Tassen war in Scherben, Foto anbei."),
    ("damaged_goods", "Mühle defekt", "Das Mahlwerk dreht, mahlt aber nicht mehr."),
    ("return", "Rücksendung Espresso-Set", "Ich möchte das Set zurückschicken, wie geht das?"),
    ("withdrawal", "Widerruf Bestellung", "Hiermit widerrufe ich meinen Kauf."),
    ("warranty_claim", "Garantiefall Wasserkocher", "Nach acht Monaten schaltet er nicht mehr ab."),
    ("question", "Entkoffeinierter Kaffee?", "Haben Sie auch entkoffeinierte Bohnen?"),
    (
        "complaint",
        "Beschwerde über den Versand",
        "Das ist jetzt das dritte Mal, dass etwas fehlt. Unverschämt!",
    ),
    (
        "complaint",
        "Falsche Sorte geliefert",
        "Bestellt habe ich Äthiopien, gekommen ist Brasilien.",
    ),
    ("other", "Rechnung als PDF", "Können Sie mir die Rechnung noch einmal schicken?"),
]
REPLIES = [
    "vielen Dank für Ihre Nachricht. Wir haben beim Versender nachgefragt und melden uns morgen.",
    "es tut uns leid! Wir schicken Ihnen heute noch Ersatz.",
    "das Rücksendeetikett finden Sie im Anhang; die Erstattung folgt am Tag des Eingangs.",
]


def cases_demo_exists() -> bool:
    return Case.objects.exists()


def ensure_cases_demo(*, count: int = 60, seed: int = 13) -> bool:
    """Staff the teams and write ``count`` cases once; False if cases exist already."""
    if cases_demo_exists():
        return False
    staff = {
        user.username: user for user in User.objects.filter(username__in=["anna", "max", "lena"])
    }
    if "anna" not in staff or "lena" not in staff:
        return False
    for team in Team.objects.all():
        teams.set_team_member(team, staff["anna"], by=None)
        teams.set_team_member(team, staff["lena"], by=None, is_lead=True)
    customers = list(
        Customer.objects.filter(orders__isnull=False, email__isnull=False, merged_into__isnull=True)
        .distinct()
        .order_by("id")[: count * 2]
    )
    if not customers:
        return False
    chooser = random.Random(seed)
    now = timezone.now()
    agent, lead = staff["anna"], staff["lena"]
    written = []
    with event_origin(Origin.DEMO):
        for number in range(min(count, len(customers))):
            customer = customers[number]
            case_type, subject, body = STORIES[number % len(STORIES)]
            order = customer.orders.order_by("-placed_at").first()
            case = services.open_case(
                customer=customer,
                case_type=case_type,
                channel=chooser.choice(["email", "email", "email", "phone", "web_form"]),
                subject=subject,
                body=f"{body}\n\nBestellung {order.number}",
                orders=[order],
                from_address=customer.email,
                opened_at=now - timedelta(hours=chooser.randint(1, 24 * 45)),
            )
            written.append(case)
            fate = number % 6
            if fate >= 1:
                services.reply(case, by=agent, text=f"Guten Tag,\n\n{chooser.choice(REPLIES)}")
            if fate == 2:
                services.add_inbound_message(
                    case, from_address=customer.email, text="Danke, ich warte dann noch."
                )
            if fate == 3:
                services.set_status(case, CaseStatus.SOLVED, by=agent)
            if fate == 4:
                services.set_status(case, CaseStatus.CLOSED, by=agent)
            if fate == 5:
                services.add_note(case, by=agent, text="Kunde ist Stammkunde, bitte kulant sein.")
                services.escalate(case, by=agent)
        if written:
            # A customer who wrote twice about the same matter: merged into the first case.
            first = written[0]
            again = services.open_case(
                customer=first.customer,
                case_type=first.case_type,
                channel="email",
                subject=f"Nochmal: {first.subject}",
                body="Ich hatte schon geschrieben, bisher keine Antwort.",
                from_address=first.customer.email,
            )
            merge_cases(again, first, by=lead)
    return True
