"""The timeline's part of a GDPR export and erasure.

The export gives every entry with its sentence in the exporting reader's language. Erasure keeps
the entries (what happened when, for counts and the order history that is kept) but removes
what a person wrote or said: the body of notes and calls and the free-text params.
"""

from __future__ import annotations

from typing import Any

from stammkunde.core.gdpr import ErasureRequest
from stammkunde.core.scoping import shops_of_customer
from stammkunde.timeline.models import Activity
from stammkunde.timeline.rendering import render_summary
from stammkunde.timeline.visibility import of_other_shops

# Params that hold somebody's words or identity rather than facts like numbers and amounts.
FREE_TEXT_PARAMS = ("text", "subject", "message", "name", "error", "tracking", "email")


def export_timeline(customer_id: int) -> dict[str, Any]:
    """Every timeline entry, oldest first."""
    return {
        "timeline": [
            {
                "occurred_at": entry.occurred_at.isoformat(),
                "kind": entry.kind,
                "summary": render_summary(entry.kind, entry.params),
                "channel": entry.channel,
                "direction": entry.direction,
                "by": entry.actor_label,
                "params": entry.params,
                "body": entry.body,
            }
            for entry in Activity.objects.filter(customer_id=customer_id)
            .order_by("occurred_at", "id")
            .iterator()
        ]
    }


def erase_timeline(request: ErasureRequest) -> dict[str, int]:
    """Blank bodies and free-text params; the entries themselves stay. For a shop's part alone
    (``request.shop_id``) the entries about something of that shop (its orders and what
    followed them, as the shop app registered in ``timeline.visibility``) are deleted: the
    person stays, and a blanked entry would still tell that they bought there."""
    if request.shop_id is not None:
        others = shops_of_customer(request.customer_id) - {request.shop_id}
        about_that_shop = of_other_shops(others)
        if about_that_shop is None:
            return {"entries_deleted": 0}
        deleted, _ = (
            Activity.objects.filter(customer_id=request.customer_id)
            .filter(about_that_shop)
            .delete()
        )
        return {"entries_deleted": deleted}
    scrubbed = 0
    entries = Activity.objects.filter(customer_id=request.customer_id).only("id", "params", "body")
    for entry in entries.iterator():
        params = dict(entry.params or {})
        cleaned = {key: value for key, value in params.items() if key not in FREE_TEXT_PARAMS}
        if entry.body or cleaned != params:
            Activity.objects.filter(pk=entry.pk).update(body="", params=cleaned)
            scrubbed += 1
    return {"entries_scrubbed": scrubbed, "entries_kept": entries.count()}
