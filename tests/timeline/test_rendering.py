"""Every kind of timeline entry reads in the reader's language, with amounts in its format."""

from __future__ import annotations

import pytest
from django.utils import translation

from stammkunde.timeline.formatting import format_actor, format_money
from stammkunde.timeline.kinds import ActivityKind
from stammkunde.timeline.parameters import PARAMETERS, check_params
from stammkunde.timeline.rendering import render_summary
from stammkunde.timeline.sentences import SENTENCES

# kind -> (params, English, German), written by hand: the expected lines are not made by the
# code under test.
EXAMPLES = {
    "customer_created": (
        {"source": "Shopify"},
        "Customer created (Shopify)",
        "Kunde angelegt (Shopify)",
    ),
    "customer_updated": (
        {"fields": ["email", "vat_id", "address"]},
        "Profile changed: e-mail, VAT id, address",
        "Profil geändert: E-Mail, USt-IdNr., Adresse",
    ),
    "customer_merged": (
        {"merged_id": 17, "name": "Erika Muster"},
        "Customer #17 (Erika Muster) merged into this customer",
        "Kunde #17 (Erika Muster) mit diesem Kunden zusammengeführt",
    ),
    "consent_changed": (
        {"purpose": "newsletter", "channel": "email", "granted": False},
        "Newsletter and offers (E-mail): withdrawn",
        "Newsletter und Angebote (E-Mail): widerrufen",
    ),
    "consent_not_taken": (
        {
            "purpose": "newsletter",
            "channel": "email",
            "source": "import",
            "opted_out_on": "2026-11-02",
        },
        "Newsletter and offers (E-mail): grant from Import not taken over; the customer opted"
        " out directly on 02/11/2026",
        "Newsletter und Angebote (E-Mail): Einwilligung aus Import nicht übernommen; die Person"
        " hat sich am 02.11.2026 direkt abgemeldet",
    ),
    "order_placed": (
        {"number": "108810", "amount": "1027.08", "currency": "EUR"},
        "Order 108810 for €1,027.08",
        "Bestellung 108810 über 1.027,08\u00a0€",
    ),
    "order_updated": (
        {"number": "108810", "status": "paid", "amount": "27.08", "currency": "GBP"},
        "Order 108810 updated: Paid, £27.08",
        "Bestellung 108810 geändert: Bezahlt, 27,08\u00a0£",
    ),
    "order_cancelled": (
        {"number": "108810"},
        "Order 108810 cancelled",
        "Bestellung 108810 storniert",
    ),
    "order_shipped": (
        {"number": "108810", "carrier": "DHL", "tracking": "00340434"},
        "Order 108810 shipped with DHL, tracking number 00340434",
        "Bestellung 108810 mit DHL versandt, Sendungsnummer 00340434",
    ),
    "order_delivered": (
        {"number": "108810"},
        "Order 108810 delivered",
        "Bestellung 108810 zugestellt",
    ),
    "return_received": (
        {"number": "108810", "reason": "size"},
        "Return of order 108810: Does not fit",
        "Retoure zu Bestellung 108810: Passt nicht",
    ),
    "refund_issued": (
        {"number": "108810", "amount": "12.50", "currency": "CHF"},
        "Refund of CHF\u00a012.50 for order 108810",
        "Erstattung von 12,50\u00a0CHF für Bestellung 108810",
    ),
    "withdrawal_received": (
        {"number": "108810", "late": True},
        "Withdrawal from order 108810 after the withdrawal period",
        "Widerruf der Bestellung 108810 nach Ablauf der Widerrufsfrist",
    ),
    "email_in": (
        {"subject": "Wo bleibt mein Paket?"},
        "Wo bleibt mein Paket?",
        "Wo bleibt mein Paket?",
    ),
    "email_out": ({"subject": "Ihre Rücksendung"}, "Ihre Rücksendung", "Ihre Rücksendung"),
    "call": ({"text": "Rückruf wegen Mühle"}, "Rückruf wegen Mühle", "Rückruf wegen Mühle"),
    "note": ({"text": "Mag keine Anrufe"}, "Mag keine Anrufe", "Mag keine Anrufe"),
    "privacy_request": (
        {"request": "data_request", "shop": "Rösterei", "orders": ["1001", "1002"]},
        "Request for a copy of the data (Rösterei), orders named: 1001, 1002",
        "Anfrage auf Datenauskunft (Rösterei), genannte Bestellungen: 1001, 1002",
    ),
    "processing_restricted": (
        {"state": "set", "reason": "Kundin bestreitet die Adresse"},
        "Processing restricted (Art. 18 GDPR): Kundin bestreitet die Adresse",
        "Verarbeitung eingeschränkt (Art. 18 DSGVO): Kundin bestreitet die Adresse",
    ),
    "shop_account_deleted": (
        {"shop": "Rösterei"},
        "Customer account deleted in Rösterei",
        "Kundenkonto in Rösterei gelöscht",
    ),
    "case_opened": (
        {"case": "S-42", "subject": "Mühle defekt"},
        "Case S-42 opened: Mühle defekt",
        "Vorgang S-42 eröffnet: Mühle defekt",
    ),
    "case_answered": ({"case": "S-42"}, "Case S-42 answered", "Vorgang S-42 beantwortet"),
    "case_escalated": (
        {"case": "S-42", "reason": "legal_threat"},
        "Case S-42 escalated: legal steps announced",
        "Vorgang S-42 eskaliert: rechtliche Schritte angekündigt",
    ),
    "case_solved": ({"case": "S-42"}, "Case S-42 solved", "Vorgang S-42 gelöst"),
    "case_closed": ({"case": "S-42"}, "Case S-42 closed", "Vorgang S-42 geschlossen"),
    "case_reopened": ({"case": "S-42"}, "Case S-42 reopened", "Vorgang S-42 wieder geöffnet"),
    "case_assigned": (
        {"case": "S-42", "assignee": "Jana Kraus", "team": "Logistik"},
        "Case S-42 assigned to Jana Kraus (Logistik)",
        "Vorgang S-42 an Jana Kraus zugewiesen (Logistik)",
    ),
    "case_status_changed": (
        {"case": "S-42", "status": "waiting_customer"},
        "Case S-42 set to “waiting for the customer”",
        "Vorgang S-42 auf „wartet auf den Kunden“ gesetzt",
    ),
    "case_merged": (
        {"case": "S-42", "into": "S-40"},
        "Case S-42 merged into S-40",
        "Vorgang S-42 mit S-40 zusammengeführt",
    ),
    "case_split": (
        {"case": "S-43", "source": "S-42"},
        "Case S-43 split off from S-42",
        "Vorgang S-43 von S-42 abgetrennt",
    ),
    "case_moved": (
        {"case": "VG-10234", "order": "10234", "side": "to", "name": "Erika Mustermann"},
        "Case VG-10234 moved to Erika Mustermann: the mail is about their order 10234",
        "Vorgang VG-10234 an Erika Mustermann übergeben: die Mail betrifft deren Bestellung 10234",
    ),
    "goodwill_granted": (
        {"goodwill": "voucher", "amount": "10.00", "currency": "EUR", "case": "S-42"},
        "Goodwill granted: voucher of €10.00",
        "Kulanz gewährt: Gutschein über 10,00\u00a0€",
    ),
    "message_sent": (
        {"message": "Danke für Ihre Bestellung"},
        "Message “Danke für Ihre Bestellung” sent",
        "Nachricht „Danke für Ihre Bestellung“ gesendet",
    ),
    "message_held_back": (
        {"message": "Bewertung erbeten", "rule": "weekly_limit", "reason": "2 von 2"},
        "Message “Bewertung erbeten” held back: weekly limit reached (2 von 2)",
        "Nachricht „Bewertung erbeten“ zurückgehalten: Wochengrenze erreicht (2 von 2)",
    ),
    "message_failed": (
        {"message": "Newsletter März", "error": "550 mailbox unavailable"},
        "Message “Newsletter März” could not be sent: 550 mailbox unavailable",
        "Nachricht „Newsletter März“ konnte nicht gesendet werden: 550 mailbox unavailable",
    ),
    "consent_asked": (
        {"purpose": "feedback", "channel": "email"},
        "Consent asked: Feedback and review requests (E-mail)",
        "Einwilligung erfragt: Feedback- und Bewertungsanfragen (E-Mail)",
    ),
    "consent_confirmed": (
        {"purpose": "newsletter", "channel": "sms"},
        "Consent confirmed: Newsletter and offers (SMS)",
        "Einwilligung bestätigt: Newsletter und Angebote (SMS)",
    ),
    "consent_withdrawn": (
        {"purpose": "reactivation", "channel": "post"},
        "Consent withdrawn: Win-back messages (Post)",
        "Einwilligung widerrufen: Rückgewinnungsnachrichten (Post)",
    ),
    "unsubscribed": (
        {"purpose": "newsletter", "channel": "email"},
        "Unsubscribed from Newsletter and offers (E-mail)",
        "Abgemeldet von Newsletter und Angebote (E-Mail)",
    ),
    "contact_hold_set": (
        {"reason": "recent_complaint", "until": "2026-12-24"},
        "No contact until 24/12/2026: recent complaint",
        "Kein Kontakt bis 24.12.2026: kürzliche Beschwerde",
    ),
    "contact_hold_released": ({}, "Contact allowed again", "Kontakt wieder erlaubt"),
}


