"""Forms of the shop setup pages. They only parse input; connectors' services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from stammkunde.connectors.inbox.connections import WEBHOOK_PLATFORMS
from stammkunde.shop.models import Platform, Shop
from stammkunde.shop.visibility import staff_shop_ids


class ShopForm(forms.Form):
    platform = forms.ChoiceField(
        label=gettext_lazy("Platform"),
        choices=[(value, Platform(value).label) for value in WEBHOOK_PLATFORMS],
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    webhook_secret = forms.CharField(
        label=gettext_lazy("Webhook secret"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Shopify and Shopware give you the secret; for WooCommerce and the generic format "
            "leave it empty and a random one is generated for you to paste into the shop."
        ),
    )
    api_base_url = forms.URLField(
        label=gettext_lazy("API base URL"), max_length=300, required=False, assume_scheme="https"
    )
    api_key = forms.CharField(label=gettext_lazy("API key"), max_length=300, required=False)
    api_secret = forms.CharField(
        label=gettext_lazy("API secret"),
        max_length=300,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )


class CredentialsForm(forms.Form):
    webhook_secret = forms.CharField(
        label=gettext_lazy("Webhook secret"), max_length=200, required=False
    )
    api_base_url = forms.URLField(
        label=gettext_lazy("API base URL"), max_length=300, required=False, assume_scheme="https"
    )
    api_key = forms.CharField(label=gettext_lazy("API key"), max_length=300, required=False)
    api_secret = forms.CharField(
        label=gettext_lazy("API secret (leave empty to keep)"),
        max_length=300,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    new_url = forms.BooleanField(
        label=gettext_lazy("Give the shop a new webhook URL"), required=False
    )


class UploadForm(forms.Form):
    """The CSV import's upload: what the file holds, the shop, and the file."""

    kind = forms.ChoiceField(
        label=gettext_lazy("The file holds"),
        choices=[("orders", gettext_lazy("Orders")), ("customers", gettext_lazy("Customers"))],
    )
    shop = forms.ModelChoiceField(
        label=gettext_lazy("Shop"),
        queryset=Shop.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("CSV import (created on first use)"),
    )
    # An empty file gets the importer's own message ("The file is empty.").
    file = forms.FileField(
        allow_empty_file=True,
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "As Excel or the shop exports it: ; or , as separator, UTF-8 or Windows-1252; German "
            "column names (Bestellnummer, Datum, Menge, Preis, ...) are recognised."
        ),
    )

    def __init__(self, *args: Any, by: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shop_ids = staff_shop_ids(by)
        if shop_ids is not None:
            # Staff limited to shops import into their shops only: no other shop, and not the
            # shared "CSV import" shop unless it is one of theirs.
            field = self.fields["shop"]
            field.queryset = field.queryset.filter(pk__in=shop_ids)
            field.required = True
            field.empty_label = None
