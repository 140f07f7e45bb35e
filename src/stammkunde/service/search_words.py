"""How a search text becomes the words the knowledge base is searched for (no database).

German inflects: a customer asks about "Rücksendungen" or "Pakete" where the article says
"Rücksendung" and "Paket". Articles are matched by substring, so a word cut back to its stem
still finds every longer form. And SQLite (the embedded database) folds case for ASCII letters
only: "öffnungszeiten" did not find "Öffnungszeiten", so a word that starts with another letter
is also searched as it is written at the start of a German noun.
"""

from __future__ import annotations

# Endings cut off, longest first; only where at least STEM_MIN letters remain, so short words
# keep their meaning ("paket" stays, "pakete" becomes "paket").
ENDINGS = ("en", "er", "es", "e", "n", "s")
STEM_MIN = 5


def stem(word: str) -> str:
    """``word`` (lower case) without a plural or case ending: "rücksendungen" -> "rücksendung",
    "refunds" -> "refund"; short words stay as they are."""
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= STEM_MIN:
            return word[: -len(ending)]
    return word


def spellings(term: str) -> list[str]:
    """The forms of a lower-case ``term`` a case-insensitive match must try on a database that
    folds ASCII letters only: the term, and with a non-ASCII first letter also capitalised."""
    if term and not term[0].isascii():
        return [term, term[0].upper() + term[1:]]
    return [term]
