"""Forms of the case pages; they parse input, the case services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from stammkunde.service.models import (
    CaseChannel,
    CasePriority,
    CaseStatus,
    CaseType,
    EscalationReason,
)

REPLY_STATUSES = [
    (CaseStatus.WAITING_CUSTOMER, CaseStatus.WAITING_CUSTOMER.label),
    (CaseStatus.OPEN, CaseStatus.OPEN.label),
    (CaseStatus.WAITING_US, CaseStatus.WAITING_US.label),
    (CaseStatus.SOLVED, CaseStatus.SOLVED.label),
]


class ReplyForm(forms.Form):
    # data-reply-box: where desk's macros and articles are put (static/ui/service/desk.js).
    text = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 8, "data-reply-box": ""})
    )
    status = forms.ChoiceField(
        label=_("Then set the case to"), choices=REPLY_STATUSES, initial=CaseStatus.WAITING_CUSTOMER
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(self, *args: Any, users: list, teams: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody (team queue)"))] + [
            (str(user.pk), user.get_full_name() or user.get_username()) for user in users
        ]
        self.fields["team"].choices = [("", _("Keep the team"))] + [
            (str(team.pk), team.name) for team in teams
        ]


class EscalateForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (value, label)
            for value, label in EscalationReason.choices
            if value != EscalationReason.RESPONSE_TIME
        ],
        initial=EscalationReason.MANUAL,
    )


class OpenCaseForm(forms.Form):
    case_type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=CaseChannel.choices)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    orders = forms.MultipleChoiceField(
        label=_("Orders"), required=False, widget=forms.CheckboxSelectMultiple
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[("", _("By the routing rules")), *list(CasePriority.choices)],
        required=False,
    )

    def __init__(self, *args: Any, orders: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The date in the reader's format and the shop's local day, not UTC's.
        self.fields["orders"].choices = [
            (
                str(order.pk),
                f"{order.number} "
                f"({date_format(timezone.localtime(order.placed_at), 'SHORT_DATE_FORMAT')})",
            )
            for order in orders
        ]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *list(CaseStatus.choices)],
        required=False,
    )
    case_type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Any type")), *list(CaseType.choices)], required=False
    )
    team = forms.ChoiceField(label=_("Team"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[("", _("Any priority")), *list(CasePriority.choices)],
        required=False,
    )
    q = forms.CharField(label=_("Reference or subject"), required=False, max_length=100)

    def __init__(self, *args: Any, teams: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("Any team"))] + [
            (str(team.pk), team.name) for team in teams
        ]
