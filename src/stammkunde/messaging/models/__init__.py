"""Messaging's tables: the outbox, the governor's ledger, contact holds, the suppression list."""

from stammkunde.messaging.models.ledger import ContactHold, DecisionRule, SendDecision
from stammkunde.messaging.models.outbox import MessageState, OutboundMessage
from stammkunde.messaging.models.suppression import Suppression, SuppressionReason

__all__ = [
    "ContactHold",
    "DecisionRule",
    "MessageState",
    "OutboundMessage",
    "SendDecision",
    "Suppression",
    "SuppressionReason",
]
