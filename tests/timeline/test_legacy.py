"""Lines stored before timeline entries were structured become kind + params, nothing lost."""

from __future__ import annotations

import pytest

from stammkunde.timeline.legacy import parse_summary

# (kind, summary as an old writer froze it) -> (kind, params): German and English wordings of
# every writer of that time (shop and customer services, CSV import, webhooks, demo).
CASES = [
    ("customer_created", "Kunde angelegt", "customer_created", {}),
    (
        "customer_created",
        "Customer created (Shopify Süd)",
        "customer_created",
        {"source": "Shopify Süd"},
    ),
    (
        "customer_created",
        "Kunde angelegt (CSV-Import)",
        "customer_created",
        {"source": "csv_import"},
    ),
    (
        "customer_created",
        "Customer created (CSV import)",
        "customer_created",
        {"source": "csv_import"},
    ),
    (
        "customer_updated",
        "Profil geändert: E-Mail, USt-IdNr., Adresse",
        "customer_updated",
        {"fields": ["email", "vat_id", "address"]},
    ),
    (
        "customer_updated",
        "Profile changed: first name, phone",
        "customer_updated",
        {"fields": ["first_name", "phone"]},
    ),
    (
        "customer_updated",
        "Kundenkonto in Rösterei Süd gelöscht",
        "shop_account_deleted",
        {"shop": "Rösterei Süd"},
    ),
    (
        "customer_updated",
        "Customer account deleted in shop.example",
        "shop_account_deleted",
        {"shop": "shop.example"},
    ),
    (
        "customer_merged",
        "Kunde #17 (Erika (Gast)) mit diesem Kunden zusammengeführt",
        "customer_merged",
        {"merged_id": 17, "name": "Erika (Gast)"},
    ),
    (
        "customer_merged",
        "Customer #9 () merged into this customer",
        "customer_merged",
        {"merged_id": 9, "name": ""},
    ),
    (
        "consent_changed",
        "Newsletter und Angebote (E-Mail): widerrufen",
        "consent_changed",
        {"purpose": "newsletter", "channel": "email", "granted": False},
    ),
    (
        "consent_changed",
        "Feedback and review requests (SMS): granted",
        "consent_changed",
        {"purpose": "feedback", "channel": "sms", "granted": True},
    ),
    (
        "consent_not_taken",
        "Newsletter und Angebote (E-Mail): Einwilligung aus Rösterei nicht übernommen; die"
        " Person hat sich am 2026-11-02 direkt abgemeldet",
        "consent_not_taken",
        {
            "purpose": "newsletter",
            "channel": "email",
            "source": "Rösterei",
            "opted_out_on": "2026-11-02",
        },
    ),
    (
        "consent_not_taken",
        "Newsletter and offers (E-mail): grant from Import not taken over; the customer opted"
        " out directly on 2026-11-02",
        "consent_not_taken",
        {
            "purpose": "newsletter",
            "channel": "email",
            "source": "Import",
            "opted_out_on": "2026-11-02",
        },
    ),
    (
        "order_placed",
        "Bestellung 108810 aufgegeben: 27.08 EUR",
        "order_placed",
        {"number": "108810", "amount": "27.08", "currency": "EUR"},
    ),
    (
        "order_placed",
        "Order #1001 placed: 1250.00 CHF",
        "order_placed",
        {"number": "#1001", "amount": "1250.00", "currency": "CHF"},
    ),
    (
        "order_placed",
        "Bestellung 108810 über 1.027,08 €",
        "order_placed",
        {"number": "108810", "amount": "1027.08", "currency": "EUR"},
    ),
    ("order_placed", "Bestellung A-7 aufgegeben", "order_placed", {"number": "A-7"}),
    ("order_placed", "Order A-7 placed", "order_placed", {"number": "A-7"}),
    (
        "order_updated",
        "Bestellung 1001 geändert: Bezahlt, 55.20 EUR",
        "order_updated",
        {"number": "1001", "status": "paid", "amount": "55.20", "currency": "EUR"},
    ),
    (
        "order_updated",
        "Order 1001 updated: Returned, 0.00 GBP",
        "order_updated",
        {"number": "1001", "status": "returned", "amount": "0.00", "currency": "GBP"},
    ),
    ("order_cancelled", "Bestellung 1001 storniert", "order_cancelled", {"number": "1001"}),
    ("order_cancelled", "Order 1001 cancelled", "order_cancelled", {"number": "1001"}),
    (
        "order_shipped",
        "Bestellung 1001 versandt (DHL 00340434161234567890)",
        "order_shipped",
        {"number": "1001", "carrier": "DHL", "tracking": "00340434161234567890"},
    ),
    (
        "order_shipped",
        "Order 1001 shipped ( 1Z999)",
        "order_shipped",
        {"number": "1001", "tracking": "1Z999"},
    ),
    ("order_shipped", "Order 1001 shipped", "order_shipped", {"number": "1001"}),
    (
        "order_shipped",
        "Bestellung 100042 mit DPD versandt",
        "order_shipped",
        {"number": "100042", "carrier": "DPD"},
    ),
    ("order_delivered", "Bestellung 1001 zugestellt", "order_delivered", {"number": "1001"}),
    ("order_delivered", "Order 1001 delivered", "order_delivered", {"number": "1001"}),
    (
        "return_received",
        "Retoure zu Bestellung 1001: Passt nicht",
        "return_received",
        {"number": "1001", "reason": "size"},
    ),
    (
        "return_received",
        "Retoure zu Bestellung 100042: falscher Artikel",
        "return_received",
        {"number": "100042", "reason": "wrong_item"},
    ),
    (
        "return_received",
        "Return of order 1001: Changed mind",
        "return_received",
        {"number": "1001", "reason": "changed_mind"},
    ),
    (
        "refund_issued",
        "Erstattung von 12.50 EUR für Bestellung 1001",
        "refund_issued",
        {"number": "1001", "amount": "12.50", "currency": "EUR"},
    ),
    (
        "refund_issued",
        "Refund of 12.50 USD for order 1001",
        "refund_issued",
        {"number": "1001", "amount": "12.50", "currency": "USD"},
    ),
    (
        "refund_issued",
        "Erstattung 1.012,50 € zu Bestellung 100042",
        "refund_issued",
        {"number": "100042", "amount": "1012.50", "currency": "EUR"},
    ),
    (
        "withdrawal_received",
        "Widerruf der Bestellung 1001",
        "withdrawal_received",
        {"number": "1001", "late": False},
    ),
    (
        "withdrawal_received",
        "Widerruf der Bestellung 1001 (nach Ablauf der Widerrufsfrist)",
        "withdrawal_received",
        {"number": "1001", "late": True},
    ),
    (
        "withdrawal_received",
        "Withdrawal from order 1001 (after the withdrawal period)",
        "withdrawal_received",
        {"number": "1001", "late": True},
    ),
    (
        "withdrawal_received",
        "Widerruf zu Bestellung 100042",
        "withdrawal_received",
        {"number": "100042", "late": False},
    ),
    (
        "privacy_request",
        "Anfrage auf Datenauskunft (Rösterei (EU))",
        "privacy_request",
        {"request": "data_request", "shop": "Rösterei (EU)"},
    ),
    (
        "privacy_request",
        "Request to erase the shop's data (shop.example)",
        "privacy_request",
        {"request": "shop_redact", "shop": "shop.example"},
    ),
]


