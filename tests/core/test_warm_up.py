"""The web process's warm-up compiles every template of the project (so a template that does
not compile shows here, not on some page) and imports every project module, without the
database."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from stammkunde.core.warm_up import our_templates, project_modules, warm_up


@pytest.mark.timeout(120)
def test_warm_up_compiles_every_template_without_a_warning(caplog):
    names = our_templates()
    assert "ui/base.html" in names
    assert len(names) > 50
    with caplog.at_level(logging.WARNING, logger="stammkunde.core.warm_up"):
        warm_up()
    assert [record.getMessage() for record in caplog.records] == []


@pytest.mark.timeout(120)
def test_a_template_that_cannot_be_loaded_is_reported_and_not_fatal(caplog, monkeypatch):
    from stammkunde.core import warm_up as module

    monkeypatch.setattr(module, "our_templates", lambda: ["ui/base.html", "ui/gone.html"])
    with caplog.at_level(logging.WARNING, logger="stammkunde.core.warm_up"):
        seconds = module.warm_up()
    assert seconds >= 0
    assert [record.getMessage() for record in caplog.records] == [
        "warm-up: template ui/gone.html: ui/gone.html"
    ]


def test_project_modules_lists_the_lazily_imported_ones_and_skips_the_command_line():
    names = project_modules()
    # Imported only inside functions of other modules, so no URLconf import reaches them.
    assert "stammkunde.analytics.cohorts" in names
    assert "stammkunde.service.intake.filing" in names
    assert "stammkunde.core.warm_up" in names
    assert "stammkunde.cli" not in names
    assert "stammkunde.__main__" not in names
    assert "stammkunde.demo.people" not in names
    assert not [name for name in names if ".migrations." in name or ".management." in name]
    assert names == sorted(set(names))


@pytest.mark.timeout(120)
def test_a_module_that_fails_to_import_is_reported_and_not_fatal(caplog, monkeypatch):
    from stammkunde.core import warm_up as module

    monkeypatch.setattr(
        module, "project_modules", lambda: ["stammkunde.core.throttle", "stammkunde.core.gone"]
    )
    with caplog.at_level(logging.WARNING, logger="stammkunde.core.warm_up"):
        failed = module.import_project_modules()
    assert failed == ["stammkunde.core.gone"]
    assert [record.getMessage() for record in caplog.records] == [
        "warm-up: module stammkunde.core.gone: No module named 'stammkunde.core.gone'"
    ]


@pytest.mark.timeout(180)
def test_a_fresh_process_has_every_project_module_after_warm_up(tmp_path):
    """In a new interpreter (as a web process starts), warm_up leaves no project module for the
    first request to import, and none fails."""
    script = (
        "import sys, django, logging\n"
        "logging.basicConfig(level=logging.WARNING)\n"
        "django.setup()\n"
        "from stammkunde.core.warm_up import project_modules, warm_up\n"
        "warm_up()\n"
        "missing = [name for name in project_modules() if name not in sys.modules]\n"
        "print('MISSING', missing)\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stammkunde.settings",
        "STAMMKUNDE_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        timeout=170,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "MISSING []" in result.stdout
    assert "warm-up:" not in result.stderr
