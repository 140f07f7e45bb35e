"""Campaigns and the Drehbuch for staff limited to shops (issue 12): a campaign goes to a
segment of every shop, so limited staff read its figures counted over their shops' recipients
only and never create, schedule, cancel or test-send one (404 and a REFUSE row)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.models import Segment
from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.messaging.drehbuch_queries import campaign_results, drehbuch_rows
from stammkunde.messaging.models import (
    Campaign,
    CampaignClick,
    CampaignState,
    MessageTemplate,
    OutboundMessage,
    SendDecision,
    Trigger,
)
from stammkunde.messaging.services.campaigns import CampaignError, schedule_campaign
from stammkunde.shop.services import limit_staff_to_shops
from tests.factories import make_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited_marketer(two_shops):
    """Mara does the marketing of shop A only."""
    user = make_staff_user("mara-a", role="Marketing")
    limit_staff_to_shops(user, [two_shops["a"].pk], by=None)
    return user


@pytest.fixture
def campaign(two_shops):
    """A newsletter sent to Alma (shop A) and Bruno (shop B); Bruno was also held back once;
    both clicked."""
    template = MessageTemplate.objects.exclude(purpose="transactional").order_by("pk").first()
    campaign = Campaign.objects.create(
        name="Herbstaktion",
        purpose="newsletter",
        segment=Segment.objects.create(name="Alle", definition={}),
        template_de=template,
        sender_name="Kaffee",
        sender_address="shop@example.de",
        track_clicks=True,
        state=CampaignState.DONE,
        audience_size=987,
    )
    for customer in (two_shops["alma"], two_shops["bruno"]):
        message = OutboundMessage.objects.create(
            idempotency_key=f"campaign:{campaign.pk}:{customer.pk}",
            customer=customer,
            to_address=customer.email,
            purpose="newsletter",
            state="sent",
            subject="Herbst",
            text_body="Neu",
            from_address="shop@example.de",
            message_id=f"<c-{customer.pk}@example.de>",
            source_type="campaign",
            source_id=str(campaign.pk),
        )
        for outcome in ("send",) + (("suppress",) if customer == two_shops["bruno"] else ()):
            SendDecision.objects.create(
                customer=customer,
                purpose="newsletter",
                outcome=outcome,
                rule="allowed" if outcome == "send" else "frequency_cap",
                decided_at=timezone.now(),
                source_type="campaign",
                source_id=str(campaign.pk),
            )
        CampaignClick.objects.create(
            campaign=campaign, message_id=message.pk, url="https://shop.example/"
        )
    return campaign


def test_limited_staff_get_the_figures_of_their_shops_recipients(
    campaign, limited_marketer, marketer
):
    mine = campaign_results(campaign, by=limited_marketer)
    assert (mine.counts.sent, mine.decided, mine.clicks, mine.counts.held_total) == (1, 1, 1, 0)
    everyone = campaign_results(campaign, by=marketer)
    assert (everyone.counts.sent, everyone.decided, everyone.clicks) == (2, 3, 2)
    assert everyone.counts.held_total == 1


def test_the_campaign_pages_say_whose_figures_and_hide_the_audience_of_all_shops(
    client, campaign, limited_marketer, marketer
):
    client.force_login(limited_marketer)
    listing = client.get(reverse("ui:campaign-list")).content.decode()
    assert 'id="limited-to-shops"' in listing and ">987<" not in listing
    assert reverse("ui:campaign-add") not in listing
    detail = client.get(reverse("ui:campaign-detail", args=[campaign.pk])).content.decode()
    assert 'id="limited-to-shops"' in detail
    assert 'data-figure="sent">1<' in detail
    assert reverse("ui:campaign-action", args=[campaign.pk]) not in detail
    client.force_login(marketer)
    assert ">987<" in client.get(reverse("ui:campaign-list")).content.decode()
    detail = client.get(reverse("ui:campaign-detail", args=[campaign.pk])).content.decode()
    assert 'data-figure="sent">2<' in detail and 'id="limited-to-shops"' not in detail


def test_limited_staff_cannot_create_schedule_or_cancel_a_campaign(
    client, campaign, limited_marketer
):
    campaign.state = CampaignState.DRAFT
    campaign.save(update_fields=["state"])
    client.force_login(limited_marketer)
    assert client.get(reverse("ui:campaign-add")).status_code == 404
    action = reverse("ui:campaign-action", args=[campaign.pk])
    assert client.post(action, {"action": "schedule", "at": ""}).status_code == 404
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT
    refusals = AuditEntry.objects.filter(actor=limited_marketer, action=AuditAction.REFUSE)
    assert refusals.count() == 2
    with pytest.raises(CampaignError):
        schedule_campaign(campaign, at=timezone.now(), by=limited_marketer)


def test_the_drehbuch_counts_only_the_shops_customers(two_shops, limited_marketer):
    trigger = Trigger.objects.order_by("pk").first()
    for customer in (two_shops["alma"], two_shops["bruno"], two_shops["clara"]):
        OutboundMessage.objects.create(
            idempotency_key=f"trigger:{trigger.pk}:{customer.pk}",
            customer=customer,
            to_address=customer.email,
            purpose=trigger.purpose,
            state="sent",
            subject="Danke",
            text_body="Danke",
            from_address="shop@example.de",
            message_id=f"<t-{customer.pk}@example.de>",
            source_type="trigger",
            source_id=str(trigger.pk),
        )
    mine = dict(drehbuch_rows(by=limited_marketer))[trigger]
    everyone = dict(drehbuch_rows())[trigger]
    assert (mine.sent, everyone.sent) == (2, 3)  # Alma and Clara buy in shop A
