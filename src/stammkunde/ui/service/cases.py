"""The case queue, the case page and opening a case (from the customer page or a call)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from stammkunde.service.alert_queries import breach_alerts
from stammkunde.service.case_queries import (
    QUEUE_VIEWS,
    QueueFilter,
    agents,
    case_page,
    orders_quoted_of_others,
    queue_counts,
)
from stammkunde.service.case_queries import (
    case_queue as read_case_queue,
)
from stammkunde.service.models import CaseStatus, Team
from stammkunde.service.queries import case_subject, standard_to_confirm
from stammkunde.service.services.case_common import is_restricted
from stammkunde.service.services.cases import CaseError, open_case
from stammkunde.ui.mail_frame import mail_frame_response
from stammkunde.ui.roles import MEDIATOR
from stammkunde.ui.service.case_forms import (
    AssignForm,
    EscalateForm,
    NoteForm,
    OpenCaseForm,
    QueueFilterForm,
    ReplyForm,
    StatusForm,
)

WORK = "service.work_cases"
MEDIATE_PERMISSION = "service.mediate_cases"


def require_case_access(request: HttpRequest) -> None:
    if not (request.user.has_perm(WORK) or request.user.has_perm(MEDIATE_PERMISSION)):
        raise PermissionDenied


@login_required
def case_queue(request: HttpRequest) -> HttpResponse:
    """Tabs: mine, my teams', unassigned, due or overdue, escalated (the mediator's queue),
    all active, done; filters by status, type, team, priority and text."""
    require_case_access(request)
    # The mediator's own queue is the escalations (seed 001, tip 5).
    default = "escalated" if request.user.groups.filter(name=MEDIATOR).exists() else "mine"
    view = request.GET.get("view") or default
    if view not in QUEUE_VIEWS:
        view = default
    teams = list(Team.objects.order_by("name"))
    form = QueueFilterForm(request.GET or None, teams=teams)
    data = form.cleaned_data if form.is_valid() else {}
    filters = QueueFilter(
        view=view,
        status=data.get("status", ""),
        case_type=data.get("case_type", ""),
        team_id=int(data["team"]) if data.get("team") else None,
        priority=data.get("priority", ""),
        text=data.get("q", ""),
    )
    rows = read_case_queue(by=request.user, filters=filters)
    return render(
        request,
        "ui/service/cases/queue.html",
        {
            "rows": rows,
            "view": view,
            "views": QUEUE_VIEWS,
            "counts": queue_counts(by=request.user),
            "alerts": breach_alerts(by=request.user),
            "standard_to_confirm": standard_to_confirm(request.user),
            "form": form,
            "filtered": any(
                data.get(name) for name in ("status", "case_type", "team", "priority", "q")
            ),
        },
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The thread with notes, the customer's history and orders beside it, the actions."""
    require_case_access(request)
    page = case_page(pk, by=request.user)
    if page is None:
        raise Http404("no such case")
    case = page.case
    if case.merged_into_id and request.GET.get("stay") != "1":
        messages.info(
            request,
            _("Case %(old)s was merged into %(new)s.")
            % {"old": case.reference, "new": case.merged_into.reference},
        )
        return redirect("ui:case-detail", pk=case.merged_into_id)
    teams = list(Team.objects.order_by("name"))
    restricted = is_restricted(case)
    # A case kept after an erasure offers no action (the services refuse them too).
    quoted = [] if restricted else orders_quoted_of_others(case, by=request.user)
    context = {
        "restricted": restricted,
        "quoted_orders": quoted,
        "page": page,
        "case": case,
        "reply_form": ReplyForm(),
        # Own ids: the reply form has a text and a status field too, and a label must point
        # at one element.
        "note_form": NoteForm(auto_id="note_%s"),
        "status_form": StatusForm(initial={"status": case.status}, auto_id="case_%s"),
        "assign_form": AssignForm(
            users=agents(),
            teams=teams,
            initial={"assignee": str(case.assignee_id or "")},
        ),
        "escalate_form": EscalateForm(auto_id="escalate_%s"),
        "can_work": not restricted
        and (request.user.has_perm(WORK) or request.user.has_perm(MEDIATE_PERMISSION)),
        "statuses": CaseStatus,
    }
    return render(request, "ui/service/cases/detail.html", context)


@login_required
def case_message_html(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    """One mail's HTML for the sandboxed frame of the case page, under its own policy. Same
    permission and the same audited read as the case page."""
    require_case_access(request)
    page = case_page(pk, by=request.user)
    if page is None:
        raise Http404("no such case")
    message = next(
        (found for found in page.messages if found.pk == message_id and found.body_html), None
    )
    if message is None or message.direction == "note":
        raise Http404("no such mail")
    # Inline images were pointed at the stored attachments when the mail was filed.
    folder = reverse("ui:inbound-attachment", args=[0]).removesuffix("0/")
    attachments = request.build_absolute_uri(folder)
    return mail_frame_response(message.body_html, images_from=attachments)


@login_required
def case_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Open a case for a customer: from their page, or while on the phone with them."""
    if not request.user.has_perm(WORK):
        raise PermissionDenied
    customer, orders = case_subject(customer_id, by=request.user)
    initial = {"channel": request.GET.get("channel") or "phone"}
    form = OpenCaseForm(request.POST or None, orders=orders, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [order for order in orders if str(order.pk) in set(data["orders"])]
        try:
            case = open_case(
                customer=customer,
                case_type=data["case_type"],
                channel=data["channel"],
                subject=data["subject"],
                body=data["body"],
                orders=chosen,
                priority=data["priority"],
                by=request.user,
            )
        except CaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Case %(reference)s opened.") % {"reference": case.reference}
            )
            return redirect("ui:case-detail", pk=case.pk)
    return render(
        request,
        "ui/service/cases/new.html",
        {"form": form, "customer": customer},
        status=422 if form.errors else 200,
    )
