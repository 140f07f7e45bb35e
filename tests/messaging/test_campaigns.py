"""Campaigns: planning decides for every customer of the segment in bulk (consent,
suppression, holds, governor) exactly as queue_message decides one message, records each
decision, and queues the allowed recipients' mails rendered from their own data."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from stammkunde.analytics.models import Segment
from stammkunde.customers.models import ConsentChannel, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.governor_terms import HoldKind, Outcome, Purpose
from stammkunde.messaging.models import (
    Campaign,
    CampaignState,
    MessageState,
    MessageTemplate,
    OutboundMessage,
    SendDecision,
)
from stammkunde.messaging.services.campaigns import (
    CampaignError,
    plan_campaign,
    queue_campaign_batch,
    run_campaign,
    run_due_campaigns,
    save_campaign,
    schedule_campaign,
)
from stammkunde.messaging.services.holds import set_contact_hold
from stammkunde.messaging.services.outbox import queue_message
from stammkunde.messaging.services.suppression import suppress_address
from stammkunde.messaging.services.templates import create_template
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NO_QUIET_HOURS = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}
NEWSLETTER_DE = """{{ salutation }},

diese Woche haben wir einen neuen Kaffee aus Äthiopien geröstet.

Viele Grüße
{{ sender.name }}
"""


@pytest.fixture(autouse=True)
def no_quiet_hours():
    with override_settings(MESSAGING_GOVERNOR=NO_QUIET_HOURS, MAIL_DOMAIN="mail.shop.example"):
        yield


def grant(customer, purpose="newsletter", granted=True):
    record_consent(
        customer,
        channel=ConsentChannel.EMAIL,
        purpose=purpose,
        granted=granted,
        source=ConsentSource.CUSTOMER,
    )


def newsletter(name="Dezember", purpose=Purpose.NEWSLETTER):
    """A campaign to everyone with a German and an English template, scheduled for now;
    ``purpose`` for the marketing purposes other than the newsletter."""
    template_de = create_template(
        by=None,
        name="Newsletter Dezember",
        language="de",
        purpose=purpose,
        subject="Neu aus der Rösterei",
        text_body=NEWSLETTER_DE,
    )
    template_en = create_template(
        by=None,
        name="Newsletter December",
        language="en",
        purpose=purpose,
        subject="New from the roastery",
        text_body="{{ salutation }},\n\nwe roasted a new coffee.\n\nBest,\n{{ sender.name }}\n",
    )
    segment = Segment.objects.create(name=f"Alle {name}", definition={})
    campaign = save_campaign(
        None,
        by=None,
        name=name,
        purpose=purpose,
        segment=segment,
        template_de=template_de,
        template_en=template_en,
        sender_name="Lena Vogel",
        sender_address="lena.vogel@kaffee.example",
    )
    return schedule_campaign(campaign, at=timezone.now(), by=None)


def promotional_mail(customer, key):
    return queue_message(
        customer=customer,
        to_address=customer.email,
        purpose=Purpose.NEWSLETTER,
        idempotency_key=key,
        subject="Früher",
        text="Hallo",
        from_name="Lena Vogel",
        from_address="lena.vogel@kaffee.example",
        source_type="test",
        source_id=key,
    )


def test_planning_decides_for_everyone_and_holds_back_with_the_rule():
    subscribed = CustomerFactory(first_name="Anna", last_name="Müller", salutation="ms")
    grant(subscribed)
    never_asked = CustomerFactory()
    withdrew = CustomerFactory()
    grant(withdrew)
    grant(withdrew, granted=False)
    bounced = CustomerFactory()
    grant(bounced)
    suppress_address(address=bounced.email, reason="hard_bounce", source="test")
    complained = CustomerFactory()
    grant(complained)
    set_contact_hold(customer_id=complained.pk, kind=HoldKind.COMPLAINT, reference="VG-1")
    no_address = CustomerFactory(email=None)
    busy = CustomerFactory()
    grant(busy)
    OutboundMessage.objects.all().delete()
    campaign = newsletter()
    # Governor: the earlier mails of "busy" happened more than 48 h apart, within 7 days.
    promotional_mail(busy, "early-1")
    OutboundMessage.objects.filter(idempotency_key="early-1").update(
        created_at=timezone.now() - timedelta(days=5), sent_at=timezone.now() - timedelta(days=5)
    )
    promotional_mail(busy, "early-2")
    OutboundMessage.objects.filter(idempotency_key="early-2").update(
        created_at=timezone.now() - timedelta(days=2), sent_at=timezone.now() - timedelta(days=2)
    )

    result = plan_campaign(campaign.pk)

    assert result.audience == 7
    decisions = {
        decision.customer_id: (decision.outcome, decision.rule)
        for decision in SendDecision.objects.filter(source_type="campaign")
    }
    assert decisions == {
        subscribed.pk: (Outcome.SEND, "within_limits"),
        never_asked.pk: (Outcome.SUPPRESS, "no_consent"),
        withdrew.pk: (Outcome.SUPPRESS, "no_consent"),
        bounced.pk: (Outcome.SUPPRESS, "bounced"),
        complained.pk: (Outcome.SUPPRESS, "recent_complaint"),
        no_address.pk: (Outcome.SUPPRESS, "no_address"),
        busy.pk: (Outcome.SUPPRESS, "weekly_limit"),
    }
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.PLANNED and campaign.audience_size == 7


def test_bulk_decisions_match_queue_message_one_by_one():
    customers = [CustomerFactory() for _ in range(6)]
    grant(customers[0])
    grant(customers[1])
    set_contact_hold(customer_id=customers[1].pk, kind=HoldKind.OPEN_CASE, reference="VG-2")
    grant(customers[2], purpose="feedback")
    suppress_address(address=customers[3].email, reason="unsubscribed_all", source="test")
    grant(customers[4])
    promotional_mail(customers[4], "recent")
    campaign = newsletter()
    plan_campaign(campaign.pk)
    bulk = {
        decision.customer_id: (decision.outcome, decision.rule, decision.params)
        for decision in SendDecision.objects.filter(source_type="campaign")
    }
    for customer in customers:
        single = promotional_mail(customer, f"compare-{customer.pk}").decision
        assert bulk[customer.pk] == (single.outcome, single.rule, single.params), customer.pk


def test_queueing_renders_each_recipients_mail_and_links_the_decision():
    anna = CustomerFactory(first_name="Anna", last_name="Müller", salutation="ms", language="de")
    kim = CustomerFactory(first_name="Kim", last_name="Lee", language="en")
    grant(anna)
    grant(kim)
    CustomerFactory()  # no consent: nothing queued
    campaign = newsletter()
    run_campaign(campaign.pk)
    messages = {message.customer_id: message for message in OutboundMessage.objects.all()}
    assert set(messages) == {anna.pk, kim.pk}
    assert messages[anna.pk].subject == "Neu aus der Rösterei"
    assert messages[anna.pk].text_body.startswith("Sehr geehrte Frau Müller,")
    assert messages[kim.pk].subject == "New from the roastery"
    assert messages[kim.pk].text_body.startswith("Hello Kim Lee,")
    assert all(message.state == MessageState.QUEUED for message in messages.values())
    assert all(message.from_name == "Lena Vogel" for message in messages.values())
    assert len({message.message_id for message in messages.values()}) == 2
    for decision in SendDecision.objects.filter(source_type="campaign", outcome=Outcome.SEND):
        assert decision.message == messages[decision.customer_id]
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DONE


def test_queueing_again_adds_nothing_and_planning_twice_is_refused():
    grant(CustomerFactory())
    campaign = newsletter()
    run_campaign(campaign.pk)
    assert queue_campaign_batch(campaign.pk) == 0
    assert OutboundMessage.objects.count() == 1
    with pytest.raises(CampaignError):
        plan_campaign(campaign.pk)


def test_a_campaign_due_later_waits_for_its_time():
    grant(CustomerFactory())
    campaign = newsletter()
    Campaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now() + timedelta(hours=1))
    run_due_campaigns()
    assert not OutboundMessage.objects.exists()
    run_due_campaigns(now=timezone.now() + timedelta(hours=1, minutes=1))
    assert OutboundMessage.objects.count() == 1


def test_a_campaign_is_never_transactional():
    campaign = newsletter()
    with pytest.raises(CampaignError):
        save_campaign(Campaign.objects.get(pk=campaign.pk), by=None, purpose=Purpose.TRANSACTIONAL)


def test_templates_with_unknown_variables_are_refused_with_a_clear_message():
    from stammkunde.messaging.services.templates import TemplateInvalid

    with pytest.raises(TemplateInvalid) as error:
        create_template(
            by=None,
            name="Kaputt",
            language="de",
            purpose=Purpose.NEWSLETTER,
            subject="Hallo {{ kunde.name }}",
            text_body="{% for x in range(10**9) %}{{ x }}{% endfor %}",
        )
    assert "kunde" in str(error.value)
    assert set(error.value.problems) == {"subject", "text_body"}
    assert not MessageTemplate.objects.filter(name="Kaputt").exists()


def test_clicks_are_counted_through_the_redirect_only_when_switched_on(client):
    from urllib.parse import urlparse

    from stammkunde.messaging.models import CampaignClick

    grant(CustomerFactory())
    campaign = newsletter()
    template = campaign.template_de
    MessageTemplate.objects.filter(pk=template.pk).update(
        text_body=NEWSLETTER_DE.replace("geröstet.", "geröstet: https://kaffee.example/kenia")
    )
    Campaign.objects.filter(pk=campaign.pk).update(track_clicks=True)
    run_campaign(campaign.pk)
    message = OutboundMessage.objects.get(source_type="campaign")
    assert "https://kaffee.example/kenia" not in message.text_body
    link = next(word for word in message.text_body.split() if "/m/c/" in word)
    response = client.get(urlparse(link).path)
    assert response.status_code == 302
    assert response["Location"] == "https://kaffee.example/kenia"
    assert CampaignClick.objects.get().campaign_id == campaign.pk
    forged = client.get(urlparse(link).path[:-6] + "xxxxx/")
    assert forged.status_code == 400
    assert CampaignClick.objects.count() == 1


def test_without_click_counting_links_stay_as_written():
    grant(CustomerFactory())
    campaign = newsletter()
    MessageTemplate.objects.filter(pk=campaign.template_de_id).update(
        text_body=NEWSLETTER_DE.replace("geröstet.", "geröstet: https://kaffee.example/kenia")
    )
    run_campaign(campaign.pk)
    assert "https://kaffee.example/kenia" in OutboundMessage.objects.get().text_body


def test_recipients_let_through_by_the_existing_customer_exception_get_the_objection_notice():
    from stammkunde.messaging.composing import build_email
    from tests.factories import OrderFactory

    buyer = CustomerFactory(first_name="Jonas", last_name="Brandt", language="de")
    OrderFactory(customer=buyer)
    subscriber = CustomerFactory(first_name="Eva", last_name="Roth", language="de")
    OrderFactory(customer=subscriber)
    grant(subscriber, purpose="recommendation")
    with override_settings(MESSAGING_EXISTING_CUSTOMER_EXCEPTION=True):
        run_campaign(newsletter("Mühle", purpose=Purpose.RECOMMENDATION).pk)

    messages = {message.customer_id: message for message in OutboundMessage.objects.all()}
    assert messages[buyer.pk].legal_basis == "existing_customer"
    assert messages[subscriber.pk].legal_basis == "consent"
    buyer_text = build_email(messages[buyer.pk]).body
    subscriber_text = build_email(messages[subscriber.pk]).body
    assert "Sie können dem jederzeit widersprechen" in buyer_text
    assert "widersprechen" not in subscriber_text
