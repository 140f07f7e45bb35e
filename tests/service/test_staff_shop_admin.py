"""Team administration by a lead limited to shops (issue 12, ``service/admin_scope.py``):
Lea leads the desk of shop A. She administers shop A's team (its settings, members and
standards) and the absences of its members; shop B's team and the team without a shop (it
serves every shop) are answered as if they did not exist. What is set once for the whole desk
(routing rules, the default resolution target, goodwill limits, house rules, crisis plans,
macros, the knowledge base) she reads but does not change. An unlimited lead does all."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.service.models import (
    Absence,
    GoodwillLimit,
    Macro,
    ResponseStandard,
    RoutingRule,
    Team,
    TeamMember,
)
from stammkunde.shop.services import limit_staff_to_shops
from tests.factories import make_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def desks(two_shops):
    """Shop A's and shop B's team, a team of no shop, Anna in A's and Bruno in B's team, each
    away next week; Lea, a team lead limited to shop A."""
    lea = make_staff_user("lea", role="Team lead")
    limit_staff_to_shops(lea, [two_shops["a"].pk], by=None)
    teams = {
        "a": Team.objects.create(name="Kaffee-Desk", slug="kaffee-desk", shop=two_shops["a"]),
        "b": Team.objects.create(name="Tee-Desk", slug="tee-desk", shop=two_shops["b"]),
        "none": Team.objects.create(name="Alle-Desk", slug="alle-desk"),
    }
    anna = make_staff_user("anna-a", role="Service agent")
    bruno = make_staff_user("bruno-b", role="Service agent")
    TeamMember.objects.create(team=teams["a"], user=anna)
    TeamMember.objects.create(team=teams["b"], user=bruno)
    soon = timezone.now() + timedelta(days=7)
    for user in (anna, bruno):
        Absence.objects.create(
            user=user, starts=soon, ends=soon + timedelta(days=3), note=f"Urlaub {user}"
        )
    return {"lea": lea, "anna": anna, "bruno": bruno, **teams}


def _refusals(user) -> int:
    return AuditEntry.objects.filter(actor=user, action=AuditAction.REFUSE).count()


def test_the_team_list_shows_only_the_teams_of_her_shops(client, desks, team_lead):
    client.force_login(desks["lea"])
    page = client.get(reverse("ui:team-list")).content.decode()
    assert "Kaffee-Desk" in page
    assert "Tee-Desk" not in page and "Alle-Desk" not in page
    client.force_login(team_lead)
    page = client.get(reverse("ui:team-list")).content.decode()
    assert all(name in page for name in ("Kaffee-Desk", "Tee-Desk", "Alle-Desk"))


@pytest.mark.parametrize("which", ["b", "none"])
def test_another_shops_team_and_a_team_of_no_shop_are_404(client, desks, which):
    team, lea = desks[which], desks["lea"]
    client.force_login(lea)
    assert client.get(reverse("ui:team-edit", args=[team.pk])).status_code == 404
    member = client.post(
        reverse("ui:team-member-set", args=[team.pk]), {"user": lea.pk, "takes_cases": "on"}
    )
    assert member.status_code == 404
    standard = client.post(
        reverse("ui:team-standard-set", args=[team.pk]),
        {"case_type": "question", "first_response_hours": "1"},
    )
    assert standard.status_code == 404
    assert not TeamMember.objects.filter(team=team, user=lea).exists()
    assert not ResponseStandard.objects.filter(team=team).exists()
    assert _refusals(lea) == 3


def test_she_keeps_her_team_in_her_shops(client, desks, two_shops):
    team, lea = desks["a"], desks["lea"]
    client.force_login(lea)
    page = client.get(reverse("ui:team-edit", args=[team.pk]))
    assert page.status_code == 200
    assert "Tee</option>" not in page.content.decode()
    form = {
        "name": "Kaffee-Desk",
        "opening_hours": '{"0": [["09:00", "17:00"]]}',
        "company_holidays": "[]",
        "first_response_minutes": "240",
        "resolution_minutes": "2880",
        "warn_before_minutes": "30",
        "assignment": team.assignment,
        "shop": two_shops["b"].pk,
    }
    assert client.post(reverse("ui:team-edit", args=[team.pk]), form).status_code == 422
    team.refresh_from_db()
    assert team.shop_id == two_shops["a"].pk
    form["shop"] = ""
    assert client.post(reverse("ui:team-edit", args=[team.pk]), form).status_code == 422
    form["shop"] = two_shops["a"].pk
    assert client.post(reverse("ui:team-edit", args=[team.pk]), form).status_code == 302
    team.refresh_from_db()
    assert team.opening_hours == {"0": [["09:00", "17:00"]]}


def test_she_sees_and_ends_only_the_absences_of_her_teams_members(client, desks):
    lea = desks["lea"]
    client.force_login(lea)
    page = client.get(reverse("ui:absence-list")).content.decode()
    assert "anna-a" in page
    assert "bruno-b" not in page
    theirs = Absence.objects.get(user=desks["bruno"])
    ended = client.post(reverse("ui:absence-list"), {"end": theirs.pk})
    assert ended.status_code == 404
    theirs.refresh_from_db()
    assert theirs.ends > timezone.now() + timedelta(days=7)
    soon = timezone.localtime() + timedelta(days=20)
    recorded = client.post(
        reverse("ui:absence-list"),
        {
            "user": desks["bruno"].pk,
            "starts": soon.strftime("%Y-%m-%dT%H:%M"),
            "ends": (soon + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert recorded.status_code == 422
    assert Absence.objects.filter(user=desks["bruno"]).count() == 1


def test_desk_wide_settings_are_read_but_not_changed(client, desks, team_lead):
    lea = desks["lea"]
    client.force_login(lea)
    assert client.get(reverse("ui:routing-rules")).status_code == 200
    assert client.get(reverse("ui:desk-policies")).status_code == 200
    assert client.get(reverse("ui:macro-list")).status_code == 200
    refused = [
        client.get(reverse("ui:routing-rule-new")),
        client.post(reverse("ui:routing-rule-new"), {"name": "Alles", "team": desks["a"].pk}),
        client.post(reverse("ui:team-list"), {"hours": "48"}),
        client.post(
            reverse("ui:desk-policies"),
            {"role": "Service agent", "maximum": "500"},
        ),
        client.get(reverse("ui:macro-new")),
        client.post(reverse("ui:macro-new"), {"name": "Sorry", "language": "de", "body": "x"}),
        client.get(reverse("ui:article-new")),
        client.get(reverse("ui:help-settings")),
    ]
    assert [response.status_code for response in refused] == [403] * len(refused)
    assert not RoutingRule.objects.filter(name="Alles").exists()
    assert not GoodwillLimit.objects.filter(maximum=Decimal("500")).exists()
    assert not Macro.objects.filter(name="Sorry").exists()
    assert _refusals(lea) == len(refused)
    client.force_login(team_lead)
    assert client.get(reverse("ui:routing-rule-new")).status_code == 200
    assert client.get(reverse("ui:macro-new")).status_code == 200
