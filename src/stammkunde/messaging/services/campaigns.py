"""Campaigns: plan (a decision for every customer of the segment, in bulk), then render and
queue the messages of those it may go to, batch by batch; test sends through the outbox.

Planning records the decision of each recipient (``SendDecision`` with source "campaign"):
consent (double opt-in confirmed, or the UWG §7(3) option), the suppression list, contact
holds and the governor, exactly as ``queue_message`` decides one message. Queueing then
renders each allowed recipient's mail from plain data and writes it to the outbox.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.bulk import sqlite_bulk_write_settings
from stammkunde.customers.models import ConsentChannel, Customer, CustomerStatus
from stammkunde.customers.queries import consent_granted_many
from stammkunde.messaging.click_tracking import click_url, track_links
from stammkunde.messaging.governor_terms import Outcome, Purpose
from stammkunde.messaging.mail_data import Sender, mail_data
from stammkunde.messaging.models import (
    Campaign,
    CampaignClick,
    CampaignState,
    MessageTemplate,
    SendDecision,
)
from stammkunde.messaging.rendering import TemplateError, render_message
from stammkunde.messaging.services.bulk_decisions import Recipient, decide_many, raw_rows
from stammkunde.messaging.services.bulk_queue import BulkMessage, queue_many, record_decisions
from stammkunde.messaging.services.outbox import CONSENT, EXISTING_CUSTOMER, TRANSACTIONAL

logger = logging.getLogger(__name__)

SOURCE = "campaign"
QUEUE_BATCH = 500


class CampaignError(ValueError):
    """A campaign that cannot be planned, scheduled or sent as asked."""


@dataclass(frozen=True)
class PlanResult:
    audience: int
    counts: dict[tuple[str, str], int]


def _may_run(by: Any) -> None:
    """Staff limited to shops never run a campaign (``drehbuch_queries.may_run_campaigns``:
    its segment spans every shop). The pages ask first and record the refusal; this is the
    service's own guard for any other caller."""
    from stammkunde.messaging.drehbuch_queries import may_run_campaigns

    if not may_run_campaigns(by):
        raise CampaignError(_("Staff limited to shops cannot run campaigns."))


def key_prefix(campaign: Campaign) -> str:
    return f"campaign:{campaign.pk}"


@transaction.atomic
def save_campaign(campaign: Campaign | None, *, by: Any, **values: Any) -> Campaign:
    """Create or change a draft campaign."""
    _may_run(by)
    created = campaign is None
    campaign = campaign or Campaign(
        created_by=by if getattr(by, "is_authenticated", False) else None
    )
    if campaign.state not in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        raise CampaignError(_("A campaign that has been planned cannot be changed."))
    for field, value in values.items():
        setattr(campaign, field, value)
    if campaign.purpose == Purpose.TRANSACTIONAL:
        raise CampaignError(_("A campaign is never transactional: choose a marketing purpose."))
    if not campaign.template_de_id and not campaign.template_en_id:
        raise CampaignError(_("A campaign needs a mail in at least one language."))
    campaign.save()
    audit(actor=by, action=AuditAction.CREATE if created else AuditAction.CHANGE, obj=campaign)
    return campaign


@transaction.atomic
def schedule_campaign(campaign: Campaign, *, at: datetime, by: Any) -> Campaign:
    """Plan and send at ``at`` (now or later); the minute job starts it."""
    _may_run(by)
    if campaign.state not in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        raise CampaignError(_("This campaign has already been planned."))
    if campaign.segment_id is None:
        raise CampaignError(_("Choose the segment the campaign goes to."))
    campaign.state = CampaignState.SCHEDULED
    campaign.scheduled_at = at
    campaign.save(update_fields=["state", "scheduled_at"])
    audit(actor=by, action=AuditAction.CHANGE, obj=campaign, fields=["state", "scheduled_at"])
    return campaign


@transaction.atomic
def cancel_campaign(campaign: Campaign, *, by: Any) -> Campaign:
    _may_run(by)
    if campaign.state in (CampaignState.DONE, CampaignState.CANCELLED):
        raise CampaignError(_("This campaign is already finished."))
    campaign.state = CampaignState.CANCELLED
    campaign.save(update_fields=["state"])
    audit(actor=by, action=AuditAction.CHANGE, obj=campaign, fields=["state"])
    return campaign


