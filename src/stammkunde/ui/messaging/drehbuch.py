"""The Drehbuch overview (per event: which mail, delay, conditions, last week's figures) and
a trigger's settings; switching a trigger on refuses a mail that does not read as personal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.messaging.drehbuch_queries import drehbuch_rows
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import Trigger
from stammkunde.messaging.services.templates import may_edit
from stammkunde.messaging.services.triggers import TriggerError, save_trigger, switch_trigger
from stammkunde.messaging.trigger_conditions import ConditionError
from stammkunde.ui.messaging.forms import NewTriggerForm, TriggerMailForm
from stammkunde.ui.redirects import redirect_back


def _findings_text(error: TriggerError) -> list[str]:
    return [f"{language.upper()}: {finding}" for language, finding in error.findings]


@login_required
@permission_required("messaging.view_trigger", raise_exception=True)
def drehbuch(request: HttpRequest) -> HttpResponse:
    rows = [
        {"trigger": trigger, "counts": counts, "can_edit": may_edit(request.user, trigger.purpose)}
        for trigger, counts in drehbuch_rows(by=request.user)
    ]
    return render(
        request,
        "ui/messaging/drehbuch.html",
        {"rows": rows, "can_add": bool(_purposes_for(request.user))},
    )


def _purposes_for(user) -> list[tuple[str, str]]:
    """The purposes whose triggers ``user`` may create (team leads all, marketing the
    marketing ones)."""
    return [(purpose.value, purpose.label) for purpose in Purpose if may_edit(user, purpose)]


@login_required
@permission_required("messaging.view_trigger", raise_exception=True)
def trigger_add(request: HttpRequest) -> HttpResponse:
    """A new trigger: event, delay, conditions, mail per language, purpose, on or off."""
    purposes = _purposes_for(request.user)
    if not purposes:
        raise PermissionDenied
    form = NewTriggerForm(request.POST or None, purposes=purposes)
    if request.method == "POST" and form.is_valid():
        try:
            trigger = save_trigger(None, by=request.user, **form.values())
        except (TriggerError, ConditionError) as error:
            form.add_error(None, str(error))
            for text in _findings_text(error) if isinstance(error, TriggerError) else []:
                form.add_error(None, text)
        else:
            messages.success(request, _("The trigger was created."))
            return redirect("ui:trigger-edit", pk=trigger.pk)
    return render(
        request,
        "ui/messaging/trigger_add.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@login_required
@permission_required("messaging.view_trigger", raise_exception=True)
def trigger_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A trigger's event, purpose, mails per language, settings and conditions; marketing staff
    change (and switch to) marketing purposes only, and a switched-on trigger stays savable only
    while its mails read as personal."""
    trigger = get_object_or_404(Trigger.objects.select_related("template_de", "template_en"), pk=pk)
    can_edit = may_edit(request.user, trigger.purpose)
    # Read-only viewers see the trigger's own purpose among the choices.
    purposes = _purposes_for(request.user) if can_edit else list(Purpose.choices)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = TriggerMailForm(request.POST, purposes=purposes)
        if form.is_valid():
            try:
                save_trigger(trigger, by=request.user, **form.values())
            except (TriggerError, ConditionError) as error:
                form.add_error(None, str(error))
                for text in _findings_text(error) if isinstance(error, TriggerError) else []:
                    form.add_error(None, text)
            else:
                messages.success(request, _("The trigger was saved."))
                return redirect("ui:trigger-edit", pk=trigger.pk)
    else:
        form = TriggerMailForm(initial=TriggerMailForm.initial_for(trigger), purposes=purposes)
    return render(
        request,
        "ui/messaging/trigger_edit.html",
        {"trigger": trigger, "form": form, "can_edit": can_edit},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def trigger_switch(request: HttpRequest, pk: int) -> HttpResponse:
    trigger = get_object_or_404(Trigger, pk=pk)
    if not may_edit(request.user, trigger.purpose):
        raise PermissionDenied
    on = request.POST.get("on") == "1"
    try:
        switch_trigger(trigger, on=on, by=request.user)
    except TriggerError as error:
        messages.error(request, " ".join([str(error), *_findings_text(error)]))
    else:
        if on:
            messages.success(request, _("“%(name)s” is switched on.") % {"name": trigger.name})
        else:
            messages.success(request, _("“%(name)s” is switched off.") % {"name": trigger.name})
    return redirect_back(request, "ui:drehbuch")
