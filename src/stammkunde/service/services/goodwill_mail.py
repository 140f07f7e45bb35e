"""Telling team leads that a goodwill request waits for their decision: a staff mail through
messaging's outbox to each lead who may decide, in their own language (one per lead and
request: the outbox's idempotency key), beside the waiting list on the goodwill page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from stammkunde.core.number_formats import format_money
from stammkunde.service.models import GoodwillGrant, GoodwillKind, TeamMember
from stammkunde.service.services.outside import queue_staff_mail
from stammkunde.service.staff_scope import who_may_see


def approvers(grant: GoodwillGrant) -> list[Any]:
    """Who may decide on ``grant``: the active holders of ``service.approve_goodwill`` except
    the requester who may see the customer (staff limited to shops); only the leads of the
    case's team when the case has a team with such leads."""
    permission = Permission.objects.filter(
        codename="approve_goodwill", content_type__app_label="service"
    ).first()
    if permission is None:
        return []
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
        .exclude(pk=grant.requested_by_id)
        .exclude(email="")
        .select_related("staff_preference")
        .distinct()
        .order_by("pk")
    )
    people = who_may_see(list(people), grant.customer_id, case_id=grant.case_id)
    team_id = grant.case.team_id if grant.case_id else None
    if team_id is not None:
        team_leads = set(
            TeamMember.objects.filter(team_id=team_id, is_lead=True).values_list(
                "user_id", flat=True
            )
        )
        leads = [person for person in people if person.pk in team_leads]
        if leads:
            return leads
    return people


def ask_for_approval(grant: GoodwillGrant) -> int:
    """Queue the approval request of a waiting ``grant`` to each approver; returns how many
    were queued. Called inside the request's transaction: no mail for a request rolled back."""
    link = settings.SITE_URL.rstrip("/") + reverse("ui:goodwill-list")
    return queue_staff_mail(
        approvers(grant),
        compose=lambda person: _request_text(grant, link=link),
        idempotency_key=lambda person: f"goodwill-approval:{grant.pk}:{person.pk}",
        source_type="goodwill_approval",
        source_id=grant.pk,
    )


def _request_text(grant: GoodwillGrant, *, link: str) -> tuple[str, str]:
    """Subject and text in the active language (amounts in its format). The customer is not
    named: the mail leaves the system, the page behind the link shows who it is."""
    requester = grant.requested_by
    values = {
        "kind": GoodwillKind(grant.kind).label,
        "amount": format_money(grant.amount, grant.currency),
        "agent": (requester.get_full_name() or requester.get_username()) if requester else "-",
        "limit": format_money(grant.limit_at_request or 0, grant.currency),
        "case": grant.case.reference if grant.case_id else "",
    }
    subject = _("Goodwill waits for your decision: %(kind)s %(amount)s") % values
    if grant.case_id:
        subject += f" ({values['case']})"
    lines = [
        _("%(agent)s asks for %(kind)s of %(amount)s, above their limit of %(limit)s.") % values,
        _("Reason: %(reason)s") % {"reason": grant.reason},
        _("Approve or decline: %(link)s") % {"link": link},
    ]
    return subject[:300], "\n\n".join(lines)
