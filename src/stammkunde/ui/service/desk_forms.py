"""Forms of the desk's policy and knowledge pages; they parse input, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stammkunde.service.models import (
    CaseType,
    CrisisPlan,
    DeskRole,
    GoodwillKind,
    IncidentType,
    KnowledgeCategory,
    Language,
)


def case_type_choices() -> list[tuple[str, str]]:
    """The case types of the desk ("" first: every type)."""
    return [("", _("Every case type")), *CaseType.choices]


class GoodwillForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GoodwillKind.choices)
    # Text, not a DecimalField: the service's rule gives the reasons (negative, absurd ...).
    amount = forms.CharField(
        label=_("Value in EUR"),
        max_length=20,
        help_text=_(
            "Free shipping: the shipping cost waived; a replacement or a gift: the goods' "
            "selling price."
        ),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    order = forms.ChoiceField(label=_("Order"), required=False)
    case_type = forms.ChoiceField(label=_("Case type"), required=False)

    def __init__(self, *args, orders=(), with_case_type: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].choices = [("", "—")] + [
            (str(order.pk), order.number) for order in orders
        ]
        if with_case_type:
            self.fields["case_type"].choices = case_type_choices()
        else:  # the case's own type decides
            del self.fields["case_type"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("decline", "decline")])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class LimitForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=DeskRole.choices)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Every kind")), *GoodwillKind.choices]
    )
    case_type = forms.ChoiceField(label=_("Case type"), required=False)
    maximum = forms.DecimalField(
        label=_("Maximum in EUR"),
        min_value=0,
        decimal_places=2,
        localize=True,
        help_text=_(
            "The value in money for every kind: free shipping by the shipping cost waived, a "
            "replacement or a gift by the goods' selling price."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_type"].choices = case_type_choices()


class StandardForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("House rules"), widget=forms.Textarea(attrs={"rows": 14}))


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))
    crisis_plan = forms.ModelChoiceField(
        label=_("Reply template of the crisis plan"),
        queryset=CrisisPlan.objects.all(),
        required=False,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ArticleForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=KnowledgeCategory.objects.all())
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))
    keywords = forms.CharField(label=_("Keywords"), max_length=300, required=False)
    is_public = forms.BooleanField(label=_("On the public help page"), required=False)


class HelpSettingsForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    phone_hours = forms.CharField(label=_("Phone hours"), max_length=200, required=False)
    phone_hours_en = forms.CharField(
        label=_("Phone hours in English"),
        max_length=200,
        required=False,
        help_text=_("For the English help page, e.g. Mon to Fri 9 am to 5 pm."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    postal_address = forms.CharField(
        label=_("Postal address"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class CrisisPlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    steps = forms.CharField(
        label=_("Steps, one per line"), widget=forms.Textarea(attrs={"rows": 8})
    )
    suggested_goodwill_kind = forms.ChoiceField(
        label=_("Suggested goodwill"), choices=[("", "—"), *GoodwillKind.choices], required=False
    )
    suggested_goodwill_amount = forms.DecimalField(
        label=_("Suggested amount in EUR"), min_value=0, decimal_places=2, required=False
    )
    deadline_hours = forms.IntegerField(
        label=_("Solved within (business hours)"), min_value=1, max_value=2000
    )
    responsible_role = forms.ChoiceField(label=_("Responsible role"), choices=DeskRole.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    incident_type = forms.ChoiceField(label=_("Incident type"), choices=IncidentType.choices)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class AffectedOrdersForm(forms.Form):
    numbers = forms.CharField(
        label=_("Order numbers, separated by spaces, commas or lines"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class IncidentMessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))


class CategoryForm(forms.Form):
    slug = forms.SlugField(label=_("Short name"), max_length=50)
    name_de = forms.CharField(label=_("Name (German)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1000, initial=0)
