"""The messages panel of the customer 360 page: which were sent, which held back, and why."""

from __future__ import annotations

from typing import Any

from django import template

from stammkunde.messaging.queries import customer_decisions
from stammkunde.messaging.trigger_conditions import describe_conditions, describe_delay

register = template.Library()


@register.inclusion_tag("ui/messaging/customer_messages.html", takes_context=True)
def customer_messages_panel(context: dict[str, Any], customer: Any) -> dict[str, Any]:
    """The customer's latest send decisions with their reasons. The 360 page audits its read
    once for the whole page, so the panel writes no audit row of its own."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("messaging.view_senddecision"):
        return {"customer": customer, "lines": [], "hidden": True}
    return {
        "customer": customer,
        "lines": customer_decisions(customer.pk, by=user, audited=False),
        "can_see_proof": user.has_perm("customers.view_consentevent"),
    }


@register.filter
def conditions_in_words(conditions: dict[str, Any] | None) -> list[str]:
    """A trigger's conditions as the team lead says them ("Bestellwert ab 50,00 €")."""
    conditions = conditions or {}
    names: dict[int, str] = {}
    if conditions.get("segment_id"):
        from stammkunde.analytics.models import Segment

        names = dict(Segment.objects.filter(pk=conditions["segment_id"]).values_list("pk", "name"))
    return describe_conditions(conditions, segment_names=names)


@register.filter
def delay_in_words(delay: Any) -> str:
    """A trigger's delay in the reader's language ("7 Tage"), not Python's "7 days, 0:00:00"."""
    return describe_delay(delay)
