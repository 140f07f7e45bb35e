"""The tags staff give a customer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.customers.models import Customer, Tag
from stammkunde.customers.services.errors import CustomerError, require_changeable
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import record_activity

TAG_NAME_MAX_LENGTH = 64


def parse_tag_names(text: str) -> list[str]:
    """Comma-separated tag names as typed: trimmed, empty ones dropped, each name once."""
    names: list[str] = []
    for raw in (text or "").split(","):
        name = " ".join(raw.split())
        if name and name.casefold() not in {known.casefold() for known in names}:
            names.append(name)
    return names


@transaction.atomic
def set_customer_tags(
    customer: Customer, names: Sequence[str], *, by: Any, may_create: bool
) -> list[Tag]:
    """Give the customer exactly these tags (existing ones matched regardless of case); new
    names are created only when ``may_create`` (the customers.add_tag permission). Writes a
    timeline entry and an audit row when something changed."""
    require_changeable(customer)
    tags: list[Tag] = []
    for name in names:
        if len(name) > TAG_NAME_MAX_LENGTH:
            raise CustomerError(
                _("A tag has at most %(count)d characters.") % {"count": TAG_NAME_MAX_LENGTH}
            )
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            if not may_create:
                raise CustomerError(
                    _("There is no tag “%(name)s”; only team leads and marketing create tags.")
                    % {"name": name}
                )
            tag = Tag.objects.create(name=name)
        if tag not in tags:
            tags.append(tag)
    before = set(customer.tags.values_list("pk", flat=True))
    if before == {tag.pk for tag in tags}:
        return tags
    customer.tags.set(tags)
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CUSTOMER_UPDATED,
        params={"fields": ["tags"]},
        actor=by,
    )
    audit(
        actor=by, action=AuditAction.CHANGE, obj=customer, customer_id=customer.pk, fields=["tags"]
    )
    return tags
