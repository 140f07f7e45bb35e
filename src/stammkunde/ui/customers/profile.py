"""Consent, tags and addresses changed from the customer 360 page (the services decide)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.core.ids import parse_id
from stammkunde.customers.models import Address, Customer, CustomerStatus
from stammkunde.customers.queries import current_consents, customer_to_edit, may_see_customer
from stammkunde.customers.services.addresses import save_address
from stammkunde.customers.services.consent import record_staff_consent
from stammkunde.customers.services.errors import CustomerError
from stammkunde.customers.services.tags import parse_tag_names, set_customer_tags
from stammkunde.ui.customers.forms import AddressForm, ConsentForm, TagsForm

DETAIL = "ui/customer_detail.html"


def _writable_customer(pk: int, *, by: object) -> Customer:
    """A customer whose data can still change: not merged away, not erased, and within the
    shops ``by`` is limited to (else 404 and a REFUSE row)."""
    customer = get_object_or_404(Customer, pk=pk, status=CustomerStatus.ACTIVE)
    if not may_see_customer(pk, by=by, detail="profile"):
        raise Http404("no such customer")
    return customer


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
    customer = _writable_customer(pk, by=request.user)
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
    customer = _writable_customer(pk, by=request.user)
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


@login_required
@permission_required("customers.change_address", raise_exception=True)
def edit_address(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an address (no ``address`` parameter) or change one of the customer's addresses."""
    if request.method == "POST":
        customer = _writable_customer(pk, by=request.user)  # the change is audited
    else:  # the form shows the customer's name and address: an audited read
        customer = customer_to_edit(pk, by=request.user, detail="address form")
        if customer is None:
            raise Http404("no such customer")
    address = None
    raw_id = request.POST.get("address") or request.GET.get("address")
    if raw_id:
        address_id = parse_id(raw_id)
        if address_id is None:
            raise Http404("no such address")
        address = get_object_or_404(Address, pk=address_id, customer=customer)
    elif not request.user.has_perm("customers.add_address"):
        raise PermissionDenied
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            try:
                save_address(customer, by=request.user, address=address, **form.cleaned_data)
            except CustomerError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The address was saved."))
                return redirect(customer)
    else:
        form = AddressForm.for_address(address) if address else AddressForm()
    context = {"customer": customer, "form": form, "address": address}
    return render(request, "ui/customer_address.html", context)
