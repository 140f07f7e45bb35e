"""The public case form; ``website`` is the honeypot (hidden from people, filled by bots)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TOPICS = [
    ("", _("Please choose")),
    ("delivery_problem", _("My parcel has not arrived")),
    ("damaged_goods", _("Something arrived damaged or faulty")),
    ("return", _("Return or refund")),
    ("withdrawal", _("Withdrawal from the purchase")),
    ("complaint", _("Complaint")),
    ("question", _("Question")),
]


class CaseForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Your e-mail address"))
    order_number = forms.CharField(label=_("Order number (if any)"), max_length=64, required=False)
    # Not the webhook inbox's "Topic" (an event type there, "Ereignistyp" in German).
    topic = forms.ChoiceField(
        label=pgettext_lazy("the customer's concern on the public case form", "Topic"),
        choices=TOPICS,
        required=False,
    )
    message = forms.CharField(
        label=_("Your message"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    # The honeypot: hidden by CSS and aria-hidden, tab-skipped; people leave it empty.
    website = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
