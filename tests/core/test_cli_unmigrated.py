"""``stammkunde`` against a data directory that was never migrated says so and how to fix it."""

from __future__ import annotations

import os
import subprocess
import sys

import stammkunde.connectors

SAMPLE = os.path.join(os.path.dirname(stammkunde.connectors.__file__), "samples", "orders.csv")


def run(data_dir, language, *args):
    env = {
        **os.environ,
        "STAMMKUNDE_DATA_DIR": str(data_dir),
        "STAMMKUNDE_LANGUAGE": language,
    }
    env.pop("STAMMKUNDE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "stammkunde", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_into_a_never_migrated_directory_names_the_fix(tmp_path):
    result = run(tmp_path, "de", "import", "orders", SAMPLE)

    assert result.returncode != 0
    assert "noch keine Tabellen" in result.stderr
    assert "stammkunde migrate" in result.stderr
    assert "no such table" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_the_english_message_too(tmp_path):
    result = run(tmp_path, "en", "analytics", "run")

    assert result.returncode == 2
    assert "has no tables yet" in result.stderr
    assert "stammkunde migrate" in result.stderr
