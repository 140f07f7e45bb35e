"""Merging two customer records that are one person.

Every row in any app that points at the merged customer moves to the survivor. The relations
are found through ``Customer._meta.related_objects`` at run time, so apps above ``customers``
(orders, cases, messages, scores) are covered without this module importing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.events import publish
from stammkunde.customers.events import CustomersMerged
from stammkunde.customers.models import (
    Customer,
    CustomerMerge,
    CustomerStatus,
    DismissedDuplicate,
)
from stammkunde.customers.queries import may_merge_customers
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import record_activity

# Profile fields the survivor takes from the merged customer where its own are blank.
FILLABLE_FIELDS = (
    "first_name",
    "last_name",
    "salutation",
    "title",
    "phone",
    "birthday",
    "company",
    "vat_id",
)


class MergeError(ValueError):
    """A merge that cannot be made; the message is meant for the user."""


@dataclass(frozen=True)
class Relation:
    """One foreign key (or one-to-one) column somewhere that points at a customer."""

    model: type[models.Model]
    field: models.ForeignKey

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field.name}"


def customer_relations() -> list[Relation]:
    """Every column in the installed apps that points at ``Customer``: reverse foreign keys,
    one-to-ones, and the link tables of many-to-many relations (both directions)."""
    found: list[Relation] = []
    for related in Customer._meta.related_objects:
        if related.many_to_many:
            through = related.field.remote_field.through
            found.extend(_through_columns(through, related.field.m2m_reverse_field_name()))
        else:
            found.append(Relation(related.related_model, related.field))
    for field in Customer._meta.many_to_many:
        through = field.remote_field.through
        found.extend(_through_columns(through, field.m2m_field_name()))
    return found


def _through_columns(through: type[models.Model], name: str) -> list[Relation]:
    field = through._meta.get_field(name)
    return [Relation(through, field)]


def _unique_sets(model: type[models.Model], field_name: str) -> list[tuple[list[str], Q | None]]:
    """The unique column sets of ``model`` that include ``field_name``, with their conditions."""
    sets: list[tuple[list[str], Q | None]] = []
    for names in model._meta.unique_together:
        if field_name in names:
            sets.append((list(names), None))
    for constraint in model._meta.total_unique_constraints + [
        c
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.condition is not None and c.fields
    ]:
        if field_name in constraint.fields:
            sets.append((list(constraint.fields), constraint.condition))
    return sets


def _move(relation: Relation, survivor: Customer, merged: Customer) -> int:
    """Point the relation's rows from ``merged`` to ``survivor``; drop a merged row only where a
    unique constraint forbids keeping both. Returns the number of rows moved."""
    model, name = relation.model, relation.field.name
    manager = model._base_manager
    if relation.field.one_to_one or relation.field.unique:
        # One row per customer: the survivor's own row wins, the merged one's is dropped.
        if manager.filter(**{name: survivor}).exists():
            manager.filter(**{name: merged}).delete()
            return 0
        return manager.filter(**{name: merged}).update(**{name: survivor})
    for fields, condition in _unique_sets(model, name):
        others = [field for field in fields if field != name]
        if not others:
            continue
        attnames = [model._meta.get_field(field).attname for field in others]
        kept = manager.filter(**{name: survivor})
        clashing = manager.filter(**{name: merged})
        if condition is not None:
            kept, clashing = kept.filter(condition), clashing.filter(condition)
        taken = set(kept.values_list(*attnames))
        if not taken:
            continue
        drop = [row[0] for row in clashing.values_list("pk", *attnames) if tuple(row[1:]) in taken]
        if drop:
            manager.filter(pk__in=drop).delete()
    return manager.filter(**{name: merged}).update(**{name: survivor})


def _actor_label(by: Any) -> str:
    if getattr(by, "is_authenticated", False):
        return by.get_full_name() or by.get_username()
    return str(by) if by else ""


def _fill_profile(survivor: Customer, merged: Customer) -> list[str]:
    filled = []
    for name in FILLABLE_FIELDS:
        if getattr(survivor, name) in ("", None) and getattr(merged, name) not in ("", None):
            setattr(survivor, name, getattr(merged, name))
            filled.append(name)
    missing_preferences = {
        key: value
        for key, value in (merged.preferences or {}).items()
        if key not in (survivor.preferences or {})
    }
    if missing_preferences:
        survivor.preferences = {**(survivor.preferences or {}), **missing_preferences}
        filled.append("preferences")
    return filled


def merge_customers(survivor: Customer, merged: Customer, *, by: Any) -> Customer:
    """Merge ``merged`` into ``survivor`` and return the survivor.

    In one transaction: every row in any app that points at the merged customer moves to the
    survivor (orders, shop accounts, timeline, consents, addresses, cases...), blank profile
    fields of the survivor are filled from the merged one, the merged customer is marked merged
    (its e-mail freed but kept on the merge record, so ``find_by_email`` still finds the
    survivor), and the merge is recorded in the survivor's timeline and the audit log.
    ``by`` is the staff user, or an object whose ``str()`` names the integration. Staff
    limited to shops merge only customers of none but their shops; any other is answered as
    if it did not exist, with a REFUSE row written before (outside) the merge's transaction.
    """
    if not may_merge_customers([survivor.pk, merged.pk], by=by, detail="merge"):
        raise MergeError(_("One of the customers does not exist."))
    return _merge(survivor, merged, by=by)


@transaction.atomic
def _merge(survivor: Customer, merged: Customer, *, by: Any) -> Customer:
    if survivor.pk == merged.pk:
        raise MergeError(_("A customer cannot be merged into itself."))
    # Lock both rows in id order, so two merges of the same pair cannot deadlock or interleave.
    locked = Customer.objects.select_for_update().in_bulk(sorted([survivor.pk, merged.pk]))
    if len(locked) != 2:
        raise MergeError(_("One of the customers does not exist."))
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    for customer in (survivor, merged):
        if customer.status != CustomerStatus.ACTIVE:
            raise MergeError(
                _("Customer %(name)s is %(status)s and cannot be merged.")
                % {"name": customer.display_name, "status": customer.get_status_display()}
            )

    # A dismissal said "merged is not X"; it says nothing about the survivor, so it goes.
    DismissedDuplicate.objects.filter(Q(first=merged) | Q(second=merged)).delete()
    moved: dict[str, int] = {}
    for relation in customer_relations():
        count = _move(relation, survivor, merged)
        if count:
            moved[relation.label] = count

    merged_email = merged.email
    merged_name = merged.display_name
    merged.status = CustomerStatus.MERGED
    merged.merged_into = survivor
    merged.email = None
    merged.save(update_fields=["status", "merged_into", "email", "updated_at"])

    filled = _fill_profile(survivor, merged)
    if survivor.email is None and merged_email:
        survivor.email = merged_email
        filled.append("email")
    if filled:
        survivor.save(update_fields=[*filled, "updated_at"])

    user = by if getattr(by, "is_authenticated", False) else None
    label = _actor_label(by)
    CustomerMerge.objects.create(
        survivor=survivor,
        merged_customer_id=merged.pk,
        merged_email=merged_email,
        merged_name=merged_name[:200],
        merged_by=user,
        merged_by_label=label[:150],
        moved=moved,
    )
    record_activity(
        customer_id=survivor.pk,
        kind=ActivityKind.CUSTOMER_MERGED,
        params={"merged_id": merged.pk, "name": merged_name},
        actor=by,
        actor_label=label if user is None else "",
    )
    detail = f"merged #{merged.pk} into #{survivor.pk}"
    audit(
        actor=by,
        action=AuditAction.MERGE,
        obj=survivor,
        customer_id=survivor.pk,
        fields=filled,
        detail=detail,
    )
    audit(actor=by, action=AuditAction.MERGE, obj=merged, customer_id=merged.pk, detail=detail)
    publish(
        CustomersMerged(survivor_id=survivor.pk, merged_id=merged.pk, occurred_at=timezone.now())
    )
    return survivor
