"""The Admin group cannot make itself superuser or change groups, and the Django admin does not
delete or edit customers, consents and orders behind the services' back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User

from stammkunde.customers.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Customer,
)
from stammkunde.customers.services.consent import record_consent
from stammkunde.customers.services.profile import create_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_member(db) -> User:
    """Ingrid is in the Admin group and may use the Django admin."""
    user = User.objects.create_user("ingrid", is_staff=True)
    user.groups.add(Group.objects.get(name="Admin"))
    return user


def test_the_admin_group_holds_no_auth_permission_that_changes_users_or_groups():
    codes = set(
        Group.objects.get(name="Admin")
        .permissions.filter(content_type__app_label="auth")
        .values_list("codename", flat=True)
    )
    assert codes == {"view_user", "view_group"}


def test_an_admin_cannot_make_itself_superuser(client, admin_member):
    client.force_login(admin_member)
    response = client.post(
        f"/admin/auth/user/{admin_member.pk}/change/",
        {"username": "ingrid", "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    )
    assert response.status_code == 403
    admin_member.refresh_from_db()
    assert not admin_member.is_superuser


def test_an_admin_given_auth_permissions_by_hand_still_cannot_change_users_or_groups(
    client, admin_member
):
    admin_member.user_permissions.add(*Permission.objects.filter(content_type__app_label="auth"))
    client.force_login(admin_member)
    group = Group.objects.get(name="Service agent")
    response = client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": group.name, "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )
    assert response.status_code == 403
    assert client.get(f"/admin/auth/user/{admin_member.pk}/password/").status_code == 403
    assert client.get("/admin/auth/user/add/").status_code == 403
    assert not group.permissions.filter(codename="delete_auditentry").exists()


def test_a_superuser_may_change_groups(client):
    root = User.objects.create_superuser("root", "root@example.de", "pw-Geheim-123")
    client.force_login(root)
    group = Group.objects.get(name="Marketing")
    assert client.get(f"/admin/auth/group/{group.pk}/change/").status_code == 200
    assert client.get("/admin/auth/user/add/").status_code == 200


def test_not_even_a_superuser_deletes_a_customer_or_its_consents_in_the_admin(client):
    root = User.objects.create_superuser("root", "root@example.de", "pw-Geheim-123")
    customer = create_customer(by=None, email="j.mueller@example.de", last_name="Müller")
    consent = record_consent(
        customer,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=True,
        source=ConsentSource.STAFF,
    )
    client.force_login(root)

    deleted = client.post(f"/admin/customers/customer/{customer.pk}/delete/", {"post": "yes"})
    changed = client.post(
        f"/admin/customers/customer/{customer.pk}/change/",
        {"last_name": "Geändert", "email": "j.mueller@example.de"},
    )
    bulk = client.post(
        "/admin/customers/customer/",
        {"action": "delete_selected", "_selected_action": [customer.pk], "post": "yes"},
    )

    assert deleted.status_code == 403
    assert changed.status_code == 403
    assert bulk.status_code in (200, 302)  # the action is not offered: nothing happens
    customer.refresh_from_db()
    assert customer.last_name == "Müller"
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert ConsentEvent.objects.filter(pk=consent.pk).exists()
    assert client.get(f"/admin/customers/customer/{customer.pk}/change/").status_code == 200
