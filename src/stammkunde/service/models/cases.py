"""Cases (Vorgänge) and the messages of their thread."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stammkunde.customers.privacy.restriction import is_processing_restricted
from stammkunde.service.models.teams import Team
from stammkunde.service.models.terms import (
    CaseChannel,
    CasePriority,
    CaseStatus,
    CaseType,
    EscalationReason,
    MessageDirection,
)

# References start here, so that the first case reads like the rest (VG-10001).
REFERENCE_PREFIX = "VG-"
FIRST_NUMBER = 10000


class CaseNumber(models.Model):
    """The counter behind case references: one row per number handed out.

    Inserting a row is race-free on both databases (SQLite serializes writers, PostgreSQL's
    identity sequence never hands out a value twice), where ``max(number) + 1`` is not. A
    rolled-back case leaves a gap, which is harmless.
    """

    id = models.BigAutoField(primary_key=True)

    class Meta:
        verbose_name = _("case number")

    def __str__(self) -> str:
        return str(self.pk)


class Case(models.Model):
    """One matter of one customer, with its thread, team, assignee and response clock.

    The clock: ``first_response_due_at`` and ``resolution_due_at`` are computed in the team's
    business hours (``service.clock``); while the case waits for the customer the clock stops
    (``waiting_since``), and the stopped intervals are kept in ``pauses`` (pairs of ISO
    instants) so that due times are recomputed from the start.
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    case_type = models.CharField(
        _("type"), max_length=20, choices=CaseType.choices, default=CaseType.QUESTION
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=CasePriority.choices, default=CasePriority.NORMAL
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="service_cases"
    )
    orders = models.ManyToManyField(
        "shop.Order", blank=True, related_name="service_cases", verbose_name=_("orders")
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    channel = models.CharField(
        _("channel"), max_length=12, choices=CaseChannel.choices, default=CaseChannel.EMAIL
    )
    subject = models.CharField(_("subject"), max_length=300)
    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    pauses = models.JSONField(default=list, blank=True)
    breach_warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(_("standard breached"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalation_reason = models.CharField(
        _("escalation reason"), max_length=24, choices=EscalationReason.choices, blank=True
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_cases"
    )
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="split_cases"
    )
    reopened_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    # Kept after an erasure only for the letters the law requires kept (Art. 17 (3) (b), Art. 18
    # GDPR): until this day, then erased by the daily job. Processing is restricted: the desk
    # shows the case, marked, but answers, changes and uses it no further (service.restriction).
    restricted_until = models.DateField(_("processing restricted until"), null=True, blank=True)
    inbound_count = models.PositiveIntegerField(default=0)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_outbound_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "team", "opened_at"], name="case_status_team"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            models.Index(fields=["customer", "-opened_at"], name="case_customer_time"),
            models.Index(
                fields=["escalated_at"],
                condition=Q(escalated_at__isnull=False),
                name="case_escalated",
            ),
            models.Index(fields=["first_response_due_at"], name="case_first_due"),
            models.Index(fields=["resolution_due_at"], name="case_resolution_due"),
        ]
        permissions = [
            ("work_cases", _("Can work on service cases")),
            ("mediate_cases", _("Can take escalated cases")),
            ("view_service_reports", _("Can see service reports")),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def processing_restricted(self) -> bool:
        """Processing restricted (Art. 18 GDPR): kept after an erasure (marked by the erasure,
        ``restricted_until``), or a case of a customer whose processing is restricted (erased,
        or restricted by staff: the customers' one rule, ``is_processing_restricted``)."""
        if self.restricted_until is not None:
            return True
        return self.customer_id is not None and is_processing_restricted(self.customer)

    @property
    def kept_after_erasure(self) -> bool:
        """Restricted because it is kept after an erasure (not by a restriction staff may
        lift): marked by the erasure, or of an erased customer."""
        if self.restricted_until is not None:
            return True
        return self.customer_id is not None and self.customer.status == "erased"

    @property
    def is_active(self) -> bool:
        return self.status not in (CaseStatus.SOLVED, CaseStatus.CLOSED)


class CaseMessage(models.Model):
    """One message of a case's thread: a mail or call from the customer, our reply, or an
    internal note. ``inbound_mail`` is the raw message a mail was filed from; ``outbound`` is
    the outbox message of a reply (None if messaging held it back)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=8, choices=MessageDirection.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    to_address = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML (sanitized)"), blank=True)
    message_id = models.CharField(max_length=998, blank=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    outbound = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The raw message this was filed from (intake), for the original one click away.
    inbound_mail = models.ForeignKey(
        "service.InboundMail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_messages",
    )
    created_at = models.DateTimeField(_("written"))

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="case_message_thread"),
            models.Index(
                fields=["message_id"], condition=~Q(message_id=""), name="case_message_msgid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.direction} {self.created_at:%Y-%m-%d %H:%M}"
