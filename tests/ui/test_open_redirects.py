"""A form's ``next`` is followed only when it stays on this site (ui/redirects.py): a link or
page that posts ``next=https://evil.example/`` or ``/\\evil.example`` (which browsers read as
``//evil.example``) must not send a staff member to another site after the action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_quiet_hours")]

FOREIGN = ["https://evil.example/login", "//evil.example/", "/\\evil.example/", "\\\\evil.example"]


@pytest.mark.parametrize("target", FOREIGN)
def test_switching_a_trigger_does_not_follow_a_foreign_next(client, team_lead, shipped, target):
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:trigger-switch", args=[shipped.pk]), {"on": "0", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:drehbuch")


def test_switching_a_trigger_goes_back_to_a_page_of_ours(client, team_lead, shipped):
    client.force_login(team_lead)
    back = reverse("ui:drehbuch") + "?purpose=service"
    response = client.post(
        reverse("ui:trigger-switch", args=[shipped.pk]), {"on": "0", "next": back}
    )
    assert response["Location"] == back


@pytest.mark.parametrize("target", FOREIGN)
def test_dismissing_duplicates_does_not_follow_a_foreign_next(client, team_lead, target):
    first, second = CustomerFactory(), CustomerFactory()
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:duplicate-dismiss"),
        {"customer": [first.pk, second.pk], "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:duplicate-list")