def audience(campaign: Campaign) -> list[Recipient]:
    """The segment's customers with their addresses (one streamed query)."""
    from stammkunde.analytics.segments import customers_in_segment

    customers = customers_in_segment(campaign.segment).values_list("pk", "email")
    return list(raw_rows(customers))


def plan_campaign(campaign_id: int, *, now: datetime | None = None) -> PlanResult:
    """Decide for every customer of the segment and record each decision (bulk)."""
    now = now or timezone.now()
    with sqlite_bulk_write_settings(), transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state != CampaignState.SCHEDULED:
            raise CampaignError(_("Only a scheduled campaign can be planned."))
        recipients = audience(campaign)
        decisions = decide_many(recipients, purpose=Purpose(campaign.purpose), at=now)
        counts = record_decisions(
            decisions,
            purpose=Purpose(campaign.purpose),
            at=now,
            key_prefix=key_prefix(campaign),
            subject=campaign.name,
            source_type=SOURCE,
            source_id=str(campaign.pk),
        )
        campaign.state = CampaignState.PLANNED
        campaign.planned_at = now
        campaign.audience_size = len(recipients)
        campaign.save(update_fields=["state", "planned_at", "audience_size"])
    return PlanResult(len(recipients), dict(counts))


def _render_for(
    campaign: Campaign, customer: Customer, templates: dict[str, MessageTemplate | None]
) -> tuple[str, str, str]:
    sender = Sender(campaign.sender_name, campaign.sender_address, "", campaign.reply_to)
    template = (
        (templates["en"] if customer.language.startswith("en") and templates["en"] else None)
        or templates["de"]
        or templates["en"]
    )
    data = mail_data(customer=customer, sender=sender, language=template.language)
    rendered = render_message(
        subject=template.subject,
        text=template.text_body,
        html=template.html_body,
        context=data.context,
    )
    return rendered.subject, rendered.text, rendered.html


def queue_campaign_batch(campaign_id: int, *, limit: int = QUEUE_BATCH) -> int:
    """Render and queue the next ``limit`` allowed recipients; returns how many were handled
    (0 when all are done, and then the campaign is marked done)."""
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state not in (CampaignState.PLANNED, CampaignState.SENDING):
            return 0
        pending = list(
            SendDecision.objects.filter(
                source_type=SOURCE,
                source_id=str(campaign.pk),
                outcome__in=[Outcome.SEND, Outcome.DELAY],
                message__isnull=True,
            )
            .exclude(rule="render_failed")
            .order_by("pk")
            .values_list("pk", "customer_id", "idempotency_key", "send_at", "outcome")[:limit]
        )
        if not pending:
            campaign.state = CampaignState.DONE
            campaign.finished_at = now
            campaign.save(update_fields=["state", "finished_at"])
            return 0
        customers = Customer.objects.in_bulk([row[1] for row in pending])
        legal_basis = _legal_bases(Purpose(campaign.purpose), list(customers))
        templates = {"de": campaign.template_de, "en": campaign.template_en}
        messages, failed = [], []
        for decision_id, customer_id, key, send_at, outcome in pending:
            customer = customers.get(customer_id)
            if customer is None or customer.status != CustomerStatus.ACTIVE or not customer.email:
                failed.append((decision_id, "no_customer"))
                continue
            try:
                subject, text, html = _render_for(campaign, customer, templates)
            except TemplateError as error:
                failed.append((decision_id, error.problem.message))
                continue
            if campaign.track_clicks:
                text, html = track_links(text, html, lambda url: click_url(campaign.pk, url))
            messages.append(
                BulkMessage(
                    decision_id=decision_id,
                    customer_id=customer_id,
                    to_address=customer.email,
                    idempotency_key=key,
                    subject=subject,
                    text=text,
                    html=html,
                    held_until=send_at if outcome == Outcome.DELAY else None,
                    legal_basis=legal_basis(customer_id),
                )
            )
        queue_many(
            messages,
            purpose=Purpose(campaign.purpose),
            from_name=campaign.sender_name,
            from_address=campaign.sender_address,
            reply_to=campaign.reply_to,
            source_type=SOURCE,
            source_id=str(campaign.pk),
            legal_basis="consent",
            now=now,
        )
        for decision_id, reason in failed:
            # Held back after all: the mail could not be made for this customer.
            SendDecision.objects.filter(pk=decision_id).update(
                outcome=Outcome.SUPPRESS, rule="render_failed", params={"detail": str(reason)[:200]}
            )
        if campaign.state == CampaignState.PLANNED:
            campaign.state = CampaignState.SENDING
            campaign.save(update_fields=["state"])
    return len(pending)


