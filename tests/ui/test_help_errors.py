"""Errors under /help/, the public help page a shop embeds in an iframe: they may be framed as
the help page may (the shop showed the browser's refusal inside its frame), look like the help
page (not the staff interface, whose links lead to a login) and speak the visitor's language.
Errors elsewhere keep the staff interface's pages and its DENY."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import reverse

from stammkunde.service.public import views

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_frames(settings):
    settings.HELP_PAGE_FRAME_ANCESTORS = ["https://shop.example"]


def assert_framed_like_the_help_page(response):
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example" in policy
    assert "unsafe-inline" not in policy
    page = response.content.decode()
    assert "service/help" in page  # the help page's style sheet
    assert "ui/" not in page and 'href="/login' not in page


def test_an_unknown_address_and_a_withdrawn_article_answer_in_the_help_pages_frame(
    client, shop_frames
):
    for url in ["/help/nope/", reverse("help-article", args=[999999])]:
        response = client.get(url, {"lang": "de"})
        assert response.status_code == 404
        assert_framed_like_the_help_page(response)
        page = response.content.decode()
        assert "Seite nicht gefunden" in page
        assert '<html lang="de">' in page
        assert f'href="{reverse("help-center")}?lang=de"' in page


def test_the_error_speaks_the_visitors_language(client, shop_frames):
    response = client.get("/help/nope/", HTTP_ACCEPT_LANGUAGE="en-GB,en")
    page = response.content.decode()
    assert "Page not found" in page and '<html lang="en-GB">' in page
    assert response["Content-Language"] == "en-GB"
    response = client.get("/help/nope/", {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="de-DE,de")
    assert "Page not found" in response.content.decode()
    assert response["Content-Language"] == "en-GB"


@pytest.mark.parametrize(
    ("raised", "status", "german"),
    [(SuspiciousOperation, 400, "nicht gelesen"), (PermissionDenied, 403, "Nicht erlaubt")],
)
def test_a_refused_request_answers_in_the_help_pages_frame(
    shop_frames, monkeypatch, raised, status, german
):
    def refuse(request, *args, **kwargs):
        raise raised("refused")

    monkeypatch.setattr(views, "_page", refuse)
    response = Client(raise_request_exception=False).get(reverse("help-center"), {"lang": "de"})
    assert response.status_code == status
    assert_framed_like_the_help_page(response)
    assert german in response.content.decode()


def test_a_flood_of_the_case_form_is_refused_in_the_help_pages_frame(client, shop_frames):
    data = {"email": "bot@example.de", "message": "Hallo", "name": "B"}
    for _ in range(3):
        client.post(reverse("help-contact") + "?lang=de", data)
    response = client.post(reverse("help-contact") + "?lang=de", data)
    assert response.status_code == 429
    assert_framed_like_the_help_page(response)


def test_the_contact_address_opened_without_the_form_leads_back_to_the_help_page(client):
    response = client.get(reverse("help-contact"), {"lang": "en"})
    assert response.status_code == 302
    assert response["Location"] == reverse("help-center") + "?lang=en"


def test_errors_of_the_staff_pages_stay_unframable(client):
    response = client.get("/nope-not-a-page/")
    assert response.status_code == 404
    assert response["X-Frame-Options"] == "DENY"


def test_a_mail_link_cut_short_shows_the_customer_the_invalid_link_page(client):
    # /m/ is the customers' links from mails: the staff 404 offered them the customer search.
    response = client.get("/m/unsubscribe/", HTTP_ACCEPT_LANGUAGE="de-DE,de")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Link ungültig" in page or "nicht (mehr) gültig" in page
    assert "messaging/public" in page
    assert "customer-list" not in page and "/customers/" not in page
