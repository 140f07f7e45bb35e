"""The cases panel of the customer 360 page (the page audits its own read of the customer)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("ui/service/cases/_customer_cases.html", takes_context=True)
def customer_cases_panel(context: Any, customer: Any) -> dict[str, Any]:
    """The customer's latest cases and the buttons to open one (by phone or otherwise)."""
    from stammkunde.service.case_queries import cases_of_customer

    user = context["request"].user
    can_see = user.has_perm("service.work_cases") or user.has_perm("service.mediate_cases")
    return {
        "customer": customer,
        "cases": cases_of_customer(customer.pk) if can_see else [],
        "can_open": user.has_perm("service.work_cases"),
    }
