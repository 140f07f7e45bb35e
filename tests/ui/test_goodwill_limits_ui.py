"""The goodwill limits page: a team lead sets limits per role, kind and case type, reads which
limit applies (the fallback order) and what is in effect; the agent's form says the limit per
kind where the kinds differ."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from stammkunde.service.models import GoodwillLimit
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def in_effect_row(html: str, role: str, kind: str) -> list[str]:
    table = re.search(rf'<table class="list" data-role="{role}">(.*?)</table>', html, re.S)
    assert table, role
    row = re.search(rf'<tr><th scope="row">{kind}</th>(.*?)</tr>', table.group(1), re.S)
    assert row, kind
    return re.findall(r'<td class="num">(.*?)</td>', row.group(1))


def test_a_lead_sets_a_limit_per_kind_and_reads_what_is_in_effect(client, team_lead):
    GoodwillLimit.objects.create(role="Service agent", maximum=Decimal("20"))
    client.force_login(team_lead)
    url = reverse("ui:desk-policies")
    response = client.post(
        url,
        {"role": "Service agent", "kind": "refund", "case_type": "complaint", "maximum": "7.50"},
    )
    assert response.status_code == 302
    limit = GoodwillLimit.objects.get(kind="refund")
    assert (limit.role, limit.case_type, limit.maximum) == (
        "Service agent",
        "complaint",
        Decimal("7.50"),
    )
    html = client.get(url).content.decode()
    assert "else its limit for this kind in every case type," in html
    assert "a replacement or a gift by the goods" in html
    assert "selling price, not by a count." in html
    # Columns: every other case type, then complaint.
    assert in_effect_row(html, "Service agent", "Partial refund") == ["€20.00", "€7.50"]
    assert in_effect_row(html, "Service agent", "Gift") == ["€20.00", "€20.00"]
    assert in_effect_row(html, "Mediator", "Gift") == ["\u2013", "\u2013"]


def test_bad_limits_get_a_clear_error_not_a_crash(client, team_lead):
    client.force_login(team_lead)
    url = reverse("ui:desk-policies")
    for values in (
        {"role": "Service agent", "kind": "cash", "maximum": "5"},
        {"role": "Service agent", "kind": "", "maximum": "-5"},
        {"role": "Service agent", "kind": "", "maximum": "9999999"},
    ):
        assert client.post(url, values).status_code == 422
    assert client.post(url, {"remove": "abc"}).status_code == 404
    assert not GoodwillLimit.objects.exists()


def test_an_agent_may_not_open_the_limits_page(client, agent):
    client.force_login(agent)
    assert client.get(reverse("ui:desk-policies")).status_code == 403


def test_the_form_says_the_limit_per_kind_where_kinds_differ(client, agent):
    GoodwillLimit.objects.create(role="Service agent", maximum=Decimal("20"))
    GoodwillLimit.objects.create(role="Service agent", kind="refund", maximum=Decimal("5"))
    customer = CustomerFactory()
    client.force_login(agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    html = client.get(reverse("ui:goodwill-new", args=[customer.pk])).content.decode()
    assert (
        "Ihr Limit: Gutschein 20,00\u00a0€, Teilerstattung 5,00\u00a0€, "
        "Versandkostenfrei 20,00\u00a0€, Kostenloser Ersatz 20,00\u00a0€, "
        "Geschenk 20,00\u00a0€." in html
    )
