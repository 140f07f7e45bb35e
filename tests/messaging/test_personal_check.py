"""The "reads as personal" check over rendered mails: plain tests, no database."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.utils import translation

from stammkunde.messaging.personal_check import (
    CheckSettings,
    RenderedMail,
    Severity,
    check_mail,
    html_to_text,
    person_name,
)
from stammkunde.messaging.salutation import Recipient, greeting_for

ANNA = greeting_for(Recipient(first_name="Anna", last_name="Müller", salutation="ms", title="Dr."))
TEXT = """Sehr geehrte Frau Dr. Müller,

Ihr Kaffee ist auf dem Weg: Äthiopien Sidamo, 500 g hat heute unser Lager verlassen.
Hier können Sie das Paket zur Bestellung 10234 verfolgen: https://www.dhl.de/verfolgen?p=003404

Wenn etwas nicht stimmt, antworten Sie einfach auf diese Mail, sie landet direkt bei mir.

Herzliche Grüße aus Freiburg
Lena Vogel
Kaffeerösterei Süd
"""
GOOD = RenderedMail(
    subject="Ihr Paket zur Bestellung 10234 ist unterwegs",
    text=TEXT,
    html="",
    sender="Lena Vogel <lena.vogel@kaffee.example>",
    greeting=ANNA,
    order_number="10234",
    product_names=["Äthiopien Sidamo, 500 g"],
    shop_name="Kaffeerösterei Süd",
)


def codes(mail, **kwargs):
    return [(finding.code, finding.severity) for finding in check_mail(mail, **kwargs).findings]


def test_a_well_written_mail_reads_as_personal():
    result = check_mail(GOOD)
    assert result.findings == ()
    assert result.reads_as_personal is True


# --- the greeting --------------------------------------------------------------------------


def test_mail_without_greeting_is_blocked():
    mail = replace(GOOD, text=TEXT.split("\n", 2)[2], greeting=None)
    assert codes(mail) == [("missing_salutation", Severity.BLOCKING)]
    assert check_mail(mail).reads_as_personal is False


@pytest.mark.parametrize(
    ("opening", "phrase"),
    [
        ("Sehr geehrte Damen und Herren,", "Sehr geehrte Damen und Herren"),
        ("Liebe Kundin, lieber Kunde,", "Liebe Kundin, lieber Kunde"),
        ("Sehr geehrter Kunde,", "Sehr geehrter Kunde"),
        ("Dear valued customer,", "Dear valued customer"),
        ("Hallo ,", "Hallo"),
        ("Guten Tag,", "Guten Tag"),
    ],
)
def test_written_in_generic_greeting_is_blocked(opening, phrase):
    mail = replace(GOOD, text=TEXT.replace("Sehr geehrte Frau Dr. Müller,", opening), greeting=None)
    findings = check_mail(mail).findings
    assert [(f.code, f.severity) for f in findings] == [("generic_salutation", Severity.BLOCKING)]
    assert findings[0].params["phrase"] == phrase


def test_fallback_greeting_from_the_data_is_a_warning():
    nameless = greeting_for(Recipient())
    mail = replace(
        GOOD, text=TEXT.replace("Sehr geehrte Frau Dr. Müller", "Guten Tag"), greeting=nameless
    )
    result = check_mail(mail)
    assert codes(mail) == [("fallback_salutation", Severity.WARNING)]
    assert result.reads_as_personal is True
    assert result.findings[0].message == (
        "The greeting had to do without the customer's data: "
        "No name is known, so the greeting has no name."
    )


def test_informal_greeting_is_recognised():
    anna = greeting_for(Recipient(first_name="Anna", form_of_address="informal"))
    mail = replace(
        GOOD, text=TEXT.replace("Sehr geehrte Frau Dr. Müller", "Hallo Anna"), greeting=anna
    )
    assert codes(mail) == []
    written_in = replace(mail, greeting=None)
    assert codes(written_in) == []


# --- order number and products -------------------------------------------------------------


def test_mail_without_order_number_and_product_is_blocked():
    text = "Sehr geehrte Frau Dr. Müller,\n\nIhr Paket ist unterwegs.\n\nViele Grüße\nLena Vogel"
    mail = replace(GOOD, subject="Ihr Paket ist unterwegs", text=text)
    assert codes(mail) == [("missing_order_reference", Severity.BLOCKING)]
    assert check_mail(mail).findings[0].message == (
        "The mail mentions neither the order number 10234 nor a product name."
    )


def test_product_without_order_number_is_a_warning():
    text = TEXT.replace(" zur Bestellung 10234", "")
    mail = replace(GOOD, subject="Ihr Paket ist unterwegs", text=text)
    assert codes(mail) == [("missing_order_number", Severity.WARNING)]


def test_order_number_without_product_is_a_warning():
    mail = replace(GOOD, text=TEXT.replace("Äthiopien Sidamo, 500 g", "Ihre Bestellung"))
    assert codes(mail) == [("missing_product_name", Severity.WARNING)]


def test_product_name_before_its_comma_counts():
    mail = replace(GOOD, text=TEXT.replace("Äthiopien Sidamo, 500 g", "der Äthiopien Sidamo"))
    assert codes(mail) == []


def test_event_with_only_an_order_number_needs_it():
    mail = replace(GOOD, product_names=[], subject="Ihr Paket", text=TEXT.replace("10234", "?"))
    assert codes(mail) == [("missing_order_number", Severity.BLOCKING)]


def test_event_without_order_asks_for_nothing():
    mail = replace(GOOD, order_number=None, product_names=[], text=TEXT.replace("10234", ""))
    assert codes(mail) == []


# --- sender and signature ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender",
    [
        "Lena Vogel <noreply@kaffee.example>",
        "Lena Vogel <no-reply@kaffee.example>",
        "Lena Vogel <do-not-reply@kaffee.example>",
        "Lena Vogel <donotreply@kaffee.example>",
        "Lena Vogel <nicht-antworten@kaffee.example>",
    ],
)
def test_no_reply_sender_is_blocked(sender):
    assert codes(replace(GOOD, sender=sender)) == [("no_reply_sender", Severity.BLOCKING)]


@pytest.mark.parametrize(
    "sender",
    [
        "Kaffeerösterei Süd <service@kaffee.example>",
        "Ihr Service-Team <service@kaffee.example>",
        "service@kaffee.example",
        "Lena <lena@kaffee.example>",
    ],
)
def test_sender_without_a_persons_name_is_blocked(sender):
    found = codes(replace(GOOD, sender=sender))
    assert found == [
        ("unnamed_sender", Severity.BLOCKING),
        ("no_named_signature", Severity.BLOCKING),
    ]


def test_missing_sender_is_blocked():
    assert ("missing_sender", Severity.BLOCKING) in codes(replace(GOOD, sender=""))


def test_closing_without_the_senders_name_is_blocked():
    text = TEXT.replace("Lena Vogel\n", "Ihr Team der\n")
    assert codes(replace(GOOD, text=text)) == [("no_named_signature", Severity.BLOCKING)]


def test_person_name():
    assert person_name('"Vogel, Lena" <lena@kaffee.example>') == "Lena Vogel"
    assert (
        person_name("Kaffeerösterei Süd <s@example.org>", not_persons=["Kaffeerösterei Süd"]) == ""
    )
    assert person_name("Lena Vogel <lena@kaffee.example>") == "Lena Vogel"
    assert person_name("Hans-Peter Müller-Lüdenscheidt <hp@example.org>") == (
        "Hans-Peter Müller-Lüdenscheidt"
    )
    assert person_name("Kundenservice Kaffee <s@example.org>") == ""


# --- machine phrases -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Dies ist eine automatisch generierte E-Mail.", "automatisch generierte"),
        ("Bitte antworten Sie nicht auf diese E-Mail.", "Bitte antworten Sie nicht"),
        ("Bitte nicht auf diese Nachricht antworten.", "Bitte nicht auf diese Nachricht antworten"),
        ("Diese E-Mail wurde automatisch versendet.", "Diese E-Mail wurde automatisch"),
        ("Dieses Postfach wird nicht überwacht.", "Dieses Postfach wird nicht überwacht"),
        ("This is an automatically generated email.", "automatically generated"),
        ("Please do not reply to this email.", "Please do not reply"),
        ("This mailbox is not monitored.", "This mailbox is not monitored"),
        ("Sent from a do-not-reply address.", "do-not-reply"),
        ("This is an automated message.", "automated message"),
    ],
)
def test_stock_machine_phrases_are_blocked(sentence, phrase):
    mail = replace(GOOD, text=TEXT.replace("Herzliche Grüße", sentence + "\n\nHerzliche Grüße"))
    findings = check_mail(mail).findings
    assert [f.code for f in findings] == ["machine_phrase"]
    assert phrase in findings[0].params["phrase"]


def test_phrase_found_across_a_line_break_and_in_the_html_part():
    text = TEXT.replace("Herzliche Grüße", "Bitte antworten\nSie nicht.\n\nHerzliche Grüße")
    assert "machine_phrase" in [f.code for f in check_mail(replace(GOOD, text=text)).findings]
    html = "<p>Hallo</p><p style='font-size:8px'>This email was sent automatically.</p>"
    found = check_mail(replace(GOOD, html=html)).findings
    assert [f.params.get("phrase") for f in found] == ["sent automatically"]


# --- subject -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("IHR PAKET 10234 IST UNTERWEGS", [("all_caps_subject", Severity.BLOCKING)]),
        ("Ihr Paket 10234 ist unterwegs!", [("exclamation_subject", Severity.WARNING)]),
        ("Jetzt zugreifen!!! 10234", [("exclamation_subject", Severity.BLOCKING)]),
        ("DHL-Sendung zu Bestellung 10234", []),
        ("VG-10234: Ihre Anfrage", []),
    ],
)
def test_subject_in_capitals_or_with_exclamation_marks(subject, expected):
    assert codes(replace(GOOD, subject=subject)) == expected


# --- links and images ----------------------------------------------------------------------


def test_too_many_links_and_images_are_warnings():
    links = "".join(f'<a href="https://kaffee.example/{n}">{n}</a>' for n in range(7))
    images = "".join(f'<img src="cid:bild{n}">' for n in range(4))
    html = f"<p>Sehr geehrte Frau Dr. Müller,</p>{links}{images}<p>Lena Vogel</p>"
    result = check_mail(replace(GOOD, html=html))
    assert [(f.code, f.params) for f in result.findings] == [
        ("too_many_links", {"count": 7, "limit": 5}),
        ("too_many_images", {"count": 4, "limit": 3}),
    ]
    assert result.reads_as_personal is True
    assert (
        check_mail(replace(GOOD, html=html), CheckSettings(max_links=10, max_images=5)).findings
        == ()
    )


# --- HTML-only mails and the result --------------------------------------------------------


def test_html_only_mail_is_read_through_its_visible_text():
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>Sehr geehrte Frau Dr. Müller,</p><p>Ihr Äthiopien Sidamo zur Bestellung 10234 ist "
        "unterwegs.</p><p>Herzliche Grüße<br>Lena Vogel</p></body></html>"
    )
    assert codes(replace(GOOD, text="", html=html)) == []


def test_html_to_text():
    text = html_to_text("<p>Grüße &amp; Dank</p><script>x()</script><p>Lena</p>")
    assert [line for line in text.splitlines() if line] == ["Grüße & Dank", "Lena"]


def test_blocking_findings_come_first():
    mail = replace(GOOD, subject="Ihr Paket 10234!", sender="noreply@kaffee.example")
    severities = [f.severity for f in check_mail(mail).findings]
    assert severities == sorted(severities, key=lambda s: s is not Severity.BLOCKING)
    assert severities[-1] is Severity.WARNING


def test_messages_in_german():
    mail = replace(GOOD, sender="Lena Vogel <noreply@kaffee.example>")
    with translation.override("de"):
        assert check_mail(mail).findings[0].message == (
            "Der Absender noreply@kaffee.example ist eine No-Reply-Adresse; Antworten müssen "
            "einen Menschen erreichen."
        )
