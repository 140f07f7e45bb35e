"""The desk's actions inside a case: tick a crisis step, put a macro or article into the reply."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from stammkunde.service.case_queries import case_for_staff
from stammkunde.service.models import Case, CrisisStep, KnowledgeArticle, Macro
from stammkunde.service.services.case_desk import tick_step, use_article, use_macro
from stammkunde.service.services.macros import KnowledgeError
from stammkunde.ui.service.templatetags.desk_ui import case_url


def _case(request: HttpRequest, case_id: int) -> Case:
    if not request.user.has_perm("service.view_case"):
        raise PermissionDenied
    case = case_for_staff(case_id, by=request.user)
    if case is None:
        raise Http404("no such case")
    return case


@login_required
@require_POST
def step_tick(request: HttpRequest, case_id: int, step_id: int) -> HttpResponse:
    case = _case(request, case_id)
    step = get_object_or_404(CrisisStep, pk=step_id)
    try:
        tick_step(case, step, done=request.POST.get("done") == "1", by=request.user)
    except KnowledgeError:
        raise PermissionDenied from None
    return redirect(f"{case_url(case)}#crisis-plan-{step.plan_id}")


@login_required
@require_POST
def macro_use(request: HttpRequest, case_id: int, macro_id: int) -> HttpResponse:
    """The macro's text for this case, to go into the reply box (plain text)."""
    case = _case(request, case_id)
    macro = get_object_or_404(Macro, pk=macro_id, is_active=True)
    try:
        text = use_macro(case, macro, by=request.user)
    except KnowledgeError as error:
        return HttpResponse(str(error), status=422, content_type="text/plain; charset=utf-8")
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@login_required
@require_POST
def article_use(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(KnowledgeArticle, pk=pk)
    try:
        text = use_article(article, by=request.user)
    except KnowledgeError:
        raise PermissionDenied from None
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