@pytest.mark.parametrize(("kind", "summary", "new_kind", "params"), CASES)
def test_known_wordings_become_params(kind, summary, new_kind, params):
    assert parse_summary(kind, summary) == (new_kind, params, "")


@pytest.mark.parametrize(
    ("kind", "summary"),
    [
        ("note", "Bestellung 1001 storniert"),  # a note is somebody's words, whatever they say
        ("call", "Rückruf wegen defekter Mühle"),
        ("email_in", "Wo bleibt mein Paket?"),
        ("customer_updated", "Profil geändert: Lieblingsfarbe"),
        ("consent_changed", "Newsletter (Brieftaube): erteilt"),
        ("order_updated", "Bestellung 1001 geändert: Verloren, 55.20 EUR"),
        ("order_placed", "Bestellung 1001 aufgegeben: viel Geld"),
        ("return_received", "Retoure zu Bestellung 1001: zu laut"),
        ("privacy_request", "Irgendeine Anfrage (Shop)"),
        ("case_opened", "Fall 12 eröffnet"),
        ("order_exploded", "Bestellung 1001 explodiert"),
    ],
)
def test_free_text_and_unknown_wordings_keep_their_text(kind, summary):
    assert parse_summary(kind, summary, "Notiz dazu") == (kind, {"text": summary}, "Notiz dazu")


def test_a_privacy_requests_orders_move_from_the_body_into_the_params():
    kind, params, body = parse_summary(
        "privacy_request",
        "Request to erase the customer's data (shop.example)",
        "Genannte Bestellungen: 299938, 280263",
    )
    assert (kind, body) == ("privacy_request", "")
    assert params == {
        "request": "customer_redact",
        "shop": "shop.example",
        "orders": ["299938", "280263"],
    }


def test_other_bodies_stay_as_they_were():
    assert parse_summary("return_received", "Retoure zu Bestellung 1: Defekt", "Kratzer") == (
        "return_received",
        {"number": "1", "reason": "defective"},
        "Kratzer",
    )


def test_an_empty_summary_leaves_empty_params():
    assert parse_summary("note", "", "") == ("note", {}, "")
