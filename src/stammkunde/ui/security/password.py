"""Password reset by e-mail for staff: Django's views with our templates and records.

A reset link is signed with the user's password hash and last login, so it stops working once
used, after PASSWORD_RESET_TIMEOUT, or when altered; such a link gets a clear page (status 400)
and a security event. A reset does not log the user in, so a second factor is still asked.
Requests are limited per address and per client (``logins.services.request_password_reset``)
and the mail is sent by a task after the answer.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import ngettext

from stammkunde.core.client_address import client_address
from stammkunde.logins.models import SecurityEventKind
from stammkunde.logins.services import ResetThrottled, record_event, request_password_reset


def _client_ip(request: Any) -> str | None:
    return getattr(request, "axes_ip_address", None) or client_address(request)


class ResetRequest(auth_views.PasswordResetView):
    template_name = "ui/security/password_reset_form.html"
    email_template_name = "ui/security/password_reset_email.txt"
    subject_template_name = "ui/security/password_reset_subject.txt"
    success_url = reverse_lazy("ui:password-reset-sent")

    def form_valid(self, form: Any) -> HttpResponse:
        # The page says the same whether the address is known or not, and the mail goes out
        # after the answer (equal work either way); the record says which.
        try:
            request_password_reset(
                form.cleaned_data["email"],
                ip_address=_client_ip(self.request),
                language=translation.get_language() or "en",
            )
        except ResetThrottled as refused:
            minutes = max(1, math.ceil(refused.wait.total_seconds() / 60))
            form.add_error(
                None,
                ngettext(
                    "Too many reset requests. Please try again in %(minutes)d minute.",
                    "Too many reset requests. Please try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(int(refused.wait.total_seconds()))
            return response
        return HttpResponseRedirect(self.get_success_url())


class ResetSent(auth_views.PasswordResetDoneView):
    template_name = "ui/security/password_reset_sent.html"


class ResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "ui/security/password_reset_confirm.html"
    success_url = reverse_lazy("ui:password-reset-done")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and response.status_code == 200:
            record_event(
                SecurityEventKind.RESET_LINK_REFUSED,
                user=self.user,
                ip_address=_client_ip(self.request),
                reason="forged_expired_or_used" if self.user else "unknown_user",
            )
            response.status_code = 400
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_event(
            SecurityEventKind.RESET_DONE, user=form.user, ip_address=_client_ip(self.request)
        )
        return response


class ResetDone(auth_views.PasswordResetCompleteView):
    template_name = "ui/security/password_reset_done.html"
