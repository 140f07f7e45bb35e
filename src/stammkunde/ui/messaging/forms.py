"""Forms of the Drehbuch and campaign pages: they parse input, the services decide."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stammkunde.core.ids import LARGEST_ID
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import MessageTemplate
from stammkunde.messaging.trigger_events import TriggerEvent


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    text_body = forms.CharField(
        label=_("Text part"), widget=forms.Textarea(attrs={"rows": 16, "class": "code"})
    )
    html_body = forms.CharField(
        label=_("HTML part"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "code"}),
    )


class PreviewForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("de", _("German")), ("en", _("English"))], required=False
    )
    customer = forms.CharField(
        label=_("Customer (number or e-mail)"), required=False, max_length=254
    )
    order = forms.CharField(label=_("Order number"), required=False, max_length=64)


class TriggerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    delay_hours = forms.IntegerField(
        label=_("Delay in hours"), min_value=0, max_value=24 * 365, initial=0
    )
    sender_name = forms.CharField(label=_("Sender (a person's name)"), max_length=100)
    sender_address = forms.EmailField(label=_("Sender's address"))
    sender_role = forms.CharField(label=_("Sender's role"), max_length=100, required=False)
    reply_to = forms.EmailField(label=_("Reply-to (lands in the service desk)"), required=False)
    segment_id = forms.IntegerField(
        label=_("Only customers in segment (number)"),
        required=False,
        min_value=1,
        max_value=LARGEST_ID,
    )
    min_order_value = forms.DecimalField(label=_("Minimum order value"), required=False)
    max_order_value = forms.DecimalField(label=_("Maximum order value"), required=False)
    categories = forms.CharField(
        label=_("Only orders with these product categories (comma-separated)"), required=False
    )
    order_kind = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("", _("any")), ("first", _("first order")), ("repeat", _("repeat order"))],
    )
    languages = forms.MultipleChoiceField(
        label=_("Only customers writing in"),
        required=False,
        choices=[("de", _("German")), ("en", _("English"))],
        widget=forms.CheckboxSelectMultiple,
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        conditions = {
            key: data.get(key)
            for key in (
                "segment_id",
                "min_order_value",
                "max_order_value",
                "categories",
                "order_kind",
                "languages",
            )
        }
        return {
            "name": data["name"],
            "delay": timedelta(hours=data["delay_hours"]),
            "sender_name": data["sender_name"],
            "sender_address": data["sender_address"],
            "sender_role": data["sender_role"],
            "reply_to": data["reply_to"],
            "conditions": conditions,
        }

    @classmethod
    def initial_for(cls, trigger: Any) -> dict[str, Any]:
        conditions = trigger.conditions or {}
        return {
            "name": trigger.name,
            "delay_hours": int(trigger.delay.total_seconds() // 3600),
            "sender_name": trigger.sender_name,
            "sender_address": trigger.sender_address,
            "sender_role": trigger.sender_role,
            "reply_to": trigger.reply_to,
            "segment_id": conditions.get("segment_id"),
            "min_order_value": conditions.get("min_order_value"),
            "max_order_value": conditions.get("max_order_value"),
            "categories": ", ".join(conditions.get("categories", [])),
            "order_kind": conditions.get("order_kind", ""),
            "languages": conditions.get("languages", []),
        }


class TriggerMailForm(TriggerForm):
    """A line of the Drehbuch as a team lead changes it: the settings and conditions, plus the
    event, the purpose and the mail per language (the mails' purpose must be the trigger's)."""

    event = forms.ChoiceField(label=_("Event"), choices=TriggerEvent.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    template_de = forms.ModelChoiceField(
        label=_("German mail"), queryset=MessageTemplate.objects.none(), required=False
    )
    template_en = forms.ModelChoiceField(
        label=_("English mail"), queryset=MessageTemplate.objects.none(), required=False
    )
    field_order = ["name", "event", "purpose", "template_de", "template_en", "delay_hours"]

    def __init__(self, *args: Any, purposes: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = purposes
        self.fields["template_de"].queryset = MessageTemplate.objects.filter(
            language="de"
        ).order_by("name")
        self.fields["template_en"].queryset = MessageTemplate.objects.filter(
            language="en"
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        german, english = data.get("template_de"), data.get("template_en")
        if not german and not english:
            raise forms.ValidationError(_("Choose the mail in at least one language."))
        purpose = data.get("purpose")
        for template in (german, english):
            if template is not None and purpose and template.purpose != purpose:
                # A newsletter text behind an order mail would go out without consent checks
                # matching its content; the mail's purpose and the trigger's must agree.
                raise forms.ValidationError(
                    _("“%(name)s” is written for another purpose (%(purpose)s).")
                    % {"name": template.name, "purpose": template.get_purpose_display()}
                )
        return data

    def values(self) -> dict[str, Any]:
        values = super().values()
        data = self.cleaned_data
        values.update(
            event=data["event"],
            purpose=data["purpose"],
            template_de=data.get("template_de"),
            template_en=data.get("template_en"),
        )
        return values

    @classmethod
    def initial_for(cls, trigger: Any) -> dict[str, Any]:
        return {
            **super().initial_for(trigger),
            "event": trigger.event,
            "purpose": trigger.purpose,
            "template_de": trigger.template_de_id,
            "template_en": trigger.template_en_id,
        }


class NewTriggerForm(TriggerMailForm):
    """A new line of the Drehbuch: the mail form plus whether it starts switched on."""

    is_active = forms.BooleanField(
        label=_("Switch on at once (only if the mail reads as personal)"), required=False
    )

    def values(self) -> dict[str, Any]:
        return {**super().values(), "is_active": bool(self.cleaned_data.get("is_active"))}


MARKETING_PURPOSES = [(p.value, p.label) for p in Purpose if p != Purpose.TRANSACTIONAL]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=MARKETING_PURPOSES)
    segment = forms.ModelChoiceField(label=_("Audience (segment)"), queryset=None)
    template_de = forms.ModelChoiceField(label=_("German mail"), queryset=None, required=False)
    template_en = forms.ModelChoiceField(label=_("English mail"), queryset=None, required=False)
    sender_name = forms.CharField(label=_("Sender (a person's name)"), max_length=100)
    sender_address = forms.EmailField(label=_("Sender's address"))
    reply_to = forms.EmailField(label=_("Reply-to"), required=False)
    track_clicks = forms.BooleanField(label=_("Count clicks through a redirect"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from stammkunde.analytics.models import Segment

        self.fields["segment"].queryset = Segment.objects.all()
        marketing = MessageTemplate.objects.exclude(purpose=Purpose.TRANSACTIONAL)
        self.fields["template_de"].queryset = marketing.filter(language="de")
        self.fields["template_en"].queryset = marketing.filter(language="en")


class NewTemplateForm(TemplateForm):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("de", _("German")), ("en", _("English"))]
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=MARKETING_PURPOSES)
