"""The interface speaks German by default and English on request, and the German catalogue is
complete and compiled."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.urls import reverse

import stammkunde

LOCALE = Path(stammkunde.__file__).parent / "locale" / "de" / "LC_MESSAGES"


@pytest.fixture
def client():
    """A client that states no language, so the installation's default (German) applies."""
    from django.test import Client

    return Client()


def test_german_catalogue_is_complete_and_not_fuzzy():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    assert len(catalogue) > 100
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert not catalogue.metadata_is_fuzzy


def test_compiled_catalogue_matches_the_source():
    source = polib.pofile(str(LOCALE / "django.po"))
    compiled = polib.mofile(str(LOCALE / "django.mo"))
    expected = {
        entry.msgid: (entry.msgstr, entry.msgstr_plural and dict(entry.msgstr_plural))
        for entry in source.translated_entries()
    }
    actual = {
        entry.msgid: (entry.msgstr, entry.msgstr_plural and dict(entry.msgstr_plural))
        for entry in compiled
        if entry.msgid
    }
    assert actual == expected


def test_pages_are_german_by_default(client, agent, juergen):
    client.force_login(agent)
    html = client.get(reverse("ui:customer-detail", args=[juergen.pk])).content.decode()
    assert '<html lang="de">' in html
    assert "Verlauf" in html
    assert "Notiz hinzufügen" in html
    assert "49,90" in html


def test_switching_to_english(client, agent, juergen):
    client.force_login(agent)
    url = reverse("ui:customer-detail", args=[juergen.pk])
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert '<html lang="en-GB">' in html
    assert "Timeline" in html
    assert "Add a note" in html
    assert "Verlauf" not in html


def test_login_page_in_both_languages(client, db):
    assert "Anmelden" in client.get(reverse("ui:login")).content.decode()
    english = client.get(reverse("ui:login"), headers={"Accept-Language": "en"})
    assert "Log in" in english.content.decode()


def test_form_errors_are_german(client, agent, juergen):
    client.force_login(agent)
    response = client.post(
        reverse("ui:customer-log-call", args=[juergen.pk]),
        {"direction": "inbound", "summary": "   "},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()


def test_service_messages_are_german(client, agent, juergen):
    from stammkunde.customers.services.profile import create_customer

    create_customer(by=None, email="taken@example.de", last_name="Andere")
    client.force_login(agent)
    response = client.post(
        reverse("ui:customer-edit", args=[juergen.pk]),
        {"email": "taken@example.de", "form_of_address": "formal", "language": "de"},
    )
    assert "Ein anderer Kunde hat bereits die E-Mail-Adresse taken@example.de." in (
        response.content.decode()
    )


def test_a_staff_member_logs_in_to_the_language_they_chose(client, agent, juergen):
    from stammkunde.logins.services import set_staff_language

    agent.set_password("Kaffee-Passwort-2026")
    agent.save()
    set_staff_language(agent, "en", by=agent)
    response = client.post(
        reverse("ui:login"), {"username": agent.username, "password": "Kaffee-Passwort-2026"}
    )
    assert response.status_code == 302
    html = client.get(reverse("ui:customer-detail", args=[juergen.pk])).content.decode()
    assert '<html lang="en-GB">' in html
    assert "Timeline" in html


def test_the_header_switch_chooses_the_mail_language_too(client, agent):
    from stammkunde.logins.queries import chosen_language

    client.force_login(agent)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert chosen_language(agent) == "en"
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert chosen_language(agent) == "de"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert chosen_language(agent) == "de"
