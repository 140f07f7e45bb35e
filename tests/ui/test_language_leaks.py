"""The English pages show no German sentences and the German pages no English ones (issue 15):
verdicts, warnings and errors made in Python go through gettext or are rendered from codes."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from stammkunde.analytics.services import run_scoring
from tests.factories import CustomerFactory, OrderFactory, make_staff_user
from tests.ui.test_dashboard import shop_history

pytestmark = pytest.mark.django_db

# Words of the product's German that no English page may show (names and addresses of the
# test customers are not among them).
GERMAN_WORDS = [
    "und", "nicht", "ist", "Kunden", "Bestellungen", "Umsatz", "gestiegen", "gesunken",
    "ungewöhnlich", "Zeitraum", "Kennzahlen", "bisher", "insgesamt", "Prozentpunkte", "Tsd",
    "Mio", "Vormonat", "Vorwoche", "keine", "Abwanderung", "Warenkorb",
]  # fmt: skip
# English phrases that came from Python (exceptions, stored sentences) into German pages.
ENGLISH_PHRASES = [
    "field larger than field limit", "No such file or directory", "Traceback",
    "unusual for this shop", "holdout window", "compared with", " rose by ", " fell by ",
    "Revenue", "Orders per customer", "not over yet", "so far",
]  # fmt: skip
PAGES = [
    "ui:home", "ui:dashboard", "ui:goals", "ui:segment-list", "ui:customer-list",
    "ui:shop-list", "ui:inbox", "ui:outbox-list", "ui:duplicate-list",
]  # fmt: skip


def visible_text(html: str) -> str:
    """The text a reader sees: no scripts, styles, tags or attribute values."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _open_all(client, language: str, *, pages=PAGES) -> dict[str, str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    texts = {}
    for name in pages:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        texts[name] = visible_text(response.content.decode())
    return texts


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_staff_user("ada", role="Admin"))
    return client


def test_english_pages_show_no_german(admin_client):
    shop_history(30)
    run_scoring()
    for name, text in _open_all(admin_client, "en").items():
        for word in GERMAN_WORDS:
            assert not re.search(rf"\b{re.escape(word)}\b", text), (name, word)


def test_german_pages_show_no_english_from_python(admin_client):
    shop_history(30)
    run_scoring()
    for name, text in _open_all(admin_client, "de").items():
        for phrase in ENGLISH_PHRASES:
            assert phrase not in text, (name, phrase)


def test_a_calibration_that_could_not_run_says_why_in_the_readers_language(admin_client):
    # Five customers: too few for the check, which stores its reason as a code.
    for _index in range(5):
        OrderFactory(customer=CustomerFactory())
    run_scoring()
    german = _open_all(admin_client, "de", pages=["ui:dashboard"])["ui:dashboard"]
    english = _open_all(admin_client, "en", pages=["ui:dashboard"])["ui:dashboard"]
    assert "holdout window" not in german and "holdout window" not in english
    assert "Zeitraum" in german
