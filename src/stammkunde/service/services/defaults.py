"""The desk's shipped defaults after every ``migrate`` (and every flush of a test database):
the seed's teams with their routing rules, and the crisis plans with their reply macros.

Only an empty desk gets them: a shop that removed one default plan or renamed its teams keeps
its choice, as the seeding never touches a desk that has any team or any plan.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from stammkunde.service.default_plans import install_default_plans
from stammkunde.service.default_teams import install_default_teams
from stammkunde.service.models import CrisisPlan, CrisisStep, Macro, RoutingRule, Team


def seed_desk_defaults(**_signal: Any) -> None:
    """Install the default teams and crisis plans where none exist (a ``post_migrate``
    receiver; the data migrations 0003 and 0005 did the same for the first install)."""
    with transaction.atomic():
        install_default_teams(Team, RoutingRule)
        if not CrisisPlan.objects.exists():
            install_default_plans(CrisisPlan, CrisisStep, Macro)
