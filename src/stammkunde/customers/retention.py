"""Retention rules: customers without orders are erased some time after their last sign of life.

Two rules (periods in settings, ``STAMMKUNDE_RETENTION_*_DAYS``):

- a **lead** (no order, but a shop account or a consent granted) after ``RETENTION_LEAD_DAYS``;
- an **unverified contact** (no order, no shop account, no consent granted: nobody confirmed
  the address) after ``RETENTION_UNVERIFIED_DAYS``.

The last sign of life is the newest of the customer's last change and their newest timeline
entry. ``due_erasures`` lists who is due when and why (the retention page); the daily job erases
those due through ``customers.privacy.erasure.request_erasure`` (channel ``retention``), so the
erasure is recorded and audited like any other. Orders live in ``shop``, above this app: the
rules read them through the reverse relation by name, without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, Max, OuterRef
from django.db.models.functions import Greatest
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.scoping import in_customer_scope
from stammkunde.customers.models import ConsentEvent, Customer, CustomerStatus


class RetentionRule:
    LEAD = "lead_without_orders"
    UNVERIFIED = "unverified_contact"


@dataclass(frozen=True)
class DueErasure:
    """One customer a retention rule will erase: when, and why."""

    customer_id: int
    display_name: str
    rule: str
    period_days: int
    last_seen: date
    due_on: date


def _shop_accounts():
    # shop.ShopAccount, reached through the relation's name: shop sits above this app.
    return Customer._meta.get_field("shop_accounts").related_model.objects


def _candidates():
    has_consent = ConsentEvent.objects.filter(customer_id=OuterRef("pk"), granted=True)
    return Customer.objects.filter(status=CustomerStatus.ACTIVE, orders__isnull=True).annotate(
        last_seen=Greatest("updated_at", Max("activities__occurred_at")),
        has_account=Exists(_shop_accounts().filter(customer_id=OuterRef("pk"))),
        has_consent=Exists(has_consent),
    )


def due_erasures(
    *, today: date | None = None, horizon_days: int = 30, limit: int = 500, by: Any = None
) -> list[DueErasure]:
    """Customers a rule erases by ``today`` + ``horizon_days`` (overdue ones first).

    With ``by`` (a staff page) the read is audited with the customers listed; staff limited to
    shops see their shops' customers only (a lead without orders or an account is no shop's).
    """
    today = today or timezone.localdate()
    lead_days = settings.RETENTION_LEAD_DAYS
    unverified_days = settings.RETENTION_UNVERIFIED_DAYS
    horizon = today + timedelta(days=horizon_days)
    found: list[DueErasure] = []
    for customer in in_customer_scope(_candidates(), by).iterator():
        last_seen = timezone.localtime(customer.last_seen or customer.updated_at).date()
        verified = customer.has_account or customer.has_consent
        rule, days = (
            (RetentionRule.LEAD, lead_days)
            if verified
            else (RetentionRule.UNVERIFIED, unverified_days)
        )
        due_on = last_seen + timedelta(days=days)
        if due_on <= horizon:
            found.append(
                DueErasure(customer.pk, customer.display_name, rule, days, last_seen, due_on)
            )
    found.sort(key=lambda due: (due.due_on, due.customer_id))
    found = found[:limit]
    if by is not None:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            object_type="customers.customer",
            customer_ids=[due.customer_id for due in found],
            detail="retention list",
        )
    return found
