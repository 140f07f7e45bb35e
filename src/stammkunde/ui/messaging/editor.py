"""The template editor: edit the parts, preview live (htmx) with any real customer and order
in German or English, see the "reads as personal" findings, send yourself a test."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.messaging.mail_data import Sender
from stammkunde.messaging.models import Campaign, MessageTemplate, Trigger
from stammkunde.messaging.previews import preview_mail
from stammkunde.messaging.rendering import TemplateError, variables_for_editor
from stammkunde.messaging.services.campaigns import CampaignError, send_test
from stammkunde.messaging.services.templates import (
    TemplateInvalid,
    create_template,
    may_edit,
    update_template,
)
from stammkunde.messaging.trigger_events import MOMENTS, TriggerEvent
from stammkunde.ui.mail_frame import mail_frame_response
from stammkunde.ui.messaging.forms import NewTemplateForm, PreviewForm, TemplateForm
from stammkunde.ui.redirects import redirect_back


def _trigger_of(template: MessageTemplate) -> Trigger | None:
    return (
        Trigger.objects.filter(template_de=template).first()
        or Trigger.objects.filter(template_en=template).first()
    )


def _sender(template: MessageTemplate, request: HttpRequest) -> Sender:
    trigger = _trigger_of(template)
    if trigger is not None:
        return Sender(trigger.sender_name, trigger.sender_address, trigger.sender_role)
    uses = Q(template_de=template) | Q(template_en=template)
    campaign = Campaign.objects.filter(uses).order_by("-created_at").first()
    if campaign is not None:
        return Sender(campaign.sender_name, campaign.sender_address, "", campaign.reply_to)
    # A new mail: previewed as if the staff member sent it.
    user = request.user
    return Sender(user.get_full_name() or user.get_username(), user.email or "")


def _has_order(template: MessageTemplate) -> bool:
    trigger = _trigger_of(template)
    return bool(trigger and MOMENTS[TriggerEvent(trigger.event)].has_order)


def _problems_text(error: TemplateInvalid) -> dict[str, list[str]]:
    return {part: [str(problem) for problem in found] for part, found in error.problems.items()}


@login_required
@permission_required("messaging.view_messagetemplate", raise_exception=True)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(MessageTemplate, pk=pk)
    can_edit = may_edit(request.user, template.purpose)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                update_template(template, by=request.user, **form.cleaned_data)
            except TemplateInvalid as error:
                for part, texts in _problems_text(error).items():
                    for text in texts:
                        form.add_error(part if part in form.fields else None, text)
                for finding in error.findings:
                    form.add_error(None, str(finding))
            else:
                messages.success(
                    request,
                    _("The mail was saved (version %(version)s).") % {"version": template.version},
                )
                return redirect("ui:template-edit", pk=template.pk)
    else:
        form = TemplateForm(
            initial={
                "name": template.name,
                "subject": template.subject,
                "text_body": template.text_body,
                "html_body": template.html_body,
            }
        )
    return render(
        request,
        "ui/messaging/template_edit.html",
        {
            "template": template,
            "form": form,
            "preview_form": PreviewForm(initial={"language": template.language}),
            "can_edit": can_edit,
            "trigger": _trigger_of(template),
            "variables": variables_for_editor(),
            "versions": template.versions.all()[:10],
        },
    )


@login_required
@permission_required("messaging.view_messagetemplate", raise_exception=True)
def template_add(request: HttpRequest) -> HttpResponse:
    if not (
        request.user.has_perm("messaging.edit_all_templates")
        or request.user.has_perm("messaging.edit_marketing_templates")
    ):
        raise PermissionDenied
    form = NewTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not may_edit(request.user, data["purpose"]):
            raise PermissionDenied
        try:
            template = create_template(by=request.user, **data)
        except TemplateInvalid as error:
            for part, texts in _problems_text(error).items():
                for text in texts:
                    form.add_error(part if part in form.fields else None, text)
        else:
            return redirect("ui:template-edit", pk=template.pk)
    return render(
        request,
        "ui/messaging/template_add.html",
        {"form": form, "variables": variables_for_editor()},
    )


@login_required
@permission_required("messaging.view_messagetemplate", raise_exception=True)
@require_POST
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx partial: the mail as the customer would get it, and the check's findings."""
    template = get_object_or_404(MessageTemplate, pk=pk)
    form = PreviewForm(request.POST)
    form.is_valid()
    options = form.cleaned_data if form.is_valid() else {}
    preview = preview_mail(
        subject=request.POST.get("subject", template.subject),
        text_body=request.POST.get("text_body", template.text_body),
        html_body=request.POST.get("html_body", template.html_body),
        language=options.get("language") or template.language,
        sender=_sender(template, request),
        has_order=_has_order(template),
        by=request.user,
        customer_key=options.get("customer", ""),
        order_number=options.get("order", ""),
    )
    html_url = ""
    if preview.html:
        # The frame loads the rendered mail from its own URL (ui/mail_frame.py); the unsaved
        # form exists only in this request, so the HTML waits in a cache shared by the workers.
        key = secrets.token_urlsafe(24)
        caches["mail_previews"].set(
            key, {"user": request.user.pk, "template": template.pk, "html": preview.html}
        )
        html_url = reverse("ui:template-preview-html", args=(template.pk, key))
    return render(
        request,
        "ui/messaging/template_edit.html#preview",
        {"preview": preview, "template": template, "html_url": html_url},
    )


@login_required
@permission_required("messaging.view_messagetemplate", raise_exception=True)
def template_preview_html(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """The HTML of one rendered preview, for its sandboxed frame; only for the staff member who
    made it, for as long as the cache keeps it (ten minutes)."""
    stored = caches["mail_previews"].get(key)
    if not stored or stored["user"] != request.user.pk or stored["template"] != pk:
        raise Http404("no such preview")
    return mail_frame_response(stored["html"])


@login_required
@permission_required("messaging.view_messagetemplate", raise_exception=True)
@require_POST
def template_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the saved mail to the staff member's own address, through the outbox."""
    template = get_object_or_404(MessageTemplate, pk=pk)
    try:
        send_test(template, by=request.user, sender=_sender(template, request))
    except (CampaignError, TemplateError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("A test is on its way to %(address)s.") % {"address": request.user.email}
        )
    return redirect_back(request, "ui:template-edit", template.pk)
