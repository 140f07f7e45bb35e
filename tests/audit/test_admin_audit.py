"""The Django admin's reads, changes and deletes of personal data are audited; audit rows are
append-only."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.models import CustomerScore
from stammkunde.audit.admin_mixins import AuditedAdminMixin
from stammkunde.audit.models import AppendOnlyError, AuditAction, AuditEntry
from stammkunde.customers.models import Address, Customer
from stammkunde.customers.services.profile import create_customer
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def holds_customer_data(model) -> bool:
    customer = apps.get_model("customers", "Customer")
    if model is customer or model._meta.label_lower == "connectors.webhookdelivery":
        return True
    return any(
        (field.concrete and field.is_relation and field.related_model is customer)
        or getattr(field, "attname", "") == "customer_id"
        for field in model._meta.get_fields()
    )


def test_every_admin_of_customer_data_is_audited():
    missing = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if holds_customer_data(model) and not isinstance(model_admin, AuditedAdminMixin)
    ]
    assert missing == []


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.de", "korrekt-Pferd-Batterie-42")


@pytest.fixture
def people(db):
    return [
        create_customer(by=None, email=f"p{n}@example.de", last_name=f"Person{n}") for n in range(3)
    ]


def test_the_customer_list_in_the_admin_is_one_view_row_naming_them(client, superuser, people):
    client.force_login(superuser)
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 200
    row = AuditEntry.objects.get(action=AuditAction.VIEW, actor=superuser)
    assert set(row.customers.values_list("customer_id", flat=True)) == {p.pk for p in people}


def test_opening_and_changing_a_customer_in_the_admin_is_audited(client, superuser, people):
    client.force_login(superuser)
    url = reverse("admin:customers_customer_change", args=[people[0].pk])
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, actor=superuser, customer_id=people[0].pk, detail="admin"
    ).exists()


def test_an_orders_history_in_the_admin_is_audited(client, superuser, people):
    """The history page names the object (an order's number): a read like the change page."""
    order = OrderFactory(customer=people[2], number="ADM-77")
    client.force_login(superuser)
    response = client.get(reverse("admin:shop_order_history", args=[order.pk]))
    assert b"ADM-77" in response.content
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, actor=superuser, customer_id=people[2].pk, detail="admin history"
    ).exists()


def test_a_delete_confirmation_in_the_admin_is_audited(client, superuser, people):
    """The confirmation page names the object and the customer it belongs to."""
    score = CustomerScore.objects.create(customer=people[2], scored_at=timezone.now())
    client.force_login(superuser)
    response = client.get(reverse("admin:analytics_customerscore_delete", args=[score.pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW,
        actor=superuser,
        customer_id=people[2].pk,
        detail="admin delete confirmation",
    ).exists()


def test_deleting_an_order_in_the_admin_is_audited(client, superuser, people):
    order = OrderFactory(customer=people[1])
    client.force_login(superuser)
    url = reverse("admin:shop_order_delete", args=[order.pk])
    response = client.post(url, {"post": "yes"})
    if response.status_code == 403:
        pytest.skip("orders cannot be deleted in the admin")
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, actor=superuser, customer_id=people[1].pk
    ).exists()


def test_audit_rows_cannot_be_changed_or_deleted(people):
    entry = AuditEntry.objects.filter(customer_id=people[0].pk).first()
    entry.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).detail != "rewritten"


def test_audit_rows_are_read_only_in_the_admin(client, superuser, people):
    entry = AuditEntry.objects.filter(customer_id=people[0].pk).first()
    client.force_login(superuser)
    assert (
        client.post(
            reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_a_staff_user_keeps_their_audit_rows(people):
    staff = User.objects.create_user("weg", password="korrekt-Pferd-Batterie-42")
    create_customer(by=staff, email="neu@example.de")
    staff.delete()
    assert AuditEntry.objects.filter(actor_label="weg", actor=None).exists()


class _EditableAddresses(admin.TabularInline):
    """An inline that may be edited (the shipped ones are read-only): what a later admin page
    with an editable inline would do."""

    model = Address
    fields = ["kind", "name", "street", "city"]
    extra = 1


class _CustomerAdminWithEditableInline(AuditedAdminMixin, admin.ModelAdmin):
    inlines = [_EditableAddresses]


def test_inline_edits_in_the_admin_are_audited_per_row(rf, superuser, people):
    customer = people[0]
    kept = Address.objects.create(customer=customer, kind="billing", name="Alt", city="Köln")
    dropped = Address.objects.create(customer=customer, kind="shipping", name="Weg", city="Bonn")
    site = admin.AdminSite()
    model_admin = _CustomerAdminWithEditableInline(Customer, site)
    request = rf.post("/")
    request.user = superuser
    inline = _EditableAddresses(Customer, site)
    formset_class = inline.get_formset(request, customer)
    prefix = formset_class.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": "3",
        f"{prefix}-INITIAL_FORMS": "2",
        f"{prefix}-0-id": str(kept.pk),
        f"{prefix}-0-customer": str(customer.pk),
        f"{prefix}-0-kind": "billing",
        f"{prefix}-0-name": "Neu",
        f"{prefix}-0-street": "",
        f"{prefix}-0-city": "Köln",
        f"{prefix}-1-id": str(dropped.pk),
        f"{prefix}-1-customer": str(customer.pk),
        f"{prefix}-1-kind": "shipping",
        f"{prefix}-1-name": "Weg",
        f"{prefix}-1-city": "Bonn",
        f"{prefix}-1-DELETE": "on",
        f"{prefix}-2-customer": str(customer.pk),
        f"{prefix}-2-kind": "shipping",
        f"{prefix}-2-name": "Dazu",
        f"{prefix}-2-city": "Aachen",
    }
    formset = formset_class(data, instance=customer, prefix=prefix)
    assert formset.is_valid(), formset.errors
    model_admin.save_formset(request, None, formset, change=True)

    rows = AuditEntry.objects.filter(
        actor=superuser, detail="admin inline", object_type="customers.address"
    )
    assert set(rows.values_list("action", "customer_id")) == {
        (AuditAction.CHANGE, customer.pk),
        (AuditAction.DELETE, customer.pk),
        (AuditAction.CREATE, customer.pk),
    }
    changed = rows.get(action=AuditAction.CHANGE)
    assert changed.object_id == str(kept.pk)
    assert "name" in changed.fields
    assert rows.get(action=AuditAction.DELETE).object_id == str(dropped.pk)
    assert not Address.objects.filter(pk=dropped.pk).exists()
