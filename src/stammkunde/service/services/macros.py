"""Macros and the knowledge base: written by team leads, checked on save, counted when used."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.messaging.rendering import TemplateError, TemplateKind, render, validate_template
from stammkunde.service.models import (
    CrisisPlan,
    HelpCenterSettings,
    KnowledgeArticle,
    KnowledgeCategory,
    Macro,
)

BODY_MAX = 20_000


class KnowledgeError(ValueError):
    """A macro or article that cannot be saved; the message is meant for the user."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def _check_text(text: str, what: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise KnowledgeError(_("%(what)s is empty.") % {"what": what})
    if len(text) > BODY_MAX:
        raise KnowledgeError(_("%(what)s is too long.") % {"what": what})
    return text


def macro_problems(body: str) -> list[str]:
    """What is wrong with a macro's text in messaging's sandbox (empty: fine)."""
    return [problem.message for problem in validate_template(body, kind=TemplateKind.TEXT)]


@transaction.atomic
def save_macro(
    macro: Macro | None,
    *,
    name: str,
    body: str,
    language: str,
    by: Any,
    case_types: list[str] | None = None,
    crisis_plan: CrisisPlan | None = None,
    is_active: bool = True,
) -> Macro:
    """Create or change a macro; its text must render in the sandbox with the example data."""
    if not by.has_perm("service.manage_macros"):
        raise KnowledgeError(_("Only a team lead edits macros."))
    name = " ".join((name or "").split())[:120]
    if not name:
        raise KnowledgeError(_("A macro needs a name."))
    body = _check_text(body, _("The text"))
    problems = macro_problems(body)
    if problems:
        raise KnowledgeError(_("The text cannot be used as it is."), problems)
    created = macro is None
    macro = macro or Macro()
    macro.name = name
    macro.body = body
    macro.language = language
    macro.case_types = sorted(set(case_types or []))
    macro.crisis_plan = crisis_plan
    macro.is_active = is_active
    macro.updated_by = by
    macro.save()
    audit(actor=by, action=AuditAction.CREATE if created else AuditAction.CHANGE, obj=macro)
    return macro


def render_macro(macro: Macro, context: dict[str, Any]) -> str:
    """The macro's text for one case (KnowledgeError if the data does not fit it)."""
    try:
        return render(macro.body, context, kind=TemplateKind.TEXT)
    except TemplateError as error:
        raise KnowledgeError(str(error.problem)) from None


def count_macro_use(macro: Macro) -> None:
    """One more use (an agent put it into a reply)."""
    Macro.objects.filter(pk=macro.pk).update(use_count=F("use_count") + 1)


@transaction.atomic
def save_article(
    article: KnowledgeArticle | None,
    *,
    category: KnowledgeCategory,
    language: str,
    title: str,
    body: str,
    keywords: str = "",
    is_public: bool = True,
    by: Any,
) -> KnowledgeArticle:
    """Create or change a knowledge base article."""
    if not by.has_perm("service.manage_knowledge"):
        raise KnowledgeError(_("Only a team lead edits the knowledge base."))
    title = " ".join((title or "").split())[:200]
    if not title:
        raise KnowledgeError(_("An article needs a title."))
    created = article is None
    article = article or KnowledgeArticle()
    article.category = category
    article.language = language
    article.title = title
    article.body = _check_text(body, _("The text"))
    article.keywords = " ".join((keywords or "").split())[:300]
    article.is_public = is_public
    article.updated_by = by
    article.save()
    audit(actor=by, action=AuditAction.CREATE if created else AuditAction.CHANGE, obj=article)
    return article


def count_article_use(article: KnowledgeArticle) -> None:
    """An agent used the article in a reply."""
    KnowledgeArticle.objects.filter(pk=article.pk).update(use_count=F("use_count") + 1)


def count_article_view(article: KnowledgeArticle) -> None:
    """A visitor opened the article on the help page."""
    KnowledgeArticle.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def save_category(*, slug: str, name_de: str, name_en: str, position: int, by: Any):
    if not by.has_perm("service.manage_knowledge"):
        raise KnowledgeError(_("Only a team lead edits the knowledge base."))
    category, _created = KnowledgeCategory.objects.update_or_create(
        slug=slug, defaults={"name_de": name_de, "name_en": name_en, "position": position}
    )
    audit(actor=by, action=AuditAction.CHANGE, obj=category)
    return category


@transaction.atomic
def save_help_settings(*, by: Any, **fields: Any) -> HelpCenterSettings:
    """Change the contact options of the public help page."""
    if not by.has_perm("service.manage_knowledge"):
        raise KnowledgeError(_("Only a team lead edits the help page."))
    allowed = {"phone", "phone_hours", "phone_hours_en", "email", "postal_address"}
    settings_row = HelpCenterSettings.objects.select_for_update().first() or HelpCenterSettings()
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(name)
        setattr(settings_row, name, (value or "").strip())
    settings_row.save()
    audit(actor=by, action=AuditAction.CHANGE, obj=settings_row, fields=sorted(fields))
    return settings_row
