"""The desk's settings kept for one intake batch: read once inside the block, read anew after
a change, and never kept outside it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stammkunde.service.clock import Standard
from stammkunde.service.models import Absence, ResponseStandard, RoutingRule
from stammkunde.service.models.desk import DEFAULT_RESOLUTION_MINUTES
from stammkunde.service.services import desk_settings

pytestmark = pytest.mark.django_db


def _queries(read) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        value = read()
    return value, len(captured.captured_queries)


def test_inside_a_batch_each_setting_is_read_once(teams, agent):
    now = timezone.now()
    logistics = teams["logistik"]
    with desk_settings.batch_settings():
        reads = [
            desk_settings.active_rules,
            desk_settings.default_team,
            desk_settings.default_resolution_minutes,
            lambda: desk_settings.standard_for(logistics, "question"),
            lambda: desk_settings.absent_user_ids(now),
        ]
        first = [_queries(read) for read in reads]
        again = [_queries(read) for read in reads]
    assert [count for _value, count in first] == [1, 1, 1, 1, 1]
    assert [count for _value, count in again] == [0, 0, 0, 0, 0]
    assert [value for value, _count in again] == [value for value, _count in first]


def test_outside_a_batch_every_read_asks_the_database(teams):
    desk_settings.active_rules()
    _rules, count = _queries(desk_settings.active_rules)
    assert count == 1


def test_a_rule_saved_inside_the_batch_is_seen_by_the_next_read(teams):
    with desk_settings.batch_settings():
        before = desk_settings.active_rules()
        added = RoutingRule.objects.create(
            name="Widerruf", keywords="widerruf", team=teams["logistik"], position=1
        )
        after = desk_settings.active_rules()
    assert added not in before
    assert after[0] == added


def test_a_standard_saved_inside_the_batch_replaces_the_kept_one(teams):
    team = teams["logistik"]
    with desk_settings.batch_settings():
        kept = desk_settings.standard_for(team, "damaged_goods")
        ResponseStandard.objects.create(
            team=team, case_type="damaged_goods", first_response_minutes=30, resolution_minutes=90
        )
        changed = desk_settings.standard_for(team, "damaged_goods")
    assert kept == Standard(team.first_response_minutes, DEFAULT_RESOLUTION_MINUTES)
    assert changed == Standard(30, 90)


def test_absences_are_answered_for_each_moment_asked(teams, agent, colleague):
    now = timezone.now()
    Absence.objects.create(
        user=agent, starts=now - timedelta(hours=1), ends=now + timedelta(hours=1)
    )
    Absence.objects.create(
        user=colleague, starts=now + timedelta(hours=2), ends=now + timedelta(hours=3)
    )
    with desk_settings.batch_settings():
        assert desk_settings.absent_user_ids(now) == {agent.pk}
        assert desk_settings.absent_user_ids(now + timedelta(hours=2, minutes=30)) == {colleague.pk}
        # An earlier moment than the first one asked reads again and still answers right.
        assert desk_settings.absent_user_ids(now - timedelta(hours=2)) == set()
        assert desk_settings.absent_user_ids(now) == {agent.pk}


def test_round_robin_inside_a_batch_takes_turns_as_the_database_order_would(
    staffed, agent, colleague
):
    from stammkunde.service.models import Assignment, TeamMember
    from stammkunde.service.services.routing import pick_assignee

    team = staffed["logistik"]
    team.assignment = Assignment.ROUND_ROBIN
    team.save(update_fields=["assignment"])
    now = timezone.now()
    outside = [pick_assignee(team, now=now) for _ in range(3)]
    TeamMember.objects.filter(team=team).update(last_assigned_at=None)
    with desk_settings.batch_settings():
        inside = [_queries(lambda: pick_assignee(team, now=now)) for _ in range(3)]
        # Away people are skipped with the kept members too.
        Absence.objects.create(
            user=agent, starts=now - timedelta(hours=1), ends=now + timedelta(hours=1)
        )
        away = pick_assignee(team, now=now)
    assert [user for user, _count in inside] == outside
    assert outside[0] != outside[1] and outside[0] == outside[2]
    # The members once for the batch, then only the mark of whose turn it was.
    assert [count for _user, count in inside][1:] == [1, 1]
    assert away == colleague
    marked = TeamMember.objects.get(team=team, user=outside[2]).last_assigned_at
    assert marked == now
