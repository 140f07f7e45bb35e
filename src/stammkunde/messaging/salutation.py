"""The greeting a message opens with, from what is known about the customer (no database).

Formal (Sie) with a known gender: "Sehr geehrte Frau Dr. Müller" / "Dear Ms Müller"; informal
(Du): "Hallo Anna" / "Hi Anna"; gender unknown or diverse: "Guten Tag Kim Meier" / "Hello Kim
Meier"; nothing usable: "Guten Tag" / "Hello". Never "Hallo ," or a double space: every part
that is missing is left out together with its words.

The phrases are message content in the *customer's* language (like the templates they go into),
so they live here as per-language data, not in the gettext catalogue of the viewer's language.
What staff read about a greeting (why it is a fallback) is translated with gettext.

The result says whether it is a fallback: the "reads as personal" check flags a mail whose
greeting had to do without the name or the form of address the customer should get.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SUPPORTED_LANGUAGES = ("de", "en")
FORMAL, INFORMAL = "formal", "informal"
MR, MS, MX = "mr", "ms", "mx"

# German name particles stay lower case when a shouted or whispered name is re-cased.
PARTICLES = frozenset({"von", "van", "der", "den", "de", "du", "zu", "zum", "zur", "ten", "ter"})
# Academic titles as people type them, in the German letter form and the English one.
TITLES = {
    "dr": ("Dr.", "Dr"),
    "dr.": ("Dr.", "Dr"),
    "prof": ("Prof.", "Professor"),
    "prof.": ("Prof.", "Professor"),
    "prof. dr.": ("Prof. Dr.", "Professor"),
    "prof.dr.": ("Prof. Dr.", "Professor"),
    "prof dr": ("Prof. Dr.", "Professor"),
    "dr. dr.": ("Dr. Dr.", "Dr"),
}

WORD_START = re.compile(r"(^|[-'\u2019])(\w)")

PHRASES = {
    "de": {
        MS: "Sehr geehrte",
        MR: "Sehr geehrter",
        "neutral": "Guten Tag",
        "informal": "Hallo",
        "company": "Sehr geehrte Damen und Herren",
    },
    "en": {
        MS: "Dear",
        MR: "Dear",
        MX: "Dear",
        "neutral": "Hello",
        "informal": "Hi",
        "company": "Dear Sir or Madam",
    },
}

FALLBACK_NO_GENDER = _("The gender is not known, so the greeting is the neutral form.")
FALLBACK_NO_FIRST_NAME = _("The customer is addressed as Du, but no first name is known.")
FALLBACK_NO_LAST_NAME = _("The customer is addressed as Sie, but no last name is known.")
FALLBACK_NO_NAME = _("No name is known, so the greeting has no name.")


@dataclass(frozen=True)
class Recipient:
    """What the greeting may use; plain values, as the customer record holds them."""

    first_name: str = ""
    last_name: str = ""
    salutation: str = ""  # "mr", "ms", "mx" or "" (unknown)
    title: str = ""
    form_of_address: str = FORMAL  # "formal" (Sie) or "informal" (Du)
    language: str = ""
    company: str = ""


@dataclass(frozen=True)
class Greeting:
    """A greeting without closing punctuation (``line`` adds the comma letters use)."""

    text: str
    language: str
    informal: bool
    is_fallback: bool
    uses_name: bool
    fallback_reason: str | Promise | None = None

    @property
    def line(self) -> str:
        return f"{self.text},"

    def as_context(self) -> dict[str, str | bool]:
        """The template variables this greeting provides (see template_variables)."""
        return {"salutation": self.text, "informal": self.informal, "language": self.language}

    def __str__(self) -> str:
        return self.text


def message_language(language: str | None, *, default: str = "de") -> str:
    """The supported language to write to a customer in ("de-AT" -> "de", "fr" -> default)."""
    primary = re.split(r"[-_]", (language or "").strip().lower(), maxsplit=1)[0]
    return primary if primary in SUPPORTED_LANGUAGES else default


def clean_name(value: str | None) -> str:
    """A name part without stray whitespace; an all-caps or all-lower name gets proper case."""
    words = " ".join((value or "").split())
    if not words or not any(character.isalpha() for character in words):
        return ""
    if words.isupper() or words.islower():
        recased = []
        parts = words.split(" ")
        for position, word in enumerate(parts):
            lowered = word.lower()
            # "von bülow" -> "von Bülow": a particle before the name proper stays lower case.
            particle = lowered in PARTICLES and position < len(parts) - 1
            recased.append(lowered if particle else _capitalize_parts(lowered))
        words = " ".join(recased)
    return words


def _capitalize_parts(word: str) -> str:
    # "müller-lüdenscheidt" -> "Müller-Lüdenscheidt", "o'neill" -> "O'Neill".
    return WORD_START.sub(lambda match: match.group(1) + match.group(2).upper(), word)


def clean_title(value: str | None, language: str) -> str:
    """The academic title in the letter form of ``language`` ("dr" -> "Dr." / "Dr")."""
    title = " ".join((value or "").split())
    known = TITLES.get(title.lower())
    if known:
        return known[0] if language == "de" else known[1]
    return title


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def greeting_for(recipient: Recipient, *, default_language: str = "de") -> Greeting:
    """The greeting for ``recipient`` in their language, and whether it is a fallback."""
    language = message_language(recipient.language, default=default_language)
    phrases = PHRASES[language]
    first, last = clean_name(recipient.first_name), clean_name(recipient.last_name)
    title = clean_title(recipient.title, language)
    gender = (recipient.salutation or "").strip().lower()
    informal = (recipient.form_of_address or FORMAL).strip().lower() == INFORMAL

    def greeting(text: str, *, uses_name: bool, reason=None) -> Greeting:
        return Greeting(
            text=text,
            language=language,
            informal=informal,
            is_fallback=reason is not None,
            uses_name=uses_name,
            fallback_reason=reason,
        )

    if informal:
        if first:
            return greeting(_join(phrases["informal"], first), uses_name=True)
        if last and gender in (MR, MS):
            # "Hallo Frau Meier": friendly without the first name the Du would call for.
            name = formal_name(gender, title, last, language)
            reason = FALLBACK_NO_FIRST_NAME
            return greeting(_join(phrases["informal"], name), uses_name=True, reason=reason)
        return greeting(phrases["informal"], uses_name=False, reason=FALLBACK_NO_NAME)

    if last and gender in phrases:
        # "Sehr geehrte Frau Dr. Müller", "Dear Ms Müller", "Dear Dr Müller", "Dear Mx Meier".
        name = formal_name(gender, title, last, language)
        return greeting(_join(phrases[gender], name), uses_name=True)
    if last and gender == MX:
        # German has no honorific for diverse: the full name, greeted neutrally, as chosen.
        return greeting(_join(phrases["neutral"], title, first, last), uses_name=True)
    if last and (first or title):
        text = _join(phrases["neutral"], title, first, last)
        return greeting(text, uses_name=True, reason=FALLBACK_NO_GENDER)
    if first:
        text = _join(phrases["neutral"], first)
        return greeting(text, uses_name=True, reason=FALLBACK_NO_LAST_NAME)
    if last:
        # "Guten Tag Meier" would be curt: without a gender or first name, no name at all.
        return greeting(phrases["neutral"], uses_name=False, reason=FALLBACK_NO_GENDER)
    if recipient.company.strip():
        return greeting(phrases["company"], uses_name=False, reason=FALLBACK_NO_NAME)
    return greeting(phrases["neutral"], uses_name=False, reason=FALLBACK_NO_NAME)


def formal_name(gender: str, title: str, last: str, language: str) -> str:
    """ "Frau Dr. Müller" / "Ms Müller" / "Dr Müller": the name as a formal address."""
    if language == "en":
        # English letters put the title in place of Ms/Mr: "Dear Dr Müller".
        return _join(title or {MS: "Ms", MR: "Mr", MX: "Mx"}.get(gender, ""), last)
    return _join({MS: "Frau", MR: "Herr"}.get(gender, ""), title, last)
