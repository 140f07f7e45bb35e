"""The desk's panels inside a case page: crisis plans with ticked steps, goodwill, macros and
the article suggestions beside the reply box. The case page includes them with
``{% load desk_ui %}{% desk_case_panels case %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from stammkunde.service.goodwill_refunds import shop_refund_links
from stammkunde.service.services.case_common import is_restricted
from stammkunde.service.services.case_desk import (
    customer_language,
    macros_for_case,
    plans_for_case,
)

register = template.Library()


@register.inclusion_tag("ui/service/desk/_case_panels.html", takes_context=True)
def desk_case_panels(context: dict[str, Any], case: Any) -> dict[str, Any]:
    user = context["request"].user
    if is_restricted(case):
        # Kept after an erasure: no plan, macro or goodwill is offered (the services refuse
        # them too); the goodwill granted in it is listed.
        return {
            "case": case,
            "restricted": True,
            "perms": context.get("perms"),
            "csrf_token": context.get("csrf_token"),
            "plans": [],
            "macros": None,
            "reply_language": customer_language(case),
            "grants": list(case.goodwill_grants.select_related("voucher", "requested_by"))
            if user.has_perm("service.grant_goodwill")
            else [],
            "can_grant": False,
            "can_search": False,
        }
    grants = (
        list(case.goodwill_grants.select_related("voucher", "requested_by"))
        if user.has_perm("service.grant_goodwill")
        else []
    )
    links = shop_refund_links(grants)
    for grant in grants:
        grant.shop_refund = links.get(grant.pk)
    return {
        "case": case,
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
        "plans": plans_for_case(case, language=get_language() or "de")
        if user.has_perm("service.view_crisisplan")
        else [],
        "macros": macros_for_case(case) if user.has_perm("service.view_macro") else None,
        # Articles are suggested in the customer's language first (the page read the customer).
        "reply_language": customer_language(case),
        "grants": grants,
        "can_grant": user.has_perm("service.grant_goodwill"),
        "can_search": user.has_perm("service.view_knowledgearticle"),
    }


def case_url(case: Any) -> str:
    """The case page (the cases' topic names it ``ui:case-detail``); the customer's page
    while it is not there."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("ui:case-detail", args=[case.pk])
    except NoReverseMatch:
        return reverse("ui:customer-detail", args=[case.customer_id])


register.filter("case_url", case_url)
