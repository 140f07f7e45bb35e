"""The words timeline sentences use for stored values (sources, reasons, statuses, rules).

Where a value names something of one of these vocabularies, the sentence shows its label in the
reader's language; any other value is somebody's own words and shown as written. Other apps'
choices store these keys (the governor's rules, the contact holds' reasons, goodwill kinds).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

SOURCES = {
    "csv_import": gettext_lazy("CSV import"),
    "inbound_mail": gettext_lazy("e-mail from an unknown sender"),
    "web_form": gettext_lazy("the help page's case form"),
}
PRIVACY_REQUESTS = {
    "data_request": gettext_lazy("Request for a copy of the data"),
    "customer_redact": gettext_lazy("Request to erase the customer's data"),
    "shop_redact": gettext_lazy("Request to erase the shop's data"),
}
ESCALATION_REASONS = {
    "response_time": gettext_lazy("the response time ran out"),
    "repeated_complaint": gettext_lazy("repeated complaint"),
    "legal_threat": gettext_lazy("legal steps announced"),
    "customer_request": gettext_lazy("the customer asked for someone else"),
    "goodwill_limit": gettext_lazy("goodwill above the agent's limit"),
    "refund_overdue": gettext_lazy("the refund after a return is overdue"),
    "manual": gettext_lazy("handed over by staff"),
    "angry_wording": gettext_lazy("angry wording"),
    "high_value": gettext_lazy("high-value customer"),
}
CASE_STATUSES = {
    "new": gettext_lazy("new"),
    "open": gettext_lazy("open"),
    "waiting_customer": gettext_lazy("waiting for the customer"),
    "waiting_us": gettext_lazy("waiting for us"),
    "solved": gettext_lazy("solved"),
    "closed": gettext_lazy("closed"),
}
GOODWILL = {
    "voucher": gettext_lazy("voucher"),
    "refund": gettext_lazy("partial refund"),
    "free_shipping": gettext_lazy("free shipping"),
    "replacement": gettext_lazy("free replacement"),
    "gift": gettext_lazy("gift"),
}
# Why a message was held back: the rules of messaging's contact-pressure governor (its
# ``Rule`` values; the governor's full reason with its numbers stays with the decision) and
# the checks around it.
HOLD_RULES = {
    "open_case": gettext_lazy("open service case"),
    "recent_complaint": gettext_lazy("recent complaint"),
    "feedback_without_order": gettext_lazy("feedback request names no order"),
    "feedback_once_per_order": gettext_lazy("feedback on this order already requested"),
    "inactive_customer": gettext_lazy("inactive customer, contacted rarely"),
    "former_customer": gettext_lazy("former customer, contacted rarely"),
    "ignored_back_off": gettext_lazy("recent messages went unanswered"),
    "feedback_per_30_days": gettext_lazy("feedback already requested this month"),
    "weekly_limit": gettext_lazy("weekly limit reached"),
    "monthly_limit": gettext_lazy("monthly limit reached"),
    "minimum_gap": gettext_lazy("too soon after the last message"),
    "quiet_hours": gettext_lazy("quiet hours"),
    "no_consent": gettext_lazy("no consent"),
    "restricted": gettext_lazy("processing restricted (Art. 18 GDPR)"),
    "unsubscribed": gettext_lazy("unsubscribed"),
    "contact_hold": gettext_lazy("contact hold"),
    "history": gettext_lazy("event from the past"),
    "not_personal": gettext_lazy("does not read as personal"),
    "bounced": gettext_lazy("address bounces"),
    "no_address": gettext_lazy("no e-mail address"),
    "paused": gettext_lazy("paused by the customer"),
    "invalid_address": gettext_lazy("invalid e-mail address"),
}
CONTACT_HOLD_REASONS = {
    "open_case": gettext_lazy("open service case"),
    "recent_complaint": gettext_lazy("recent complaint"),
    "crisis": gettext_lazy("crisis plan active"),
    "customer_request": gettext_lazy("at the customer's request"),
}
