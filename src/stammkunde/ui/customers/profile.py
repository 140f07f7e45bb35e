"""Consent and tags changed from the customer 360 page (htmx fragments; the services decide)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.customers.queries import current_consents
from stammkunde.customers.services import (
    CustomerError,
    parse_tag_names,
    record_staff_consent,
    set_customer_tags,
)
from stammkunde.ui.customers.forms import ConsentForm, TagsForm

DETAIL = "ui/customer_detail.html"


def _writable_customer(pk: int) -> Customer:
    """A customer whose data can still change: not merged away, not erased."""
    return get_object_or_404(Customer, pk=pk, status=CustomerStatus.ACTIVE)


def _fragment(request: HttpRequest, customer: Customer, partial: str, **context) -> HttpResponse:
    """The changed card for htmx, errors shown in it (200: htmx swaps no 4xx answer); a plain
    form submit goes back to the 360 page, errors as messages."""
    if not request.htmx:
        form = context.get("consent_form") or context.get("tags_form")
        for errors in form.errors.values() if form is not None else ():
            for error in errors:
                messages.error(request, error)
        return redirect(customer)
    context.update({"customer": customer, "can_edit": True})
    return render(request, f"{DETAIL}#{partial}", context)


@login_required
@permission_required("customers.change_customer", raise_exception=True)
@require_POST
def change_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a grant or opt-out the customer gave to the agent (source and agent kept)."""
    customer = _writable_customer(pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_staff_consent(
                customer,
                by=request.user,
                channel=data["channel"],
                purpose=data["purpose"],
                granted=data["decision"] == "grant",
                source=data["source"],
            )
        except CustomerError as error:
            form.add_error(None, str(error))
        else:
            form = ConsentForm()
    return _fragment(
        request,
        customer,
        "consent-card",
        consent_form=form,
        consents=current_consents(customer.pk),
    )


@login_required
@permission_required("customers.change_customer", raise_exception=True)
@require_POST
def change_tags(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the customer's tags; new tag names need customers.add_tag."""
    customer = _writable_customer(pk)
    form = TagsForm(request.POST)
    if form.is_valid():
        try:
            set_customer_tags(
                customer,
                parse_tag_names(form.cleaned_data["tags"]),
                by=request.user,
                may_create=request.user.has_perm("customers.add_tag"),
            )
        except CustomerError as error:
            form.add_error("tags", str(error))
    tags = list(customer.tags.all())
    if not form.errors:
        form = TagsForm(initial={"tags": ", ".join(tag.name for tag in tags)})
    return _fragment(request, customer, "tags-card", tags_form=form, tags=tags)
