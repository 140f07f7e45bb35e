"""Team membership has one writer, ``service.services.teams.set_team_member``."""

from __future__ import annotations

import pytest

from stammkunde.audit.models import AuditEntry
from stammkunde.service.models import TeamMember
from stammkunde.service.services.teams import set_team_member

pytestmark = pytest.mark.django_db


def test_a_member_is_added_once_and_changed_in_place(teams, anna, lena):
    team = teams["logistik"] if "logistik" in teams else next(iter(teams.values()))

    set_team_member(team, anna, by=lena)
    set_team_member(team, anna, by=lena)
    set_team_member(team, anna, by=lena, is_lead=True, takes_cases=False)

    member = TeamMember.objects.get(team=team, user=anna)
    assert (member.is_lead, member.is_active) == (True, False)
    assert TeamMember.objects.filter(team=team, user=anna).count() == 1
    actions = list(
        AuditEntry.objects.filter(object_type="service.teammember", object_id=str(member.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "change"]  # the repeated call changed nothing
