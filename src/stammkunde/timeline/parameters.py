"""The parameters each kind of timeline entry takes, and the check writers run against them.

A writer stores ``params`` as listed in ``PARAMETERS`` (plain JSON values: amounts as decimal
text with a currency code, dates as ISO text, choices as their stored value); the sentence is
made from them when the entry is shown (``timeline.sentences``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stammkunde.timeline.kinds import ActivityKind as K

Params = Mapping[str, Any]

# Kind -> (required params, optional params). "text" (a line as written) is allowed everywhere.
PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    K.CUSTOMER_CREATED: ((), ("source",)),
    K.CUSTOMER_UPDATED: (("fields",), ()),
    K.CUSTOMER_MERGED: (("merged_id", "name"), ()),
    K.CONSENT_CHANGED: (("purpose", "channel", "granted"), ()),
    K.CONSENT_NOT_TAKEN: (("purpose", "channel", "source", "opted_out_on"), ()),
    K.ORDER_PLACED: (("number",), ("amount", "currency")),
    K.ORDER_UPDATED: (("number", "status", "amount", "currency"), ()),
    K.ORDER_CANCELLED: (("number",), ()),
    K.ORDER_SHIPPED: (("number",), ("carrier", "tracking")),
    K.ORDER_DELIVERED: (("number",), ()),
    K.RETURN_RECEIVED: (("number", "reason"), ()),
    K.REFUND_ISSUED: (("number", "amount", "currency"), ()),
    K.WITHDRAWAL_RECEIVED: (("number",), ("late",)),
    K.EMAIL_IN: (("subject",), ()),
    K.EMAIL_OUT: (("subject",), ()),
    K.CALL: (("text",), ()),
    K.NOTE: (("text",), ()),
    K.PRIVACY_REQUEST: (("request", "shop"), ("orders",)),
    K.SHOP_ACCOUNT_DELETED: (("shop",), ()),
    # state "set" or "lifted"; the reason (free text) is erased with the rest.
    K.PROCESSING_RESTRICTED: (("state",), ("reason",)),
    K.CASE_OPENED: (("case",), ("subject",)),
    K.CASE_ANSWERED: (("case",), ()),
    K.CASE_ESCALATED: (("case", "reason"), ()),
    K.CASE_SOLVED: (("case",), ()),
    K.CASE_CLOSED: (("case",), ()),
    K.CASE_REOPENED: (("case",), ()),
    K.CASE_ASSIGNED: (("case",), ("assignee", "team")),
    K.CASE_STATUS_CHANGED: (("case", "status"), ()),
    K.CASE_MERGED: (("case", "into"), ()),
    K.CASE_SPLIT: (("case", "source"), ()),
    # side "to": on the sender's timeline (name: the order's customer); "from": on the order's
    # customer's timeline (email: the sender's address or name). Both are erased with the rest.
    K.CASE_MOVED: (("case", "order", "side"), ("name", "email")),
    K.GOODWILL_GRANTED: (("goodwill",), ("amount", "currency", "case")),
    K.MESSAGE_SENT: (("message",), ()),
    K.MESSAGE_HELD_BACK: (("message", "rule"), ("reason",)),
    K.MESSAGE_FAILED: (("message",), ("error",)),
    K.CONSENT_ASKED: (("purpose", "channel"), ()),
    K.CONSENT_CONFIRMED: (("purpose", "channel"), ()),
    K.CONSENT_WITHDRAWN: (("purpose", "channel"), ()),
    K.UNSUBSCRIBED: ((), ("purpose", "channel")),
    K.CONTACT_HOLD_SET: (("reason",), ("until",)),
    K.CONTACT_HOLD_RELEASED: ((), ("reason",)),
}


def check_params(kind: str, params: Params) -> None:
    """Raise ValueError when ``params`` lack what the kind's sentence needs or carry names it
    does not know (a writer's mistake, found in its tests rather than on a customer's page)."""
    if kind not in PARAMETERS:
        raise ValueError(f"unknown timeline kind {kind!r}")
    if params.get("text"):
        return
    required, optional = PARAMETERS[kind]
    missing = [name for name in required if params.get(name) in (None, "")]
    unknown = sorted(set(params) - set(required) - set(optional))
    if missing or unknown:
        raise ValueError(f"timeline {kind}: missing {missing}, unknown {unknown}")
