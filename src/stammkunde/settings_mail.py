"""Settings for e-mail and what stands on it: sending (SMTP or an ESP through django-anymail),
the outbox, inbound mail, the service desk, and the privacy duties. Part of the one settings
module (``stammkunde.settings`` imports everything here); every value comes from a
``STAMMKUNDE_`` environment variable (README.md).
"""

from __future__ import annotations

import json

from stammkunde.core.environment import env_bool, env_int, env_list, env_str, parse_smtp_url

EMAIL_BACKEND = env_str("STAMMKUNDE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("STAMMKUNDE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("STAMMKUNDE_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("STAMMKUNDE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("STAMMKUNDE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("STAMMKUNDE_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("STAMMKUNDE_EMAIL_USE_SSL", False)
# One URL instead of the variables above: smtp://user:password@host:587?tls=1, smtps://...:465
_SMTP_URL = env_str("STAMMKUNDE_SMTP_URL", "")
if _SMTP_URL:
    EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL = (
        parse_smtp_url(_SMTP_URL)
    )
# An ESP through django-anymail: STAMMKUNDE_EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend
# and its settings as JSON in STAMMKUNDE_ANYMAIL (e.g. {"POSTMARK_SERVER_TOKEN": "..."}).
ANYMAIL = json.loads(env_str("STAMMKUNDE_ANYMAIL", "") or "{}")
EMAIL_TIMEOUT = env_int("STAMMKUNDE_EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("STAMMKUNDE_DEFAULT_FROM_EMAIL", "service@shop.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Messaging (the outbox). Message-IDs are <...@STAMMKUNDE_MAIL_DOMAIN>; the default sender is
# a named person, never a no-reply address.
MAIL_DOMAIN = env_str("STAMMKUNDE_MAIL_DOMAIN", "shop.example")
MESSAGING_FROM_NAME = env_str("STAMMKUNDE_MAIL_FROM_NAME", "")
# Overrides of the governor's limits (messaging.governor.GovernorSettings field -> value);
# tests set the quiet hours off with {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}.
MESSAGING_GOVERNOR: dict = {}
# UWG §7(3): product recommendations by e-mail to existing customers without consent, with an
# objection notice in every such mail. Off unless the shop switches it on.
MESSAGING_EXISTING_CUSTOMER_EXCEPTION = env_bool("STAMMKUNDE_EXISTING_CUSTOMER_EXCEPTION", False)
# The outbox worker: a claimed message's lease, attempts before a temporary failure is given
# up, messages per minute per recipient domain (0: no limit; per worker process).
MESSAGING_LEASE_SECONDS = env_int("STAMMKUNDE_MAIL_LEASE_SECONDS", 120)
MESSAGING_MAX_ATTEMPTS = env_int("STAMMKUNDE_MAIL_MAX_ATTEMPTS", 8)
# Connections a worker keeps to the mail server, each used by a sender thread of its own: the
# SMTP round trips overlap with preparing the next messages. A worker that dies leaves at most
# this many messages uncertain.
MESSAGING_CONNECTIONS = env_int("STAMMKUNDE_MAIL_CONNECTIONS", 2)
MESSAGING_DOMAIN_LIMIT_PER_MINUTE = env_int("STAMMKUNDE_MAIL_DOMAIN_LIMIT_PER_MINUTE", 0)
MESSAGING_DOMAIN_LIMITS = {
    domain: int(limit)
    for domain, _, limit in (
        item.partition("=") for item in env_list("STAMMKUNDE_MAIL_DOMAIN_LIMITS", [])
    )
}
# An optional mailto: address for List-Unsubscribe (next to the HTTPS one-click link).
MESSAGING_UNSUBSCRIBE_MAILTO = env_str("STAMMKUNDE_MAIL_UNSUBSCRIBE_MAILTO", "")
# DKIM signing for shops that send through their own SMTP: the selector switches it on; the
# key is DATA_DIR/dkim/<selector>.pem unless STAMMKUNDE_DKIM_KEY_FILE names another file.
MESSAGING_DKIM_SELECTOR = env_str("STAMMKUNDE_DKIM_SELECTOR", "")
MESSAGING_DKIM_DOMAIN = env_str("STAMMKUNDE_DKIM_DOMAIN", "")
MESSAGING_DKIM_KEY_FILE = env_str("STAMMKUNDE_DKIM_KEY_FILE", "")

# Privacy (GDPR): how long a customer without orders is kept after their last sign of life
# (a lead: a shop account or a consent), and how long a contact nobody verified (no order, no
# shop account, no consent granted); the daily job erases them (customers.retention).
RETENTION_LEAD_DAYS = env_int("STAMMKUNDE_RETENTION_LEAD_DAYS", 3 * 365)
RETENTION_UNVERIFIED_DAYS = env_int("STAMMKUNDE_RETENTION_UNVERIFIED_DAYS", 90)
# The record of processing activities (Art. 30): who the controller is and who receives data.
PRIVACY_CONTROLLER = env_str("STAMMKUNDE_PRIVACY_CONTROLLER", "")
PRIVACY_OFFICER = env_str("STAMMKUNDE_PRIVACY_OFFICER", "")
# Inbound e-mail (service desk intake, docs/INTERNALS.md). The IMAP mailbox read every
# minute: imap://user@host:143/INBOX or imaps://user@host/INBOX (password in the URL or in
# STAMMKUNDE_IMAP_PASSWORD / _FILE); empty = no mailbox. After a message is stored it is
# flagged \Seen, and moved to STAMMKUNDE_IMAP_DONE_FOLDER when one is named.
IMAP_URL = env_str("STAMMKUNDE_IMAP_URL", "")
IMAP_PASSWORD = env_str("STAMMKUNDE_IMAP_PASSWORD", "")
IMAP_DONE_FOLDER = env_str("STAMMKUNDE_IMAP_DONE_FOLDER", "")
IMAP_TIMEOUT = env_int("STAMMKUNDE_IMAP_TIMEOUT", 30)
# Raw MIME posted to /hooks/inbound-mail/raw/ carries X-Stammkunde-Signature: the hex
# HMAC-SHA256 of the body with this secret (empty = the endpoint refuses everything).
INBOUND_MAIL_SECRET = env_str("STAMMKUNDE_INBOUND_MAIL_SECRET", "")
# Limits: a larger message is refused by the raw endpoint (413) and stored whole from IMAP;
# files above the per-file size, beyond the count or the total stay in the raw message only.
INBOUND_MAIL_MAX_BYTES = env_int("STAMMKUNDE_INBOUND_MAIL_MAX_BYTES", 60 * 1024 * 1024)
INBOUND_FILE_MAX_BYTES = env_int("STAMMKUNDE_INBOUND_FILE_MAX_BYTES", 25 * 1024 * 1024)
INBOUND_FILES_MAX = env_int("STAMMKUNDE_INBOUND_FILES_MAX", 100)
# Our acknowledgement of a new case (off unless enabled): at most once per sender in this
# many days (RFC 3834 recommends 7), never to automatic mail.
INBOUND_ACKNOWLEDGE = env_bool("STAMMKUNDE_INBOUND_ACKNOWLEDGE", False)
INBOUND_ACKNOWLEDGE_DAYS = env_int("STAMMKUNDE_INBOUND_ACKNOWLEDGE_DAYS", 7)
# django-anymail's inbound webhooks (/hooks/inbound-mail/<esp>/) use the same ANYMAIL settings
# (above); these two variables fill in the basic auth user:password the provider is configured
# with and Mailgun's signing key when STAMMKUNDE_ANYMAIL does not name them.
for _key, _value in {
    "WEBHOOK_SECRET": env_str("STAMMKUNDE_ANYMAIL_WEBHOOK_SECRET", ""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env_str("STAMMKUNDE_MAILGUN_WEBHOOK_SIGNING_KEY", ""),
}.items():
    if _value:
        ANYMAIL.setdefault(_key, _value)

# The service desk: the address customers write to (Reply-To of every reply), how long after
# solving a customer's reply reopens a case (else a linked new case), and the customer value
# (revenue in the main currency) from which a complaint goes to the mediator at once.
SERVICE_ADDRESS = env_str("STAMMKUNDE_SERVICE_ADDRESS", "") or DEFAULT_FROM_EMAIL
SERVICE_REOPEN_DAYS = env_int("STAMMKUNDE_SERVICE_REOPEN_DAYS", 14)
SERVICE_HIGH_VALUE = env_str("STAMMKUNDE_SERVICE_HIGH_VALUE", "1000")
