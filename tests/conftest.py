"""Shared fixtures: staff users per role, a shop, and English messages outside requests."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import make_staff_user

# A test uses the database when it has the django_db marker or needs one of these fixtures
# (directly or through another fixture). Only those run again on the second database.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only tests that use the database (scripts/test: the second database's pass)",
    )


def uses_database(item: pytest.Item) -> bool:
    """Whether the test touches the database through pytest-django (see DATABASE_FIXTURES)."""
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    """With --database-tests-only, leave out the pure tests: they ran on the first pass."""
    if not config.getoption("--database-tests-only"):
        return
    pure = [item for item in items if not uses_database(item)]
    if pure:
        config.hook.pytest_deselected(items=pure)
        items[:] = [item for item in items if uses_database(item)]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a database file, as the product does, not shared-cache memory.

    In shared-cache memory a second connection (a worker thread) gets "table is locked" at
    once instead of waiting its turn (WAL and the busy timeout only work on a file).
    """
    import os

    from django.conf import settings
    from django.db import connections

    database = settings.DATABASES["default"]
    # pytest-django's xdist suffix gives a file name to every engine but Django's own SQLite
    # one ("test_<path>_gw0"); ours (core.sqlite) gets its file here unless the run names one.
    if connections["default"].vendor == "sqlite" and not os.environ.get(
        "STAMMKUNDE_TEST_SQLITE_NAME"
    ):
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty default cache: pages keep figures there
    (analytics.figures_cache, the start page's customer count) that another test's rows made."""
    from django.core.cache import cache

    cache.clear()
    yield


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
