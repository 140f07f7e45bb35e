"""The duplicate notice on the customer 360 page."""

from __future__ import annotations

from typing import Any

from django import template

from stammkunde.customers.duplicates import duplicates_of

register = template.Library()


@register.inclusion_tag("ui/identity/notice.html", takes_context=True)
def duplicate_notice(context: dict[str, Any], customer: Any) -> dict[str, Any]:
    """Other customers who are probably the same person, with merge and dismiss actions."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "customer": customer,
        "candidates": duplicates_of(customer, by=user) if user else [],
        "can_merge": bool(user and user.has_perm("customers.merge_customers")),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
