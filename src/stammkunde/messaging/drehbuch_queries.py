"""Reads for the Drehbuch's and the campaigns' staff pages: what each trigger did last week,
what a campaign's recipients got (sent, held back by reason, bounced, unsubscribed).

A trigger or a campaign has no shop: it reaches customers of every shop. Staff limited to
shops (``core/scoping.py``, ``by``) get the figures of their shops' customers only, counted
from the same rows (a message, a decision, a run names its customer)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.scoping import customer_scope, in_customer_scope
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


def _counts(
    source_type: str, ids: list[str], since: datetime | None, by: Any = None
) -> dict[str, Counts]:
    result: dict[str, Counts] = defaultdict(Counts)
    messages = in_customer_scope(
        OutboundMessage.objects.filter(source_type=source_type, source_id__in=ids),
        by,
        field="customer_id",
    )
    decisions = in_customer_scope(
        SendDecision.objects.filter(
            source_type=source_type, source_id__in=ids, outcome=Outcome.SUPPRESS
        ),
        by,
        field="customer_id",
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


def drehbuch_rows(*, now: datetime | None = None, by: Any = None) -> list[tuple[Trigger, Counts]]:
    """Every trigger with what it did in the last seven days (for ``by``'s shops' customers,
    when they are limited to shops)."""
    since = (now or timezone.now()) - timedelta(days=7)
    triggers = list(Trigger.objects.select_related("template_de", "template_en"))
    counts = _counts("trigger", [str(trigger.pk) for trigger in triggers], since, by)
    skipped = (
        in_customer_scope(
            TriggerRun.objects.filter(
                state__in=[RunState.SKIPPED, RunState.FAILED], created_at__gte=since
            ),
            by,
            field="customer_id",
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


def campaign_results(campaign: Campaign, *, by: Any = None) -> CampaignResults:
    """Sent, held back by reason, failed, bounced and unsubscribed after it, clicks; for staff
    limited to shops (``by``) the recipients of their shops only (a click counts when its
    message went to one of them)."""
    counts = _counts("campaign", [str(campaign.pk)], None, by)[str(campaign.pk)]
    sent_messages = in_customer_scope(
        OutboundMessage.objects.filter(source_type="campaign", source_id=str(campaign.pk)),
        by,
        field="customer_id",
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
    decided = in_customer_scope(
        SendDecision.objects.filter(source_type="campaign", source_id=str(campaign.pk)),
        by,
        field="customer_id",
    ).count()
    clicks = CampaignClick.objects.filter(campaign=campaign)
    if customer_scope(by) is not None:  # limited: only clicks on the messages counted above
        clicks = clicks.filter(message_id__in=sent_messages.values("pk"))
    return CampaignResults(
        counts=counts,
        bounced=bounced,
        unsubscribed=unsubscribed,
        clicks=clicks.count(),
        decided=decided,
    )


def may_run_campaigns(by: Any) -> bool:
    """Whether ``by`` may create, schedule, cancel or test-send campaigns as far as shops go.

    A campaign goes to a segment, and a segment spans every shop: staff limited to shops would
    mail customers they may not see, so they only read campaigns (with their shops' figures).
    A serious multi-shop product lets the owner's marketing run campaigns; a shop's own team
    asks them. The permission (``messaging.run_campaigns``) is checked by the page as well.
    """
    return customer_scope(by) is None


def campaign_to_run(pk: int, *, by: Any, detail: str) -> Campaign | None:
    """The campaign ``by`` is about to change or send, or None: no such campaign, or ``by`` is
    limited to shops (``may_run_campaigns``), which leaves a REFUSE row (as the other
    out-of-scope requests do)."""
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None or may_run_campaigns(by):
        return campaign
    refuse_campaign_run(by=by, object_id=pk, detail=detail)
    return None


def refuse_campaign_run(*, by: Any, object_id: int | str, detail: str) -> None:
    """Record that ``by``, limited to shops, asked to run a campaign (``may_run_campaigns``)."""
    audit(
        actor=by,
        action=AuditAction.REFUSE,
        object_type="messaging.campaign",
        object_id=object_id,
        detail=f"limited to shops: {detail}"[:200],
    )
