"""The default resolution target is the team leads' desk setting: bounded, audited, read by the
clock, and re-clocking the open cases that run on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from stammkunde.audit.models import AuditEntry
from stammkunde.service.models import Case, DeskSettings, ResponseStandard, Team
from stammkunde.service.services import desk_settings
from stammkunde.service.services.teams import (
    TeamError,
    reclock_open_cases,
    resolution_minutes_from_hours,
    set_default_resolution,
)
from tests.factories import CustomerFactory

# Monday 30 November 2026, 09:00 in Berlin (CET, UTC+1): the desk opens.
MONDAY_9 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
WEEKDAYS_9_TO_17 = {str(day): [["09:00", "17:00"]] for day in range(5)}


@pytest.fixture
def desk(db):
    """A team open Monday to Friday 09:00-17:00 in Berlin, no Bundesland, no targets."""
    return Team.objects.create(
        name="Beschwerdestelle Test", slug="test-desk", opening_hours=WEEKDAYS_9_TO_17
    )


def open_case(team, *, reference, case_type="question", status="open", due=None):
    return Case.objects.create(
        reference=reference,
        case_type=case_type,
        status=status,
        customer=CustomerFactory(),
        team=team,
        subject="Paket nicht angekommen",
        opened_at=MONDAY_9,
        resolution_due_at=due,
    )


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("24", 1440), ("1", 60), (" 16 ", 960), ("16.0", 960), ("2160", 129600)],
)
def test_hours_as_typed_become_business_minutes(typed, minutes):
    assert resolution_minutes_from_hours(typed) == minutes


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "between 1 business hour and 2,160 business hours (90 days)"),
        ("-3", "between 1 business hour and 2,160 business hours (90 days)"),
        ("2161", "between 1 business hour and 2,160 business hours (90 days)"),
        ("1.5", "is a whole number of business hours"),
        ("1,5", "is a whole number of business hours"),
        ("", "is a whole number of business hours"),
        ("abc", "is a whole number of business hours"),
        ("Infinity", "is a whole number of business hours"),
        ("NaN", "is a whole number of business hours"),
        (None, "is a whole number of business hours"),
    ],
)
def test_bad_targets_are_refused_with_the_reason(typed, message):
    with pytest.raises(TeamError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolution_minutes_from_hours(typed)


def test_only_a_team_lead_sets_the_default(agent):
    with pytest.raises(TeamError, match="Only a team lead"):
        set_default_resolution(hours="16", by=agent)
    assert not DeskSettings.objects.exclude(default_resolution_minutes=1440).exists()


def test_the_default_is_saved_audited_and_open_cases_on_it_get_their_new_due_time(desk, lena):
    on_default = open_case(desk, reference="VG-1")
    ResponseStandard.objects.create(team=desk, case_type="complaint", resolution_minutes=120)
    own_target = open_case(desk, reference="VG-2", case_type="complaint")
    solved = open_case(desk, reference="VG-3", status="solved")
    # 24 business hours from Monday 09:00: Wednesday 17:00 in Berlin.
    assert reclock_open_cases() == 2
    on_default.refresh_from_db()
    assert on_default.resolution_due_at == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)

    set_default_resolution(hours="16", by=lena)

    assert DeskSettings.objects.get().default_resolution_minutes == 960
    entry = AuditEntry.objects.filter(object_type__icontains="desksettings").get()
    assert entry.actor_id == lena.pk
    assert entry.detail == "1440 -> 960"
    on_default.refresh_from_db()
    own_target.refresh_from_db()
    solved.refresh_from_db()
    # 16 business hours: Tuesday 17:00 in Berlin; the complaint keeps its 2 hours (Monday 11:00).
    assert on_default.resolution_due_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert own_target.resolution_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert solved.resolution_due_at is None


def test_setting_the_same_default_again_writes_nothing(desk, lena):
    set_default_resolution(hours="16", by=lena)
    set_default_resolution(hours="16.0", by=lena)
    assert AuditEntry.objects.filter(object_type__icontains="desksettings").count() == 1


def test_an_intake_batch_sees_a_new_default(desk, lena):
    with desk_settings.batch_settings():
        before = desk_settings.standard_for(desk, "question").resolution_minutes
        set_default_resolution(hours="8", by=lena)
        after = desk_settings.standard_for(desk, "question").resolution_minutes
    assert (before, after) == (1440, 480)


def test_the_teams_page_sets_the_default_and_says_what_is_wrong(client, team_lead, desk):
    client.force_login(team_lead)
    page = client.get(reverse("ui:team-list")).content.decode()
    assert 'name="hours" value="24"' in page
    bad = client.post(reverse("ui:team-list"), {"hours": "2161"})
    assert bad.status_code == 422
    assert "lies between 1 business hour and 2,160 business hours (90 days)" in bad.content.decode()
    fraction = client.post(reverse("ui:team-list"), {"hours": "1,5"})
    assert fraction.status_code == 422
    assert "is a whole number of business hours" in fraction.content.decode()
    good = client.post(reverse("ui:team-list"), {"hours": "16"})
    assert good.status_code == 302
    page = client.get(reverse("ui:team-list")).content.decode()
    assert 'name="hours" value="16"' in page
    assert "16 business hours (default)" in page


def test_an_agent_may_not_set_the_default(client, agent):
    client.force_login(agent)
    assert client.post(reverse("ui:team-list"), {"hours": "8"}).status_code == 403
