"""The sentence of each kind of timeline entry, made from its parameters when it is shown.

A writer stores ``params`` as listed in ``timeline.parameters.PARAMETERS``; the sentence is made
here, in the reader's language, when the entry is shown, with the words of
``timeline.vocabulary`` for stored values. Values that are somebody's own
words (a note, a call summary, a case subject, a message's name, an error text) are shown as
written and never translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from stammkunde.timeline.formatting import (
    choice_label,
    field_label,
    format_date,
    format_money,
    format_source,
)
from stammkunde.timeline.kinds import ActivityKind as K
from stammkunde.timeline.parameters import Params
from stammkunde.timeline.vocabulary import (
    CASE_STATUSES,
    CONTACT_HOLD_REASONS,
    ESCALATION_REASONS,
    GOODWILL,
    HOLD_RULES,
    PRIVACY_REQUESTS,
    SOURCES,
)


def _word(vocabulary: Mapping[str, Any], value: Any) -> str:
    return str(vocabulary.get(value, value))


def _purpose_channel(p: Params) -> dict[str, str]:
    return {
        "purpose": choice_label("customers.ConsentEvent", "purpose", p["purpose"]),
        "channel": choice_label("customers.ConsentEvent", "channel", p["channel"]),
    }


def _customer_created(p: Params) -> str:
    if not p.get("source"):
        return _("Customer created")
    return _("Customer created (%(source)s)") % {"source": _word(SOURCES, p["source"])}


def _profile_changed(p: Params) -> str:
    names = p["fields"]
    if isinstance(names, str):
        raise TypeError("fields must be a list")
    labels = [
        _("address") if name == "address" else field_label("customers.Customer", name)
        for name in names
    ]
    return _("Profile changed: %(fields)s") % {"fields": ", ".join(labels)}


def _consent_changed(p: Params) -> str:
    if p["granted"]:
        return _("%(purpose)s (%(channel)s): granted") % _purpose_channel(p)
    return _("%(purpose)s (%(channel)s): withdrawn") % _purpose_channel(p)


def _consent_not_taken(p: Params) -> str:
    return _(
        "%(purpose)s (%(channel)s): grant from %(source)s not taken over; the customer opted out"
        " directly on %(date)s"
    ) % {
        **_purpose_channel(p),
        "source": format_source(p["source"]),
        "date": format_date(p["opted_out_on"]),
    }


def _order_placed(p: Params) -> str:
    if p.get("amount") is None:
        return _("Order %(number)s placed") % {"number": p["number"]}
    return _("Order %(number)s for %(amount)s") % {
        "number": p["number"],
        "amount": format_money(p["amount"], p["currency"]),
    }


def _order_updated(p: Params) -> str:
    return _("Order %(number)s updated: %(status)s, %(amount)s") % {
        "number": p["number"],
        "status": choice_label("shop.Order", "status", p["status"]),
        "amount": format_money(p["amount"], p["currency"]),
    }


def _order_shipped(p: Params) -> str:
    values = {"number": p["number"], "carrier": p.get("carrier"), "tracking": p.get("tracking")}
    if values["tracking"] and values["carrier"]:
        return _("Order %(number)s shipped with %(carrier)s, tracking number %(tracking)s") % values
    if values["tracking"]:
        return _("Order %(number)s shipped, tracking number %(tracking)s") % values
    if values["carrier"]:
        return _("Order %(number)s shipped with %(carrier)s") % values
    return _("Order %(number)s shipped") % values


def _return_received(p: Params) -> str:
    return _("Return of order %(number)s: %(reason)s") % {
        "number": p["number"],
        "reason": choice_label("shop.Return", "reason", p["reason"]),
    }


def _refund_issued(p: Params) -> str:
    return _("Refund of %(amount)s for order %(number)s") % {
        "number": p["number"],
        "amount": format_money(p["amount"], p["currency"]),
    }


def _withdrawal(p: Params) -> str:
    if p.get("late"):
        return _("Withdrawal from order %(number)s after the withdrawal period") % p
    return _("Withdrawal from order %(number)s") % {"number": p["number"]}


def _privacy_request(p: Params) -> str:
    values = {
        "request": _word(PRIVACY_REQUESTS, p["request"]),
        "shop": p["shop"],
        "orders": ", ".join(str(number) for number in p.get("orders") or ()),
    }
    if values["orders"]:
        return _("%(request)s (%(shop)s), orders named: %(orders)s") % values
    return _("%(request)s (%(shop)s)") % values


def _processing_restricted(p: Params) -> str:
    if p["state"] == "lifted":
        return _("Restriction of processing lifted")
    if p.get("reason"):
        return _("Processing restricted (Art. 18 GDPR): %(reason)s") % p
    return _("Processing restricted (Art. 18 GDPR)")


def _case_opened(p: Params) -> str:
    if p.get("subject"):
        return _("Case %(case)s opened: %(subject)s") % p
    return _("Case %(case)s opened") % p


def _case_escalated(p: Params) -> str:
    reason = _word(ESCALATION_REASONS, p["reason"])
    return _("Case %(case)s escalated: %(reason)s") % {"case": p["case"], "reason": reason}


def _case_assigned(p: Params) -> str:
    if p.get("assignee") and p.get("team"):
        return _("Case %(case)s assigned to %(assignee)s (%(team)s)") % p
    if p.get("assignee"):
        return _("Case %(case)s assigned to %(assignee)s") % p
    if p.get("team"):
        return _("Case %(case)s handed to team %(team)s") % p
    return _("Case %(case)s unassigned") % p


def _case_moved(p: Params) -> str:
    if p["side"] == "from":
        if p.get("email"):
            return (
                _("Case %(case)s taken over from the unverified sender %(email)s (order %(order)s)")
                % p
            )
        return _("Case %(case)s taken over from an unverified sender (order %(order)s)") % p
    if p.get("name"):
        return _("Case %(case)s moved to %(name)s: the mail is about their order %(order)s") % p
    return _("Case %(case)s moved to the customer of order %(order)s") % p


def _case_status_changed(p: Params) -> str:
    values = {"case": p["case"], "status": _word(CASE_STATUSES, p["status"])}
    return _("Case %(case)s set to “%(status)s”") % values


def _goodwill(p: Params) -> str:
    values = {"goodwill": _word(GOODWILL, p["goodwill"])}
    if p.get("amount") is not None:
        values["amount"] = format_money(p["amount"], p["currency"])
        return _("Goodwill granted: %(goodwill)s of %(amount)s") % values
    return _("Goodwill granted: %(goodwill)s") % values


def _message_held_back(p: Params) -> str:
    values = {"message": p["message"], "rule": _word(HOLD_RULES, p["rule"])}
    if p.get("reason"):
        values["reason"] = p["reason"]
        return _("Message “%(message)s” held back: %(rule)s (%(reason)s)") % values
    return _("Message “%(message)s” held back: %(rule)s") % values


def _message_failed(p: Params) -> str:
    if p.get("error"):
        return _("Message “%(message)s” could not be sent: %(error)s") % p
    return _("Message “%(message)s” could not be sent") % p


def _unsubscribed(p: Params) -> str:
    if p.get("purpose") and p.get("channel"):
        return _("Unsubscribed from %(purpose)s (%(channel)s)") % _purpose_channel(p)
    return _("Unsubscribed from all messages")


def _contact_hold_set(p: Params) -> str:
    reason = _word(CONTACT_HOLD_REASONS, p["reason"])
    if p.get("until"):
        return _("No contact until %(until)s: %(reason)s") % {
            "until": format_date(p["until"]),
            "reason": reason,
        }
    return _("No contact for now: %(reason)s") % {"reason": reason}


def _contact_hold_released(p: Params) -> str:
    if p.get("reason"):
        reason = _word(CONTACT_HOLD_REASONS, p["reason"])
        return _("Contact allowed again (%(reason)s)") % {"reason": reason}
    return _("Contact allowed again")


SENTENCES: dict[str, Callable[[Params], str]] = {
    K.CUSTOMER_CREATED: _customer_created,
    K.CUSTOMER_UPDATED: _profile_changed,
    K.CUSTOMER_MERGED: lambda p: (
        _("Customer #%(merged)s (%(name)s) merged into this customer")
        % {"merged": p["merged_id"], "name": p["name"]}
    ),
    K.CONSENT_CHANGED: _consent_changed,
    K.CONSENT_NOT_TAKEN: _consent_not_taken,
    K.ORDER_PLACED: _order_placed,
    K.ORDER_UPDATED: _order_updated,
    K.ORDER_CANCELLED: lambda p: _("Order %(number)s cancelled") % {"number": p["number"]},
    K.ORDER_SHIPPED: _order_shipped,
    K.ORDER_DELIVERED: lambda p: _("Order %(number)s delivered") % {"number": p["number"]},
    K.RETURN_RECEIVED: _return_received,
    K.REFUND_ISSUED: _refund_issued,
    K.WITHDRAWAL_RECEIVED: _withdrawal,
    K.EMAIL_IN: lambda p: str(p["subject"]),
    K.EMAIL_OUT: lambda p: str(p["subject"]),
    K.PRIVACY_REQUEST: _privacy_request,
    K.PROCESSING_RESTRICTED: _processing_restricted,
    K.SHOP_ACCOUNT_DELETED: lambda p: _("Customer account deleted in %(shop)s") % p,
    K.CASE_OPENED: _case_opened,
    K.CASE_ANSWERED: lambda p: _("Case %(case)s answered") % p,
    K.CASE_ESCALATED: _case_escalated,
    K.CASE_SOLVED: lambda p: _("Case %(case)s solved") % p,
    K.CASE_CLOSED: lambda p: _("Case %(case)s closed") % p,
    K.CASE_REOPENED: lambda p: _("Case %(case)s reopened") % p,
    K.CASE_ASSIGNED: _case_assigned,
    K.CASE_STATUS_CHANGED: _case_status_changed,
    K.CASE_MERGED: lambda p: _("Case %(case)s merged into %(into)s") % p,
    K.CASE_SPLIT: lambda p: _("Case %(case)s split off from %(source)s") % p,
    K.CASE_MOVED: _case_moved,
    K.GOODWILL_GRANTED: _goodwill,
    K.MESSAGE_SENT: lambda p: _("Message “%(message)s” sent") % p,
    K.MESSAGE_HELD_BACK: _message_held_back,
    K.MESSAGE_FAILED: _message_failed,
    K.CONSENT_ASKED: lambda p: _("Consent asked: %(purpose)s (%(channel)s)") % _purpose_channel(p),
    K.CONSENT_CONFIRMED: lambda p: (
        _("Consent confirmed: %(purpose)s (%(channel)s)") % _purpose_channel(p)
    ),
    K.CONSENT_WITHDRAWN: lambda p: (
        _("Consent withdrawn: %(purpose)s (%(channel)s)") % _purpose_channel(p)
    ),
    K.UNSUBSCRIBED: _unsubscribed,
    K.CONTACT_HOLD_SET: _contact_hold_set,
    K.CONTACT_HOLD_RELEASED: _contact_hold_released,
}