def _legal_bases(purpose: Purpose, customer_ids: list[int]) -> Callable[[int], str]:
    """Why each planned recipient may get the mail: the planning let a marketing mail through
    either on the customer's consent or, where it is switched on, on the UWG §7(3)
    existing-customer exception, whose mails must carry the objection notice (the footer adds it
    for this legal basis). A consent withdrawn since the planning is caught by the worker's check
    at send time, which holds the mail."""
    if purpose == Purpose.TRANSACTIONAL:
        return lambda customer_id: TRANSACTIONAL
    granted = consent_granted_many(customer_ids, channel=ConsentChannel.EMAIL)
    return lambda customer_id: (
        CONSENT if granted.get((customer_id, str(purpose))) else EXISTING_CUSTOMER
    )


def record_click(campaign_id: int, url: str) -> None:
    """Count one click on a campaign's link (for the campaign, not for a person)."""
    if Campaign.objects.filter(pk=campaign_id, track_clicks=True).exists():
        CampaignClick.objects.create(campaign_id=campaign_id, url=url[:1000])


def run_campaign(campaign_id: int) -> PlanResult:
    """Plan a scheduled campaign and queue all its messages."""
    result = plan_campaign(campaign_id)
    while queue_campaign_batch(campaign_id):
        pass
    return result


def run_due_campaigns(now: datetime | None = None) -> int:
    """Start the scheduled campaigns whose time has come; finish queueing planned ones."""
    now = now or timezone.now()
    handled = 0
    for campaign_id in Campaign.objects.filter(
        state=CampaignState.SCHEDULED, scheduled_at__lte=now
    ).values_list("pk", flat=True):
        try:
            run_campaign(campaign_id)
        except CampaignError:
            logger.warning("campaign %s could not be planned", campaign_id, exc_info=True)
        handled += 1
    for campaign_id in Campaign.objects.filter(
        state__in=[CampaignState.PLANNED, CampaignState.SENDING]
    ).values_list("pk", flat=True):
        while queue_campaign_batch(campaign_id):
            pass
        handled += 1
    return handled


def send_test(
    template: MessageTemplate,
    *,
    by: Any,
    sender: Sender,
    customer: Customer | None = None,
    order: Any = None,
) -> Any:
    """Send ``template`` to the staff member ``by`` through the outbox, rendered with a real
    customer's data (audited) or the examples. Returns the outbox's ``Queued``."""
    from stammkunde.messaging.services.outbox import queue_message
    from stammkunde.messaging.template_variables import example_context

    address = getattr(by, "email", "") or ""
    if not address:
        raise CampaignError(_("Your account has no e-mail address to send the test to."))
    if customer is not None:
        data = mail_data(customer=customer, sender=sender, order=order, language=template.language)
        context = data.context
        audit(
            actor=by,
            action=AuditAction.VIEW,
            obj=customer,
            customer_id=customer.pk,
            detail="test mail",
        )
    else:
        context = example_context()
        context["language"] = template.language
        context["sender"] = {"name": sender.name, "role": sender.role or None}
    rendered = render_message(
        subject=template.subject, text=template.text_body, html=template.html_body, context=context
    )
    return queue_message(
        customer=None,
        to_address=address,
        purpose=Purpose.TRANSACTIONAL,
        idempotency_key=f"test:{template.pk}:{uuid.uuid4().hex}",
        subject=f"[Test] {rendered.subject}",
        text=rendered.text,
        html=rendered.html,
        from_name=sender.name,
        from_address=sender.address,
        reply_to=sender.reply_to,
        source_type="test",
        source_id=template.pk,
        by=by,
    )
