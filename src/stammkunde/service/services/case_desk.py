"""The desk's policies inside one case: its crisis plans with ticked steps, its macros
rendered for the customer, and the articles that match what the agent writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.service.models import (
    Case,
    CaseStepTick,
    CrisisPlan,
    CrisisStep,
    KnowledgeArticle,
    Macro,
)
from stammkunde.service.reply_context import reply_context
from stammkunde.service.services.case_common import is_restricted, restricted_message
from stammkunde.service.services.macros import (
    KnowledgeError,
    count_article_use,
    count_macro_use,
    render_macro,
)


@dataclass(frozen=True)
class StepState:
    step: CrisisStep
    done: bool
    done_by: Any = None
    done_at: Any = None


@dataclass(frozen=True)
class PlanInCase:
    plan: CrisisPlan
    steps: list[StepState]
    due_hours: int

    @property
    def done_count(self) -> int:
        return sum(state.done for state in self.steps)


def _language(language: str) -> str:
    return "en" if (language or "").startswith("en") else "de"


def plans_for_case(case: Case, *, language: str) -> list[PlanInCase]:
    """The active crisis plans for the case's type, in ``language`` (German if a plan has no
    English version), each step with whether it is done in this case."""
    language = _language(language)
    plans = [
        plan
        for plan in CrisisPlan.objects.filter(is_active=True).prefetch_related("steps")
        if case.case_type in (plan.case_types or [])
    ]
    chosen: dict[str, CrisisPlan] = {}
    for plan in sorted(plans, key=lambda plan: plan.language != language):
        chosen.setdefault(plan.incident_type, plan)
    ticks = {tick.step_id: tick for tick in case.step_ticks.select_related("done_by")}
    result = []
    for plan in sorted(chosen.values(), key=lambda plan: plan.incident_type):
        steps = [
            StepState(
                step,
                step.pk in ticks,
                ticks[step.pk].done_by if step.pk in ticks else None,
                ticks[step.pk].done_at if step.pk in ticks else None,
            )
            for step in plan.steps.all()
        ]
        result.append(PlanInCase(plan, steps, plan.deadline_hours))
    return result


@transaction.atomic
def tick_step(case: Case, step: CrisisStep, *, done: bool, by: Any) -> bool:
    """Tick a step off in a case (or untick it); returns whether it is done now."""
    if not by.has_perm("service.view_crisisplan"):
        raise KnowledgeError(_("You may not work on crisis plans."))
    if is_restricted(case):
        raise KnowledgeError(restricted_message(case))
    if done:
        try:
            with transaction.atomic():
                CaseStepTick.objects.create(
                    case=case, step=step, done_by=by, done_at=timezone.now()
                )
        except IntegrityError:
            pass  # ticked already (a double click, two agents)
        return True
    CaseStepTick.objects.filter(case=case, step=step).delete()
    return False


@dataclass(frozen=True)
class MacroOffer:
    """The macros for a case: those in the customer's language, offered first, and the rest
    (other languages), which the page keeps folded away."""

    language: str
    matching: list[Macro]
    others: list[Macro]


def customer_language(case: Case) -> str:
    """The language replies to this case are written in: the customer's (German or English)."""
    return _language(case.customer.language if case.customer_id else "de")


def macros_for_case(case: Case) -> MacroOffer:
    """Active macros for the case's type (or for every type), split by whether they are in the
    customer's language: a German customer was offered English macros beside the German ones."""
    language = customer_language(case)
    macros = sorted(
        (
            macro
            for macro in Macro.objects.filter(is_active=True).select_related("crisis_plan")
            if not macro.case_types or case.case_type in macro.case_types
        ),
        key=lambda macro: macro.name,
    )
    return MacroOffer(
        language,
        [macro for macro in macros if macro.language == language],
        [macro for macro in macros if macro.language != language],
    )


def use_macro(case: Case, macro: Macro, *, by: Any) -> str:
    """The macro's text for this case (greeting, order, products, tracking), counted as used."""
    if not by.has_perm("service.view_macro"):
        raise KnowledgeError(_("You may not use macros."))
    if is_restricted(case):
        raise KnowledgeError(restricted_message(case))
    order = case.orders.order_by("-placed_at").first()
    text = render_macro(macro, reply_context(case.customer, order=order, case=case, sender=by))
    count_macro_use(macro)
    return text


def use_article(article: KnowledgeArticle, *, by: Any) -> str:
    """The article's text for a reply, counted as used."""
    if not by.has_perm("service.view_knowledgearticle"):
        raise KnowledgeError(_("You may not use the knowledge base."))
    count_article_use(article)
    return article.body
