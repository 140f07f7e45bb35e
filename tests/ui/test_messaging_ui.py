"""The messaging pages: the Drehbuch overview, switching, the template editor with its live
preview (audited when it reads a customer), test sends, campaigns; and who may do what."""

from __future__ import annotations

from decimal import Decimal

import pytest
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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_quiet_hours")]


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
