"""Campaigns: list, a new one, its page (audience, mails, test send, schedule, results).

Staff limited to shops read campaigns with their shops' recipients' figures and never run one
(``messaging.drehbuch_queries.may_run_campaigns``): the new-campaign page and the actions are
404 for them, with a REFUSE row."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.messaging.drehbuch_queries import (
    campaign_results,
    campaign_to_run,
    may_run_campaigns,
    refuse_campaign_run,
)
from stammkunde.messaging.mail_data import Sender
from stammkunde.messaging.models import Campaign
from stammkunde.messaging.rendering import TemplateError
from stammkunde.messaging.services.campaigns import (
    CampaignError,
    cancel_campaign,
    save_campaign,
    schedule_campaign,
    send_test,
)
from stammkunde.ui.messaging.forms import CampaignForm


@login_required
@permission_required("messaging.view_campaign", raise_exception=True)
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ui/messaging/campaign_list.html",
        {
            "campaigns": Campaign.objects.select_related("segment")[:100],
            "can_run": _can_run(request),
            # the audience size counts every shop's customers: not for staff limited to shops
            "limited_to_shops": not may_run_campaigns(request.user),
        },
    )


@login_required
@permission_required("messaging.run_campaigns", raise_exception=True)
def campaign_add(request: HttpRequest) -> HttpResponse:
    if not may_run_campaigns(request.user):
        refuse_campaign_run(by=request.user, object_id="", detail="new campaign")
        raise Http404("no such page")
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = save_campaign(None, by=request.user, **form.cleaned_data)
        except CampaignError as error:
            form.add_error(None, str(error))
        else:
            return redirect("ui:campaign-detail", pk=campaign.pk)
    return render(request, "ui/messaging/campaign_add.html", {"form": form})


@login_required
@permission_required("messaging.view_campaign", raise_exception=True)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(
        Campaign.objects.select_related("segment", "template_de", "template_en"), pk=pk
    )
    return render(
        request,
        "ui/messaging/campaign_detail.html",
        {
            "campaign": campaign,
            "results": campaign_results(campaign, by=request.user),
            "can_run": _can_run(request),
            "limited_to_shops": not may_run_campaigns(request.user),
        },
    )


@login_required
@permission_required("messaging.run_campaigns", raise_exception=True)
@require_POST
def campaign_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Test send, schedule (now or at a time) or cancel."""
    campaign = campaign_to_run(pk, by=request.user, detail=request.POST.get("action", ""))
    if campaign is None:
        raise Http404("no such campaign")
    action = request.POST.get("action")
    try:
        if action == "test":
            template = campaign.template_de or campaign.template_en
            sender = Sender(campaign.sender_name, campaign.sender_address, "", campaign.reply_to)
            send_test(template, by=request.user, sender=sender)
            messages.success(
                request, _("A test is on its way to %(address)s.") % {"address": request.user.email}
            )
        elif action == "schedule":
            at = _when(request.POST.get("at", ""))
            if at is None:
                messages.error(request, _("Give the time as YYYY-MM-DD HH:MM."))
            else:
                schedule_campaign(campaign, at=at, by=request.user)
                messages.success(request, _("The campaign is scheduled."))
        elif action == "cancel":
            cancel_campaign(campaign, by=request.user)
            messages.success(request, _("The campaign is cancelled."))
    except (CampaignError, TemplateError) as error:
        messages.error(request, str(error))
    return redirect("ui:campaign-detail", pk=campaign.pk)


def _can_run(request: HttpRequest) -> bool:
    return request.user.has_perm("messaging.run_campaigns") and may_run_campaigns(request.user)


def _when(raw: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return timezone.now()
    value = parse_datetime(raw.replace("T", " "))
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value
