"""Messaging's tables: the outbox, the governor's ledger, contact holds, the suppression list;
templates, the Drehbuch's triggers and runs, campaigns."""

from stammkunde.messaging.models.campaigns import Campaign, CampaignClick, CampaignState
from stammkunde.messaging.models.ledger import ContactHold, DecisionRule, SendDecision
from stammkunde.messaging.models.outbox import MessageState, OutboundMessage
from stammkunde.messaging.models.suppression import Suppression, SuppressionReason
from stammkunde.messaging.models.templates import MessageTemplate, TemplateLanguage, TemplateVersion
from stammkunde.messaging.models.tokens import UsedToken
from stammkunde.messaging.models.triggers import RunState, Trigger, TriggerRun

__all__ = [
    "Campaign",
    "CampaignClick",
    "CampaignState",
    "ContactHold",
    "DecisionRule",
    "MessageState",
    "MessageTemplate",
    "OutboundMessage",
    "RunState",
    "SendDecision",
    "Suppression",
    "SuppressionReason",
    "TemplateLanguage",
    "TemplateVersion",
    "Trigger",
    "TriggerRun",
    "UsedToken",
]
