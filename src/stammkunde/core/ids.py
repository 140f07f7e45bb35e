"""Ids and page numbers read from query strings and form fields (``?case=``, a POSTed
``customer`` …). Anything that is not an id the database can hold is no object's: the caller
answers as for an unknown id (a 404, a form error, the page without that filter), never a 500.

``int()`` alone lets through what the database refuses: a number beyond 64 bits (SQLite raised
OverflowError, PostgreSQL a DataError), a sign, spaces, and digits of other scripts ("٣").
"""

from __future__ import annotations

from collections.abc import Iterable

LARGEST_ID = 2**63 - 1
_DIGITS = len(str(LARGEST_ID))


def parse_id(raw: object) -> int | None:
    """The id ``raw`` spells (ASCII digits only, 1 to 2**63 - 1), else None."""
    if not isinstance(raw, str) or not raw or len(raw) > _DIGITS:
        return None
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 1 <= value <= LARGEST_ID else None


def parse_ids(raws: Iterable[object]) -> list[int]:
    """The ids among ``raws``, in their order; everything else is left out."""
    return [value for value in map(parse_id, raws) if value is not None]


def parse_page(raw: object, *, last: int = 100_000) -> int:
    """A page number from 1 to ``last``; 1 for anything else."""
    value = parse_id(raw)
    return 1 if value is None else min(value, last)
