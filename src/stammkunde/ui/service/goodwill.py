"""Goodwill: an agent grants (or asks), a team lead approves or declines, totals per month."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.core.ids import parse_id
from stammkunde.core.number_formats import format_money
from stammkunde.service.case_queries import case_for_staff
from stammkunde.service.goodwill_refunds import shop_refund_links
from stammkunde.service.models import Case, CaseType, GoodwillKind, GoodwillStatus
from stammkunde.service.queries import (
    goodwill_requested_by,
    goodwill_subject,
    goodwill_to_decide,
    goodwill_totals,
    pending_goodwill,
)
from stammkunde.service.services.goodwill import (
    GoodwillError,
    approve_goodwill,
    decline_goodwill,
    limits_of,
    request_goodwill,
)
from stammkunde.shop.services.vouchers import export_vouchers
from stammkunde.shop.visibility import staff_shop_ids
from stammkunde.ui.service.desk_forms import DecisionForm, GoodwillForm
from stammkunde.ui.service.templatetags.desk_ui import case_url


def _require(request: HttpRequest, *perms: str) -> None:
    if not any(request.user.has_perm(perm) for perm in perms):
        raise PermissionDenied


@login_required
def goodwill_list(request: HttpRequest) -> HttpResponse:
    """The agent's own requests (granted, waiting, declined); for leads the waiting ones."""
    _require(request, "service.grant_goodwill", "service.approve_goodwill")
    can_decide = request.user.has_perm("service.approve_goodwill")
    return render(
        request,
        "ui/service/desk/goodwill_list.html",
        {
            "own": goodwill_requested_by(request.user),
            "pending": pending_goodwill(by=request.user) if can_decide else None,
            "can_decide": can_decide,
        },
    )


@login_required
def goodwill_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    _require(request, "service.grant_goodwill")
    customer, orders = goodwill_subject(customer_id, by=request.user)
    case = None
    raw_case = request.GET.get("case", "")
    if raw_case:
        # The case the goodwill is recorded in: the customer's, and of the staff member's
        # shops (another shop's is a 404 with a REFUSE row, as on the case page).
        case_id = parse_id(raw_case)
        case = case_for_staff(case_id, by=request.user) if case_id else None
        if case is None or case.customer_id != customer.pk:
            raise Http404("no such case")
    initial = {}
    if case is not None:
        # The case's order is the one the goodwill is for (a partial refund needs it).
        in_case = set(case.orders.values_list("pk", flat=True))
        chosen = next((order for order in orders if order.pk in in_case), None)
        if chosen is not None:
            initial["order"] = str(chosen.pk)
    form = GoodwillForm(
        request.POST or None, orders=orders, with_case_type=case is None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        order = next((o for o in orders if str(o.pk) == data["order"]), None)
        try:
            grant = request_goodwill(
                customer=customer,
                kind=data["kind"],
                amount=data["amount"].strip().replace(",", "."),
                reason=data["reason"],
                by=request.user,
                case_type=data.get("case_type") or "",
                order=order,
                case=case,
            )
        except GoodwillError as error:
            form.add_error(None, str(error))
        else:
            if grant.status == GoodwillStatus.GRANTED:
                messages.success(request, _("Goodwill granted."))
                if grant.voucher:
                    messages.info(
                        request, _("Voucher code: %(code)s") % {"code": grant.voucher.code}
                    )
                link = shop_refund_links([grant]).get(grant.pk)
                if link is not None and link.shop_first:
                    messages.info(
                        request,
                        _(
                            "The shop had already refunded this amount on %(date)s: the goodwill "
                            "is that refund, nothing is paid a second time."
                        )
                        % {"date": date_format(localtime(link.refunded_at), "SHORT_DATE_FORMAT")},
                    )
            else:
                messages.warning(
                    request,
                    _("Above your limit of %(limit)s: the request waits for a team lead.")
                    % {"limit": format_money(grant.limit_at_request or 0, grant.currency)},
                )
            if case is not None:
                return redirect(case_url(case))
            return redirect("ui:goodwill-list")
    return render(
        request,
        "ui/service/desk/goodwill_form.html",
        {
            "form": form,
            "customer": customer,
            "case": case,
            "own_limit": _own_limit(request.user, case),
        },
        status=422 if request.method == "POST" else 200,
    )


def _own_limit(user: Any, case: Case | None) -> dict[str, Any]:
    """What the form says of the agent's limit, amounts in the reader's locale: for the case's
    type when the goodwill belongs to a case, else the general one and the types that differ;
    one amount where every kind has the same limit, else the limit per kind."""
    table = limits_of(user)
    if table is None:
        return {"unlimited": True}
    types = dict(CaseType.choices)
    if case is not None:
        per_kind = table.get(case.case_type, table[""])
        return {"amount": _spelled(per_kind), "case_type": types.get(case.case_type, "")}
    return {
        "amount": _spelled(table[""]),
        "by_type": [
            (types.get(key, key), _spelled(per_kind)) for key, per_kind in table.items() if key
        ],
    }


def _spelled(per_kind: dict[str, Decimal]) -> str:
    """ "15,00 €" when every kind has that limit, else "Voucher 20,00 €, Gift 10,00 € ..." """
    amounts = set(per_kind.values())
    if len(amounts) == 1:
        return format_money(amounts.pop())
    kinds = dict(GoodwillKind.choices)
    return ", ".join(
        _("%(kind)s %(amount)s") % {"kind": kinds[kind], "amount": format_money(amount)}
        for kind, amount in per_kind.items()
    )


@login_required
@require_POST
def goodwill_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "service.approve_goodwill")
    grant = goodwill_to_decide(pk, by=request.user)
    if grant is None:
        raise Http404("no such goodwill request")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or decline."))
        return redirect("ui:goodwill-list")
    try:
        if form.cleaned_data["decision"] == "approve":
            approve_goodwill(grant, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Goodwill approved."))
        else:
            decline_goodwill(grant, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Goodwill declined."))
    except GoodwillError as error:
        messages.error(request, str(error))
    return redirect("ui:goodwill-list")


@login_required
def goodwill_report(request: HttpRequest) -> HttpResponse:
    _require(request, "service.view_goodwill_report")
    return render(
        request,
        "ui/service/desk/goodwill_report.html",
        {
            "rows": goodwill_totals(by=request.user),
            "limited_to_shops": staff_shop_ids(request.user) is not None,
        },
    )


@login_required
@require_POST
def voucher_export(request: HttpRequest) -> HttpResponse:
    """The new voucher codes as the shop's import file (German Excel CSV)."""
    _require(request, "shop.export_vouchers")
    text, _count = export_vouchers(by=request.user, only_new=request.POST.get("all") != "1")
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="gutscheine-{stamp}.csv"'
    return response
