"""The lockout page: who is locked out after failed logins, and lifting it (admins)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.logins.queries import current_lockouts, recent_security_events
from stammkunde.logins.services import lift_lockout

PERMISSION = "logins.manage_lockouts"


@login_required
@permission_required(PERMISSION, raise_exception=True)
def lockout_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ui/security/lockouts.html",
        {
            "lockouts": current_lockouts(),
            "events": recent_security_events(),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
    )


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def lift(request: HttpRequest) -> HttpResponse:
    parameter = request.POST.get("parameter", "")
    value = request.POST.get("value", "").strip()
    if parameter not in ("username", "address") or not value or len(value) > 150:
        return HttpResponseBadRequest(_("Name a username or an address to unlock."))
    if parameter == "address":
        try:
            validate_ipv46_address(value)
        except ValidationError:
            return HttpResponseBadRequest(_("Name a username or an address to unlock."))
    if parameter == "username":
        removed = lift_lockout(by=request.user, username=value)
    else:
        removed = lift_lockout(by=request.user, ip_address=value)
    if removed:
        messages.success(request, _("%(value)s may log in again.") % {"value": value})
    else:
        messages.info(request, _("%(value)s was not locked out.") % {"value": value})
    return redirect("ui:lockout-list")
