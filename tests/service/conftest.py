"""Staff of the service desk for the service tests: Anna (agent), Lena (team lead)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stammkunde.service.models import GoodwillLimit
from tests.factories import make_staff_user


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
