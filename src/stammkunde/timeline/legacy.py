"""Reading the sentences timeline entries were stored as before they were structured.

Until migration 0006 every writer froze a sentence into ``Activity.summary`` in the language
active at write time (German by default, English under an English request). ``parse_summary``
turns such a sentence back into the kind and params of ``timeline.parameters``; the wordings are
copied here, German and English, from every writer of that time (shop services, customer
services, the CSV import, the webhook path, the demo generator). A line in no known wording, and
somebody's own words (notes, calls), become ``{"text": line}``: shown as written, nothing lost.

Pure and frozen on purpose: the data migration imports it, so it must not follow later changes
of the labels or sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

Params = dict[str, Any]

# Labels of that time, English and German, to the stored value.
PROFILE_FIELDS = {
    "e-mail": "email", "E-Mail": "email",
    "first name": "first_name", "Vorname": "first_name",
    "last name": "last_name", "Nachname": "last_name",
    "salutation": "salutation", "Anrede": "salutation",
    "title": "title", "Titel": "title",
    "form of address": "form_of_address", "Ansprache": "form_of_address",
    "language": "language", "Sprache": "language",
    "phone": "phone", "Telefon": "phone",
    "birthday": "birthday", "Geburtstag": "birthday",
    "company": "company", "Firma": "company",
    "VAT id": "vat_id", "USt-IdNr.": "vat_id",
    "preferences": "preferences", "Vorlieben": "preferences",
    "address": "address", "Adresse": "address",
}  # fmt: skip
CONSENT_PURPOSES = {
    "Newsletter and offers": "newsletter", "Newsletter und Angebote": "newsletter",
    "Feedback and review requests": "feedback", "Feedback- und Bewertungsanfragen": "feedback",
    "Win-back messages": "reactivation", "Rückgewinnungsnachrichten": "reactivation",
}  # fmt: skip
CONSENT_CHANNELS = {
    "E-mail": "email", "E-Mail": "email", "SMS": "sms",
    "Phone": "phone", "Telefon": "phone", "Post": "post",
}  # fmt: skip
CONSENT_CHANGES = {"granted": True, "erteilt": True, "withdrawn": False, "widerrufen": False}
ORDER_STATUSES = {
    "Placed": "placed", "Aufgegeben": "placed", "Paid": "paid", "Bezahlt": "paid",
    "Shipped": "shipped", "Versandt": "shipped", "Delivered": "delivered",
    "Zugestellt": "delivered", "Cancelled": "cancelled", "Storniert": "cancelled",
    "Returned": "returned", "Zurückgesandt": "returned",
}  # fmt: skip
RETURN_REASONS = {
    "Defective": "defective", "Defekt": "defective", "defekt": "defective",
    "Wrong item delivered": "wrong_item", "Falscher Artikel geliefert": "wrong_item",
    "falscher Artikel": "wrong_item",
    "Not as described": "not_as_described", "Nicht wie beschrieben": "not_as_described",
    "entspricht nicht der Beschreibung": "not_as_described",
    "Does not fit": "size", "Passt nicht": "size",
    "Changed mind": "changed_mind", "Nicht mehr gewünscht": "changed_mind",
    "gefällt nicht": "changed_mind",
    "Other": "other", "Sonstiges": "other", "sonstiger Grund": "other",
}  # fmt: skip
PRIVACY_REQUESTS = {
    "Request for a copy of the data": "data_request",
    "Anfrage auf Datenauskunft": "data_request",
    "Request to erase the customer's data": "customer_redact",
    "Anfrage auf Löschung der Kundendaten": "customer_redact",
    "Request to erase the shop's data": "shop_redact",
    "Anfrage auf Löschung der Shopdaten": "shop_redact",
}
CSV_IMPORT = {"CSV import", "CSV-Import"}
# The body a privacy request had: the orders it named.
ORDERS_NAMED = re.compile(r"^(?:Orders named|Genannte Bestellungen): (?P<orders>.+)$", re.S)
# Kinds whose line was always somebody's own words.
FREE_TEXT_KINDS = {"note", "call", "email_in", "email_out"}

NUMBER = r"(?P<number>.+?)"
# An amount as Python wrote a Decimal ("1234.50") with its code, or as the demo wrote it
# in German ("1.234,50 €", with a plain or a non-breaking space).
AMOUNT = (
    r"(?:(?P<amount>-?\d+(?:\.\d+)?)[ \u00a0](?P<currency>[A-Z]{3})"
    r"|(?P<euro>-?[\d.]+,\d\d)[ \u00a0]€)"
)


def _amount(match: re.Match) -> Params:
    if match.group("euro"):
        text = match.group("euro").replace(".", "").replace(",", ".")
        return {"amount": str(Decimal(text)), "currency": "EUR"}
    return {"amount": str(Decimal(match.group("amount"))), "currency": match.group("currency")}


def _number(match: re.Match) -> Params:
    return {"number": match.group("number")}


Reader = Callable[[re.Match], Params | None]
# Per kind: (pattern, reader, kind it becomes or None to keep it), tried in order.
PATTERNS: dict[str, list[tuple[re.Pattern, Reader, str | None]]] = {}


def _pattern(kind: str, regex: str, *, becomes: str | None = None) -> Callable[[Reader], Reader]:
    def register(reader: Reader) -> Reader:
        PATTERNS.setdefault(kind, []).append((re.compile(f"^{regex}$", re.S), reader, becomes))
        return reader

    return register


@_pattern("customer_created", r"(?:Customer created|Kunde angelegt)(?: \((?P<source>.+)\))?")
def _created(m: re.Match) -> Params:
    source = m.group("source")
    if not source:
        return {}
    return {"source": "csv_import" if source in CSV_IMPORT else source}


@_pattern("customer_updated", r"(?:Profile changed|Profil geändert): (?P<fields>.+)")
def _profile(m: re.Match) -> Params | None:
    names = [PROFILE_FIELDS.get(label) for label in m.group("fields").split(", ")]
    return None if None in names else {"fields": names}


_pattern(
    "customer_updated",
    r"(?:Customer account deleted in (?P<shop>.+)|Kundenkonto in (?P<shop_de>.+) gelöscht)",
    becomes="shop_account_deleted",
)(lambda m: {"shop": m.group("shop") or m.group("shop_de")})


@_pattern(
    "customer_merged",
    r"(?:Customer #(?P<id>\d+) \((?P<name>.*)\) merged into this customer"
    r"|Kunde #(?P<id_de>\d+) \((?P<name_de>.*)\) mit diesem Kunden zusammengeführt)",
)
def _merged(m: re.Match) -> Params:
    if m.group("id"):
        return {"merged_id": int(m.group("id")), "name": m.group("name")}
    return {"merged_id": int(m.group("id_de")), "name": m.group("name_de")}


@_pattern("consent_changed", r"(?P<purpose>.+?) \((?P<channel>[^()]+)\): (?P<change>\w+)")
def _consent(m: re.Match) -> Params | None:
    purpose = CONSENT_PURPOSES.get(m.group("purpose"))
    channel = CONSENT_CHANNELS.get(m.group("channel"))
    granted = CONSENT_CHANGES.get(m.group("change"))
    if purpose is None or channel is None or granted is None:
        return None
    return {"purpose": purpose, "channel": channel, "granted": granted}


@_pattern(
    "consent_not_taken",
    r"(?P<purpose>.+?) \((?P<channel>[^()]+)\): (?:grant from (?P<source>.+) not taken over;"
    r" the customer opted out directly on (?P<date>[\d-]+)|Einwilligung aus (?P<source_de>.+)"
    r" nicht übernommen; die Person hat sich am (?P<date_de>[\d-]+) direkt abgemeldet)",
)
def _consent_not_taken(m: re.Match) -> Params | None:
    purpose = CONSENT_PURPOSES.get(m.group("purpose"))
    channel = CONSENT_CHANNELS.get(m.group("channel"))
    if purpose is None or channel is None:
        return None
    return {
        "purpose": purpose,
        "channel": channel,
        "source": m.group("source") or m.group("source_de"),
        "opted_out_on": m.group("date") or m.group("date_de"),
    }


_pattern("order_placed", rf"(?:Order|Bestellung) {NUMBER} (?:placed|aufgegeben): {AMOUNT}")(
    lambda m: {**_number(m), **_amount(m)}
)
_pattern("order_placed", rf"Bestellung {NUMBER} über {AMOUNT}")(
    lambda m: {**_number(m), **_amount(m)}
)
_pattern("order_placed", rf"(?:Order|Bestellung) {NUMBER} (?:placed|aufgegeben)")(_number)


@_pattern(
    "order_updated",
    rf"(?:Order|Bestellung) {NUMBER} (?:updated|geändert): (?P<status>[^,]+), {AMOUNT}",
)
def _updated(m: re.Match) -> Params | None:
    status = ORDER_STATUSES.get(m.group("status"))
    return None if status is None else {**_number(m), "status": status, **_amount(m)}


_pattern("order_cancelled", rf"(?:Order|Bestellung) {NUMBER} (?:cancelled|storniert)")(_number)
_pattern("order_delivered", rf"(?:Order|Bestellung) {NUMBER} (?:delivered|zugestellt)")(_number)


# The demo's wording first: the webhook's pattern would read "100042 mit DPD" as the number.
_pattern("order_shipped", rf"Bestellung {NUMBER} mit (?P<carrier>.+) versandt")(
    lambda m: {**_number(m), "carrier": m.group("carrier")}
)


@_pattern(
    "order_shipped",
    rf"(?:Order|Bestellung) {NUMBER} (?:shipped|versandt)"
    r"(?: \((?P<carrier>.*) (?P<tracking>[^ ()]+)\))?",
)
def _shipped(m: re.Match) -> Params:
    params = _number(m)
    if m.group("tracking"):
        params["tracking"] = m.group("tracking")
        if m.group("carrier"):
            params["carrier"] = m.group("carrier")
    return params


@_pattern("return_received", rf"(?:Return of order|Retoure zu Bestellung) {NUMBER}: (?P<reason>.+)")
def _return(m: re.Match) -> Params | None:
    reason = RETURN_REASONS.get(m.group("reason"))
    return None if reason is None else {**_number(m), "reason": reason}


_pattern(
    "refund_issued",
    rf"(?:Refund of|Erstattung von|Erstattung) {AMOUNT} (?:for order|für Bestellung|zu Bestellung)"
    rf" {NUMBER}",
)(lambda m: {**_number(m), **_amount(m)})


@_pattern(
    "withdrawal_received",
    rf"(?:Withdrawal from order|Widerruf der Bestellung|Widerruf zu Bestellung) {NUMBER}"
    r"(?P<late> \(after the withdrawal period\)| \(nach Ablauf der Widerrufsfrist\))?",
)
def _withdrawal(m: re.Match) -> Params:
    return {**_number(m), "late": bool(m.group("late"))}


@_pattern("privacy_request", r"(?P<request>.+?) \((?P<shop>.+)\)")
def _privacy(m: re.Match) -> Params | None:
    request = PRIVACY_REQUESTS.get(m.group("request"))
    return None if request is None else {"request": request, "shop": m.group("shop")}


def parse_summary(kind: str, summary: str, body: str = "") -> tuple[str, Params, str]:
    """The kind, params and body an entry stored as (kind, summary, body) has now.

    A summary in no known wording keeps its text as ``{"text": summary}``; the body is
    returned unchanged except a privacy request's list of orders, which moves into its params.
    """
    if kind not in FREE_TEXT_KINDS:
        for pattern, reader, becomes in PATTERNS.get(kind, ()):
            match = pattern.match(summary)
            if match is None:
                continue
            try:
                params = reader(match)
            except (InvalidOperation, ValueError):
                params = None
            if params is None:
                continue
            if kind == "privacy_request":
                orders = ORDERS_NAMED.match(body)
                if orders:
                    params["orders"] = orders.group("orders").split(", ")
                    body = ""
            return becomes or kind, params, body
    return kind, {"text": summary} if summary else {}, body


# Names of the system's own sources as writers stored them (translated at write time), to the
# tokens ``timeline.formatting.format_actor`` names in the reader's language.
ACTOR_LABELS = {
    "CSV import": "csv_import",
    "CSV-Import": "csv_import",
    "The customer, directly": "consent_source:customer",
    "Der Kunde selbst": "consent_source:customer",
    "Staff, on the customer's word": "consent_source:staff",
    "Mitarbeiter, auf Wunsch des Kunden": "consent_source:staff",
    "The shop system": "consent_source:shop",
    "Das Shopsystem": "consent_source:shop",
    "Import": "consent_source:import",
}
