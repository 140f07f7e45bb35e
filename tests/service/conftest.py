"""Fixtures of the service desk: Anna (agent) and Lena (team lead) for the policies' tests;
the default teams of seed 003 (created by migration), their members, a customer with an order
and a mediator for the cases' tests."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest

from stammkunde.service.models import GoodwillLimit, Team, TeamMember
from tests.factories import CustomerFactory, OrderFactory, make_staff_user


@pytest.fixture
def anna(db):
    return make_staff_user("anna", role="Service agent")


@pytest.fixture
def lena(db):
    return make_staff_user("lena", role="Team lead")


@pytest.fixture
def limits(db):
    GoodwillLimit.objects.create(role="Service agent", case_type="", maximum=Decimal("20"))
    GoodwillLimit.objects.create(role="Team lead", case_type="", maximum=Decimal("200"))


ALWAYS_OPEN = {str(day): [["00:00", "00:00"]] for day in range(7)}


@pytest.fixture
def teams(db):
    """The three teams of seed 003, open around the clock so that due times are predictable."""
    found = {team.slug: team for team in Team.objects.all()}
    for team in found.values():
        team.opening_hours = ALWAYS_OPEN
        team.save(update_fields=["opening_hours"])
    return found


@pytest.fixture
def mediator(db):
    """Moritz takes the hard cases (seed 001, tip 5)."""
    return make_staff_user("moritz", role="Mediator")


@pytest.fixture
def colleague(db):
    """Carla is another agent."""
    return make_staff_user("carla", role="Service agent")


@pytest.fixture
def staffed(teams, agent, colleague):
    """Anna and Carla work in every team."""
    for team in teams.values():
        TeamMember.objects.create(team=team, user=agent)
        TeamMember.objects.create(team=team, user=colleague)
    return teams


@pytest.fixture
def customer(db):
    return CustomerFactory(first_name="Erika", last_name="Mustermann", email="erika@example.de")


@pytest.fixture
def order(customer):
    return OrderFactory(customer=customer, number="10234")


NINE_TO_FIVE = (time(9), time(17))

from tests.two_shops import two_shops  # noqa: E402, F401