def test_every_kind_has_an_example_parameters_and_a_sentence_or_free_text():
    assert set(EXAMPLES) == set(ActivityKind.values)
    assert set(PARAMETERS) == set(ActivityKind.values)
    free_text = {kind for kind, (required, _optional) in PARAMETERS.items() if "text" in required}
    assert set(SENTENCES) | free_text == set(ActivityKind.values)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_each_kind_reads_english_and_german(kind):
    params, english, german = EXAMPLES[kind]
    check_params(kind, params)
    with translation.override("en"):
        assert render_summary(kind, params) == english
    with translation.override("de"):
        assert render_summary(kind, params) == german
    assert "%(" not in english + german


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(SENTENCES))
def test_no_sentence_leaves_a_placeholder_with_only_the_required_params(kind):
    required, _optional = PARAMETERS[kind]
    full = EXAMPLES[kind][0]
    params = {name: full[name] for name in required}
    for language in ("en", "de"):
        with translation.override(language):
            line = render_summary(kind, params)
        assert line and "%(" not in line and "%s" not in line, (language, line)
        assert line != str(ActivityKind(kind).label) or not required, line


@pytest.mark.parametrize(
    ("amount", "currency", "english", "german"),
    [
        ("27.08", "EUR", "€27.08", "27,08\u00a0€"),
        ("1234567.5", "USD", "$1,234,567.50", "1.234.567,50\u00a0$"),
        ("0.1", "PLN", "PLN\u00a00.10", "0,10\u00a0PLN"),
    ],
)
def test_money_is_written_the_way_the_language_writes_it(amount, currency, english, german):
    with translation.override("en"):
        assert format_money(amount, currency) == english
    with translation.override("de"):
        assert format_money(amount, currency) == german


