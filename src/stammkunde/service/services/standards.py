"""House rules: team leads publish versions, every agent confirms the current one."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.service.models import ServiceStandard, StandardConfirmation

BODY_MAX = 50_000


class StandardError(ValueError):
    """A house-rules change that cannot be made; the message is meant for the user."""


@transaction.atomic
def publish_standard(*, title: str, body: str, by: Any) -> ServiceStandard:
    """Publish a new version of the house rules; every agent must confirm it anew."""
    if not by.has_perm("service.manage_desk_policies"):
        raise StandardError(_("Only a team lead writes the house rules."))
    title = " ".join((title or "").split())[:200]
    body = (body or "").replace("\x00", "").strip()
    if not title or not body:
        raise StandardError(_("House rules need a title and a text."))
    if len(body) > BODY_MAX:
        raise StandardError(_("The text is too long."))
    latest = ServiceStandard.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0
    try:
        with transaction.atomic():
            standard = ServiceStandard.objects.create(
                version=latest + 1,
                title=title,
                body=body,
                published_by=by,
                published_at=timezone.now(),
            )
    except IntegrityError:
        raise StandardError(_("Someone published a version at the same time; try again.")) from None
    audit(actor=by, action=AuditAction.CREATE, obj=standard, detail=f"v{standard.version}")
    return standard


@transaction.atomic
def confirm_standard(standard: ServiceStandard, *, by: Any) -> StandardConfirmation:
    """``by`` confirms having read ``standard`` (once; confirming again changes nothing)."""
    confirmation, _created = StandardConfirmation.objects.get_or_create(
        standard=standard, user=by, defaults={"confirmed_at": timezone.now()}
    )
    return confirmation
