"""Which timeline entries about messages are a shop's matter: a message about an order (a
shipping notice, a feedback request) belongs to the order's shop, so staff limited to other
shops do not see it in a shared customer's timeline (``timeline/visibility.py``)."""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast

from stammkunde.messaging.models import OutboundMessage, SendDecision
from stammkunde.shop.models import Order
from stammkunde.timeline.visibility import register_subject_shops


def _messages_about_other_shops(shop_ids: frozenset[int]) -> Q:
    """A filter on OutboundMessage: about an order of none of ``shop_ids``."""
    # ``order_id`` holds the order's id as text; it is looked up among the message customer's
    # orders, so the cast runs over a handful of rows, not the orders table.
    orders = (
        Order.objects.filter(customer_id=OuterRef("customer_id"))
        .exclude(shop_id__in=shop_ids)
        .annotate(id_text=Cast("pk", CharField(max_length=64)))
        .filter(id_text=OuterRef("order_id"))
    )
    return ~Q(order_id="") & Q(Exists(orders))


def _message_entry_rule(shop_ids: frozenset[int]) -> Q:
    messages = OutboundMessage.objects.filter(
        _messages_about_other_shops(shop_ids), pk=OuterRef("subject_id")
    )
    return Q(Exists(messages))


def _decision_entry_rule(shop_ids: frozenset[int]) -> Q:
    messages = OutboundMessage.objects.filter(
        _messages_about_other_shops(shop_ids), pk=OuterRef("message_id")
    )
    decisions = SendDecision.objects.filter(Exists(messages), pk=OuterRef("subject_id"))
    return Q(Exists(decisions))


def register_timeline_rules() -> None:
    """Register the rules above with the timeline (``MessagingConfig.ready``)."""
    register_subject_shops(OutboundMessage._meta.label_lower, _message_entry_rule)
    register_subject_shops(SendDecision._meta.label_lower, _decision_entry_rule)
