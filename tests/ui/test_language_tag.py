"""The pages name the language they are served in as what they are: English dates and numbers
are written the British way (stammkunde/formats/en), so English pages are ``en-GB`` in their
``lang`` attribute and Content-Language; German ones ``de``. The help page, whose ``?lang=``
may differ from the browser's language, names the language it served, not the browser's."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from stammkunde.core.languages import language_tag

pytestmark = pytest.mark.django_db


def test_every_configured_language_has_a_tag_naming_its_formats():
    assert [language_tag(code) for code, _name in settings.LANGUAGES] == ["de", "en-GB"]


@pytest.mark.parametrize(("cookie", "tag"), [("en", "en-GB"), ("de", "de")])
def test_staff_pages_name_the_variant_served(client, cookie, tag):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get(reverse("ui:login"))
    assert f'<html lang="{tag}">' in response.content.decode()
    assert response["Content-Language"] == tag


def test_the_help_page_names_the_language_the_visitor_chose_not_the_browsers(client):
    response = client.get(reverse("help-center"), {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="de-DE,de")
    assert '<html lang="en-GB">' in response.content.decode()
    assert response["Content-Language"] == "en-GB"
    response = client.get(reverse("help-center"), {"lang": "de"}, HTTP_ACCEPT_LANGUAGE="en-GB,en")
    assert '<html lang="de">' in response.content.decode()
    assert response["Content-Language"] == "de"


@pytest.mark.parametrize(
    ("cookie", "tag", "words"),
    [("en", "en-GB", "could not be read"), ("de", "de", "nicht gelesen")],
)
def test_a_refused_staff_request_names_and_speaks_the_language_served(
    client, settings, cookie, tag, words
):
    # Django's own 400 page is English under lang="en" whatever the language served.
    settings.ALLOWED_HOSTS = ["stammkunde.example"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get(reverse("ui:login"), HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<html lang="{tag}">' in page and words in page
    assert response["Content-Language"] == tag


def test_a_server_error_names_and_speaks_the_language_served(settings):
    from django.test import Client
    from django.utils import translation

    from stammkunde.errors import server_error

    with translation.override("de"):
        response = server_error(Client().get("/").wsgi_request)
    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="de">' in page and "Etwas ist schiefgegangen" in page


def test_a_form_sent_without_its_token_is_refused_in_the_language_served(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.post(reverse("ui:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="de">' in page and "Formular konnte nicht gesendet werden" in page
    assert response["Content-Language"] == "de"
