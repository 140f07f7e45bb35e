"""What a customer's words say (no database): the case type a message is probably about, and
whether it reads angry or announces legal steps. Simple word lists in German and English; a
routing rule or an agent corrects what they miss."""

from __future__ import annotations

import re
import unicodedata

from stammkunde.service.models.terms import CaseType

# Stems and phrases, matched at the start of a word (so "beschädig" finds "beschädigt").
TYPE_WORDS: list[tuple[CaseType, tuple[str, ...]]] = [
    (
        CaseType.WITHDRAWAL,
        ("widerruf", "withdraw", "cancel my order", "vom vertrag zurück"),
    ),
    (
        CaseType.DAMAGED_GOODS,
        ("beschädig", "kaputt", "zerbrochen", "defekt", "damaged", "broken", "defective"),
    ),
    (
        CaseType.DELIVERY_PROBLEM,
        (
            "nicht angekommen",
            "nicht geliefert",
            "paket",
            "lieferung",
            "sendung",
            "tracking",
            "zustell",
            "not arrived",
            "not delivered",
            "delivery",
            "parcel",
            "package",
            "shipment",
        ),
    ),
    (
        CaseType.WARRANTY_CLAIM,
        ("garantie", "gewährleistung", "warranty", "guarantee"),
    ),
    (
        CaseType.RETURN,
        ("rücksend", "retoure", "zurückschicken", "umtausch", "return", "refund", "erstattung"),
    ),
    (
        CaseType.COMPLAINT,
        ("beschwerde", "reklamation", "unzufrieden", "enttäuscht", "complaint", "disappointed"),
    ),
]

ANGRY_WORDS = (
    "unverschämt",
    "frechheit",
    "skandal",
    "katastroph",
    "zumutung",
    "inakzeptabel",
    "nie wieder",
    "letzte mal",
    "wütend",
    "verärger",
    "ärgerlich",
    "empört",
    "zornig",
    "betrug",
    "abzocke",
    "schlechteste",
    "outrageous",
    "unacceptable",
    "ridiculous",
    "disgusting",
    "furious",
    "scam",
    "never again",
    "worst",
    "fed up",
    "angry",
    "annoyed",
    "outraged",
)
# Words that are angry only as a whole word ("sauer", not "Sauerteig").
ANGRY_WHOLE_WORDS = ("sauer", "mist", "mies", "lächerlich")
LEGAL_WORDS = (
    "anwalt",
    "rechtsanwalt",
    "verbraucherzentrale",
    "klage",
    "gericht",
    "lawyer",
    "attorney",
    "legal action",
    "sue ",
    "court",
)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _pattern(words: tuple[str, ...], *, whole: bool = False) -> re.Pattern[str]:
    """One compiled alternation per word list: a single scan of the text instead of one
    search per word (intake runs these on every mail)."""
    end = r"(?!\w)" if whole else ""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(word) for word in words) + ")" + end)


_TYPE_PATTERNS = [(case_type, _pattern(words)) for case_type, words in TYPE_WORDS]
_ANGRY = _pattern(ANGRY_WORDS)
_ANGRY_WHOLE = _pattern(ANGRY_WHOLE_WORDS, whole=True)
_LEGAL = _pattern(LEGAL_WORDS)


def guess_case_type(subject: str, text: str) -> CaseType:
    """The case type a message is probably about; ``question`` when no word list matches."""
    folded = _folded(f"{subject}\n{text}")
    for case_type, pattern in _TYPE_PATTERNS:
        if pattern.search(folded):
            return case_type
    return CaseType.QUESTION


def reads_angry(text: str) -> bool:
    """True if the text uses angry wording (German or English), or shouts (mostly capitals
    over a long stretch, or three exclamation marks in a row)."""
    folded = _folded(text)
    if _ANGRY.search(folded) or _ANGRY_WHOLE.search(folded):
        return True
    if "!!!" in text:
        return True
    # filter/map with the str methods: a loop in C over every character of every mail.
    letters = "".join(filter(str.isalpha, text))
    return len(letters) >= 30 and sum(map(str.isupper, letters)) / len(letters) > 0.7


def announces_legal_steps(text: str) -> bool:
    """True if the customer mentions a lawyer, a court or consumer protection."""
    return _LEGAL.search(_folded(text) + " ") is not None
