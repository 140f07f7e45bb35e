"""The messaging pages: the Drehbuch overview, switching, the template editor with its live
preview (audited when it reads a customer), test sends, campaigns; and who may do what."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from stammkunde.analytics.models import Segment
from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.models import ConsentChannel, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.models import (
    Campaign,
    CampaignState,
    MessageTemplate,
    OutboundMessage,
    Trigger,
)
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

NO_QUIET_HOURS = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}


@pytest.fixture(autouse=True)
def no_quiet_hours():
    with override_settings(MESSAGING_GOVERNOR=NO_QUIET_HOURS, MAIL_DOMAIN="mail.shop.example"):
        yield


@pytest.fixture
def shipped():
    return Trigger.objects.get(key="default:order_shipped")


def test_agent_reads_the_drehbuch_but_cannot_switch(client, agent, shipped):
    client.force_login(agent)
    page = client.get(reverse("ui:drehbuch")).content.decode()
    assert "Your parcel is on its way" in page
    assert "Switch on" not in page
    response = client.post(reverse("ui:trigger-switch", args=[shipped.pk]), {"on": "1"})
    assert response.status_code == 403
    shipped.refresh_from_db()
    assert shipped.is_active is False


def test_team_lead_switches_a_personal_mail_on_and_off(client, team_lead, shipped):
    client.force_login(team_lead)
    client.post(reverse("ui:trigger-switch", args=[shipped.pk]), {"on": "1"})
    shipped.refresh_from_db()
    assert shipped.is_active is True
    page = client.get(reverse("ui:drehbuch")).content.decode()
    assert "Switch off" in page
    client.post(reverse("ui:trigger-switch", args=[shipped.pk]), {"on": "0"})
    shipped.refresh_from_db()
    assert shipped.is_active is False


def test_switching_on_an_impersonal_mail_is_refused_with_the_findings(client, team_lead, shipped):
    MessageTemplate.objects.filter(pk=shipped.template_de_id).update(
        text_body="Sehr geehrte Damen und Herren,\n\nBitte antworten Sie nicht auf diese E-Mail."
    )
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:trigger-switch", args=[shipped.pk]), {"on": "1"}, follow=True
    )
    page = response.content.decode()
    assert "does not read as personal" in page
    assert "DE:" in page
    shipped.refresh_from_db()
    assert shipped.is_active is False


def test_marketing_edits_marketing_mails_but_not_transactional_ones(client, marketer, shipped):
    feedback = Trigger.objects.get(key="default:feedback_request")
    client.force_login(marketer)
    template = shipped.template_de
    response = client.post(
        reverse("ui:template-edit", args=[template.pk]),
        {"name": "x", "subject": "x", "text_body": "x"},
    )
    assert response.status_code == 403
    response = client.post(reverse("ui:trigger-switch", args=[feedback.pk]), {"on": "1"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.is_active is True


def test_saving_a_broken_template_shows_the_problem_and_keeps_the_old_version(
    client, team_lead, shipped
):
    template = shipped.template_de
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:template-edit", args=[template.pk]),
        {
            "name": template.name,
            "subject": "Hallo {{ kunde.vorname }}",
            "text_body": "{{ salutation }},\n\n{{ customer.__class__ }}",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "unknown variable" in page and "kunde" in page
    assert "private" in page
    template.refresh_from_db()
    assert template.version == 1


def test_saving_a_good_change_keeps_a_version(client, team_lead, shipped):
    template = shipped.template_de
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:template-edit", args=[template.pk]),
        {
            "name": template.name,
            "subject": "Ihr Paket {{ order.number }} ist unterwegs",
            "text_body": template.text_body,
            "html_body": template.html_body,
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.version == 2
    assert [v.version for v in template.versions.all()] == [2, 1]


def test_preview_with_a_real_customer_in_english_is_audited(client, team_lead, shipped):
    anna = CustomerFactory(first_name="Anna", last_name="Müller", salutation="ms")
    order = OrderFactory(customer=anna, number="20777", total=Decimal("12.00"))
    OrderLineFactory(order=order, name="Kenia AA, 250 g", line_number=1)
    template = shipped.template_en
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:template-preview", args=[template.pk]),
        {
            "subject": template.subject,
            "text_body": template.text_body,
            "html_body": template.html_body,
            "language": "en",
            "order": "20777",
        },
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "Your parcel is on its way (order 20777)" in page
    assert "Dear Ms Müller," in page
    assert "Reads as personal" in page
    entry = AuditEntry.objects.get(action=AuditAction.VIEW, detail="mail preview")
    assert entry.customer_id == anna.pk and entry.actor == team_lead


def test_preview_shows_the_findings_of_an_impersonal_draft(client, team_lead, shipped):
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:template-preview", args=[shipped.template_de.pk]),
        {
            "subject": "WICHTIG: IHRE BESTELLUNG!!",
            "text_body": "Sehr geehrte Damen und Herren,\n\nDies ist eine automatisch generierte "
            "E-Mail.",
            "language": "de",
        },
    )
    page = response.content.decode()
    assert "Does not read as personal" in page
    assert "automatisch generierte" in page
    assert not AuditEntry.objects.filter(detail="mail preview").exists()


def test_send_me_a_test_goes_through_the_outbox_to_my_address(client, team_lead, shipped):
    team_lead.email = "lena@kaffee.example"
    team_lead.save()
    client.force_login(team_lead)
    client.post(reverse("ui:template-test", args=[shipped.template_de.pk]))
    message = OutboundMessage.objects.get(source_type="test")
    assert message.to_address == "lena@kaffee.example"
    assert message.subject.startswith("[Test] ")
    assert message.customer is None


def test_marketing_runs_a_small_campaign(client, marketer):
    marketer.email = "mark@kaffee.example"
    marketer.save()
    subscribed = CustomerFactory(first_name="Anna", last_name="Müller", salutation="ms")
    record_consent(
        subscribed,
        channel=ConsentChannel.EMAIL,
        purpose="newsletter",
        granted=True,
        source=ConsentSource.CUSTOMER,
    )
    CustomerFactory()
    segment = Segment.objects.create(name="Alle", definition={})
    client.force_login(marketer)
    response = client.post(
        reverse("ui:template-add"),
        {
            "name": "Dezember",
            "language": "de",
            "purpose": "newsletter",
            "subject": "Neu aus der Rösterei",
            "text_body": "{{ salutation }},\n\nneu: Kenia AA.\n\nViele Grüße\n{{ sender.name }}",
        },
    )
    template = MessageTemplate.objects.get(name="Dezember")
    assert response.status_code == 302
    response = client.post(
        reverse("ui:campaign-add"),
        {
            "name": "Dezember",
            "purpose": "newsletter",
            "segment": segment.pk,
            "template_de": template.pk,
            "sender_name": "Mark Weber",
            "sender_address": "mark@kaffee.example",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    client.post(reverse("ui:campaign-action", args=[campaign.pk]), {"action": "test"})
    assert OutboundMessage.objects.filter(to_address="mark@kaffee.example").count() == 1
    client.post(reverse("ui:campaign-action", args=[campaign.pk]), {"action": "schedule"})
    from stammkunde.messaging.services.campaigns import run_due_campaigns

    run_due_campaigns()
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DONE
    page = client.get(reverse("ui:campaign-detail", args=[campaign.pk])).content.decode()
    assert "No consent: 1" in page
    queued = OutboundMessage.objects.get(source_type="campaign")
    assert queued.customer == subscribed


def test_agent_sees_no_campaigns(client, agent):
    client.force_login(agent)
    assert client.get(reverse("ui:campaign-list")).status_code == 403
    assert client.get(reverse("ui:campaign-add")).status_code == 403


def _new_trigger_post(template_de, **extra):
    data = {
        "name": "Dankeschön ab 50 Euro",
        "event": "order_shipped",
        "purpose": "transactional",
        "template_de": template_de.pk,
        "template_en": "",
        "delay_hours": "2",
        "sender_name": "Lena Hoffmann",
        "sender_address": "lena@shop.example",
        "sender_role": "Kundenservice",
        "reply_to": "",
        "min_order_value": "50",
        "order_kind": "first",
        "languages": ["de"],
    }
    data.update(extra)
    return data


def test_team_lead_creates_a_trigger_and_sees_its_conditions_in_words(client, team_lead, shipped):
    client.force_login(team_lead)
    assert "New trigger" in client.get(reverse("ui:drehbuch")).content.decode()
    response = client.post(
        reverse("ui:trigger-add"), _new_trigger_post(shipped.template_de, is_active="on")
    )
    created = Trigger.objects.get(name="Dankeschön ab 50 Euro")
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:trigger-edit", args=[created.pk])
    assert created.key is None
    assert created.event == "order_shipped"
    assert created.is_active is True
    assert created.delay.total_seconds() == 2 * 3600
    assert created.conditions == {
        "min_order_value": "50",
        "order_kind": "first",
        "languages": ["de"],
    }
    assert AuditEntry.objects.filter(
        actor=team_lead, action=AuditAction.CREATE, object_id=str(created.pk)
    ).exists()
    page = client.get(reverse("ui:drehbuch")).content.decode()
    assert "order value from €50.00" in page
    assert "only first orders" in page
    assert "language: German" in page
    assert "min_order_value" not in page
    german = client.get(reverse("ui:trigger-edit", args=[created.pk]), HTTP_ACCEPT_LANGUAGE="de")
    assert "Bestellwert ab 50,00\u00a0€" in german.content.decode()


def test_a_new_trigger_needs_a_mail_of_its_purpose(client, team_lead, shipped):
    client.force_login(team_lead)
    feedback = MessageTemplate.objects.filter(purpose="feedback", language="de").first()
    response = client.post(
        reverse("ui:trigger-add"),
        _new_trigger_post(feedback, name="Falscher Zweck"),
    )
    assert response.status_code == 422
    assert "written for another purpose" in response.content.decode()
    response = client.post(
        reverse("ui:trigger-add"), _new_trigger_post(shipped.template_de, min_order_value="-5")
    )
    assert response.status_code == 422
    assert not Trigger.objects.filter(name__in=["Falscher Zweck", "Dankeschön ab 50 Euro"]).exists()


def test_marketing_creates_only_marketing_triggers_and_agents_none(
    client, marketer, agent, shipped
):
    client.force_login(marketer)
    response = client.post(reverse("ui:trigger-add"), _new_trigger_post(shipped.template_de))
    assert response.status_code == 422
    assert not Trigger.objects.filter(name="Dankeschön ab 50 Euro").exists()
    client.force_login(agent)
    assert client.get(reverse("ui:trigger-add")).status_code == 403


def _edit_post(trigger, **changes):
    data = {
        "name": trigger.name,
        "event": trigger.event,
        "purpose": trigger.purpose,
        "template_de": trigger.template_de_id or "",
        "template_en": trigger.template_en_id or "",
        "delay_hours": str(int(trigger.delay.total_seconds() // 3600)),
        "sender_name": trigger.sender_name or "Lena Hoffmann",
        "sender_address": trigger.sender_address or "lena@shop.example",
        "sender_role": trigger.sender_role,
        "reply_to": trigger.reply_to,
    }
    data.update(changes)
    return data


def test_team_lead_changes_a_triggers_event_and_mails(client, team_lead, shipped):
    delivered = Trigger.objects.get(key="default:order_delivered")
    client.force_login(team_lead)
    page = client.get(reverse("ui:trigger-edit", args=[shipped.pk])).content.decode()
    assert 'name="event"' in page and 'name="template_de"' in page and 'name="purpose"' in page
    response = client.post(
        reverse("ui:trigger-edit", args=[shipped.pk]),
        _edit_post(
            shipped, event="order_delivered", template_de=delivered.template_de_id, template_en=""
        ),
    )
    assert response.status_code == 302
    shipped.refresh_from_db()
    assert shipped.event == "order_delivered"
    assert shipped.template_de_id == delivered.template_de_id
    assert shipped.template_en_id is None
    entry = AuditEntry.objects.filter(
        actor=team_lead, action=AuditAction.CHANGE, object_id=str(shipped.pk)
    ).latest("pk")
    assert "event" in str(entry.fields) and "template_de" in str(entry.fields)


def test_editing_a_trigger_keeps_the_purpose_checks(client, team_lead, shipped):
    feedback = MessageTemplate.objects.filter(purpose="feedback", language="de").first()
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:trigger-edit", args=[shipped.pk]), _edit_post(shipped, template_de=feedback.pk)
    )
    assert response.status_code == 422
    assert "written for another purpose" in response.content.decode()
    response = client.post(
        reverse("ui:trigger-edit", args=[shipped.pk]),
        _edit_post(shipped, template_de="", template_en=""),
    )
    assert response.status_code == 422
    assert "at least one language" in response.content.decode()
    before = shipped.template_de_id
    shipped.refresh_from_db()
    assert (shipped.template_de_id, shipped.event) == (before, "order_shipped")


def test_a_switched_on_trigger_cannot_take_an_impersonal_mail(client, team_lead, shipped):
    delivered = Trigger.objects.get(key="default:order_delivered")
    MessageTemplate.objects.filter(pk=delivered.template_de_id).update(
        text_body="Sehr geehrte Damen und Herren,\n\nBitte antworten Sie nicht auf diese E-Mail."
    )
    client.force_login(team_lead)
    client.post(reverse("ui:trigger-switch", args=[shipped.pk]), {"on": "1"})
    shipped.refresh_from_db()
    assert shipped.is_active is True
    response = client.post(
        reverse("ui:trigger-edit", args=[shipped.pk]),
        _edit_post(shipped, template_de=delivered.template_de_id),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "does not read as personal" in page and "DE:" in page
    before = shipped.template_de_id
    shipped.refresh_from_db()
    assert shipped.template_de_id == before


def test_marketing_cannot_turn_a_marketing_trigger_transactional(client, marketer, shipped):
    feedback = Trigger.objects.get(key="default:feedback_request")
    client.force_login(marketer)
    page = client.get(reverse("ui:trigger-edit", args=[feedback.pk])).content.decode()
    assert 'value="transactional"' not in page
    response = client.post(
        reverse("ui:trigger-edit", args=[feedback.pk]),
        _edit_post(
            feedback,
            purpose="transactional",
            template_de=shipped.template_de_id,
            template_en=shipped.template_en_id,
        ),
    )
    assert response.status_code == 422
    feedback.refresh_from_db()
    assert feedback.purpose == "feedback"
    response = client.post(
        reverse("ui:trigger-edit", args=[feedback.pk]), _edit_post(feedback, delay_hours="96")
    )
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.delay.total_seconds() == 96 * 3600
