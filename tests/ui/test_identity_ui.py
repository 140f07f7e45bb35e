"""Duplicate list, the 360 page's notice, the merge preview and who may merge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stammkunde.customers.models import Customer, CustomerStatus, DismissedDuplicate
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins():
    """Jürgen Müller twice: once with an account, once as a guest, same mobile number."""
    first = create_customer(
        by=None,
        email="j.mueller@example.de",
        first_name="Jürgen",
        last_name="Müller",
        phone="0171 2345678",
    )
    second = create_customer(
        by=None,
        email="jm@firma.example",
        first_name="Jürgen",
        last_name="Mueller",
        phone="+49 171 2345678",
        company="Müller Bürobedarf",
    )
    second.last_name = "Müller"
    second.save()
    return first, second


def test_agent_sees_the_duplicate_list_without_merge_buttons(client, agent, twins):
    client.force_login(agent)
    response = client.get(reverse("ui:duplicate-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "jm@firma.example" in html and "j.mueller@example.de" in html
    assert reverse("ui:customer-merge", args=[twins[0].pk]) not in html


def test_team_lead_sees_merge_and_dismiss_on_the_list(client, team_lead, twins):
    client.force_login(team_lead)
    html = client.get(reverse("ui:duplicate-list")).content.decode()
    assert f"{reverse('ui:customer-merge', args=[twins[0].pk])}?other={twins[1].pk}" in html
    assert reverse("ui:duplicate-dismiss") in html


def test_360_page_shows_the_notice(client, agent, twins):
    client.force_login(agent)
    html = client.get(reverse("ui:customer-detail", args=[twins[0].pk])).content.decode()
    assert 'id="duplicate-notice"' in html
    assert reverse("ui:customer-detail", args=[twins[1].pk]) in html


def test_merge_preview_shows_both_side_by_side(client, team_lead, twins):
    client.force_login(team_lead)
    first, second = twins
    response = client.get(reverse("ui:customer-merge", args=[first.pk]), {"other": second.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Müller Bürobedarf" in html
    assert f'name="survivor" value="{first.pk}" checked' in html
    assert f'name="survivor" value="{second.pk}"' in html


def test_team_lead_merges_choosing_the_second_as_survivor(client, team_lead, twins):
    client.force_login(team_lead)
    first, second = twins
    order = OrderFactory(customer=first)
    response = client.post(
        reverse("ui:customer-merge", args=[first.pk]),
        {"other": second.pk, "survivor": second.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:customer-detail", args=[second.pk])
    assert Order.objects.get(pk=order.pk).customer_id == second.pk
    first.refresh_from_db()
    assert (first.status, first.merged_into_id) == (CustomerStatus.MERGED, second.pk)


def test_opening_a_merged_customer_redirects_with_a_message(client, team_lead, twins):
    client.force_login(team_lead)
    first, second = twins
    client.post(reverse("ui:customer-merge", args=[first.pk]), {"other": second.pk})
    response = client.get(reverse("ui:customer-detail", args=[second.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("ui:customer-detail", args=[first.pk])
    assert f"#{second.pk} was merged into this customer" in response.content.decode()


def test_agent_cannot_merge(client, agent, twins):
    client.force_login(agent)
    first, second = twins
    url = reverse("ui:customer-merge", args=[first.pk])
    assert client.get(url, {"other": second.pk}).status_code == 403
    assert client.post(url, {"other": second.pk}).status_code == 403
    assert Customer.objects.filter(status=CustomerStatus.MERGED).count() == 0


def test_merging_a_customer_twice_shows_the_error(client, team_lead, twins):
    client.force_login(team_lead)
    first, second = twins
    url = reverse("ui:customer-merge", args=[first.pk])
    client.post(url, {"other": second.pk})
    response = client.post(url, {"other": second.pk}, follow=True)
    assert "cannot be merged" in response.content.decode()


def test_team_lead_dismisses_a_pair_and_the_notice_disappears(client, team_lead, twins):
    client.force_login(team_lead)
    first, second = twins
    detail = reverse("ui:customer-detail", args=[first.pk])
    response = client.post(
        reverse("ui:duplicate-dismiss"),
        {"customer": [first.pk, second.pk], "next": detail},
    )
    assert response["Location"] == detail
    assert DismissedDuplicate.objects.count() == 1
    assert 'id="duplicate-notice"' not in client.get(detail).content.decode()


def test_dismiss_ignores_an_outside_next_url(client, team_lead, twins):
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:duplicate-dismiss"),
        {"customer": [twins[0].pk, twins[1].pk], "next": "//evil.example/"},
    )
    assert response["Location"] == reverse("ui:duplicate-list")
