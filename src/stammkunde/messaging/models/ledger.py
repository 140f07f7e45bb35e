"""The governor's ledger (one row per decision) and the contact holds the service desk sets."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.messaging.governor_terms import HoldKind, Outcome, Purpose, Rule


class DecisionRule(models.TextChoices):
    """What decided: one of the governor's rules, or a check messaging makes before it."""

    TRANSACTIONAL = Rule.TRANSACTIONAL.value, Rule.TRANSACTIONAL.label
    OPEN_CASE = Rule.OPEN_CASE.value, Rule.OPEN_CASE.label
    PAUSED = Rule.PAUSED.value, Rule.PAUSED.label
    RECENT_COMPLAINT = Rule.RECENT_COMPLAINT.value, Rule.RECENT_COMPLAINT.label
    FEEDBACK_WITHOUT_ORDER = Rule.FEEDBACK_WITHOUT_ORDER.value, Rule.FEEDBACK_WITHOUT_ORDER.label
    FEEDBACK_ONCE_PER_ORDER = (
        Rule.FEEDBACK_ONCE_PER_ORDER.value,
        Rule.FEEDBACK_ONCE_PER_ORDER.label,
    )
    INACTIVE_CUSTOMER = Rule.INACTIVE_CUSTOMER.value, Rule.INACTIVE_CUSTOMER.label
    FORMER_CUSTOMER = Rule.FORMER_CUSTOMER.value, Rule.FORMER_CUSTOMER.label
    IGNORED_BACK_OFF = Rule.IGNORED_BACK_OFF.value, Rule.IGNORED_BACK_OFF.label
    FEEDBACK_PER_30_DAYS = Rule.FEEDBACK_PER_30_DAYS.value, Rule.FEEDBACK_PER_30_DAYS.label
    WEEKLY_LIMIT = Rule.WEEKLY_LIMIT.value, Rule.WEEKLY_LIMIT.label
    MONTHLY_LIMIT = Rule.MONTHLY_LIMIT.value, Rule.MONTHLY_LIMIT.label
    MINIMUM_GAP = Rule.MINIMUM_GAP.value, Rule.MINIMUM_GAP.label
    QUIET_HOURS = Rule.QUIET_HOURS.value, Rule.QUIET_HOURS.label
    WITHIN_LIMITS = Rule.WITHIN_LIMITS.value, Rule.WITHIN_LIMITS.label
    # Checks before the governor (the names timeline.vocabulary.HOLD_RULES knows).
    NO_CONSENT = "no_consent", _("No consent")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Address on the suppression list")
    NO_ADDRESS = "no_address", _("No e-mail address")
    INVALID_ADDRESS = "invalid_address", _("Invalid e-mail address")
    RESTRICTED = "restricted", _("Processing restricted (Art. 18 GDPR)")


class SendDecision(models.Model):
    """One decision on one message: send, delay or suppress, with the rule that decided.

    The first decision on a message carries its idempotency key (unique); a delayed message is
    decided again when it comes due, and that decision points at the message instead.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="send_decisions",
        # The index decision_customer (customer, -decided_at) serves lookups by customer; a
        # second index on the column alone only slows the bulk insert of a campaign's plan.
        db_index=False,
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    rule = models.CharField(_("rule"), max_length=32, choices=DecisionRule.choices)
    # The rule's numbers and dates (the governor's Decision.as_record()["params"]).
    params = models.JSONField(default=dict, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    decided_at = models.DateTimeField(_("decided"), db_index=True)
    send_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    source_type = models.CharField(max_length=20, blank=True)
    source_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("send decision")
        verbose_name_plural = _("send decisions")
        indexes = [
            models.Index(fields=["customer", "-decided_at"], name="decision_customer"),
            models.Index(fields=["source_type", "source_id"], name="decision_source"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose}: {self.outcome} ({self.rule})"


class ContactHold(models.Model):
    """No marketing for this customer while open (an open case, a complaint).

    ``until`` is when the hold stops counting: None while it is open; a released complaint
    lingers (``until`` after ``released_at``).
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="contact_holds"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=HoldKind.choices)
    reference = models.CharField(_("reference"), max_length=64)
    since = models.DateTimeField(_("since"))
    until = models.DateTimeField(_("until"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact hold")
        verbose_name_plural = _("contact holds")
        indexes = [models.Index(fields=["customer", "until"], name="hold_customer")]
        constraints = [
            # One open hold per customer, kind and reference: setting it twice changes nothing.
            models.UniqueConstraint(
                fields=["customer", "kind", "reference"],
                condition=models.Q(released_at__isnull=True),
                name="hold_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"
