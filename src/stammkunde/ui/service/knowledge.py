"""Macros and the knowledge base: team leads write them, agents find and use them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from stammkunde.messaging.rendering import variables_for_editor
from stammkunde.service.models import (
    HelpCenterSettings,
    KnowledgeArticle,
    KnowledgeCategory,
    Macro,
)
from stammkunde.service.models.macros import Language
from stammkunde.service.queries import search_articles
from stammkunde.service.services.macros import (
    KnowledgeError,
    save_article,
    save_category,
    save_help_settings,
    save_macro,
)
from stammkunde.ui.service.desk_forms import (
    ArticleForm,
    CategoryForm,
    HelpSettingsForm,
    MacroForm,
)
from stammkunde.ui.service.desk_scope import require_desk_wide


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@login_required
def macro_list(request: HttpRequest) -> HttpResponse:
    _require(request, "service.view_macro")
    macros = Macro.objects.select_related("crisis_plan")
    return render(request, "ui/service/desk/macro_list.html", {"macros": macros})


@login_required
def macro_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request, "service.manage_macros")
    require_desk_wide(request, "macro")
    macro = get_object_or_404(Macro, pk=pk) if pk else None
    initial = (
        {
            "name": macro.name,
            "language": macro.language,
            "body": macro.body,
            "crisis_plan": macro.crisis_plan_id,
            "is_active": macro.is_active,
        }
        if macro
        else {"is_active": True, "language": (get_language() or "de")[:2]}
    )
    form = MacroForm(request.POST or None, initial=initial)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            save_macro(
                macro,
                name=data["name"],
                body=data["body"],
                language=data["language"],
                crisis_plan=data["crisis_plan"],
                is_active=data["is_active"],
                by=request.user,
            )
        except KnowledgeError as error:
            form.add_error(None, str(error))
            problems = error.problems
        else:
            messages.success(request, _("The macro was saved."))
            return redirect("ui:macro-list")
    return render(
        request,
        "ui/service/desk/macro_form.html",
        {"form": form, "macro": macro, "problems": problems, "variables": variables_for_editor()},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    _require(request, "service.view_knowledgearticle")
    category_form = None
    if request.user.has_perm("service.manage_knowledge"):
        category_form = CategoryForm(request.POST or None)
        if request.method == "POST" and category_form.is_valid():
            save_category(by=request.user, **category_form.cleaned_data)
            messages.success(request, _("The category was saved."))
            return redirect("ui:article-list")
    elif request.method == "POST":
        raise PermissionDenied
    query = request.GET.get("q", "")[:200]
    articles = (
        search_articles(query, public_only=False, limit=50)
        if query.strip()
        else KnowledgeArticle.objects.select_related("category")
    )
    return render(
        request,
        "ui/service/desk/article_list.html",
        {
            "articles": articles,
            "query": query,
            "category_form": category_form,
            "categories": KnowledgeCategory.objects.all(),
        },
    )


@login_required
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request, "service.manage_knowledge")
    require_desk_wide(request, "knowledge article")
    article = get_object_or_404(KnowledgeArticle, pk=pk) if pk else None
    initial = (
        {
            "category": article.category_id,
            "language": article.language,
            "title": article.title,
            "body": article.body,
            "keywords": article.keywords,
            "is_public": article.is_public,
        }
        if article
        else {"is_public": True}
    )
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save_article(article, by=request.user, **form.cleaned_data)
        except KnowledgeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The article was saved."))
            return redirect("ui:article-list")
    return render(
        request,
        "ui/service/desk/article_form.html",
        {"form": form, "article": article},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def help_settings(request: HttpRequest) -> HttpResponse:
    _require(request, "service.manage_knowledge")
    require_desk_wide(request, "help page")
    current = HelpCenterSettings.objects.first()
    initial = (
        {
            "phone": current.phone,
            "phone_hours": current.phone_hours,
            "phone_hours_en": current.phone_hours_en,
            "email": current.email,
            "postal_address": current.postal_address,
        }
        if current
        else None
    )
    form = HelpSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        save_help_settings(by=request.user, **form.cleaned_data)
        messages.success(request, _("The contact options were saved."))
        return redirect("ui:help-settings")
    return render(request, "ui/service/desk/help_settings.html", {"form": form})


@login_required
def article_suggest(request: HttpRequest) -> HttpResponse:
    """Articles matching what the agent is writing (htmx, from the reply box)."""
    _require(request, "service.view_knowledgearticle")
    text = (request.GET.get("text") or request.POST.get("text") or "")[:5000]
    # The case page passes the customer's language: their articles first, others marked.
    language = request.GET.get("language") or ""
    language = language if language in Language.values else ""
    articles = search_articles(text, public_only=False, limit=3, prefer_language=language or None)
    return render(
        request,
        "ui/service/desk/_article_suggestions.html",
        {"articles": articles, "language": language},
    )
