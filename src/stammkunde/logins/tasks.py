"""Background work of the login machinery: the password reset mail, sent after the answer to
the request (``services.request_password_reset``), so the answer's timing does not tell whether
the address is known."""

from __future__ import annotations

from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django_tasks import task


@task(queue_name="default")
def send_password_reset(*, email: str, domain: str, use_https: bool, language: str) -> int:
    """Send the reset link to every active user with ``email`` and a usable password (Django's
    form does the lookup, the token and the mail, in the requester's language); nothing for an
    unknown address. Returns how many mails went out."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    users = list(form.get_users(email))
    with translation.override(language):
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name="ui/security/password_reset_subject.txt",
            email_template_name="ui/security/password_reset_email.txt",
        )
    return len(users)
