"""The web process's warm-up compiles every template of the project (so a template that does
not compile shows here, not on some page) and imports the views, without the database."""

from __future__ import annotations

import logging

import pytest

from stammkunde.core.warm_up import our_templates, warm_up


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
