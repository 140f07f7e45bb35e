"""The moments the Drehbuch can react to, and which domain event each one listens for.

A trigger names one of these moments (``TriggerEvent``); the subscribers in ``triggers.py``
listen for the stored event behind it. The service desk's case events are named here by their
stored names (``service.CaseOpened`` ...): messaging may not import the service desk, so it
subscribes by name, and the service desk publishes events of those names whose payload has at
least ``case_id``, ``customer_id``, ``reference`` and ``subject`` (and, where known,
``assignee_name`` and ``assignee_email``: the person the mail comes from).

The birthday has no event: a daily job looks for customers whose birthday is today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.messaging.governor_terms import Purpose


class TriggerEvent(models.TextChoices):
    ORDER_RECEIVED = "order_received", _("Order received")
    ORDER_SHIPPED = "order_shipped", _("Order shipped")
    ORDER_DELIVERED = "order_delivered", _("Order delivered")
    WITHDRAWAL_RECEIVED = "withdrawal_received", _("Withdrawal received")
    RETURN_ARRIVED = "return_arrived", _("Return arrived")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    CASE_OPENED = "case_opened", _("Service case opened")
    CASE_ANSWERED = "case_answered", _("Service case answered")
    CASE_SOLVED = "case_solved", _("Service case solved")
    FEEDBACK_REQUEST = "feedback_request", _("Feedback request after delivery")
    CROSS_SELL = "cross_sell", _("Recommendation after a purchase")
    BIRTHDAY = "birthday", _("Birthday")


# The service desk publishes these (service/events.py); messaging knows them by name only.
CASE_OPENED_EVENT = "service.CaseOpened"
CASE_ANSWERED_EVENT = "service.CaseAnswered"
CASE_SOLVED_EVENT = "service.CaseSolved"


@dataclass(frozen=True)
class Moment:
    """What a trigger event listens for and what its mail may refer to."""

    event_name: str  # the stored domain event; "" for the daily birthday job
    default_purpose: Purpose
    default_delay: timedelta = timedelta(0)
    has_order: bool = False
    has_case: bool = False


MOMENTS: dict[TriggerEvent, Moment] = {
    TriggerEvent.ORDER_RECEIVED: Moment("shop.OrderPlaced", Purpose.TRANSACTIONAL, has_order=True),
    TriggerEvent.ORDER_SHIPPED: Moment("shop.OrderShipped", Purpose.TRANSACTIONAL, has_order=True),
    TriggerEvent.ORDER_DELIVERED: Moment(
        "shop.OrderDelivered", Purpose.TRANSACTIONAL, has_order=True
    ),
    TriggerEvent.WITHDRAWAL_RECEIVED: Moment(
        "shop.WithdrawalReceived", Purpose.TRANSACTIONAL, has_order=True
    ),
    TriggerEvent.RETURN_ARRIVED: Moment(
        "shop.ReturnReceived", Purpose.TRANSACTIONAL, has_order=True
    ),
    TriggerEvent.REFUND_ISSUED: Moment("shop.RefundIssued", Purpose.TRANSACTIONAL, has_order=True),
    TriggerEvent.CASE_OPENED: Moment(CASE_OPENED_EVENT, Purpose.TRANSACTIONAL, has_case=True),
    TriggerEvent.CASE_ANSWERED: Moment(CASE_ANSWERED_EVENT, Purpose.TRANSACTIONAL, has_case=True),
    TriggerEvent.CASE_SOLVED: Moment(CASE_SOLVED_EVENT, Purpose.TRANSACTIONAL, has_case=True),
    TriggerEvent.FEEDBACK_REQUEST: Moment(
        "shop.OrderDelivered", Purpose.FEEDBACK, timedelta(days=7), has_order=True
    ),
    TriggerEvent.CROSS_SELL: Moment(
        "shop.OrderPlaced", Purpose.RECOMMENDATION, timedelta(days=21), has_order=True
    ),
    TriggerEvent.BIRTHDAY: Moment("", Purpose.NEWSLETTER),
}


def events_listening_to(event_name: str) -> list[TriggerEvent]:
    """The trigger events a stored domain event of ``event_name`` can start."""
    return [event for event, moment in MOMENTS.items() if moment.event_name == event_name]


def subscribed_event_names() -> list[str]:
    """Every stored event name the Drehbuch subscribes to, once each."""
    return sorted({moment.event_name for moment in MOMENTS.values() if moment.event_name})
