"""A staff member's own settings page (the language of their mail) and the admin's view of it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from stammkunde.audit.models import AuditEntry
from stammkunde.logins.models import StaffPreference
from stammkunde.logins.queries import staff_language

pytestmark = pytest.mark.django_db


def test_staff_member_chooses_the_language_of_their_mail(client, agent, settings):
    settings.LANGUAGE_CODE = "de"
    client.force_login(agent)
    url = reverse("ui:account-settings")
    page = client.get(url).content.decode()
    assert "Language of your mail" in page
    assert "As the installation (Deutsch)" in page
    assert staff_language(agent) == "de"

    response = client.post(url, {"language": "en"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    agent.refresh_from_db()
    assert staff_language(agent) == "en"
    assert AuditEntry.objects.filter(object_type="logins.staffpreference").exists()
    assert 'value="en" selected' in client.get(url).content.decode()

    assert client.post(url, {"language": "fr"}).status_code == 422
    assert StaffPreference.objects.get(user=agent).language == "en"
    client.post(url, {"language": ""})
    agent.refresh_from_db()
    assert staff_language(agent) == "de"


def test_the_header_links_to_the_own_settings(client, agent):
    client.force_login(agent)
    page = client.get(reverse("ui:home")).content.decode()
    assert f'class="who" href="{reverse("ui:account-settings")}"' in page


def test_a_superuser_sets_a_staff_members_language_in_the_admin(client, agent, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@shop.example", "x")
    client.force_login(root)
    url = reverse("admin:auth_user_change", args=[agent.pk])
    assert "staff_preference-0-language" in client.get(url).content.decode()
    form = {
        "username": agent.username,
        "first_name": agent.first_name,
        "last_name": agent.last_name,
        "email": agent.email,
        "is_active": "on",
        "groups": [str(pk) for pk in agent.groups.values_list("pk", flat=True)],
        "date_joined_0": agent.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": agent.date_joined.strftime("%H:%M:%S"),
        "staff_preference-TOTAL_FORMS": "1",
        "staff_preference-INITIAL_FORMS": "0",
        "staff_preference-MIN_NUM_FORMS": "0",
        "staff_preference-MAX_NUM_FORMS": "1",
        "staff_preference-0-language": "en",
        "staff_preference-0-user": str(agent.pk),
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert StaffPreference.objects.get(user=agent).language == "en"
    assert AuditEntry.objects.filter(
        object_type="logins.staffpreference", actor_id=root.pk
    ).exists()


def test_the_default_is_the_installation_language(agent):
    assert staff_language(agent) == settings.LANGUAGE_CODE
