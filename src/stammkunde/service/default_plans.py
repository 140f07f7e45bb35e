"""The crisis plans every installation starts with (seed 003's after-sales tips and seed 001's
"fixer Krisenplan"), in German and English, each with a reply template. Team leads change them
on the crisis plans page; the data migration that installs them never overwrites a plan that
exists already."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

PLANS: list[dict[str, Any]] = [
    {
        "incident_type": "late_delivery",
        "case_types": ["delivery_problem"],
        "goodwill": ("free_shipping", Decimal("4.90")),
        "deadline_hours": 8,
        "role": "Service agent",
        "de": {
            "name": "Lieferverzug",
            "steps": [
                "Sendungsverfolgung prüfen und den Status beim Versanddienstleister erfragen",
                "Dem Kunden noch am selben Tag antworten: Stand, neuer Termin, Entschuldigung",
                "Versandkosten erstatten oder einen Gutschein anbieten",
                "Nach fünf Werktagen ohne Zustellung: Nachforschungsauftrag und Ersatz senden",
                "Vorgang erst schließen, wenn die Ware angekommen ist",
            ],
            "reply_name": "Lieferverzug: Zwischenstand",
            "reply": (
                "{{ salutation }},\n\nes tut uns leid, dass Ihre Bestellung {{ order.number }} "
                "noch nicht bei Ihnen ist. Wir haben beim Versanddienstleister nachgefragt"
                "{% if order.tracking_url %}; den aktuellen Stand sehen Sie hier: "
                "{{ order.tracking_url }}{% else %}.{% endif %}\n\nAls kleine Entschuldigung "
                "erstatten wir Ihnen die Versandkosten.\n\nViele Grüße\n{{ sender.name }}"
            ),
        },
        "en": {
            "name": "Late delivery",
            "steps": [
                "Check the tracking and ask the carrier for the status",
                "Answer the customer the same day: status, new date, apology",
                "Refund the shipping costs or offer a voucher",
                "After five business days without delivery: open a trace and send a replacement",
                "Close the case only once the goods have arrived",
            ],
            "reply_name": "Late delivery: update",
            "reply": (
                "{{ salutation }},\n\nwe are sorry that your order {{ order.number }} has not "
                "reached you yet. We have asked the carrier"
                "{% if order.tracking_url %}; you can follow the parcel here: "
                "{{ order.tracking_url }}{% else %}.{% endif %}\n\nAs a small apology we refund "
                "the shipping costs.\n\nKind regards\n{{ sender.name }}"
            ),
        },
    },
    {
        "incident_type": "out_of_stock",
        "case_types": ["delivery_problem", "question"],
        "goodwill": ("voucher", Decimal("5.00")),
        "deadline_hours": 4,
        "role": "Service agent",
        "de": {
            "name": "Artikel nicht lieferbar",
            "steps": [
                "Liefertermin beim Einkauf erfragen",
                "Kunden sofort informieren und die Wahl lassen: warten, Alternative oder Storno",
                "Bei Storno den Betrag noch am selben Werktag erstatten",
                "Für das Warten einen Gutschein anbieten",
            ],
            "reply_name": "Nicht lieferbar: Wahl lassen",
            "reply": (
                "{{ salutation }},\n\nleider ist ein Artikel Ihrer Bestellung {{ order.number }} "
                "gerade nicht lieferbar. Möchten Sie warten, eine Alternative wählen oder "
                "stornieren? Bei einer Stornierung erstatten wir den Betrag sofort.\n\n"
                "Viele Grüße\n{{ sender.name }}"
            ),
        },
        "en": {
            "name": "Out of stock",
            "steps": [
                "Ask purchasing for the delivery date",
                "Tell the customer at once and let them choose: wait, an alternative or cancel",
                "On cancellation refund the amount the same business day",
                "Offer a voucher for waiting",
            ],
            "reply_name": "Out of stock: let them choose",
            "reply": (
                "{{ salutation }},\n\nunfortunately an item of your order {{ order.number }} is "
                "out of stock. Would you like to wait, choose an alternative or cancel? If you "
                "cancel, we refund the amount at once.\n\nKind regards\n{{ sender.name }}"
            ),
        },
    },
    {
        "incident_type": "defective_product",
        "case_types": ["damaged_goods", "warranty_claim", "complaint"],
        "goodwill": ("replacement", Decimal("0.01")),
        "deadline_hours": 16,
        "role": "Service agent",
        "de": {
            "name": "Defektes oder beschädigtes Produkt",
            "steps": [
                "Um ein Foto des Schadens bitten (nicht um Rücksendung vorab)",
                "Produktmanagement informieren (Charge, Häufung?)",
                "Ersatz oder Erstattung anbieten, der Kunde wählt",
                "Kostenloses Rücksendeetikett schicken",
                "Bei wiederholtem Defekt an den Vermittler übergeben",
            ],
            "reply_name": "Defekt: Ersatz anbieten",
            "reply": (
                "{{ salutation }},\n\ndas tut uns leid. Schicken Sie uns bitte ein Foto des "
                "Schadens; wir senden Ihnen dann sofort Ersatz oder erstatten den Betrag für "
                "Ihre Bestellung {{ order.number }}, ganz wie Sie möchten.\n\nViele Grüße\n"
                "{{ sender.name }}"
            ),
        },
        "en": {
            "name": "Defective or damaged product",
            "steps": [
                "Ask for a photo of the damage (not for a return first)",
                "Tell product management (batch, more cases?)",
                "Offer a replacement or a refund, the customer chooses",
                "Send a free return label",
                "Hand repeated defects to the mediator",
            ],
            "reply_name": "Defect: offer a replacement",
            "reply": (
                "{{ salutation }},\n\nwe are sorry. Please send us a photo of the damage; we "
                "will then send a replacement at once or refund your order {{ order.number }}, "
                "as you prefer.\n\nKind regards\n{{ sender.name }}"
            ),
        },
    },
    {
        "incident_type": "dispute",
        "case_types": ["withdrawal", "warranty_claim", "return", "complaint"],
        "goodwill": ("voucher", Decimal("10.00")),
        "deadline_hours": 16,
        "role": "Mediator",
        "de": {
            "name": "Streit um Widerruf oder Gewährleistung",
            "steps": [
                "Bisherigen Verlauf vollständig lesen, nichts doppelt erfragen",
                "Rechtslage prüfen (Widerrufsfrist, Gewährleistung) und festhalten",
                "An den Vermittler übergeben, der den Fall bis zum Ende führt",
                "Im Zweifel kulant entscheiden: eine schlechte Bewertung kostet mehr",
                "Ergebnis schriftlich bestätigen",
            ],
            "reply_name": "Streitfall: Vermittler meldet sich",
            "reply": (
                "{{ salutation }},\n\nich habe Ihr Anliegen zu Bestellung {{ order.number }} "
                "übernommen und kümmere mich persönlich darum, bis es gelöst ist. Sie hören "
                "spätestens morgen von mir.\n\nViele Grüße\n{{ sender.name }}"
            ),
        },
        "en": {
            "name": "Withdrawal or warranty dispute",
            "steps": [
                "Read the whole history first, never ask twice",
                "Check the legal position (withdrawal period, warranty) and note it",
                "Hand the case to the mediator, who sees it through",
                "When in doubt decide generously: a bad review costs more",
                "Confirm the outcome in writing",
            ],
            "reply_name": "Dispute: the mediator takes over",
            "reply": (
                "{{ salutation }},\n\nI have taken over your request about order "
                "{{ order.number }} and will see to it personally until it is solved. You will "
                "hear from me by tomorrow at the latest.\n\nKind regards\n{{ sender.name }}"
            ),
        },
    },
]


def install_default_plans(plan_model: Any, step_model: Any, macro_model: Any) -> int:
    """Create the default plans (with steps and reply template) that do not exist yet; works
    with historical models in a data migration. Returns how many plans were created."""
    created = 0
    for spec in PLANS:
        kind, amount = spec["goodwill"]
        for language in ("de", "en"):
            texts = spec[language]
            if plan_model.objects.filter(
                incident_type=spec["incident_type"], language=language
            ).exists():
                continue
            plan = plan_model.objects.create(
                incident_type=spec["incident_type"],
                language=language,
                name=texts["name"],
                case_types=spec["case_types"],
                suggested_goodwill_kind=kind,
                suggested_goodwill_amount=None if kind == "replacement" else amount,
                deadline_hours=spec["deadline_hours"],
                responsible_role=spec["role"],
            )
            step_model.objects.bulk_create(
                step_model(plan=plan, position=index, text=text)
                for index, text in enumerate(texts["steps"], 1)
            )
            macro_model.objects.create(
                name=texts["reply_name"],
                language=language,
                body=texts["reply"],
                case_types=spec["case_types"],
                crisis_plan=plan,
            )
            created += 1
    return created
