"""Background work of the login machinery: the password reset mail, sent after the answer to
the request (``services.request_password_reset``), so the answer's timing does not tell whether
the address is known."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django_tasks import task


def site_link_parts() -> tuple[str, str]:
    """The scheme and the host (with the path the site is served under) of the configured
    ``SITE_URL``, for the links in mails: never the Host header of the request that asked
    for the mail, which an attacker sets to their own server to catch the reset token."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme or "https", parts.netloc + parts.path.rstrip("/")


@task(queue_name="default")
def send_password_reset(
    *,
    email: str,
    language: str,
    domain: str | None = None,
    use_https: bool | None = None,
) -> int:
    """Send the reset link to every active user with ``email`` and a usable password (Django's
    form does the lookup, the token and the mail, in the requester's language); nothing for an
    unknown address. Returns how many mails went out.

    The link is on ``SITE_URL`` (``site_link_parts``); ``domain`` and ``use_https`` are
    ignored, accepted only for tasks queued before they were dropped (they came from the
    request's Host header)."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    users = list(form.get_users(email))
    protocol, site = site_link_parts()
    with translation.override(language):
        form.save(
            domain_override=site,
            use_https=protocol == "https",
            subject_template_name="ui/security/password_reset_subject.txt",
            email_template_name="ui/security/password_reset_email.txt",
        )
    return len(users)
