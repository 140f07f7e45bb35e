"""Postal addresses of a customer, and the folded keys duplicate matching groups them by."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower, Replace, Upper
from django.utils.translation import gettext_lazy as _

from stammkunde.customers.models.customers import Customer

# Street spellings that mean the same: "Hauptstraße", "Hauptstrasse", "Hauptstr." -> "hauptstr".
STREET_REPLACEMENTS = (("straße", "str"), ("strasse", "str"), (".", ""), ("-", ""), (" ", ""))


def street_key_expression() -> models.Func:
    """The street folded in SQL (lower case, common spellings unified, no spaces)."""
    expression: models.Func = Lower("street")
    for old, new in STREET_REPLACEMENTS:
        expression = Replace(expression, models.Value(old), models.Value(new))
    return expression


def postal_key_expression() -> models.Func:
    """The postal code without spaces, upper case ("80 331" and "80331" are one)."""
    return Upper(Replace(models.F("postal_code"), models.Value(" "), models.Value("")))


class AddressKind(models.TextChoices):
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=10, choices=AddressKind.choices)
    company = models.CharField(_("company"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    street2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    is_default = models.BooleanField(_("default"), default=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "kind", "id"]
        indexes = [
            # Duplicate suggestions group addresses by these folded keys (same expressions).
            models.Index(postal_key_expression(), street_key_expression(), name="address_match"),
            # Search by postal code, optionally narrowed by the city (customers.queries).
            models.Index(fields=["postal_code", "city"], name="address_postal_city"),
            # Search by the city alone ("München"): a prefix range scan of the city.
            models.Index(fields=["city"], name="address_city"),
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.street, f"{self.postal_code} {self.city}".strip()) if p)
