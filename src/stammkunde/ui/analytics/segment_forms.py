"""The saved-segment filter form and the plain-words description of a segment's filter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stammkunde.analytics.models import Segment
from stammkunde.analytics.segment_definitions import (
    SCORE_BOUNDS,
    SegmentDefinitionError,
    parse_definition,
    rfm_segment_choices,
)
from stammkunde.core.number_formats import format_number, format_percent
from stammkunde.customers.models import ConsentChannel, ConsentPurpose, FormOfAddress

LIST_FIELDS = ("categories", "tags_any", "tags_none", "languages")


def _consent_choices() -> list[tuple[str, str]]:
    choices = [("", gettext_lazy("No consent filter"))]
    for channel in ConsentChannel:
        for purpose in ConsentPurpose:
            choices.append(
                (f"{channel.value}:{purpose.value}", f"{purpose.label} ({channel.label})")
            )
    return choices


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class SegmentForm(forms.Form):
    """The definition as form fields; ``clean`` builds the JSON and validates it once more."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    rfm_segments = forms.MultipleChoiceField(
        label=gettext_lazy("RFM segments"), required=False, widget=forms.CheckboxSelectMultiple
    )
    churn_alarm = forms.ChoiceField(
        label=gettext_lazy("Churn alarm"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("yes", gettext_lazy("Churn alarm on")),
            ("no", gettext_lazy("No churn alarm")),
        ],
    )
    churn_risk_min = forms.IntegerField(
        label=gettext_lazy("Churn risk at least (%)"), required=False, min_value=0, max_value=100
    )
    churn_risk_max = forms.IntegerField(
        label=gettext_lazy("Churn risk at most (%)"), required=False, min_value=0, max_value=100
    )
    clv_min = forms.DecimalField(
        label=gettext_lazy("Predicted value (12 months) at least"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    clv_max = forms.DecimalField(
        label=gettext_lazy("Predicted value (12 months) at most"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    revenue_min = forms.DecimalField(
        label=gettext_lazy("Revenue so far at least"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    revenue_max = forms.DecimalField(
        label=gettext_lazy("Revenue so far at most"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    orders_min = forms.IntegerField(
        label=gettext_lazy("Orders at least"), required=False, min_value=0, max_value=10_000_000
    )
    orders_max = forms.IntegerField(
        label=gettext_lazy("Orders at most"), required=False, min_value=0, max_value=10_000_000
    )
    last_order_min_days = forms.IntegerField(
        label=gettext_lazy("Last order at least … days ago"),
        required=False,
        min_value=0,
        max_value=36_500,
    )
    last_order_max_days = forms.IntegerField(
        label=gettext_lazy("Last order at most … days ago"),
        required=False,
        min_value=0,
        max_value=36_500,
    )
    categories = forms.CharField(
        label=gettext_lazy("Bought in categories"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Comma-separated, e.g. Espresso, Tea"),
    )
    tags_any = forms.CharField(
        label=gettext_lazy("Has one of the tags"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Comma-separated"),
    )
    tags_none = forms.CharField(
        label=gettext_lazy("Has none of the tags"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Comma-separated"),
    )
    languages = forms.CharField(
        label=gettext_lazy("Languages"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Language codes, e.g. de, en"),
    )
    form_of_address = forms.ChoiceField(
        label=gettext_lazy("Form of address"),
        required=False,
        choices=[("", gettext_lazy("Any")), *FormOfAddress.choices],
    )
    preferences = forms.CharField(
        label=gettext_lazy("Preferences"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("name=value pairs, comma-separated, e.g. topic=espresso"),
    )
    consent = forms.ChoiceField(label=gettext_lazy("Consent granted for"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rfm_segments"].choices = rfm_segment_choices()
        self.fields["consent"].choices = _consent_choices()
        self.definition: dict[str, Any] = {}

    @classmethod
    def for_segment(cls, segment: Segment) -> SegmentForm:
        definition = segment.definition if isinstance(segment.definition, dict) else {}
        initial: dict[str, Any] = {"name": segment.name, "description": segment.description}
        for key, value in definition.items():
            if key in LIST_FIELDS:
                initial[key] = ", ".join(value)
            elif key == "churn_alarm":
                initial[key] = "yes" if value else "no"
            elif key in ("churn_risk_min", "churn_risk_max"):
                initial[key] = round(float(value) * 100)
            elif key == "preferences":
                initial[key] = ", ".join(f"{k}={v}" for k, v in value.items())
            elif key == "consent":
                initial[key] = f"{value['channel']}:{value['purpose']}"
            else:
                initial[key] = value
        return cls(initial=initial)

    def _preferences(self, text: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for pair in _split(text):
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise forms.ValidationError(
                    _("Write preferences as name=value, e.g. topic=espresso.")
                )
            value = value.strip()
            result[key.strip()] = {"true": True, "false": False}.get(value.lower(), value)
        return result

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        definition: dict[str, Any] = {}
        if data.get("rfm_segments"):
            definition["rfm_segments"] = list(data["rfm_segments"])
        if data.get("churn_alarm"):
            definition["churn_alarm"] = data["churn_alarm"] == "yes"
        for key in ("churn_risk_min", "churn_risk_max"):
            if data.get(key) is not None:
                definition[key] = data[key] / 100
        for key in SCORE_BOUNDS:
            value = data.get(key)
            if value is not None:
                definition[key] = str(value) if isinstance(value, Decimal) else value
        for key in LIST_FIELDS:
            if items := _split(data.get(key, "")):
                definition[key] = items
        if data.get("form_of_address"):
            definition["form_of_address"] = data["form_of_address"]
        if data.get("preferences"):
            try:
                definition["preferences"] = self._preferences(data["preferences"])
            except forms.ValidationError as error:
                self.add_error("preferences", error)
                return data
        if data.get("consent"):
            channel, _sep, purpose = data["consent"].partition(":")
            definition["consent"] = {"channel": channel, "purpose": purpose}
        try:
            self.definition = parse_definition(definition).to_json()
        except SegmentDefinitionError as error:
            field = error.key if error.key in self.fields else None
            self.add_error(field, str(error))
        return data


def describe(definition: dict) -> list[str]:
    """The filters of a definition in plain words, one line each, for the detail page."""
    try:
        parsed = parse_definition(definition)
    except SegmentDefinitionError as error:
        return [_("This definition is no longer valid: %(error)s") % {"error": error}]
    labels = dict(rfm_segment_choices())
    lines = []
    if parsed.rfm_segments:
        names = ", ".join(str(labels.get(code, code)) for code in parsed.rfm_segments)
        lines.append(_("RFM segment: %(names)s") % {"names": names})
    if parsed.churn_alarm is not None:
        lines.append(_("Churn alarm on") if parsed.churn_alarm else _("No churn alarm"))
    ranges = [
        ("churn_risk", _("Churn risk"), format_percent),
        ("clv", _("Predicted value, next 12 months"), format_number),
        ("revenue", _("Revenue so far"), format_number),
        ("orders", _("Orders"), format_number),
    ]
    for key, label, fmt in ranges:
        low, high = getattr(parsed, f"{key}_min"), getattr(parsed, f"{key}_max")
        if low is not None:
            lines.append(_("%(label)s at least %(value)s") % {"label": label, "value": fmt(low)})
        if high is not None:
            lines.append(_("%(label)s at most %(value)s") % {"label": label, "value": fmt(high)})
    if parsed.last_order_min_days is not None:
        lines.append(
            ngettext(
                "Last order at least %(days)d day ago",
                "Last order at least %(days)d days ago",
                parsed.last_order_min_days,
            )
            % {"days": parsed.last_order_min_days}
        )
    if parsed.last_order_max_days is not None:
        lines.append(
            ngettext(
                "Last order at most %(days)d day ago",
                "Last order at most %(days)d days ago",
                parsed.last_order_max_days,
            )
            % {"days": parsed.last_order_max_days}
        )
    for key, label in (
        ("categories", _("Bought in categories")),
        ("tags_any", _("Has one of the tags")),
        ("tags_none", _("Has none of the tags")),
        ("languages", _("Languages")),
    ):
        if values := getattr(parsed, key):
            lines.append(f"{label}: {', '.join(values)}")
    if parsed.form_of_address:
        lines.append(str(FormOfAddress(parsed.form_of_address).label))
    for key, value in parsed.preferences.items():
        lines.append(_("Preference %(name)s = %(value)s") % {"name": key, "value": value})
    if parsed.consent:
        channel, purpose = parsed.consent
        lines.append(
            _("Consent granted: %(purpose)s (%(channel)s)")
            % {"purpose": ConsentPurpose(purpose).label, "channel": ConsentChannel(channel).label}
        )
    return lines or [_("All active customers")]
