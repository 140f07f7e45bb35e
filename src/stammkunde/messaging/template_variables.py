"""The variables a message template may use: documented for the editor, checked on save.

Each variable is a dotted path into the plain data a template is rendered with; ``[]`` marks the
items of a list (``order.lines[].name`` inside ``{% for line in order.lines %}``). The examples
form the sample data the editor previews with and the save check renders against.

Names avoid the methods of ``dict`` (``items``, ``keys``, ``values``, ``get``...): in a template
``order.items`` would find the method before the key, so the order's lines are ``order.lines``.

Templates render with StrictUndefined (a misspelt name fails instead of printing nothing), so
whoever builds the data for a message provides every documented key of the records it fills,
None where a value is unknown: ``{% if order.tracking_url %}`` then works as expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class TemplateVariable:
    path: str
    description: str | Promise
    example: Any


VARIABLES: tuple[TemplateVariable, ...] = (
    TemplateVariable(
        "salutation",
        _("The greeting by form of address, gender and title, without a comma"),
        "Sehr geehrte Frau Dr. Müller",
    ),
    TemplateVariable("informal", _("True if the customer is addressed as Du"), False),
    TemplateVariable("language", _("The customer's language: de or en"), "de"),
    TemplateVariable("customer.first_name", _("First name"), "Anna"),
    TemplateVariable("customer.last_name", _("Last name"), "Müller"),
    TemplateVariable("customer.email", _("E-mail address"), "anna.mueller@example.de"),
    TemplateVariable("order.number", _("The shop's order number"), "10234"),
    TemplateVariable("order.date", _("The day the order was placed"), date(2026, 12, 1)),
    TemplateVariable("order.total", _("Order total (use the money filter)"), Decimal("49.90")),
    TemplateVariable("order.currency", _("Currency code of the order"), "EUR"),
    TemplateVariable("order.lines", _("The ordered products, one entry per line"), []),
    TemplateVariable("order.lines[].name", _("Product name"), "Äthiopien Sidamo, 500 g"),
    TemplateVariable("order.lines[].quantity", _("Quantity"), 2),
    TemplateVariable("order.lines[].price", _("Price per piece"), Decimal("12.45")),
    TemplateVariable("order.carrier", _("The parcel service"), "DHL"),
    TemplateVariable(
        "order.tracking_url",
        _("Link to follow the parcel"),
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434",
    ),
    TemplateVariable("case.reference", _("The service case's reference"), "VG-10234"),
    TemplateVariable("case.subject", _("The service case's subject"), "Paket nicht angekommen"),
    TemplateVariable("voucher.code", _("Voucher code"), "DANKE-7Q4X"),
    TemplateVariable("voucher.amount", _("Voucher value"), Decimal("10.00")),
    TemplateVariable("sender.name", _("The person the mail comes from"), "Lena Vogel"),
    TemplateVariable("sender.role", _("Their role in the team"), "Kundenservice"),
    TemplateVariable("shop.name", _("The shop's name"), "Kaffeerösterei Süd"),
    TemplateVariable("shop.url", _("The shop's web address"), "https://kaffee.example"),
    TemplateVariable("shop.phone", _("The service phone number"), "+49 761 123456"),
    TemplateVariable(
        "unsubscribe_url",
        _("One-click unsubscribe link (marketing mails)"),
        "https://crm.kaffee.example/u/abc123",
    ),
    TemplateVariable(
        "preferences_url",
        _("Link to the customer's mail preferences"),
        "https://crm.kaffee.example/p/abc123",
    ),
)


def example_context(variables: tuple[TemplateVariable, ...] = VARIABLES) -> dict[str, Any]:
    """Sample data built from the examples: what the editor previews and the save check uses."""
    context: dict[str, Any] = {}
    for variable in variables:
        target = context
        parts = variable.path.split(".")
        for part in parts[:-1]:
            if part.endswith("[]"):
                items = target.setdefault(part[:-2], [])
                if not items:
                    items.append({})
                target = items[0]
            else:
                target = target.setdefault(part, {})
        leaf = parts[-1]
        if leaf.endswith("[]"):
            leaf = leaf[:-2]
        if not (isinstance(variable.example, list) and leaf in target):
            target[leaf] = variable.example
    return context


def documented_paths(variables: tuple[TemplateVariable, ...] = VARIABLES) -> frozenset[str]:
    """Every documented path and each of its parents ("order", "order.lines", "order.lines[]")."""
    paths = set()
    for variable in variables:
        parts = variable.path.split(".")
        for end in range(1, len(parts) + 1):
            path = ".".join(parts[:end])
            paths.add(path)
            if path.endswith("[]"):
                paths.add(path[:-2])
    return frozenset(paths)
