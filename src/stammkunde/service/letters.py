"""Which messages of a service case are business letters, and until when they are kept.

A business letter (Handelsbrief, HGB §257 (1) Nr. 2-3, AO §147 (1) Nr. 2-3) is correspondence
with the customer that prepares, carries out or undoes a business transaction: in the desk,
every message the customer wrote to us and every reply we sent them (a complaint about a
delivery, a return, a withdrawal, a warranty claim are all about an order). An internal note
was never sent or received, so it is no letter and goes with the erasure. A letter is kept six
years from the end of the calendar year it was written in (a letter of 1 March 2026 until
31 December 2032), with processing restricted (Art. 18 GDPR), and erased after that.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from stammkunde.core.gdpr import BUSINESS_LETTERS, end_of_retention

# The directions of a case message that went between the customer and us (``MessageDirection``).
LETTER_DIRECTIONS = frozenset({"inbound", "outbound"})


def is_business_letter(direction: str) -> bool:
    """Whether a case message in ``direction`` is a business letter (not an internal note)."""
    return direction in LETTER_DIRECTIONS


def kept_until(written_at: datetime) -> date:
    """The last day a letter written at ``written_at`` must be kept (local calendar year)."""
    return end_of_retention(timezone.localtime(written_at).date(), BUSINESS_LETTERS[0])
