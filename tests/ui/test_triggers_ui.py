"""The trigger pages: creating a trigger and reading its conditions in words, changing its event
and mails, and the purpose checks on both; who may do what.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.messaging.models import MessageTemplate, Trigger

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_quiet_hours")]


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
