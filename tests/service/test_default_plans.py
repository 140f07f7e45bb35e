"""The default crisis plans: installed by the migration, both languages, reply templates that
pass the sandbox check."""

from __future__ import annotations

import pytest

from stammkunde.service.default_plans import PLANS
from stammkunde.service.models import CrisisPlan, IncidentType, Macro
from stammkunde.service.services.macros import macro_problems

pytestmark = pytest.mark.django_db


def test_every_incident_type_has_a_plan_in_german_and_english():
    installed = set(CrisisPlan.objects.values_list("incident_type", "language"))
    assert installed == {
        (kind, language) for kind in IncidentType.values for language in ("de", "en")
    }
    for plan in CrisisPlan.objects.all():
        assert plan.steps.count() >= 4
        assert plan.reply_templates.count() == 1


def test_reply_templates_pass_the_sandbox_check():
    for macro in Macro.objects.filter(crisis_plan__isnull=False):
        assert macro_problems(macro.body) == [], macro.name


def test_the_plans_in_both_languages_have_as_many_steps():
    for spec in PLANS:
        assert len(spec["de"]["steps"]) == len(spec["en"]["steps"])
