"""Does a rendered mail read as if a person wrote it? (no database)

The seeds' test for automated mail: nobody should notice at once that a machine sent it. This
check looks for what gives a mail away and says so, each finding blocking or a warning:

- no greeting, a greeting that addresses nobody ("Sehr geehrte Damen und Herren", "Dear
  customer"), or one that had to fall back for lack of data (a warning: it depends on the
  customer, not the template);
- no order number and no product name although the event has them;
- a no-reply sender, or a sender without a person's name, or no person's name in the closing;
- stock phrases of machine mail ("Dies ist eine automatisch generierte E-Mail", "Bitte
  antworten Sie nicht auf diese E-Mail", "do not reply", ...);
- a subject in capitals or with exclamation marks;
- more links or images than a personal mail has.

A mail with a blocking finding cannot be switched on (the Drehbuch enforces that).
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stammkunde.messaging.salutation import Greeting


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


FINDING_TEXTS = {
    "missing_salutation": _("The mail does not open with a greeting."),
    "generic_salutation": _("The greeting “%(phrase)s” addresses nobody in particular."),
    "fallback_salutation": _("The greeting had to do without the customer's data: %(reason)s"),
    "missing_order_reference": _(
        "The mail mentions neither the order number %(order)s nor a product name."
    ),
    "missing_order_number": _("The mail does not mention the order number %(order)s."),
    "missing_product_name": _("The mail names none of the ordered products."),
    "no_reply_sender": _(
        "The sender %(sender)s is a no-reply address; answers must reach a person."
    ),
    "missing_sender": _("The mail has no sender."),
    "unnamed_sender": _("The sender %(sender)s does not carry a person's name."),
    "no_named_signature": _("The mail is not signed with a person's name."),
    "machine_phrase": _("“%(phrase)s” gives the mail away as automatic."),
    "all_caps_subject": _("The subject is written in capitals."),
    "exclamation_subject": _("The subject uses %(count)s exclamation mark(s)."),
    "too_many_links": _("%(count)s links; a personal mail has at most %(limit)s."),
    "too_many_images": _("%(count)s images; a personal mail has at most %(limit)s."),
}

GREETING_START = re.compile(
    r"^(hallo|hi|hey|moin|servus|grüß gott|liebe[rs]?|sehr geehrte[rs]?|guten (tag|morgen|abend)"
    r"|dear|hello|good (morning|afternoon|evening))\b",
    re.IGNORECASE,
)
GENERIC_GREETINGS = re.compile(
    r"^(sehr geehrte damen und herren|sehr geehrte[rs]? kund(e|in)(nen)?|liebe[rs]? kund(e|in)"
    r"(nen)?|liebe kundin, lieber kunde|dear (valued )?customers?|dear sir or madam|dear sir"
    r"|to whom it may concern|(hallo|hi|hey|guten tag|hello|dear|liebe[rs]?)\s*[,.!:]?\s*$)",
    re.IGNORECASE,
)
MACHINE_PHRASES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"automatisch (generiert|erstellt|erzeugt|versendet|verschickt|versandt)\w*",
        r"(diese|die) (e-?mail|nachricht) wurde automatisch",
        r"bitte antworten sie nicht",
        r"bitte (nicht|nie) (direkt )?(auf diese (e-?mail|nachricht) )?antworten",
        r"antworten sie (bitte )?nicht auf diese",
        r"dieses postfach wird nicht (überwacht|gelesen|bearbeitet)",
        r"(auto(matically)?|computer)[- ]generated",
        r"(sent|generated|created) automatically",
        r"automated (message|e-?mail|notification)",
        r"do[- ]?n[o']?t[- ]reply",
        r"please do not (reply|respond)",
        r"(this|the) (mailbox|inbox|address|e-?mail address) is (not |un)monitored",
        r"unmonitored (mailbox|inbox|address)",
    )
]
NO_REPLY_LOCAL_PART = re.compile(
    r"^(no|do[-_.]?not|dont)[-_.]?reply|^(nicht|keine)[-_.]?antwort|^mailer[-_.]?daemon$"
    r"|^(auto|system)[-_.]?(mail|mailer|notification)s?$",
    re.IGNORECASE,
)
# Words that name a team or a shop, not a person ("Ihr Kundenservice-Team").
TEAM_WORDS = re.compile(
    r"\b(team|service|kundenservice|support|shop|store|info|kontakt|contact|newsletter|"
    r"verwaltung|vertrieb|sales|gmbh|ag|kg|ltd|inc|ihr|your)\b",
    re.IGNORECASE,
)
SIGNATURE_LINES = 8
LINK = re.compile(r"<a\s[^>]*href", re.IGNORECASE)
URL = re.compile(r"https?://\S+", re.IGNORECASE)
IMAGE = re.compile(r"<img\b", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")
BLOCK_TAG = re.compile(r"</?(p|div|br|tr|li|h[1-6]|table)\b[^>]*>", re.IGNORECASE)
INVISIBLE = re.compile(r"<(style|script|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return FINDING_TEXTS[self.code] % self.params

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class RenderedMail:
    """A rendered mail and what the event that caused it knows."""

    subject: str
    text: str
    html: str = ""
    sender: str = ""  # "Lena Vogel <lena@kaffee.example>"
    greeting: Greeting | None = None  # the greeting the salutation module made, if used
    order_number: str | None = None
    product_names: Sequence[str] = ()
    shop_name: str = ""  # a From name that is the shop's is not a person's


@dataclass(frozen=True)
class CheckSettings:
    max_links: int = 5
    max_images: int = 3


@dataclass(frozen=True)
class PersonalCheck:
    findings: tuple[Finding, ...]

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.BLOCKING)

    @property
    def reads_as_personal(self) -> bool:
        """True if nothing blocks (warnings may remain)."""
        return not self.blocking


def html_to_text(html: str) -> str:
    """The visible text of an HTML part, one line per block, for reading it like a person."""
    text = INVISIBLE.sub(" ", html)
    text = BLOCK_TAG.sub("\n", text)
    text = html_module.unescape(TAG.sub(" ", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _check_greeting(mail: RenderedMail, lines: list[str]) -> list[Finding]:
    opening = lines[0] if lines else ""
    greeting = mail.greeting
    if greeting is not None and any(line.startswith(greeting.text) for line in lines[:3]):
        # The greeting came from the customer's data: a fallback is that customer's case.
        if greeting.is_fallback:
            reason = greeting.fallback_reason or ""
            return [Finding("fallback_salutation", Severity.WARNING, {"reason": reason})]
        return []
    if GENERIC_GREETINGS.match(opening):
        phrase = opening.rstrip(",.!: ")
        return [Finding("generic_salutation", Severity.BLOCKING, {"phrase": phrase})]
    if not GREETING_START.match(opening):
        return [Finding("missing_salutation", Severity.BLOCKING)]
    return []


def _check_references(mail: RenderedMail, everything: str) -> list[Finding]:
    folded = everything.casefold()
    order = (mail.order_number or "").strip()
    products = [name.strip() for name in mail.product_names if name and name.strip()]
    has_order = bool(order) and order.casefold() in folded
    # "Äthiopien Sidamo, 500 g" may be written as "Äthiopien Sidamo": the part before a comma.
    has_product = any(
        name.casefold() in folded or name.split(",")[0].strip().casefold() in folded
        for name in products
    )
    blocking, warning = Severity.BLOCKING, Severity.WARNING
    if order and products:
        if not has_order and not has_product:
            return [Finding("missing_order_reference", blocking, {"order": order})]
        if not has_order:
            return [Finding("missing_order_number", warning, {"order": order})]
        if not has_product:
            return [Finding("missing_product_name", warning)]
    elif order and not has_order:
        return [Finding("missing_order_number", blocking, {"order": order})]
    elif products and not has_product:
        return [Finding("missing_product_name", blocking)]
    return []


def person_name(sender: str, *, not_persons: Sequence[str] = ()) -> str:
    """The person's name in a From address ("Vogel, Lena" -> "Lena Vogel"), or "" for a team,
    the shop (``not_persons``) or a bare address."""
    name, _address = parseaddr(sender or "")
    name = " ".join(name.split())
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        name = f"{first} {last}".strip()
    words = [word for word in re.split(r"[\s-]+", name) if word]
    if len(words) < 2 or TEAM_WORDS.search(name) or not all(w[0].isupper() for w in words):
        return ""
    if any(other.strip() and other.strip().casefold() in name.casefold() for other in not_persons):
        return ""
    return name


def _check_sender(mail: RenderedMail, lines: list[str]) -> list[Finding]:
    findings = []
    _name, address = parseaddr(mail.sender or "")
    local_part = address.split("@")[0]
    if NO_REPLY_LOCAL_PART.search(local_part):
        findings.append(Finding("no_reply_sender", Severity.BLOCKING, {"sender": address}))
    name = person_name(mail.sender, not_persons=[mail.shop_name])
    if not mail.sender.strip():
        findings.append(Finding("missing_sender", Severity.BLOCKING))
    elif not name:
        params = {"sender": mail.sender.strip()}
        findings.append(Finding("unnamed_sender", Severity.BLOCKING, params))
    closing = " ".join(lines[-SIGNATURE_LINES:]).casefold()
    first_name = name.split(" ")[0].casefold() if name else ""
    if not name or first_name not in closing:
        findings.append(Finding("no_named_signature", Severity.BLOCKING))
    return findings


def _check_subject(subject: str) -> list[Finding]:
    findings = []
    letters = [character for character in subject if character.isalpha()]
    upper = sum(1 for character in letters if character.isupper())
    if len(letters) >= 8 and upper / len(letters) >= 0.7:
        findings.append(Finding("all_caps_subject", Severity.BLOCKING))
    count = subject.count("!")
    if count:
        severity = Severity.WARNING if count == 1 else Severity.BLOCKING
        findings.append(Finding("exclamation_subject", severity, {"count": count}))
    return findings


def _check_phrases(everything: str) -> list[Finding]:
    flat = " ".join(everything.split())
    matches = sorted(
        (match.start(), -match.end(), match.group(0))
        for pattern in MACHINE_PHRASES
        for match in pattern.finditer(flat)
    )
    findings, seen, covered_until = [], set(), -1
    for start, negative_end, phrase in matches:
        # Overlapping patterns ("Bitte antworten Sie nicht auf diese ...") report one phrase.
        if start < covered_until or phrase.casefold() in seen:
            covered_until = max(covered_until, -negative_end)
            continue
        covered_until = -negative_end
        seen.add(phrase.casefold())
        findings.append(Finding("machine_phrase", Severity.BLOCKING, {"phrase": phrase}))
    return findings


def _check_weight(mail: RenderedMail, settings: CheckSettings) -> list[Finding]:
    findings = []
    links = max(len(LINK.findall(mail.html)), len(URL.findall(mail.text)))
    if links > settings.max_links:
        params = {"count": links, "limit": settings.max_links}
        findings.append(Finding("too_many_links", Severity.WARNING, params))
    images = len(IMAGE.findall(mail.html))
    if images > settings.max_images:
        params = {"count": images, "limit": settings.max_images}
        findings.append(Finding("too_many_images", Severity.WARNING, params))
    return findings


def check_mail(mail: RenderedMail, settings: CheckSettings | None = None) -> PersonalCheck:
    """Everything in ``mail`` that gives it away as machine-made, blocking findings first."""
    settings = settings or CheckSettings()
    body = mail.text if mail.text.strip() else html_to_text(mail.html)
    lines = _lines(body)
    visible_html = html_to_text(mail.html) if mail.html else ""
    everything = "\n".join((mail.subject, body, visible_html))
    findings = [
        *_check_greeting(mail, lines),
        *_check_references(mail, everything),
        *_check_sender(mail, lines),
        *_check_phrases(everything),
        *_check_subject(mail.subject),
        *_check_weight(mail, settings),
    ]
    findings.sort(key=lambda finding: finding.severity is not Severity.BLOCKING)
    return PersonalCheck(tuple(findings))
