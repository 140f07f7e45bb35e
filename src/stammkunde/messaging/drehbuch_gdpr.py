"""The Drehbuch's part of a customer's GDPR export and erasure (called from messaging's
registered handlers): the trigger runs scheduled for the customer, with the facts of the event
they came from (order ids, a case's reference and subject)."""

from __future__ import annotations

from typing import Any

from stammkunde.messaging.models import RunState, TriggerRun


def export_trigger_runs(customer_id: int) -> list[dict[str, Any]]:
    """Each run: which trigger, when due, what became of it and why."""
    return [
        {
            "trigger": run.trigger.name,
            "event": run.trigger.event,
            "due_at": run.due_at.isoformat(),
            "state": run.state,
            "reason": run.reason,
            "facts": run.facts,
        }
        for run in TriggerRun.objects.filter(customer_id=customer_id)
        .select_related("trigger")
        .order_by("id")
    ]


def erase_trigger_runs(customer_id: int) -> dict[str, int]:
    """Skip the runs still waiting and blank the facts of all (the rows stay, for counts)."""
    runs = TriggerRun.objects.filter(customer_id=customer_id)
    skipped = runs.filter(state=RunState.WAITING).update(
        state=RunState.SKIPPED, reason="no_customer"
    )
    blanked = runs.update(facts={})
    return {"trigger_runs_skipped": skipped, "trigger_runs_blanked": blanked}
