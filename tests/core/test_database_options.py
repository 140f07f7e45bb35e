"""PostgreSQL connections bind parameters on the server and prepare repeated statements
(settings.py); STAMMKUNDE_DATABASE_PREPARE=false turns the preparing off for connection poolers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

POSTGRES_URL = "postgres://crm:secret@db.example:5432/stammkunde"
PRINT_OPTIONS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
)


def database_options(tmp_path, **env: str) -> dict:
    """The default database's OPTIONS as the settings make them in a fresh interpreter (nothing
    connects: the URL's server does not exist)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STAMMKUNDE_")}
    environment.update(
        STAMMKUNDE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="stammkunde.settings", **env
    )
    finished = subprocess.run(
        [sys.executable, "-c", PRINT_OPTIONS],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_postgresql_binds_on_the_server_and_prepares_by_default(tmp_path):
    options = database_options(tmp_path, STAMMKUNDE_DATABASE_URL=POSTGRES_URL)
    assert options == {"server_side_binding": True, "prepare_threshold": 5}


def test_preparing_can_be_turned_off_and_the_urls_options_are_kept(tmp_path):
    options = database_options(
        tmp_path,
        STAMMKUNDE_DATABASE_URL=POSTGRES_URL + "?sslmode=require",
        STAMMKUNDE_DATABASE_PREPARE="false",
    )
    assert options == {"server_side_binding": True, "prepare_threshold": None, "sslmode": "require"}


@pytest.mark.django_db
def test_a_repeated_query_is_prepared_once_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    from django.contrib.auth.models import User

    for number in range(8):
        list(User.objects.filter(username=f"niemand{number}"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%"auth_user"."username" = $1%'],
        )
        (prepared,) = cursor.fetchone()
    assert prepared == 1
