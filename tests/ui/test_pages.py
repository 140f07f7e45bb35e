"""The staff pages render for a logged-in agent, anonymous visitors go to the login page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.models import CustomerStatus
from stammkunde.customers.services.profile import create_customer
from stammkunde.timeline.models import Activity, ActivityKind
from stammkunde.timeline.services import record_activity
from tests.factories import PASSWORD


@pytest.mark.parametrize(
    "name",
    ["ui:home", "ui:customer-list"],
)
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("ui:login"))


def test_anonymous_cannot_open_a_customer(client, juergen):
    response = client.get(reverse("ui:customer-detail", args=[juergen.pk]))
    assert response.status_code == 302
    assert reverse("ui:login") in response["Location"]


def test_agent_logs_in_and_out(client, agent):
    response = client.post(reverse("ui:login"), {"username": "anna", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:home")
    response = client.post(reverse("ui:logout"))
    assert response.status_code == 302
    assert client.get(reverse("ui:home")).status_code == 302


def test_wrong_password_shows_the_form_again(client, agent):
    response = client.post(reverse("ui:login"), {"username": "anna", "password": "falsch"})
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_home_shows_figures_and_latest_entries(client, team_lead, juergen):
    client.force_login(team_lead)
    response = client.get(reverse("ui:home"))
    assert response.status_code == 200
    assert response.context["customer_count"] == 1
    # No analysis has run yet: the figures say when they will come instead of a zero.
    assert response.context["headline"] is None
    assert "Mag keine Anrufe vor 10 Uhr" in response.content.decode()


def test_customer_list_shows_active_customers_with_order_figures(client, agent, juergen):
    create_customer(by=None, email="petra@example.de", first_name="Petra", last_name="Schmidt")
    client.force_login(agent)
    response = client.get(reverse("ui:customer-list"), headers={"Accept-Language": "de"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jürgen Müller" in html
    assert "Petra Schmidt" in html
    assert "49,90" in html  # German number format


def test_customer_list_pages_without_counting(client, agent):
    for number in range(27):
        create_customer(by=None, email=f"k{number}@example.de", last_name=f"Kunde{number:02d}")
    client.force_login(agent)
    first = client.get(reverse("ui:customer-list"))
    assert len(first.context["rows"]) == 25
    assert first.context["has_next"] is True
    second = client.get(reverse("ui:customer-list"), {"page": 2})
    assert len(second.context["rows"]) == 2
    assert second.context["has_next"] is False
    assert second.context["has_previous"] is True


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999999999999"])
def test_customer_list_survives_odd_page_numbers(client, agent, page):
    client.force_login(agent)
    assert client.get(reverse("ui:customer-list"), {"page": page}).status_code == 200


def test_search_finds_by_name_and_order_number(client, agent, juergen):
    client.force_login(agent)
    by_name = client.get(reverse("ui:customer-list"), {"q": "mül"})
    assert [customer for customer, _summary in by_name.context["rows"]] == [juergen]
    by_order = client.get(reverse("ui:customer-list"), {"q": "#100234"})
    assert [customer for customer, _summary in by_order.context["rows"]] == [juergen]


def test_htmx_search_returns_only_the_results_partial(client, agent, juergen):
    client.force_login(agent)
    response = client.get(
        reverse("ui:customer-list"),
        {"q": "jürgen"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html
    assert "Jürgen Müller" in html


def test_customer_360_shows_profile_orders_and_timeline(client, agent, juergen):
    client.force_login(agent)
    response = client.get(reverse("ui:customer-detail", args=[juergen.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Jürgen Müller", "j.mueller@example.de", "DE123456789", "100234", "Mag keine"):
        assert text in html
    assert response.context["figures"].order_count == 1


def test_viewing_a_customer_is_audited(client, agent, juergen):
    client.force_login(agent)
    client.get(reverse("ui:customer-detail", args=[juergen.pk]))
    assert AuditEntry.objects.filter(
        customer_id=juergen.pk, action=AuditAction.VIEW, actor=agent
    ).exists()


def test_merged_customer_redirects_to_the_surviving_one(client, agent, juergen):
    duplicate = create_customer(by=None, email="jm@example.de", last_name="Müller")
    duplicate.status = CustomerStatus.MERGED
    duplicate.merged_into = juergen
    duplicate.save(update_fields=["status", "merged_into"])
    client.force_login(agent)
    response = client.get(reverse("ui:customer-detail", args=[duplicate.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:customer-detail", args=[juergen.pk])


def test_unknown_customer_gives_the_friendly_404(client, agent):
    client.force_login(agent)
    response = client.get(reverse("ui:customer-detail", args=[999999]))
    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]


def test_timeline_loads_more_with_a_cursor(client, agent, juergen):
    for number in range(60):
        record_activity(
            customer_id=juergen.pk, kind=ActivityKind.NOTE, params={"text": f"Eintrag {number}"}
        )
    client.force_login(agent)
    first = client.get(reverse("ui:customer-detail", args=[juergen.pk]))
    assert len(first.context["lines"]) == 50
    cursor = first.context["next_cursor"]
    assert cursor
    more = client.get(
        reverse("ui:customer-timeline", args=[juergen.pk]),
        {"before": cursor},
        headers={"HX-Request": "true"},
    )
    assert more.status_code == 200
    assert "<html" not in more.content.decode()
    # The partial response carries no template context; read the entry ids from the HTML.
    more_ids = {int(pk) for pk in re.findall(r'id="activity-(\d+)"', more.content.decode())}
    shown = {line.entry.pk for line in first.context["lines"]} | more_ids
    assert shown == set(Activity.objects.filter(customer=juergen).values_list("pk", flat=True))
    assert "Load more" not in more.content.decode()
    assert "Mehr laden" not in more.content.decode()


def test_timeline_page_without_htmx_is_a_full_page(client, agent, juergen):
    client.force_login(agent)
    response = client.get(reverse("ui:customer-timeline", args=[juergen.pk]))
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_a_broken_timeline_cursor_is_not_found(client, agent, juergen):
    client.force_login(agent)
    response = client.get(reverse("ui:customer-timeline", args=[juergen.pk]), {"before": "x_y"})
    assert response.status_code == 404


def test_static_assets_come_from_the_project(client, agent):
    client.force_login(agent)
    html = client.get(reverse("ui:home")).content.decode()
    assert "/static/ui/vendor/htmx.min.js" in html
    assert "/static/ui/stammkunde.css" in html
    assert "https://" not in html and "http://" not in html
