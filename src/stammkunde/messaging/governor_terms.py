"""The governor's vocabulary: purposes, lifecycles, holds, outcomes and rules, with the texts
that explain a decision in the reader's language (``governor.decide`` applies them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional")
    NEWSLETTER = "newsletter", _("Newsletter")
    FEEDBACK = "feedback", _("Feedback request")
    RECOMMENDATION = "recommendation", _("Product recommendation")
    REACTIVATION = "reactivation", _("Reactivation")


# Feedback and review requests count as advertising (BGH VI ZR 225/17): all but transactional.
PROMOTIONAL = frozenset(Purpose) - {Purpose.TRANSACTIONAL}


class Lifecycle(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    FORMER = "former", _("Former")


class HoldKind(models.TextChoices):
    OPEN_CASE = "open_case", _("Open service case")
    COMPLAINT = "complaint", _("Complaint")
    # The customer paused marketing mails in the preference centre (until a date).
    PAUSED = "paused", _("Paused by the customer")


class Outcome(models.TextChoices):
    SEND = "send", _("Sent")
    DELAY = "delay", _("Delayed")
    SUPPRESS = "suppress", _("Held back")


class Rule(models.TextChoices):
    """The rule that decided; the labels name it in reports ("held back by reason")."""

    TRANSACTIONAL = "transactional", _("Transactional")
    OPEN_CASE = "open_case", _("Open service case")
    PAUSED = "paused", _("Paused by the customer")
    RECENT_COMPLAINT = "recent_complaint", _("Recent complaint")
    FEEDBACK_WITHOUT_ORDER = "feedback_without_order", _("Feedback request without an order")
    FEEDBACK_ONCE_PER_ORDER = "feedback_once_per_order", _("Feedback already requested")
    INACTIVE_CUSTOMER = "inactive_customer", _("Inactive customer")
    FORMER_CUSTOMER = "former_customer", _("Former customer")
    IGNORED_BACK_OFF = "ignored_back_off", _("Back-off after ignored messages")
    FEEDBACK_PER_30_DAYS = "feedback_per_30_days", _("One feedback request per 30 days")
    WEEKLY_LIMIT = "weekly_limit", _("Weekly limit")
    MONTHLY_LIMIT = "monthly_limit", _("Monthly limit")
    MINIMUM_GAP = "minimum_gap", _("Minimum gap")
    QUIET_HOURS = "quiet_hours", _("Quiet hours")
    WITHIN_LIMITS = "within_limits", _("Within limits")


# Parameters that hold instants: stored as ISO 8601 text, shown in the customer's time zone.
DATETIME_PARAMS = frozenset({"until", "date"})


RULE_TEXTS = {
    Rule.TRANSACTIONAL: _("transactional messages are never held back, only recorded"),
    Rule.OPEN_CASE: _("the customer has an open service case"),
    Rule.PAUSED: _("the customer paused these mails until %(until)s"),
    Rule.RECENT_COMPLAINT: _(
        "the customer complained on %(date)s (no marketing for %(days)s days)"
    ),
    Rule.FEEDBACK_WITHOUT_ORDER: _("a feedback request must name the order it asks about"),
    Rule.FEEDBACK_ONCE_PER_ORDER: _("feedback on order %(order)s was already requested"),
    Rule.INACTIVE_CUSTOMER: _(
        "an inactive customer gets at most one promotional message every %(days)s days"
    ),
    Rule.FORMER_CUSTOMER: _(
        "a former customer gets at most one promotional message every %(days)s days"
    ),
    Rule.IGNORED_BACK_OFF: _(
        "the customer did not react to the last %(count)s messages; at most one every "
        "%(days)s days until they do"
    ),
    Rule.FEEDBACK_PER_30_DAYS: _(
        "the customer was already asked for feedback in the last %(days)s days"
    ),
    Rule.WEEKLY_LIMIT: _("%(count)s promotional messages in the last 7 days (limit %(limit)s)"),
    Rule.MONTHLY_LIMIT: _("%(count)s promotional messages in the last 30 days (limit %(limit)s)"),
    Rule.MINIMUM_GAP: _("the last promotional message went out less than %(hours)s hours ago"),
    Rule.QUIET_HOURS: _("quiet hours from %(start)s to %(end)s in the customer's time zone"),
    Rule.WITHIN_LIMITS: _("within every limit"),
}
OUTCOME_TEXTS = {
    Outcome.SEND: _("Sent: %(rule)s."),
    Outcome.DELAY: _("Delayed until %(until)s: %(rule)s."),
    Outcome.SUPPRESS: _("Held back: %(rule)s."),
}
