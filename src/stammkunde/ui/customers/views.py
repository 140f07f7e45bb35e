"""Customer list and search, the customer 360 page and its timeline pages."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from stammkunde.audit.queries import recent_audit_trail
from stammkunde.core.ids import parse_id, parse_page
from stammkunde.core.scoping import shop_limit
from stammkunde.customers.models import Customer
from stammkunde.customers.queries import (
    current_consents,
    customer_for_staff,
    customers_page,
    resolve_merged,
)
from stammkunde.shop.queries import (
    key_figures,
    order_summaries,
    orders_for_customer,
    search_customers,
)
from stammkunde.timeline.kinds import KIND_GROUP_LABELS, KIND_GROUPS
from stammkunde.timeline.queries import TimelineLine, folded_timeline_page, timeline_page
from stammkunde.ui.customers.forms import CallForm, ConsentForm, NoteForm, TagsForm

PAGE_SIZE = 25
# Orders on the customer page per page; the box says how many there are and pages on.
ORDERS_PAGE_SIZE = 20
SEARCH_LIMIT = 50
TIMELINE_PAGE_SIZE = 50
AUDIT_ROWS = 50
# Search terms are cut here before they reach the database; no name, e-mail or number is longer.
MAX_TERM_LENGTH = 200


def _page_number(raw: str | None) -> int:
    return parse_page(raw)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request: HttpRequest) -> HttpResponse:
    # NUL cannot travel to PostgreSQL in a string; no real search term contains one.
    term = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_TERM_LENGTH]
    page = _page_number(request.GET.get("page"))
    has_next = False
    if term:
        customers = search_customers(term, by=request.user)[:SEARCH_LIMIT]
    else:
        # One row more than a page tells whether a next page exists, without counting a table
        # that may hold millions of customers.
        offset = (page - 1) * PAGE_SIZE
        customers = customers_page(by=request.user, offset=offset, limit=PAGE_SIZE)
        has_next = len(customers) > PAGE_SIZE
        customers = customers[:PAGE_SIZE]
    summaries = order_summaries([customer.pk for customer in customers])
    rows = [(customer, summaries.get(customer.pk)) for customer in customers]
    context = {
        "term": term,
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "has_previous": not term and page > 1,
    }
    template = "ui/customer_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


def _kind_group(request: HttpRequest) -> str:
    """The timeline filter asked for ("orders", "contacts"...), or "" for every entry."""
    group = request.GET.get("kind", "")
    return group if group in KIND_GROUPS else ""


def _flat(request: HttpRequest) -> bool:
    """Whether the timeline is asked for as a flat list (every entry on its own line)."""
    return request.GET.get("view") == "flat"


def _timeline_lines(
    customer_id: int,
    *,
    by: object,
    before: tuple[datetime, int] | None,
    kind_group: str,
    flat: bool,
) -> tuple[list[TimelineLine], str | None]:
    """One page of timeline lines (folded by order unless ``flat``) and the next cursor,
    without the entries about other shops than those ``by`` is limited to."""
    kinds = KIND_GROUPS.get(kind_group)
    shop_ids = shop_limit(by)
    if flat:
        entries = timeline_page(
            customer_id, shop_ids=shop_ids, before=before, limit=TIMELINE_PAGE_SIZE, kinds=kinds
        )
        return [TimelineLine(entry) for entry in entries], _next_cursor(entries, TIMELINE_PAGE_SIZE)
    lines, cursor = folded_timeline_page(
        customer_id, shop_ids=shop_ids, before=before, limit=TIMELINE_PAGE_SIZE, kinds=kinds
    )
    return lines, (None if cursor is None else f"{cursor[0].isoformat()}_{cursor[1]}")


def _customer_or_404(pk: int, *, by: object, detail: str) -> Customer:
    customer = customer_for_staff(pk, by=by, detail=detail)
    if customer is None:
        raise Http404("no such customer")
    return customer


def _next_cursor(entries: list, limit: int) -> str | None:
    if len(entries) < limit:
        return None
    last = entries[-1]
    return f"{last.occurred_at.isoformat()}_{last.pk}"


def _parse_cursor(raw: str | None) -> tuple[datetime, int] | None:
    if not raw or "_" not in raw:
        return None
    at_text, _sep, pk_text = raw.rpartition("_")
    try:
        at = parse_datetime(at_text)
    except ValueError:
        return None
    pk = parse_id(pk_text)
    if at is None or pk is None:
        return None
    return at, pk


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    surviving = resolve_merged(pk)
    if surviving != pk:
        messages.info(request, _("Customer #%(old)s was merged into this customer.") % {"old": pk})
        return redirect("ui:customer-detail", pk=surviving)
    customer = _customer_or_404(pk, by=request.user, detail="360")
    # Loaded once for the page: the duplicate notice compares the same addresses.
    prefetch_related_objects([customer], "addresses", "tags")
    kind_group = _kind_group(request)
    flat = _flat(request)
    lines, next_cursor = _timeline_lines(
        customer.pk, by=request.user, before=None, kind_group=kind_group, flat=flat
    )
    orders_page = _page_number(request.GET.get("orders_page"))
    orders = orders_for_customer(
        customer.pk,
        limit=ORDERS_PAGE_SIZE + 1,
        offset=(orders_page - 1) * ORDERS_PAGE_SIZE,
        by=request.user,
    )
    can_see_audit = request.user.has_perm("customers.view_audit_trail")
    tags = list(customer.tags.all())
    # The order box's total comes with the key figures (one pass over the orders, not two).
    figures = key_figures(customer.pk, by=request.user)
    context = {
        "customer": customer,
        "addresses": list(customer.addresses.all()),
        "tags": tags,
        "consents": current_consents(customer.pk),
        "figures": figures,
        "orders": orders[:ORDERS_PAGE_SIZE],
        "orders_page": orders_page,
        "orders_has_next": len(orders) > ORDERS_PAGE_SIZE,
        "orders_total": figures.all_orders,
        "lines": lines,
        "flat": flat,
        "kind_group": kind_group,
        "kind_groups": KIND_GROUP_LABELS,
        "next_cursor": next_cursor,
        "can_add_contact": request.user.has_perm("customers.add_contact_note"),
        "can_edit": request.user.has_perm("customers.change_customer"),
        "audit_entries": (
            recent_audit_trail(customer.pk, by=request.user, limit=AUDIT_ROWS)
            if can_see_audit
            else None
        ),
        "note_form": NoteForm(),
        "call_form": CallForm(),
        "consent_form": ConsentForm(),
        "tags_form": TagsForm(initial={"tags": ", ".join(tag.name for tag in tags)}),
    }
    return render(request, "ui/customer_detail.html", context)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The next page of the timeline after a cursor ("load more")."""
    customer = _customer_or_404(pk, by=request.user, detail="timeline")
    raw_cursor = request.GET.get("before")
    cursor = _parse_cursor(raw_cursor)
    if raw_cursor and cursor is None:
        raise Http404("bad cursor")
    kind_group = _kind_group(request)
    flat = _flat(request)
    lines, next_cursor = _timeline_lines(
        customer.pk, by=request.user, before=cursor, kind_group=kind_group, flat=flat
    )
    context = {
        "customer": customer,
        "lines": lines,
        "flat": flat,
        "kind_group": kind_group,
        "next_cursor": next_cursor,
    }
    template = "ui/customer_detail.html#timeline-page"
    if not request.htmx:
        template = "ui/customer_timeline.html"
    return render(request, template, context)
