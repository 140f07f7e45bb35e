"""The audit trail search for team leads: by customer, staff member, action and time."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.queries import TrailFilter, search_audit_trail

PAGE_SIZE = 50


class TrailForm(forms.Form):
    customer = forms.IntegerField(label=_("Customer number"), required=False, min_value=1)
    staff = forms.ModelChoiceField(
        label=_("Staff member"),
        queryset=get_user_model().objects.none(),
        required=False,
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("All actions")), *AuditAction.choices], required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = get_user_model().objects.order_by("username")

    def criteria(self) -> TrailFilter:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        since = data.get("since")
        until = data.get("until")
        return TrailFilter(
            customer_id=data.get("customer"),
            actor_id=data["staff"].pk if data.get("staff") else None,
            action=data.get("action") or "",
            since=datetime.combine(since, time.min, zone) if since else None,
            # "to" a day includes that whole day
            until=datetime.combine(until + timedelta(days=1), time.min, zone) if until else None,
        )


@login_required
@permission_required("customers.view_audit_trail", raise_exception=True)
def audit_trail(request: HttpRequest) -> HttpResponse:
    form = TrailForm(request.GET or None)
    entries: list = []
    page = 1
    searched = bool(request.GET) and form.is_valid()
    if searched:
        page = form.cleaned_data.get("page") or 1
        entries = search_audit_trail(
            form.criteria(), by=request.user, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "entries": entries[:PAGE_SIZE],
        "searched": searched,
        "page": page,
        "has_next": len(entries) > PAGE_SIZE,
        "query": query.urlencode(),
    }
    return render(request, "ui/privacy/audit_trail.html", context)
