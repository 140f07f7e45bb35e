"""Every subnav marks where the reader is: aria-current="page" on the link to the page shown,
aria-current="true" on the link of the section a form or detail page belongs to, and nothing
on the other links; the stylesheet makes both visible."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from stammkunde.service.models import CrisisPlan
from tests.factories import CustomerFactory, make_staff_user

SUBNAV = re.compile(r'<nav class="subnav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]*)"([^>]*)>')


def marked_links(html: str) -> list[tuple[str, str]]:
    """(href, aria-current value) of every marked link in the page's subnav."""
    navs = SUBNAV.findall(html)
    assert len(navs) == 1, "the page has one subnav"
    found = []
    for href, attributes in LINK.findall(navs[0]):
        current = re.search(r'aria-current="([^"]*)"', attributes)
        if current:
            found.append((href, current.group(1)))
    return found


@pytest.fixture
def admin(db):
    return make_staff_user("ada", role="Admin")


@pytest.mark.parametrize(
    ("page", "args", "section", "mark"),
    [
        # The service desk's subnav (desk/_subnav.html).
        ("goodwill-list", [], "/service/goodwill/", "page"),
        ("goodwill-report", [], "/service/goodwill/report/", "page"),
        ("standards", [], "/service/standards/", "page"),
        ("macro-list", [], "/service/macros/", "page"),
        ("macro-new", [], "/service/macros/", "true"),
        ("article-list", [], "/service/knowledge/", "page"),
        ("article-new", [], "/service/knowledge/", "true"),
        ("help-settings", [], "/service/knowledge/", "true"),
        ("crisis-plan-list", [], "/service/crisis-plans/", "page"),
        ("refund-clock-list", [], "/service/refunds/", "page"),
        ("incident-list", [], "/service/incidents/", "page"),
        ("desk-policies", [], "/service/policies/", "page"),
        # Messaging's subnav.
        ("drehbuch", [], "/messaging/drehbuch/", "page"),
        ("trigger-add", [], "/messaging/drehbuch/", "true"),
        ("campaign-list", [], "/messaging/campaigns/", "page"),
        ("campaign-add", [], "/messaging/campaigns/", "true"),
        # Analytics' subnav.
        ("dashboard", [], "/analytics/", "page"),
        ("segment-list", [], "/analytics/segments/", "page"),
        ("segment-add", [], "/analytics/segments/", "true"),
        ("goals", [], "/analytics/goals/", "page"),
    ],
)
def test_the_subnav_marks_the_page_or_its_section(client, admin, page, args, section, mark):
    client.force_login(admin)
    response = client.get(reverse(f"ui:{page}", args=args))
    assert response.status_code == 200
    assert marked_links(response.content.decode()) == [(section, mark)]


def test_a_crisis_plan_and_a_goodwill_form_mark_their_list(client, admin):
    client.force_login(admin)
    plan = CrisisPlan.objects.first()
    html = client.get(reverse("ui:crisis-plan-edit", args=[plan.pk])).content.decode()
    assert marked_links(html) == [("/service/crisis-plans/", "true")]
    customer = CustomerFactory()
    html = client.get(reverse("ui:goodwill-new", args=[customer.pk])).content.decode()
    assert marked_links(html) == [("/service/goodwill/", "true")]


def test_the_stylesheet_shows_both_marks():
    css = (
        Path(__file__).resolve().parents[2] / "src/stammkunde/ui/static/ui/analytics.css"
    ).read_text()
    assert '.subnav a[aria-current="page"] {' in css
    assert '.subnav a[aria-current="true"] {' in css
