"""Values inside timeline sentences, written the way the active language writes them.

Labels of other apps' choices (return reasons, consent purposes, order statuses, profile
fields) come from the app registry at render time: the timeline sits below those apps and must
not import them, and a label missing there degrades to the stored value.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from stammkunde.core import number_formats


def format_money(amount: Any, currency: str) -> str:
    """An amount with its currency as the active language writes it (``core.number_formats``)."""
    return number_formats.format_money(amount, currency)


def money_params(amount: Any, currency: str) -> dict[str, str]:
    """The params of an amount: exact decimal text and the currency code (JSON has no
    decimals, and a float would turn 27.08 into 27.079999...)."""
    return {"amount": str(amount), "currency": currency}


def format_date(value: str) -> str:
    """An ISO date from the params ("2026-12-24") in the active language's short format."""
    return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")


# The system's parts that act without a person, by the token they store as the actor label.
SYSTEM_ACTORS = {
    "messaging": gettext_lazy("Messaging"),
    "web_form": gettext_lazy("Web form"),
    "inbound_mail": gettext_lazy("Inbound e-mail"),
}


def format_actor(label: str) -> str:
    """Who caused an entry, in the active language: the system's own sources are stored as
    tokens ("csv_import", "csv_import:<file name>", "consent_source:shop") and named here;
    any other label is a name (a shop, an API token, a staff member) and shown as written."""
    token, _separator, detail = label.partition(":")
    if token == "csv_import":
        if detail:
            return gettext("CSV import %(file)s") % {"file": detail}
        return gettext("CSV import")
    if token == "consent_source" and detail:
        return choice_label("customers.ConsentEvent", "source", detail)
    if label in SYSTEM_ACTORS:
        return str(SYSTEM_ACTORS[label])
    return label


def choice_label(model: str, field: str, value: Any) -> str:
    """The label of a stored choice of another app's model ("shop.Return", "reason") in the
    active language; the value itself when the app, field or choice is unknown."""
    return str(_choices(model, field).get(value, value))


def field_label(model: str, name: str) -> str:
    """The verbose name of another app's model field in the active language, else the name."""
    try:
        field = apps.get_model(model)._meta.get_field(name)
    except (LookupError, FieldDoesNotExist):
        return name
    return str(getattr(field, "verbose_name", name))


@functools.cache
def _choices(model: str, field: str) -> dict[Any, Any]:
    # The labels are lazy translations: cached once, they still render in each reader's language.
    try:
        return dict(apps.get_model(model)._meta.get_field(field).flatchoices)
    except (LookupError, FieldDoesNotExist):
        return {}


def format_source(value: str) -> str:
    """Where a reported consent came from, in the active language: a ``ConsentSource`` value,
    a token of ``format_actor`` (a CSV file), or a name (a shop) shown as written."""
    label = choice_label("customers.ConsentEvent", "source", value)
    return format_actor(value) if label == value else label
