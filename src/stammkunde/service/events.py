"""Domain events the service desk publishes (messaging's Drehbuch may mail on them; it reads
``case_id``, ``customer_id``, ``reference``, ``subject``, ``assignee_name``, ``assignee_email``
by name, messaging/trigger_events.py).

``occurred_at`` is when it happened at the desk; ``origin`` is set by ``core.events.publish``
(staff, system, customer for the web form, demo for generated history).
"""

from __future__ import annotations

from dataclasses import dataclass

from stammkunde.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CaseEvent(DomainEvent):
    case_id: int
    reference: str
    customer_id: int
    subject: str
    case_type: str = ""
    team_id: int | None = None
    # The person a mail about the case comes from (messaging's Drehbuch uses them).
    assignee_name: str = ""
    assignee_email: str = ""


@dataclass(frozen=True, kw_only=True)
class CaseOpened(CaseEvent):
    channel: str = ""


@dataclass(frozen=True, kw_only=True)
class CaseAnswered(CaseEvent):
    message_id: int | None = None
    first_response: bool = False


@dataclass(frozen=True, kw_only=True)
class CaseSolved(CaseEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class CaseEscalated(CaseEvent):
    reason: str = ""
