"""The exact words a customer agrees to when asking for marketing mail, by version.

A request stores the version and the full text it showed (customers.ConsentRequest), so the
proof says what was agreed to even after the wording changes. A new wording is a new version;
old versions stay here.
"""

from __future__ import annotations

from django.conf import settings

CURRENT_VERSION = "2026-12-01"

PURPOSE_WORDS = {
    "de": {
        "newsletter": "Newsletter mit Neuigkeiten und Angeboten",
        "feedback": "Bitten um Feedback und Bewertungen zu meinen Bestellungen",
        "recommendation": "persönliche Produktempfehlungen",
        "reactivation": "Angebote, wenn ich länger nicht bestellt habe",
    },
    "en": {
        "newsletter": "newsletter with news and offers",
        "feedback": "requests for feedback and reviews of my orders",
        "recommendation": "personal product recommendations",
        "reactivation": "offers when I have not ordered for a while",
    },
}

WORDING = {
    (CURRENT_VERSION, "de"): (
        "Ja, ich möchte von {shop} per E-Mail Folgendes erhalten: {purpose}. Meine E-Mail-Adresse "
        "wird nur dafür genutzt. Ich kann meine Einwilligung jederzeit mit Wirkung für die "
        "Zukunft widerrufen, über den Abmeldelink in jeder E-Mail oder durch eine Nachricht an "
        "{shop}."
    ),
    (CURRENT_VERSION, "en"): (
        "Yes, I would like to receive the following from {shop} by e-mail: {purpose}. My e-mail "
        "address is used only for this. I can withdraw my consent at any time with effect for "
        "the future, through the unsubscribe link in every e-mail or by writing to {shop}."
    ),
}


def wording(purpose: str, language: str, version: str = CURRENT_VERSION) -> str:
    """The exact text of ``version`` for ``purpose`` in ``language`` (German when unknown)."""
    language = language if (version, language) in WORDING else "de"
    shop = getattr(settings, "MESSAGING_SHOP_NAME", "") or settings.MAIL_DOMAIN
    return WORDING[(version, language)].format(shop=shop, purpose=PURPOSE_WORDS[language][purpose])
