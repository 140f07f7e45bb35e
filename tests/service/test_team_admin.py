"""Team leads' administration: ending absences, response-time standards per case type (both
audited); routing skips whoever is away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.audit.models import AuditEntry
from stammkunde.service.clock import Standard
from stammkunde.service.models import Absence, ResponseStandard, TeamMember
from stammkunde.service.models.desk import DEFAULT_RESOLUTION_MINUTES
from stammkunde.service.services import routing
from stammkunde.service.services.clocking import standard_for
from stammkunde.service.services.teams import (
    TeamError,
    end_absence,
    record_absence,
    set_response_standard,
)

pytestmark = pytest.mark.django_db


def test_routing_skips_an_agent_while_away_and_not_after_the_absence_ends(
    teams, agent, colleague, lena
):
    team = next(iter(teams.values()))
    team.assignment = "round_robin"
    team.save(update_fields=["assignment"])
    TeamMember.objects.create(team=team, user=agent)
    TeamMember.objects.create(team=team, user=colleague)
    now = timezone.now()
    absence = record_absence(
        user=agent, starts=now - timedelta(hours=1), ends=now + timedelta(days=5), by=lena
    )
    picked = {routing.pick_assignee(team, now=now).pk for _ in range(3)}
    assert picked == {colleague.pk}
    ended = end_absence(absence, by=lena, now=now)
    assert ended is not None and ended.ends == now
    later = now + timedelta(seconds=1)
    picked = {routing.pick_assignee(team, now=later).pk for _ in range(4)}
    assert picked == {agent.pk, colleague.pk}
    assert AuditEntry.objects.filter(
        object_type="service.absence", object_id=str(absence.pk), action="change"
    ).exists()


def test_an_absence_still_to_come_is_cancelled_and_a_past_one_kept(agent, lena):
    now = timezone.now()
    ahead = record_absence(
        user=agent, starts=now + timedelta(days=1), ends=now + timedelta(days=2), by=lena
    )
    past = record_absence(
        user=agent, starts=now - timedelta(days=3), ends=now - timedelta(days=2), by=lena
    )
    assert end_absence(ahead, by=lena, now=now) is None
    assert not Absence.objects.filter(pk=ahead.pk).exists()
    assert end_absence(past, by=lena, now=now).ends == now - timedelta(days=2)


def test_a_standard_per_case_type_overrides_the_teams_and_clearing_it_restores(teams, lena):
    team = next(iter(teams.values()))
    team.first_response_minutes, team.resolution_minutes = 480, 2400
    team.save(update_fields=["first_response_minutes", "resolution_minutes"])
    set_response_standard(
        team,
        case_type="damaged_goods",
        first_response_minutes=120,
        resolution_minutes=960,
        by=lena,
    )
    assert standard_for(team, "damaged_goods") == Standard(120, 960)
    assert standard_for(team, "question") == Standard(480, 2400)
    set_response_standard(
        team, case_type="damaged_goods", first_response_minutes=60, resolution_minutes=None, by=lena
    )
    assert ResponseStandard.objects.filter(team=team).count() == 1
    # A target the type leaves empty is the team's.
    assert standard_for(team, "damaged_goods") == Standard(60, 2400)
    assert (
        set_response_standard(
            team,
            case_type="damaged_goods",
            first_response_minutes=None,
            resolution_minutes=None,
            by=lena,
        )
        is None
    )
    assert standard_for(team, "damaged_goods") == Standard(480, 2400)
    actions = list(
        AuditEntry.objects.filter(object_type="service.responsestandard")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "change", "delete"]


def test_a_team_without_a_resolution_target_gets_the_default_one(teams):
    # After the first reply a case showed no due time: no team had a resolution target.
    team = next(iter(teams.values()))
    assert team.resolution_minutes is None
    assert standard_for(team, "question") == Standard(
        team.first_response_minutes, DEFAULT_RESOLUTION_MINUTES
    )


@pytest.mark.parametrize(
    ("first", "resolution"), [(0, None), (None, -5), (600, 60), (60 * 24 * 61, None)]
)
def test_absurd_targets_are_refused(teams, lena, first, resolution):
    team = next(iter(teams.values()))
    with pytest.raises(TeamError):
        set_response_standard(
            team,
            case_type="question",
            first_response_minutes=first,
            resolution_minutes=resolution,
            by=lena,
        )
    assert not ResponseStandard.objects.filter(team=team).exists()


def test_an_overlapping_absence_of_the_same_person_is_refused(agent, colleague, lena):
    now = timezone.now()
    record_absence(
        user=agent, starts=now + timedelta(days=1), ends=now + timedelta(days=5), by=lena
    )
    for starts, ends in [
        (now + timedelta(days=4), now + timedelta(days=8)),  # starts inside
        (now, now + timedelta(days=2)),  # ends inside
        (now, now + timedelta(days=9)),  # covers it
        (now + timedelta(days=2), now + timedelta(days=3)),  # inside it
    ]:
        with pytest.raises(TeamError, match="already away"):
            record_absence(user=agent, starts=starts, ends=ends, by=lena)
    assert Absence.objects.filter(user=agent).count() == 1
    # Back to back is no overlap, and someone else may be away at the same time.
    record_absence(
        user=agent, starts=now + timedelta(days=5), ends=now + timedelta(days=6), by=lena
    )
    record_absence(
        user=colleague, starts=now + timedelta(days=2), ends=now + timedelta(days=3), by=lena
    )
    assert Absence.objects.count() == 3
