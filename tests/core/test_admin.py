import pytest
from django.contrib.auth.models import User

from stammkunde.audit.models import AuditEntry
from stammkunde.customers.services.profile import create_customer


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.de", "pw-Geheim-123")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/customers/customer/",
        "/admin/shop/order/",
        "/admin/shop/product/",
        "/admin/audit/auditentry/",
        "/admin/customers/consentevent/",
    ],
)
def test_admin_lists_load(client, superuser, url):
    create_customer(by=superuser, email="x@example.de", last_name="Xaver")
    client.force_login(superuser)
    assert client.get(url).status_code == 200


def test_audit_entries_cannot_be_changed_in_the_admin(client, superuser):
    create_customer(by=superuser, email="x@example.de")
    entry = AuditEntry.objects.get()
    client.force_login(superuser)
    response = client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
