"""Writes from the customer 360 page: notes, call logs and profile changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.customers.queries import customer_to_edit, may_see_customer
from stammkunde.customers.services.contacts import add_note, log_call
from stammkunde.customers.services.errors import CustomerError
from stammkunde.customers.services.profile import update_customer
from stammkunde.timeline.models import Direction
from stammkunde.ui.customers.forms import CallForm, CustomerForm, NoteForm

DETAIL = "ui/customer_detail.html"


def _writable_customer(pk: int, *, by: object) -> Customer:
    """A customer that can still take notes and changes: not merged away, not erased, and
    within the shops ``by`` is limited to."""
    customer = get_object_or_404(Customer, pk=pk, status=CustomerStatus.ACTIVE)
    if not may_see_customer(pk, by=by, detail="contact"):
        raise Http404("no such customer")
    return customer


def _form_response(
    request: HttpRequest, customer: Customer, partial: str, form_name: str, form, entry=None
) -> HttpResponse:
    """Answer an htmx submit with the form (fresh or with errors) and, out of band, the new
    timeline entry; a plain form submit goes back to the 360 page."""
    if not request.htmx:
        if entry is not None:
            messages.success(request, _("Saved."))
            return redirect(customer)
        # Without JavaScript, errors are shown as messages on the 360 page.
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(customer)
    context = {"customer": customer, form_name: form, "new_entry": entry, "can_add_contact": True}
    return render(
        request,
        f"{DETAIL}#{partial}",
        context,
    )


@login_required
@permission_required("customers.add_contact_note", raise_exception=True)
@require_POST
def add_customer_note(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _writable_customer(pk, by=request.user)
    form = NoteForm(request.POST)
    entry = None
    if form.is_valid():
        try:
            entry = add_note(customer, by=request.user, text=form.cleaned_data["text"])
        except CustomerError as error:
            form.add_error(None, str(error))
        else:
            form = NoteForm()
    return _form_response(request, customer, "note-form", "note_form", form, entry)


@login_required
@permission_required("customers.add_contact_note", raise_exception=True)
@require_POST
def log_customer_call(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _writable_customer(pk, by=request.user)
    form = CallForm(request.POST)
    entry = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = log_call(
                customer,
                by=request.user,
                direction=Direction(data["direction"]),
                summary=data["summary"],
                notes=data["notes"],
                duration_minutes=data["duration_minutes"],
            )
        except CustomerError as error:
            form.add_error(None, str(error))
        else:
            form = CallForm()
    return _form_response(request, customer, "call-form", "call_form", form, entry)


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def edit_customer(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        customer = _writable_customer(pk, by=request.user)  # the change is audited
    else:  # the form shows the profile: an audited read
        customer = customer_to_edit(pk, by=request.user, detail="profile form")
        if customer is None:
            raise Http404("no such customer")
    if request.method == "POST":
        form = CustomerForm(request.POST)
        if form.is_valid():
            try:
                update_customer(customer, by=request.user, **form.changes())
            except CustomerError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The profile was saved."))
                return redirect(customer)
    else:
        form = CustomerForm.for_customer(customer)
    return render(request, "ui/customer_edit.html", {"customer": customer, "form": form})
