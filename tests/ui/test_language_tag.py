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
