"""House rules (versions, confirmations) and macros (sandbox-checked, personalised)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stammkunde.service.models import KnowledgeArticle, KnowledgeCategory, Macro
from stammkunde.service.queries import current_standard, search_articles, unconfirmed_staff
from stammkunde.service.reply_context import reply_context
from stammkunde.service.services.macros import KnowledgeError, render_macro, save_macro
from stammkunde.service.services.standards import (
    StandardError,
    confirm_standard,
    publish_standard,
)
from stammkunde.shop.models import Shipment
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def test_each_new_version_must_be_confirmed_again(anna, lena):
    with pytest.raises(StandardError):
        publish_standard(title="Regeln", body="Wir siezen.", by=anna)
    first = publish_standard(title="Regeln", body="Wir siezen.", by=lena)
    assert first.version == 1
    assert [user.username for user in unconfirmed_staff(first)] == ["anna", "lena"]
    confirm_standard(first, by=anna)
    confirm_standard(first, by=anna)
    assert [user.username for user in unconfirmed_staff(first)] == ["lena"]
    second = publish_standard(title="Regeln", body="Wir duzen im Chat.", by=lena)
    assert second.version == 2
    assert current_standard() == second
    assert [user.username for user in unconfirmed_staff(second)] == ["anna", "lena"]


def test_macro_is_checked_in_the_sandbox_on_save(lena, anna):
    with pytest.raises(KnowledgeError):
        save_macro(None, name="x", body="{{ salutation }}", language="de", by=anna)
    with pytest.raises(KnowledgeError) as bad:
        save_macro(None, name="x", body="{{ ''.__class__ }}", language="de", by=lena)
    assert bad.value.problems
    with pytest.raises(KnowledgeError) as unknown:
        save_macro(None, name="x", body="{{ custmer.name }}", language="de", by=lena)
    assert "custmer" in unknown.value.problems[0]
    assert not Macro.objects.filter(crisis_plan__isnull=True).exists()


def test_macro_fills_salutation_order_products_and_tracking(lena):
    customer = CustomerFactory(
        first_name="Anna", last_name="Müller", salutation="ms", form_of_address="formal"
    )
    order = OrderFactory(customer=customer, number="10234", total=Decimal("49.90"))
    OrderLineFactory(order=order, name="Äthiopien Sidamo")
    Shipment.objects.create(
        order=order,
        carrier="DHL",
        tracking_url="https://www.dhl.de/track?piececode=123",
        shipped_at=order.placed_at,
    )
    macro = save_macro(
        None,
        name="Paket unterwegs",
        body=(
            "{{ salutation }},\nIhre Bestellung {{ order.number }} "
            "({% for line in order.lines %}{{ line.name }}{% endfor %}) ist unterwegs: "
            "{{ order.tracking_url }}"
        ),
        language="de",
        by=lena,
    )
    text = render_macro(macro, reply_context(customer, order=order))
    assert text == (
        "Sehr geehrte Frau Müller,\nIhre Bestellung 10234 (Äthiopien Sidamo) ist unterwegs: "
        "https://www.dhl.de/track?piececode=123"
    )
    informal = CustomerFactory(first_name="Tom", form_of_address="informal")
    assert render_macro(macro, reply_context(informal)).startswith("Hallo Tom,")


def test_article_search_ranks_title_matches_first(lena):
    from stammkunde.service.models import KnowledgeArticle, KnowledgeCategory

    category = KnowledgeCategory.objects.create(slug="versand", name_de="Versand", name_en="Ship")
    KnowledgeArticle.objects.create(
        category=category, title="Rücksendung", body="Das Paket zurückschicken", language="de"
    )
    best = KnowledgeArticle.objects.create(
        category=category, title="Paket nicht angekommen", body="Sendungsverfolgung", language="de"
    )
    KnowledgeArticle.objects.create(
        category=category, title="Paket intern", body="x", language="de", is_public=False
    )
    found = search_articles("Mein Paket ist nicht angekommen", language="de")
    assert found[0] == best
    assert len(found) == 2


def test_search_finds_articles_in_other_forms_and_under_a_capital_umlaut(db):
    """'Rücksendungen' missed the article 'Rücksendung', and on SQLite 'öffnungszeiten' (the
    words are lower-cased) missed 'Öffnungszeiten': SQLite folds ASCII letters only."""
    category = KnowledgeCategory.objects.create(slug="hilfe", name_de="Hilfe", name_en="Help")
    returns = KnowledgeArticle.objects.create(
        category=category, title="Rücksendung", body="Etikett anfordern", language="de"
    )
    hours = KnowledgeArticle.objects.create(
        category=category, title="Öffnungszeiten der Hotline", body="Mo bis Fr", language="de"
    )
    assert search_articles("Rücksendungen", language="de") == [returns]
    assert search_articles("öffnungszeiten", language="de") == [hours]
    assert search_articles("Wann sind Ihre Öffnungszeiten?", language="de") == [hours]
