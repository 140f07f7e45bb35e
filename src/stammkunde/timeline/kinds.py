"""The one vocabulary of timeline entries (what happened), shared by every app that writes one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    """What happened. Every app adds its kinds here, so the ledger stays one vocabulary.

    Each kind has its parameters and its sentence in ``timeline.rendering``; an entry stores the
    kind and the parameters, never a sentence, so that every reader sees it in their language.
    """

    CUSTOMER_CREATED = "customer_created", _("Customer created")
    CUSTOMER_UPDATED = "customer_updated", _("Customer updated")
    CUSTOMER_MERGED = "customer_merged", _("Customers merged")
    CONSENT_CHANGED = "consent_changed", _("Consent changed")
    # A shop's or a file's grant that a newer direct opt-out kept out of the consent ledger.
    CONSENT_NOT_TAKEN = "consent_not_taken", _("Consent not taken over")
    ORDER_PLACED = "order_placed", _("Order placed")
    ORDER_UPDATED = "order_updated", _("Order updated")
    ORDER_CANCELLED = "order_cancelled", _("Order cancelled")
    ORDER_SHIPPED = "order_shipped", _("Order shipped")
    ORDER_DELIVERED = "order_delivered", _("Order delivered")
    RETURN_RECEIVED = "return_received", _("Return received")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    WITHDRAWAL_RECEIVED = "withdrawal_received", _("Withdrawal received")
    EMAIL_IN = "email_in", _("E-mail received")
    EMAIL_OUT = "email_out", _("E-mail sent")
    CALL = "call", _("Phone call")
    NOTE = "note", _("Note")
    PRIVACY_REQUEST = "privacy_request", _("Privacy request received")
    SHOP_ACCOUNT_DELETED = "shop_account_deleted", _("Shop account deleted")
    # Art. 18 GDPR: processing restricted (state "set", with the reason) or the restriction lifted.
    PROCESSING_RESTRICTED = "processing_restricted", _("Restriction of processing")
    # The service desk.
    CASE_OPENED = "case_opened", _("Case opened")
    CASE_ANSWERED = "case_answered", _("Case answered")
    CASE_ESCALATED = "case_escalated", _("Case escalated")
    CASE_SOLVED = "case_solved", _("Case solved")
    CASE_CLOSED = "case_closed", _("Case closed")
    CASE_REOPENED = "case_reopened", _("Case reopened")
    CASE_ASSIGNED = "case_assigned", _("Case assigned")
    CASE_STATUS_CHANGED = "case_status_changed", _("Case status changed")
    CASE_MERGED = "case_merged", _("Cases merged")
    CASE_SPLIT = "case_split", _("Case split")
    # An unverified sender's case moved to the customer whose order it quotes (both timelines).
    CASE_MOVED = "case_moved", _("Case moved to the order's customer")
    GOODWILL_GRANTED = "goodwill_granted", _("Goodwill granted")
    # Messaging.
    MESSAGE_SENT = "message_sent", _("Message sent")
    MESSAGE_HELD_BACK = "message_held_back", _("Message held back")
    MESSAGE_FAILED = "message_failed", _("Message failed")
    CONSENT_ASKED = "consent_asked", _("Consent asked")
    CONSENT_CONFIRMED = "consent_confirmed", _("Consent confirmed")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    CONTACT_HOLD_SET = "contact_hold_set", _("Contact hold set")
    CONTACT_HOLD_RELEASED = "contact_hold_released", _("Contact hold released")


# The filters of a customer's timeline: what an agent looks for ("what did we tell her?").
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "orders": (
        ActivityKind.ORDER_PLACED,
        ActivityKind.ORDER_UPDATED,
        ActivityKind.ORDER_CANCELLED,
        ActivityKind.ORDER_SHIPPED,
        ActivityKind.ORDER_DELIVERED,
        ActivityKind.RETURN_RECEIVED,
        ActivityKind.REFUND_ISSUED,
        ActivityKind.WITHDRAWAL_RECEIVED,
    ),
    "contacts": (
        ActivityKind.NOTE,
        ActivityKind.CALL,
        ActivityKind.EMAIL_IN,
        ActivityKind.EMAIL_OUT,
        ActivityKind.MESSAGE_SENT,
        ActivityKind.CASE_OPENED,
        ActivityKind.CASE_ANSWERED,
        ActivityKind.CASE_SOLVED,
        ActivityKind.CASE_CLOSED,
        ActivityKind.CASE_REOPENED,
        ActivityKind.CASE_MOVED,
        ActivityKind.GOODWILL_GRANTED,
    ),
    "consent": (
        ActivityKind.CONSENT_CHANGED,
        ActivityKind.CONSENT_NOT_TAKEN,
        ActivityKind.CONSENT_ASKED,
        ActivityKind.CONSENT_CONFIRMED,
        ActivityKind.CONSENT_WITHDRAWN,
        ActivityKind.UNSUBSCRIBED,
    ),
    "profile": (
        ActivityKind.CUSTOMER_CREATED,
        ActivityKind.CUSTOMER_UPDATED,
        ActivityKind.CUSTOMER_MERGED,
        ActivityKind.PRIVACY_REQUEST,
        ActivityKind.PROCESSING_RESTRICTED,
        ActivityKind.SHOP_ACCOUNT_DELETED,
    ),
}
KIND_GROUP_LABELS = {
    "orders": _("Orders"),
    "contacts": _("Contacts"),
    "consent": _("Consent"),
    "profile": _("Profile"),
}
