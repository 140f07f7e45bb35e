"""Two-factor login with an authenticator app (TOTP) and backup codes; required per role."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from stammkunde.logins.models import RoleSecurity, SecurityEvent, SecurityEventKind
from tests.factories import PASSWORD, make_staff_user

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the phone would show (computed with RFC 6238, not with the device's verify)."""
    now = time.time() if at is None else at
    return f"{hotp(device.bin_key, int(now // 30), digits=6):06d}"


def set_up_authenticator(client) -> tuple[TOTPDevice, list[str], str]:
    """Set up and confirm an authenticator; returns the device, backup codes and the code used."""
    page = client.get(reverse("ui:two-factor-setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    # The key shown for manual entry is the device's secret in base32.
    secret = re.search(r'<code class="secret">([A-Z2-7=]+)</code>', page.content.decode())[1]
    assert len(secret) == 32
    confirming_code = code_for(device)
    response = client.post(reverse("ui:two-factor-setup"), {"code": confirming_code})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    device.refresh_from_db()
    return device, codes, confirming_code


def log_in(client, username="anna"):
    response = client.post(reverse("ui:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_setup_shows_a_qr_code_and_gives_ten_backup_codes(client, agent):
    client.force_login(agent)
    device, codes, _used = set_up_authenticator(client)
    assert device.confirmed
    assert len(set(codes)) == 10
    assert SecurityEvent.objects.filter(
        kind=SecurityEventKind.OTP_DEVICE_CONFIRMED, user=agent
    ).exists()


def test_after_the_password_the_code_is_asked_before_any_page(client, agent):
    client.force_login(agent)
    device, _codes, _used = set_up_authenticator(client)
    client.logout()
    log_in(client)
    home = client.get(reverse("ui:home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("ui:two-factor-verify"))
    assert client.get(reverse("ui:customer-list")).status_code == 302
    # htmx fragments are sent to the code page as a whole-page redirect.
    fragment = client.get(reverse("ui:customer-list"), headers={"HX-Request": "true"})
    assert fragment["HX-Redirect"].startswith(reverse("ui:two-factor-verify"))
    # The admin is behind the same gate.
    assert client.get("/admin/").status_code == 302

    # The code from 30 seconds later than the one used at setup (a new time step).
    response = client.post(
        reverse("ui:two-factor-verify") + "?next=/customers/",
        {"code": code_for(device, at=time.time() + 30), "next": "/customers/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    assert client.get(reverse("ui:customer-list")).status_code == 200


def test_a_replayed_code_is_refused_with_a_record(client, agent):
    client.force_login(agent)
    _device, _codes, confirming_code = set_up_authenticator(client)
    client.logout()
    log_in(client)
    # The very code that confirmed the setup (kept, not recomputed: a new 30 s step may have begun).
    response = client.post(reverse("ui:two-factor-verify"), {"code": confirming_code})
    assert response.status_code == 422
    assert "already used" in response.content.decode()
    assert client.get(reverse("ui:home")).status_code == 302
    refused = SecurityEvent.objects.get(kind=SecurityEventKind.OTP_REFUSED, user=agent)
    assert refused.reason == "replayed"


@pytest.mark.parametrize(
    ("code", "reason"),
    [("000000", "wrong_or_expired"), ("expired", "wrong_backup_code"), ("", None)],
)
def test_forged_and_expired_codes_are_refused(client, agent, code, reason):
    client.force_login(agent)
    device, _codes, _used = set_up_authenticator(client)
    client.logout()
    log_in(client)
    if code == "expired":
        code = code_for(device, at=time.time() - 600)  # ten minutes old
        reason = "wrong_or_expired"
    if code == code_for(device):  # a forged code may by chance be the right one
        pytest.skip("the forged code happens to be valid now")
    response = client.post(reverse("ui:two-factor-verify"), {"code": code})
    assert response.status_code == 422
    assert client.get(reverse("ui:home")).status_code == 302
    events = SecurityEvent.objects.filter(kind=SecurityEventKind.OTP_REFUSED, user=agent)
    assert [e.reason for e in events] == ([reason] if reason else [])


def test_a_backup_code_works_once(client, agent):
    client.force_login(agent)
    _device, codes, _used = set_up_authenticator(client)
    client.logout()
    log_in(client)
    assert client.post(reverse("ui:two-factor-verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("ui:home")).status_code == 200
    client.logout()
    log_in(client)
    response = client.post(reverse("ui:two-factor-verify"), {"code": codes[0]})
    assert response.status_code == 422
    assert (
        SecurityEvent.objects.filter(
            kind=SecurityEventKind.OTP_BACKUP_CODE_USED, user=agent
        ).count()
        == 1
    )


def test_a_role_can_require_two_factor_login(client, agent):
    group = Group.objects.get(name="Service agent")
    RoleSecurity.objects.create(group=group, require_two_factor=True)
    client.force_login(agent)
    response = client.get(reverse("ui:customer-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("ui:two-factor-setup"))
    # Others are not affected.
    other = make_staff_user("lena", role="Team lead")
    client.force_login(other)
    assert client.get(reverse("ui:customer-list")).status_code == 200
    # Once set up, the pages open; it cannot be switched off while the role requires it.
    client.force_login(agent)
    set_up_authenticator(client)
    assert client.get(reverse("ui:customer-list")).status_code == 200
    client.post(reverse("ui:two-factor-remove"))
    assert TOTPDevice.objects.filter(user=agent, confirmed=True).exists()


def test_the_setup_of_a_new_phone_needs_the_current_code(client, agent):
    client.force_login(agent)
    set_up_authenticator(client)
    client.logout()
    log_in(client)
    # Password alone: the setup page (which would replace the phone) is closed.
    response = client.get(reverse("ui:two-factor-setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("ui:two-factor-verify"))
