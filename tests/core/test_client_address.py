"""The client's address behind our reverse proxies: counted per visitor, not per proxy, by the
help page's case form and the failed-login lockout; a forged header straight to us is ignored."""

from __future__ import annotations

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
from django.urls import reverse

from stammkunde.core.client_address import client_address
from stammkunde.service.models import WebFormSubmission

PROXY = "10.0.0.1"


def request(forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=PROXY, **extra)


@pytest.fixture
def behind_one_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.PROXY_COUNT = 1


def test_without_a_proxy_the_peer_is_the_client_and_the_header_is_ignored(settings):
    settings.BEHIND_PROXY = False
    assert client_address(request("203.0.113.7")) == PROXY


def test_behind_a_proxy_the_address_it_saw_is_the_client(behind_one_proxy):
    # The client sent a forged entry first; our proxy appended the address it saw.
    assert client_address(request("198.51.100.1, 203.0.113.7")) == "203.0.113.7"


def test_behind_two_proxies_the_outer_ones_entry_is_the_client(settings):
    settings.BEHIND_PROXY = True
    settings.PROXY_COUNT = 2
    assert client_address(request("198.51.100.1, 203.0.113.7, 10.0.0.9")) == "203.0.113.7"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", " , "])
def test_a_missing_or_broken_header_falls_back_to_the_peer(behind_one_proxy, forwarded):
    assert client_address(request(forwarded)) == PROXY


def test_the_login_lockout_counts_the_client_not_the_proxy(behind_one_proxy):
    # axes' ipware settings did nothing (django-ipware is not installed): it saw the proxy.
    assert get_client_ip_address(request("203.0.113.7")) == "203.0.113.7"


@pytest.mark.django_db
def test_the_case_form_throttles_each_visitor_behind_the_proxy_on_their_own(
    client, behind_one_proxy
):
    """Every visitor came from the proxy's address: after three messages from anyone in ten
    minutes the form refused the whole shop's customers."""
    statuses = [
        client.post(
            reverse("help-contact") + "?lang=de",
            {"email": f"kundin{number}@example.de", "message": "Paket nicht angekommen"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}",
        ).status_code
        for number in range(5)
    ]
    assert statuses == [200] * 5
    assert WebFormSubmission.objects.count() == 5
    # One visitor's flood is still throttled.
    flood = [
        client.post(
            reverse("help-contact"),
            {"email": "bot@example.de", "message": "Billige Uhren"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.66",
        ).status_code
        for _ in range(4)
    ]
    assert flood == [200, 200, 200, 429]
