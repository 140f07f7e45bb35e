"""Duplicate suggestions and merging customers (team leads and admins merge; agents look)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.core.ids import parse_ids, parse_page
from stammkunde.customers.duplicates import (
    dismiss_duplicates,
    duplicate_suggestions,
    merge_preview,
)
from stammkunde.customers.merging import FILLABLE_FIELDS, MergeError, merge_customers
from stammkunde.customers.models import Customer, CustomerStatus, DuplicateReason
from stammkunde.shop.queries import key_figures
from stammkunde.ui.redirects import redirect_back

GROUPS_PER_PAGE = 25
MERGE_PERMISSION = "customers.merge_customers"
# The profile rows of the side-by-side preview, in reading order.
PREVIEW_FIELDS = ("email", *FILLABLE_FIELDS, "language", "form_of_address", "created_at")


def _page_number(raw: str | None) -> int:
    return parse_page(raw, last=10_000)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    reason_value = request.GET.get("reason", "")
    reason = DuplicateReason(reason_value) if reason_value in DuplicateReason.values else None
    page = _page_number(request.GET.get("page"))
    offset = (page - 1) * GROUPS_PER_PAGE
    rows = duplicate_suggestions(
        by=request.user, reason=reason, limit=GROUPS_PER_PAGE, offset=offset
    )
    context = {
        "rows": rows,
        "reason": reason_value if reason else "",
        "reasons": DuplicateReason.choices,
        "page": page,
        "has_next": len(rows) >= GROUPS_PER_PAGE,
        "can_merge": request.user.has_perm(MERGE_PERMISSION),
    }
    return render(request, "ui/identity/duplicate_list.html", context)


@login_required
@permission_required(MERGE_PERMISSION, raise_exception=True)
@require_POST
def duplicate_dismiss(request: HttpRequest) -> HttpResponse:
    ids = parse_ids(request.POST.getlist("customer"))
    if len(set(ids)) < 2:
        messages.error(request, _("Choose at least two customers."))
    else:
        dismiss_duplicates(ids, by=request.user)
        messages.success(request, _("These customers will no longer be suggested as duplicates."))
    return redirect_back(request, "ui:duplicate-list")


def _preview_rows(first: Customer, second: Customer) -> list[tuple[str, object, object]]:
    rows = []
    for name in PREVIEW_FIELDS:
        field = Customer._meta.get_field(name)
        display = f"get_{name}_display"
        values = [
            getattr(c, display)() if hasattr(c, display) else getattr(c, name)
            for c in (first, second)
        ]
        rows.append((str(field.verbose_name), values[0], values[1]))
    return rows


@login_required
@permission_required(MERGE_PERMISSION, raise_exception=True)
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Side by side preview of two customers; POST merges the one not chosen as survivor."""
    other_ids = parse_ids([request.GET.get("other", "") or request.POST.get("other", "")])
    pair = merge_preview(pk, other_ids[0], by=request.user) if other_ids else None
    if pair is None or other_ids[0] == pk:
        first = get_object_or_404(Customer, pk=pk)
        messages.error(request, _("Choose another customer to merge with."))
        return redirect(first)
    first, second = pair
    if request.method == "POST":
        survivor, merged = (first, second)
        if request.POST.get("survivor") == str(second.pk):
            survivor, merged = second, first
        try:
            merge_customers(survivor, merged, by=request.user)
        except MergeError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(survivor)s.")
                % {"merged": merged.display_name, "survivor": survivor.display_name},
            )
            return redirect(survivor)
    both_active = all(c.status == CustomerStatus.ACTIVE for c in (first, second))
    context = {
        "first": first,
        "second": second,
        "rows": _preview_rows(first, second),
        "figures": [
            key_figures(first.pk, by=request.user),
            key_figures(second.pk, by=request.user),
        ],
        "counts": [
            {
                "orders": c.orders.count(),
                "activities": c.activities.count(),
                "addresses": c.addresses.count(),
                "consents": c.consent_events.count(),
            }
            for c in (first, second)
        ],
        "both_active": both_active,
    }
    return render(request, "ui/identity/merge.html", context)
