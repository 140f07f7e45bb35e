"""Failed logins lock a username and an address out, on the staff and the admin login; admins
see lockouts and lift them (audited); a locked-out user who keeps trying is told and recorded."""

from __future__ import annotations

import pytest
from axes.models import AccessFailureLog
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse

from stammkunde.audit.models import AuditEntry
from stammkunde.logins.models import SecurityEvent, SecurityEventKind
from tests.factories import PASSWORD, make_staff_user

pytestmark = pytest.mark.django_db

LIMIT = 5  # settings.AXES_FAILURE_LIMIT's default


def post_login(client, username, password, *, url="ui:login", address="10.0.0.1"):
    return client.post(
        reverse(url) if ":" in url else url,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def admin_user(db):
    return make_staff_user("adele", role="Admin")


def test_a_username_is_locked_after_the_failure_limit(client, agent):
    for _ in range(LIMIT - 1):
        assert post_login(client, "anna", "falsch").status_code == 200
    # Still below the limit: the right password works and forgets the failures.
    assert post_login(client, "anna", PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT):
        post_login(client, "anna", "falsch", address="10.0.0.2")
    response = post_login(client, "anna", PASSWORD, address="10.0.0.3")
    assert response.status_code == 429
    assert "Login locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_out_user_who_keeps_trying_gets_the_message_and_a_record(client, agent):
    for _ in range(LIMIT):
        post_login(client, "anna", "falsch")
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT).count()
    for _ in range(3):
        response = post_login(client, "anna", PASSWORD)
        assert response.status_code == 429
        assert "every further try starts the wait again" in response.content.decode()
    after = SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT, username="anna")
    assert after.count() == before + 3
    assert AccessFailureLog.objects.filter(username="anna", locked_out=True).count() >= 3


def test_an_address_trying_many_usernames_is_locked(client, agent):
    for number in range(LIMIT):
        post_login(client, f"gast{number}", "falsch", address="10.9.9.9")
    # A real user from that address is refused too; from elsewhere she may log in.
    assert post_login(client, "anna", PASSWORD, address="10.9.9.9").status_code == 429
    assert post_login(Client(), "anna", PASSWORD, address="10.1.1.1").status_code == 302


def test_the_admin_login_locks_out_the_same_way(client, admin_user):
    for _ in range(LIMIT):
        post_login(client, "adele", "falsch", url="/admin/login/")
    response = post_login(client, "adele", PASSWORD, url="/admin/login/")
    assert response.status_code == 429
    # The lock holds for the staff login as well: it is the username that is locked.
    assert post_login(Client(), "adele", PASSWORD, address="10.2.2.2").status_code == 429


def test_admins_see_and_lift_a_lockout_audited(client, agent, admin_user):
    for _ in range(LIMIT):
        post_login(Client(), "anna", "falsch")
    client.force_login(admin_user)
    page = client.get(reverse("ui:lockout-list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>anna</strong>" in html
    assert "<strong>10.0.0.1</strong>" in html

    response = client.post(reverse("ui:lockout-lift"), {"parameter": "username", "value": "anna"})
    assert response.status_code == 302
    client.post(reverse("ui:lockout-lift"), {"parameter": "address", "value": "10.0.0.1"})
    assert post_login(Client(), "anna", PASSWORD).status_code == 302
    lifted = SecurityEvent.objects.filter(kind=SecurityEventKind.UNLOCKED)
    assert {(e.username, e.ip_address, e.by_id) for e in lifted} == {
        ("anna", None, admin_user.pk),
        ("", "10.0.0.1", admin_user.pk),
    }
    audited = AuditEntry.objects.filter(object_type="axes.accessattempt", actor=admin_user)
    assert sorted(audited.values_list("object_id", flat=True)) == ["10.0.0.1", "anna"]


def test_lifting_needs_a_valid_address(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("ui:lockout-lift"), {"parameter": "address", "value": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["Service agent", "Team lead", "Marketing"])
def test_only_admins_see_lockouts(client, role):
    client.force_login(make_staff_user("sam", role=role))
    assert client.get(reverse("ui:lockout-list")).status_code == 403
    response = client.post(reverse("ui:lockout-lift"), {"parameter": "username", "value": "x"})
    assert response.status_code == 403


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_limit_is_a_setting(client, agent):
    post_login(client, "anna", "falsch")
    post_login(client, "anna", "falsch")
    assert post_login(client, "anna", PASSWORD).status_code == 429
    assert User.objects.get(username="anna").last_login is None
