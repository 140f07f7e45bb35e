"""The privacy pages' words for obstacles, retention duties and rules (tokens stay in the data)."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stammkunde.shop.models import OrderStatus

OBSTACLES = {
    "open_order": gettext_lazy("Order %(number)s is still open (%(status)s)."),
    "open_return": gettext_lazy("A return of order %(number)s is still open."),
    "open_withdrawal": gettext_lazy("A withdrawal from order %(number)s is still open."),
    "delivery_waiting": gettext_lazy(
        "Shop delivery #%(delivery)s (%(topic)s) about the customer is still waiting to be applied."
    ),
}
# By (app, what) of a ``RetentionDuty``; a duty of another app falls back to its ``what``.
RECORDS = {
    ("shop", "orders"): gettext_lazy("Orders and invoices (accounting vouchers)"),
    ("shop", "letters"): gettext_lazy("Returns and withdrawals (business letters)"),
    ("service", "letters"): gettext_lazy(
        "Service correspondence with the customer: their messages (e-mail, web form) and our "
        "replies (business letters)"
    ),
    ("service", "goodwill"): gettext_lazy(
        "Goodwill granted: kind, amount, voucher code and dates (accounting vouchers)"
    ),
    ("messaging", "letters"): gettext_lazy(
        "Transactional mails sent: order, shipping and service mails (business letters)"
    ),
}
RULES = {
    "lead_without_orders": gettext_lazy("Lead without orders"),
    "unverified_contact": gettext_lazy("Unverified contact"),
}


def _plain(item: Any) -> dict[str, Any]:
    return asdict(item) if is_dataclass(item) else dict(item)


def describe_obstacle(obstacle: Any) -> str:
    """One obstacle (an ``Obstacle`` or its stored dict) in the reader's language."""
    item = _plain(obstacle)
    template = OBSTACLES.get(item.get("reason", ""))
    params = dict(item.get("params") or {})
    if params.get("status") in OrderStatus.values:
        params["status"] = OrderStatus(params["status"]).label
    if template is None:
        return _("%(app)s: %(reason)s") % {
            "app": item.get("app_label"),
            "reason": item.get("reason"),
        }
    try:
        return str(template) % params
    except (KeyError, TypeError):
        return str(template).split("%")[0].strip()


def describe_duty(duty: Any) -> dict[str, Any]:
    """One retention duty as the page shows it: what, how long, the law, until when."""
    item = _plain(duty)
    return {
        "what": RECORDS.get(
            (item.get("app_label", ""), item.get("what", "")), item.get("what", "")
        ),
        "years": item.get("years"),
        "basis": item.get("basis", ""),
        "until": item.get("until"),
        "first_until": item.get("first_until"),
        "count": item.get("count", 0),
    }


def describe_rule(rule: str) -> str:
    return str(RULES.get(rule, rule))
