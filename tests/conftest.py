"""Shared fixtures: staff users per role, a shop, and English messages outside requests."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import make_staff_user


@pytest.fixture(autouse=True)
def english_messages():
    """Service messages are asserted in English; requests still pick their own language."""
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """Django's test client asking for English pages, as a browser set to English would."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def agent(db):
    """Anna works in the service team."""
    return make_staff_user("anna", role="Service agent")


@pytest.fixture
def team_lead(db):
    """Lena leads the service team."""
    return make_staff_user("lena", role="Team lead")


@pytest.fixture
def marketer(db):
    """Mark runs newsletters and campaigns."""
    return make_staff_user("mark", role="Marketing")


@pytest.fixture
def shop(db):
    from stammkunde.shop.models import Platform, Shop

    return Shop.objects.create(name="Kaffeerösterei Süd", slug="kaffee", platform=Platform.CSV)
