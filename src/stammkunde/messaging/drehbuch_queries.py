"""Reads for the Drehbuch's and the campaigns' staff pages: what each trigger did last week,
what a campaign's recipients got (sent, held back by reason, bounced, unsubscribed)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stammkunde.customers.models import ConsentEvent
from stammkunde.messaging.governor_terms import Outcome
from stammkunde.messaging.models import (
    Campaign,
    CampaignClick,
    DecisionRule,
    MessageState,
    OutboundMessage,
    RunState,
    SendDecision,
    Suppression,
    Trigger,
    TriggerRun,
)
from stammkunde.messaging.trigger_conditions import NOT_MET

RUN_REASONS = {
    "no_customer": _("the customer is gone (merged or erased)"),
    "no_template": _("no mail in the customer's language"),
    "too_late": _("came due too late"),
    "switched_off": _("the trigger was switched off"),
    "missing_order": _("the order is gone"),
}


@dataclass
class Counts:
    sent: int = 0
    queued: int = 0
    failed: int = 0
    held: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)

    @property
    def held_total(self) -> int:
        return sum(count for _label, count in self.held)


def rule_label(rule: str) -> str:
    try:
        return str(DecisionRule(rule).label)
    except ValueError:
        return rule


def run_reason_label(reason: str) -> str:
    """A skipped or failed run's reason in the reader's language."""
    if reason.startswith("condition:"):
        key = reason.split(":", 1)[1]
        return str(NOT_MET.get(key, key))
    if reason.startswith(("render_failed:", "error:")):
        return reason.split(":", 1)[1]
    return str(RUN_REASONS.get(reason, reason))


def _counts(source_type: str, ids: list[str], since: datetime | None) -> dict[str, Counts]:
    result: dict[str, Counts] = defaultdict(Counts)
    messages = OutboundMessage.objects.filter(source_type=source_type, source_id__in=ids)
    decisions = SendDecision.objects.filter(
        source_type=source_type, source_id__in=ids, outcome=Outcome.SUPPRESS
    )
    if since is not None:
        messages = messages.filter(created_at__gte=since)
        decisions = decisions.filter(decided_at__gte=since)
    for source_id, state, count in messages.values_list("source_id", "state").annotate(
        count=Count("id")
    ):
        if state == MessageState.SENT:
            result[source_id].sent += count
        elif state == MessageState.FAILED:
            result[source_id].failed += count
        else:
            result[source_id].queued += count
    for source_id, rule, count in (
        decisions.values_list("source_id", "rule").annotate(count=Count("id")).order_by("-count")
    ):
        result[source_id].held.append((rule_label(rule), count))
    return result


def drehbuch_rows(*, now: datetime | None = None) -> list[tuple[Trigger, Counts]]:
    """Every trigger with what it did in the last seven days."""
    since = (now or timezone.now()) - timedelta(days=7)
    triggers = list(Trigger.objects.select_related("template_de", "template_en"))
    counts = _counts("trigger", [str(trigger.pk) for trigger in triggers], since)
    skipped = (
        TriggerRun.objects.filter(
            state__in=[RunState.SKIPPED, RunState.FAILED], created_at__gte=since
        )
        .values_list("trigger_id", "reason")
        .annotate(count=Count("id"))
    )
    for trigger_id, reason, count in skipped:
        counts[str(trigger_id)].skipped.append((run_reason_label(reason), count))
    return [(trigger, counts[str(trigger.pk)]) for trigger in triggers]


@dataclass
class CampaignResults:
    counts: Counts
    bounced: int
    unsubscribed: int
    clicks: int
    decided: int


def campaign_results(campaign: Campaign) -> CampaignResults:
    """Sent, held back by reason, failed, bounced and unsubscribed after it, clicks."""
    counts = _counts("campaign", [str(campaign.pk)], None)[str(campaign.pk)]
    sent_messages = OutboundMessage.objects.filter(
        source_type="campaign", source_id=str(campaign.pk)
    )
    bounced = Suppression.objects.filter(
        message__in=sent_messages.values("pk"), reason__in=["hard_bounce", "complaint"]
    ).count()
    # One-click unsubscribes from this campaign's mails: a withdrawal of the campaign's purpose
    # by a recipient after it was planned (or the address suppressed, for mail without a
    # customer).
    withdrawn = ConsentEvent.objects.filter(
        customer_id__in=sent_messages.values("customer_id"),
        purpose=campaign.purpose,
        granted=False,
        source_detail="one-click unsubscribe",
        given_at__gte=campaign.planned_at or campaign.created_at,
    )
    unsubscribed = (
        withdrawn.values("customer_id").distinct().count()
        + Suppression.objects.filter(
            message__in=sent_messages.values("pk"), reason="unsubscribed_all"
        ).count()
    )
    decided = SendDecision.objects.filter(
        source_type="campaign", source_id=str(campaign.pk)
    ).count()
    return CampaignResults(
        counts=counts,
        bounced=bounced,
        unsubscribed=unsubscribed,
        clicks=CampaignClick.objects.filter(campaign=campaign).count(),
        decided=decided,
    )
