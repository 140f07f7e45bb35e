"""Production mode refuses unsafe settings; the data directory and the SQLite database are
private to their owner; pages carry the browser protections."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from stammkunde.core.deployment import production_problems, weak_secret_key

STRONG_KEY = "k7Qm2xW9pL4vN8rT1sY6uB3eH5jF0aZcXgDqRwEoIyUtMn8Vb4Lk2P"


def test_weak_secret_keys():
    assert weak_secret_key("geheim")
    assert weak_secret_key("a" * 80)
    assert weak_secret_key("django-insecure-" + STRONG_KEY)
    assert not weak_secret_key(STRONG_KEY)


def test_production_problems_name_each_mistake():
    assert (
        production_problems(debug=False, allowed_hosts=["crm.example"], secret_key=STRONG_KEY) == []
    )
    problems = production_problems(debug=True, allowed_hosts=["*"], secret_key="kurz")
    assert len(problems) == 3
    assert "DEBUG" in problems[0]
    assert "'*'" in problems[1]
    assert "weak" in problems[2]
    assert production_problems(debug=False, allowed_hosts=[], secret_key="") == [
        "STAMMKUNDE_ALLOWED_HOSTS is required in production mode",
        "STAMMKUNDE_SECRET_KEY (or STAMMKUNDE_SECRET_KEY_FILE) is required",
    ]


# Load the settings, open the database (SQLite creates its file), say so.
STARTUP = (
    "import django; django.setup(); from django.db import connection; "
    "connection.ensure_connection(); print('started')"
)


def run_settings(data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter (they are read once per process)."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("STAMMKUNDE_")
    }
    environment.update(
        STAMMKUNDE_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="stammkunde.settings", **env
    )
    return subprocess.run(
        [
            sys.executable,
            "-c",
            STARTUP,
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STAMMKUNDE_DEBUG": "true"}, "STAMMKUNDE_DEBUG must be off"),
        ({"STAMMKUNDE_ALLOWED_HOSTS": "*"}, "must name the hosts"),
        ({"STAMMKUNDE_SECRET_KEY": "changeme"}, "is weak"),
    ],
)
def test_production_mode_refuses_to_start(tmp_path, env, message):
    settings = {
        "STAMMKUNDE_MODE": "production",
        "STAMMKUNDE_ALLOWED_HOSTS": "crm.example.com",
        "STAMMKUNDE_SECRET_KEY": STRONG_KEY,
        **env,
    }
    result = run_settings(tmp_path / "data", **settings)
    assert result.returncode != 0
    assert "Production mode refuses to start" in result.stderr
    assert message in result.stderr


def test_production_mode_starts_with_good_settings(tmp_path):
    result = run_settings(
        tmp_path / "data",
        STAMMKUNDE_MODE="production",
        STAMMKUNDE_ALLOWED_HOSTS="crm.example.com",
        STAMMKUNDE_SECRET_KEY=STRONG_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_the_data_directory_and_database_are_private(tmp_path):
    data_dir = tmp_path / "new" / "data"
    result = run_settings(data_dir)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / "stammkunde.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "secret_key").stat().st_mode) == 0o600


def test_a_wider_existing_data_directory_is_tightened(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    assert run_settings(data_dir).returncode == 0
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_a_shared_sticky_directory_is_refused_not_tightened(tmp_path):
    """Pointing the data directory at /tmp must not make /tmp 0700 for the whole machine."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    result = run_settings(shared)
    assert result.returncode != 0
    assert "is a shared directory" in result.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert not (shared / "stammkunde.sqlite3").exists()


@pytest.mark.django_db
def test_staff_pages_are_not_cached_and_carry_a_strict_csp(client, agent):
    client.force_login(agent)
    for url in (reverse("ui:home"), reverse("ui:customer-list"), reverse("ui:login")):
        response = client.get(url, follow=True)
        assert "no-store" in response["Cache-Control"]
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_production_settings_redirect_to_https_with_hsts(client, settings, agent):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get(reverse("ui:login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    secure = client.get(reverse("ui:login"), secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


PAGES = Path(__file__).parents[2] / "src" / "stammkunde"
# Templates of pages shown in the browser (mail templates are not under the page CSP).
PAGE_TEMPLATE_FOLDERS = (
    "ui",
    "api/templates",
    "service/templates",
    "messaging/templates/messaging/public",
)


def test_no_page_template_has_inline_script_or_style():
    # The CSP allows neither: inline code would be blocked in the browser.
    found = []
    for folder in PAGE_TEMPLATE_FOLDERS:
        for path in (PAGES / folder).rglob("*.html"):
            text = path.read_text()
            found += [
                (path.name, pattern)
                for pattern in ("<style", " style=", " onclick=", " onload=", " onsubmit=", "hx-on")
                if pattern in text
            ]
            found += [
                (path.name, "<script> without src")
                for tag in text.split("<script")[1:]
                if "src=" not in tag.split(">", 1)[0]
            ]
    assert found == []
