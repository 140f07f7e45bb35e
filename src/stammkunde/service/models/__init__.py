"""The service desk's tables, one module per topic (``intake``: inbound e-mail)."""

from stammkunde.service.models.case_desk import CaseStepTick
from stammkunde.service.models.cases import Case, CaseMessage, CaseNumber
from stammkunde.service.models.crisis import (
    AffectedOrder,
    CrisisPlan,
    CrisisStep,
    Incident,
    IncidentStatus,
    IncidentType,
)
from stammkunde.service.models.desk import DeskSettings
from stammkunde.service.models.goodwill import (
    DeskRole,
    GoodwillGrant,
    GoodwillKind,
    GoodwillLimit,
    GoodwillStatus,
)
from stammkunde.service.models.intake import (
    Attachment,
    AttachmentOutcome,
    InboundMail,
    InboundSource,
    InboundState,
    MailboxCursor,
    SenderAcknowledgement,
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
from stammkunde.service.models.teams import (
    Absence,
    ResponseStandard,
    RoutingRule,
    Team,
    TeamMember,
)
from stammkunde.service.models.terms import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    Assignment,
    CaseChannel,
    CasePriority,
    CaseStatus,
    CaseType,
    EscalationReason,
    FederalState,
    MessageDirection,
)
from stammkunde.service.models.webform import FormThrottle, SubmissionState, WebFormSubmission

__all__ = [
    "ACTIVE_STATUSES",
    "DONE_STATUSES",
    "Absence",
    "AffectedOrder",
    "Assignment",
    "Attachment",
    "AttachmentOutcome",
    "Case",
    "CaseChannel",
    "CaseMessage",
    "CaseNumber",
    "CasePriority",
    "CaseStatus",
    "CaseStepTick",
    "CaseType",
    "CrisisPlan",
    "CrisisStep",
    "DeskRole",
    "DeskSettings",
    "EscalationReason",
    "FederalState",
    "FormThrottle",
    "GoodwillGrant",
    "GoodwillKind",
    "GoodwillLimit",
    "GoodwillStatus",
    "HelpCenterSettings",
    "InboundMail",
    "InboundSource",
    "InboundState",
    "Incident",
    "IncidentStatus",
    "IncidentType",
    "KnowledgeArticle",
    "KnowledgeCategory",
    "Language",
    "Macro",
    "MailboxCursor",
    "MessageDirection",
    "RefundClock",
    "ResponseStandard",
    "RoutingRule",
    "SenderAcknowledgement",
    "ServiceStandard",
    "StandardConfirmation",
    "SubmissionState",
    "Team",
    "TeamMember",
    "WebFormSubmission",
]
