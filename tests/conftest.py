"""Shared fixtures: staff users per role, a shop, and English messages outside requests."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import make_staff_user


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a database file, as the product does, not shared-cache memory.

    In shared-cache memory a second connection (a worker thread) gets "table is locked" at
    once instead of waiting its turn (WAL and the busy timeout only work on a file).
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and not database.get("TEST", {}).get("NAME"):
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


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
