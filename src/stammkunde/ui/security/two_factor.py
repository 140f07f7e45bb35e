"""Two-factor login: set up an authenticator app (QR code), backup codes, the code page."""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from stammkunde.core.client_address import client_address
from stammkunde.logins.queries import has_authenticator, two_factor_required
from stammkunde.logins.services import (
    authenticator_for,
    confirm_authenticator,
    new_backup_codes,
    remove_two_factor,
    start_authenticator_setup,
    verify_second_factor,
)
from stammkunde.ui.redirects import safe_next


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


def refusal_message(reason: str) -> str:
    """The sentence a refused code gets, by the reason the service gave."""
    if reason == "replayed":
        return _("This code was already used. Wait for the next code of your app.")
    if reason == "throttled":
        return _("Too many wrong codes. Wait a moment before you try again.")
    if reason == "wrong_backup_code":
        return _("This backup code is wrong or was already used.")
    return _("The code is wrong or has expired. Enter the code your app shows now.")


def _client_ip(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or client_address(request)


def _safe_next(request: HttpRequest) -> str:
    return safe_next(request, "/")


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ui/security/two_factor.html",
        {
            "has_authenticator": has_authenticator(request.user),
            "required": two_factor_required(request.user),
        },
    )


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    # Changing the phone needs the current second factor first (the middleware sends an
    # unverified user with an authenticator to the code page before this view runs).
    device = start_authenticator_setup(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, codes = confirm_authenticator(
            request.user, form.cleaned_data["code"], ip_address=_client_ip(request)
        )
        if result.accepted:
            request.session.cycle_key()
            otp_login(request, result.device)
            return render(
                request,
                "ui/security/backup_codes.html",
                {"codes": codes, "next": _safe_next(request), "first_setup": True},
            )
        form.add_error("code", refusal_message(result.reason))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#1f2933", light="#ffffff", omitsize=False
    )
    return render(
        request,
        "ui/security/two_factor_setup.html",
        {
            "form": form,
            # segno's own SVG markup (no script, no style attribute) from our own data.
            "qr_svg": mark_safe(qr_svg),
            "secret": b32encode(device.bin_key).decode(),
            "required": two_factor_required(request.user),
            "next": _safe_next(request),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    if authenticator_for(request.user) is None:
        return redirect("ui:two-factor")
    codes = new_backup_codes(request.user, ip_address=_client_ip(request))
    return render(request, "ui/security/backup_codes.html", {"codes": codes, "next": "/"})


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    if two_factor_required(request.user):
        messages.error(request, _("Your role requires two-factor login; it cannot be removed."))
        return redirect("ui:two-factor")
    remove_two_factor(request.user, by=request.user)
    messages.success(request, _("Two-factor login is switched off."))
    return redirect("ui:two-factor")


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified() or not has_authenticator(request.user):
        return redirect(_safe_next(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = verify_second_factor(
            request.user, form.cleaned_data["code"], ip_address=_client_ip(request)
        )
        if result.accepted:
            request.session.cycle_key()
            otp_login(request, result.device)
            return redirect(_safe_next(request))
        form.add_error("code", refusal_message(result.reason))
    if request.method == "POST":
        status = 422
    return render(
        request,
        "ui/security/two_factor_verify.html",
        {"form": form, "next": _safe_next(request)},
        status=status,
    )
