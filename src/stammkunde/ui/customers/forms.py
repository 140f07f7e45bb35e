"""Forms of the staff interface. They only parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stammkunde.customers.models import (
    Address,
    AddressKind,
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    Customer,
    FormOfAddress,
    Salutation,
)
from stammkunde.customers.services.contacts import NOTE_MAX_LENGTH
from stammkunde.timeline.models import Direction
from stammkunde.ui.unbound_widgets import WidgetsRenderedOnce


def _label(field: str) -> str:
    return Customer._meta.get_field(field).verbose_name


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What should the team know?")}),
    )


class CallForm(WidgetsRenderedOnce):
    """A phone call, logged from the 360 page, where it is shown empty on every view."""

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[
            (Direction.INBOUND, _("Inbound (customer called)")),
            (Direction.OUTBOUND, _("Outbound (we called)")),
        ],
        initial=Direction.INBOUND,
    )
    summary = forms.CharField(label=_("Summary"), max_length=300)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=0, max_value=24 * 60
    )


class CustomerForm(forms.Form):
    """The profile fields staff may change (customers.services.profile.EDITABLE_FIELDS) but
    preferences."""

    salutation = forms.ChoiceField(
        label=_label("salutation"), choices=Salutation.choices, required=False
    )
    title = forms.CharField(label=_label("title"), max_length=50, required=False)
    first_name = forms.CharField(label=_label("first_name"), max_length=100, required=False)
    last_name = forms.CharField(label=_label("last_name"), max_length=100, required=False)
    email = forms.EmailField(label=_label("email"), max_length=254, required=False)
    phone = forms.CharField(label=_label("phone"), max_length=40, required=False)
    form_of_address = forms.ChoiceField(
        label=_label("form_of_address"), choices=FormOfAddress.choices
    )
    language = forms.CharField(
        label=_label("language"),
        max_length=8,
        help_text=_("Language code, e.g. de or en"),
    )
    birthday = forms.DateField(
        label=_label("birthday"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    company = forms.CharField(label=_label("company"), max_length=200, required=False)
    vat_id = forms.CharField(label=_label("vat_id"), max_length=32, required=False)

    @classmethod
    def for_customer(cls, customer: Customer) -> CustomerForm:
        return cls(initial={name: getattr(customer, name) for name in cls.base_fields})

    def changes(self) -> dict:
        """The cleaned values in the shape update_customer expects (no e-mail is None)."""
        values = dict(self.cleaned_data)
        values["email"] = values["email"] or None
        return values


class ConsentForm(WidgetsRenderedOnce):
    """A grant or an opt-out the customer gave to staff (services.record_staff_consent).
    Shown empty on every 360 page: its widgets are rendered once (ui.unbound_widgets)."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=ConsentChannel.choices)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("withdraw", _("Opt-out: no more messages")), ("grant", _("Opt-in"))],
        widget=forms.RadioSelect,
    )
    source = forms.ChoiceField(
        label=_("How did the customer tell you?"),
        choices=[
            (ConsentSource.PHONE, _("On the phone")),
            (ConsentSource.STAFF, _("Otherwise (letter, in person)")),
        ],
        initial=ConsentSource.PHONE,
    )


class TagsForm(forms.Form):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas"),
    )


class AddressForm(forms.Form):
    """An address as staff type it (customers.services.addresses.save_address checks the rest)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AddressKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    street = forms.CharField(label=_("Street"), max_length=200)
    street2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=16)
    city = forms.CharField(label=_("City"), max_length=100)
    country = forms.CharField(label=_("Country"), max_length=2, initial="DE")
    is_default = forms.BooleanField(label=_("Default address"), required=False, initial=True)

    @classmethod
    def for_address(cls, address: Address) -> AddressForm:
        return cls(initial={name: getattr(address, name) for name in cls.base_fields})
