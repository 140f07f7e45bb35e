"""The service desk's vocabulary: case types, states, channels, priorities and reasons."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    DELIVERY_PROBLEM = "delivery_problem", _("Delivery problem")
    DAMAGED_GOODS = "damaged_goods", _("Damaged goods")
    RETURN = "return", _("Return")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    WARRANTY_CLAIM = "warranty_claim", _("Warranty claim")
    QUESTION = "question", _("Question")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    WAITING_US = "waiting_us", _("Waiting for us")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


# Cases somebody still has to work on (the queue, the backlog, the clock).
ACTIVE_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.OPEN,
    CaseStatus.WAITING_CUSTOMER,
    CaseStatus.WAITING_US,
)
DONE_STATUSES = (CaseStatus.SOLVED, CaseStatus.CLOSED)


class CasePriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class CaseChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    WEB_FORM = "web_form", _("Web form")
    CHAT_NOTE = "chat_note", _("Chat note")
    LETTER = "letter", _("Letter")


class MessageDirection(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    OUTBOUND = "outbound", _("To the customer")
    NOTE = "note", _("Internal note")


class EscalationReason(models.TextChoices):
    """Why a case went to the mediator (the timeline's ESCALATION_REASONS name them too)."""

    MANUAL = "manual", _("handed over by staff")
    RESPONSE_TIME = "response_time", _("the response time ran out")
    REPEATED_COMPLAINT = "repeated_complaint", _("repeated complaint")
    ANGRY_WORDING = "angry_wording", _("angry wording")
    HIGH_VALUE = "high_value", _("high-value customer")
    LEGAL_THREAT = "legal_threat", _("legal steps announced")
    CUSTOMER_REQUEST = "customer_request", _("the customer asked for someone else")
    GOODWILL_LIMIT = "goodwill_limit", _("goodwill above the agent's limit")
    REFUND_OVERDUE = "refund_overdue", _("the refund after a return is overdue")


class Assignment(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    NONE = "none", _("Nobody (team queue)")


class FederalState(models.TextChoices):
    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"
