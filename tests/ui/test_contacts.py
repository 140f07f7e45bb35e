"""Notes, call logs and profile changes from the customer 360 page, and who may make them."""

from __future__ import annotations

from django.urls import reverse

from stammkunde.customers.models import Customer
from stammkunde.timeline.models import Activity, ActivityKind, Direction

HTMX = {"HX-Request": "true", "HX-Target": "note-form"}


def test_agent_adds_a_note_with_htmx(client, agent, juergen):
    client.force_login(agent)
    response = client.post(
        reverse("ui:customer-add-note", args=[juergen.pk]),
        {"text": "Rückruf wegen Lieferung vereinbart"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="note-form"' in html
    assert 'hx-swap-oob="afterbegin:#timeline-list"' in html
    assert "Rückruf wegen Lieferung vereinbart" in html
    assert "<html" not in html
    note = Activity.objects.filter(customer=juergen, kind=ActivityKind.NOTE).latest("id")
    assert note.summary == "Rückruf wegen Lieferung vereinbart"
    assert note.actor == agent


def test_note_without_javascript_redirects_back(client, agent, juergen):
    client.force_login(agent)
    response = client.post(reverse("ui:customer-add-note", args=[juergen.pk]), {"text": "Notiz"})
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:customer-detail", args=[juergen.pk])


def test_an_empty_note_shows_the_error_in_the_form(client, agent, juergen):
    client.force_login(agent)
    before = Activity.objects.count()
    response = client.post(
        reverse("ui:customer-add-note", args=[juergen.pk]), {"text": "   "}, headers=HTMX
    )
    assert response.status_code == 200
    assert "field-errors" in response.content.decode() or "form-errors" in response.content.decode()
    assert Activity.objects.count() == before


def test_marketing_cannot_add_a_note(client, marketer, juergen):
    client.force_login(marketer)
    response = client.post(reverse("ui:customer-add-note", args=[juergen.pk]), {"text": "Hallo"})
    assert response.status_code == 403
    assert not Activity.objects.filter(customer=juergen, params__text="Hallo").exists()


def test_marketing_sees_no_note_form(client, marketer, juergen):
    client.force_login(marketer)
    html = client.get(reverse("ui:customer-detail", args=[juergen.pk])).content.decode()
    assert 'id="note-form"' not in html


def test_agent_logs_an_inbound_call(client, agent, juergen):
    client.force_login(agent)
    response = client.post(
        reverse("ui:customer-log-call", args=[juergen.pk]),
        {
            "direction": "inbound",
            "summary": "Fragt nach Lieferzeit",
            "notes": "Paket kommt morgen",
            "duration_minutes": "4",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    call = Activity.objects.get(customer=juergen, kind=ActivityKind.CALL)
    assert call.direction == Direction.INBOUND
    assert call.duration_seconds == 240
    assert call.body == "Paket kommt morgen"
    assert "Fragt nach Lieferzeit" in response.content.decode()


def test_a_call_with_a_bad_duration_is_refused(client, agent, juergen):
    client.force_login(agent)
    response = client.post(
        reverse("ui:customer-log-call", args=[juergen.pk]),
        {"direction": "inbound", "summary": "Kurz", "duration_minutes": "5000"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert not Activity.objects.filter(customer=juergen, kind=ActivityKind.CALL).exists()


def test_marketing_cannot_log_a_call(client, marketer, juergen):
    client.force_login(marketer)
    response = client.post(
        reverse("ui:customer-log-call", args=[juergen.pk]),
        {"direction": "outbound", "summary": "Werbung"},
    )
    assert response.status_code == 403


def test_notes_need_post(client, agent, juergen):
    client.force_login(agent)
    assert client.get(reverse("ui:customer-add-note", args=[juergen.pk])).status_code == 405


def test_agent_edits_a_profile(client, agent, juergen):
    client.force_login(agent)
    url = reverse("ui:customer-edit", args=[juergen.pk])
    form = client.get(url)
    assert form.status_code == 200
    data = {**form.context["form"].initial, "phone": "0170 9999999", "birthday": ""}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302
    juergen.refresh_from_db()
    assert juergen.phone == "0170 9999999"
    assert Activity.objects.filter(customer=juergen, kind=ActivityKind.CUSTOMER_UPDATED).exists()


def test_editing_to_a_taken_email_shows_the_service_message(client, agent, juergen):
    Customer.objects.create(email="taken@example.de", last_name="Andere")
    client.force_login(agent)
    url = reverse("ui:customer-edit", args=[juergen.pk])
    response = client.post(
        url,
        {"email": "taken@example.de", "form_of_address": "formal", "language": "de"},
    )
    assert response.status_code == 200
    assert "taken@example.de" in response.content.decode()
    juergen.refresh_from_db()
    assert juergen.email == "j.mueller@example.de"


def test_marketing_cannot_edit_a_profile(client, marketer, juergen):
    client.force_login(marketer)
    assert client.get(reverse("ui:customer-edit", args=[juergen.pk])).status_code == 403


def test_forbidden_page_is_the_friendly_403(client, marketer, juergen):
    client.force_login(marketer)
    response = client.get(reverse("ui:customer-edit", args=[juergen.pk]))
    assert "403.html" in [template.name for template in response.templates]


def test_agent_cannot_see_audit_trail(client, agent, juergen):
    client.force_login(agent)
    response = client.get(reverse("ui:customer-detail", args=[juergen.pk]))
    assert response.context["audit_entries"] is None
    assert 'id="audit-trail"' not in response.content.decode()


def test_team_lead_sees_audit_trail(client, team_lead, juergen):
    client.force_login(team_lead)
    response = client.get(reverse("ui:customer-detail", args=[juergen.pk]))
    assert 'id="audit-trail"' in response.content.decode()
    # Her own visit is the newest entry of the trail.
    assert response.context["audit_entries"][0].actor == team_lead
