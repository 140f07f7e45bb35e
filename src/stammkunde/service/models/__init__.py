"""The service desk's tables, one module per topic."""

from stammkunde.service.models.crisis import (
    AffectedOrder,
    CrisisPlan,
    CrisisStep,
    Incident,
    IncidentStatus,
    IncidentType,
)
from stammkunde.service.models.goodwill import (
    DeskRole,
    GoodwillGrant,
    GoodwillKind,
    GoodwillLimit,
    GoodwillStatus,
)
from stammkunde.service.models.macros import (
    HelpCenterSettings,
    KnowledgeArticle,
    KnowledgeCategory,
    Language,
    Macro,
)
from stammkunde.service.models.refunds import RefundClock
from stammkunde.service.models.standards import ServiceStandard, StandardConfirmation
from stammkunde.service.models.webform import FormThrottle, SubmissionState, WebFormSubmission

__all__ = [
    "AffectedOrder",
    "CrisisPlan",
    "CrisisStep",
    "DeskRole",
    "FormThrottle",
    "GoodwillGrant",
    "GoodwillKind",
    "GoodwillLimit",
    "GoodwillStatus",
    "HelpCenterSettings",
    "Incident",
    "IncidentStatus",
    "IncidentType",
    "KnowledgeArticle",
    "KnowledgeCategory",
    "Language",
    "Macro",
    "RefundClock",
    "ServiceStandard",
    "StandardConfirmation",
    "SubmissionState",
    "WebFormSubmission",
]
