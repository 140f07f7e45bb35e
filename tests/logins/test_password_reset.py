"""Password reset by e-mail for staff, in German and English; forged, replayed and expired
links are refused clearly and recorded."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from stammkunde.logins.models import SecurityEvent, SecurityEventKind
from tests.factories import PASSWORD, make_staff_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kaffeebohne-Mühle-42"


@pytest.fixture
def anna(db):
    user = make_staff_user("anna", role="Service agent")
    user.email = "anna@roesterei.example"
    user.save()
    return user


def request_link(client, email="anna@roesterei.example") -> str:
    response = client.post(reverse("ui:password-reset"), {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:password-reset-sent")
    return re.search(r"https?://\S+/password-reset/\S+/\S+/", mail.outbox[-1].body)[0]


def test_a_reset_link_sets_a_new_password_once(client, anna):
    link = request_link(client)
    assert mail.outbox[-1].to == ["anna@roesterei.example"]
    assert mail.outbox[-1].subject == "Stammkunde: reset your password"
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == reverse("ui:password-reset-done")
    login = Client().post(
        reverse("ui:login"), {"username": "anna", "password": NEW_PASSWORD}, REMOTE_ADDR="10.0.0.5"
    )
    assert login.status_code == 302

    replay = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)
    assert replay.status_code == 400
    assert "already used, has expired or was changed" in replay.content.decode()
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", "reason"))
    assert kinds == [
        (SecurityEventKind.RESET_REQUESTED, "sent"),
        (SecurityEventKind.RESET_DONE, ""),
        (SecurityEventKind.RESET_LINK_REFUSED, "forged_expired_or_used"),
    ]


def test_the_mail_speaks_german_to_a_german_browser(anna):
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    request_link(german)
    assert mail.outbox[-1].subject == "Stammkunde: Passwort zurücksetzen"
    assert "Passwort" in mail.outbox[-1].body


def test_a_forged_link_is_refused_and_recorded(client, anna):
    link = request_link(client)
    uid = link.rstrip("/").split("/")[-2]
    response = client.get(reverse("ui:password-reset-confirm", args=[uid, "abc-forged123"]))
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    bad_user = client.get(reverse("ui:password-reset-confirm", args=["Zm9v", "abc-def"]))
    assert bad_user.status_code == 400
    refused = SecurityEvent.objects.filter(kind=SecurityEventKind.RESET_LINK_REFUSED)
    assert sorted(refused.values_list("reason", flat=True)) == [
        "forged_expired_or_used",
        "unknown_user",
    ]


def test_an_expired_link_is_refused(client, anna):
    link = request_link(client)
    path = link.split("testserver", 1)[1]
    with override_settings(PASSWORD_RESET_TIMEOUT=-1):
        response = client.get(path)
    assert response.status_code == 400


def test_an_unknown_address_gets_the_same_page_and_no_mail(client, anna):
    response = client.post(reverse("ui:password-reset"), {"email": "fremd@example.org"})
    assert response["Location"] == reverse("ui:password-reset-sent")
    assert mail.outbox == []
    assert SecurityEvent.objects.get().reason == "unknown_address"


def test_a_reset_does_not_skip_the_second_factor(anna):
    assert PASSWORD  # the old password is replaced below; the factor stays asked for
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=anna, name="Authenticator", confirmed=True)
    client = Client()
    link = request_link(client)
    form = client.get(link.split("testserver", 1)[1], follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    client.post(reverse("ui:login"), {"username": "anna", "password": NEW_PASSWORD})
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("ui:two-factor-verify"))