def test_a_line_as_written_is_shown_as_it_is_whatever_the_kind():
    with translation.override("en"):
        assert render_summary("order_placed", {"text": "Bestellung 7 über 3,00 €"}) == (
            "Bestellung 7 über 3,00 €"
        )


@pytest.mark.django_db
def test_unknown_kinds_and_unusable_params_degrade_to_the_kind_name():
    with translation.override("en"):
        assert render_summary("case_teleported", {"case": "S-1"}) == "Case teleported"
        assert render_summary("order_placed", {}) == "Order placed"
        assert render_summary(
            "order_placed", {"number": "7", "amount": "x", "currency": "EUR"}
        ) == ("Order placed")
        assert render_summary("customer_updated", {"fields": "email"}) == "Customer updated"
    with translation.override("de"):
        assert render_summary("order_placed", None) == "Bestellung aufgegeben"


@pytest.mark.django_db
def test_stored_values_unknown_to_the_vocabulary_are_shown_as_written():
    with translation.override("en"):
        assert render_summary("return_received", {"number": "7", "reason": "too_loud"}) == (
            "Return of order 7: too_loud"
        )
        assert render_summary("case_escalated", {"case": "S-1", "reason": "Kunde droht"}) == (
            "Case S-1 escalated: Kunde droht"
        )


def test_writers_are_told_when_params_do_not_fit_the_kind():
    with pytest.raises(ValueError, match="missing"):
        check_params("order_placed", {"amount": "1.00"})
    with pytest.raises(ValueError, match="unknown"):
        check_params("order_cancelled", {"number": "7", "summary": "Bestellung 7 storniert"})
    with pytest.raises(ValueError, match="unknown timeline kind"):
        check_params("order_exploded", {"number": "7"})
    check_params("order_placed", {"text": "Bestellung 7"})


def test_every_governor_rule_that_holds_back_has_a_label_in_the_vocabulary():
    from stammkunde.messaging.governor import Rule
    from stammkunde.timeline.vocabulary import HOLD_RULES

    holding = set(Rule.values) - {Rule.TRANSACTIONAL, Rule.WITHIN_LIMITS}
    assert holding <= set(HOLD_RULES)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("label", "english", "german"),
    [
        ("csv_import", "CSV import", "CSV-Import"),
        ("consent_source:shop", "The shop system", "Das Shopsystem"),
        ("Rösterei Süd", "Rösterei Süd", "Rösterei Süd"),
        ("shop-sync: nightly", "shop-sync: nightly", "shop-sync: nightly"),
        # The home page said "messaging" and "web_form" beside a contact hold and a customer.
        ("messaging", "Messaging", "Nachrichten"),
        ("web_form", "Web form", "Webformular"),
        ("inbound_mail", "Inbound e-mail", "Eingehende E-Mails"),
    ],
)
def test_the_systems_own_sources_are_named_in_the_readers_language(label, english, german):
    with translation.override("en"):
        assert format_actor(label) == english
    with translation.override("de"):
        assert format_actor(label) == german


def test_a_customer_from_the_help_page_form_says_where_they_came_from():
    # "Kunde angelegt (web_form)" on the German home page.
    from stammkunde.timeline.rendering import render_summary

    with translation.override("de"):
        text = render_summary("customer_created", {"source": "web_form"})
    assert text == "Kunde angelegt (Kontaktformular der Hilfeseite)"
