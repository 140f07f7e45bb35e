"""Which sent messages are business letters, and until when they are kept.

A business letter (Handelsbrief, HGB §257 (1) Nr. 2-3, AO §147 (1) Nr. 2-3) is correspondence
about a business transaction. Of the messages the outbox sent, that is every transactional
message that went out (or may have: ``uncertain``): order and shipping mails, the service
desk's replies, goodwill and incident notices. Not letters, and so erased at once:

- marketing mails (newsletter, feedback and review requests, recommendations, reactivation):
  they advertise, they do not carry out a transaction;
- double opt-in mails (source ``consent``): they ask for consent, whose proof the consent
  ledger keeps;
- test sends to staff (source ``test``);
- messages that never went out (cancelled, failed, still waiting).

A letter is kept six years from the end of the calendar year it was sent in (one sent on
1 March 2026 until 31 December 2032), with processing restricted (Art. 18 GDPR).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from stammkunde.core.gdpr import BUSINESS_LETTERS, end_of_retention

LETTER_PURPOSES = frozenset({"transactional"})
NOT_LETTER_SOURCES = frozenset({"consent", "test"})
# States of a message that reached the customer, or may have (``MessageState``).
DELIVERED_STATES = frozenset({"sent", "uncertain"})


def is_business_letter(purpose: str, source_type: str, state: str) -> bool:
    """Whether a message of this purpose, source and state is a business letter."""
    return (
        purpose in LETTER_PURPOSES
        and source_type not in NOT_LETTER_SOURCES
        and state in DELIVERED_STATES
    )


def kept_until(sent_at: datetime) -> date:
    """The last day a letter sent at ``sent_at`` must be kept (local calendar year)."""
    return end_of_retention(timezone.localtime(sent_at).date(), BUSINESS_LETTERS[0])
