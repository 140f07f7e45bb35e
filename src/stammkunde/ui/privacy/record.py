"""The record of processing activities (Art. 30 GDPR), generated from this installation's
configuration: the shops connected, the mail transport, the database, the retention settings.

Plain data for the template; ``processing_record`` reads settings and the shop list only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from stammkunde.core.gdpr import ACCOUNTING_VOUCHERS, BUSINESS_LETTERS
from stammkunde.shop.models import Shop


@dataclass(frozen=True)
class Activity:
    purpose: str
    legal_basis: str
    persons: str
    data: list[str]
    recipients: list[str]
    retention: str
    sources: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProcessingRecord:
    controller: str
    officer: str
    activities: list[Activity]
    storage: str
    measures: list[str]


def mail_recipient() -> str:
    """Who carries the outgoing mail, from the e-mail backend setting."""
    backend = settings.EMAIL_BACKEND
    if ".anymail." in f".{backend}" or backend.startswith("anymail."):
        provider = backend.split(".")[2] if backend.count(".") >= 3 else backend
        return _("E-mail service provider %(provider)s (processor, Art. 28 GDPR)") % {
            "provider": provider
        }
    if backend.endswith("smtp.EmailBackend"):
        return _("SMTP server %(host)s:%(port)s (mail transport)") % {
            "host": settings.EMAIL_HOST,
            "port": settings.EMAIL_PORT,
        }
    return _("Mail backend %(backend)s") % {"backend": backend}


def storage_description() -> str:
    if connection.vendor == "sqlite":
        return _("SQLite database in the data directory %(path)s on this server") % {
            "path": settings.DATA_DIR
        }
    host = urlsplit(settings.DATABASE_URL).hostname or "localhost"
    return _("PostgreSQL database on %(host)s") % {"host": host}


def processing_record() -> ProcessingRecord:
    """The record as this installation is configured now."""
    shops = [f"{shop.name} ({shop.get_platform_display()})" for shop in Shop.objects.all()]
    voucher_years, voucher_basis = ACCOUNTING_VOUCHERS
    letter_years, letter_basis = BUSINESS_LETTERS
    lead_days = settings.RETENTION_LEAD_DAYS
    unverified_days = settings.RETENTION_UNVERIFIED_DAYS
    customers = _("Customers and prospective customers of the shops")
    mail = mail_recipient()
    activities = [
        Activity(
            purpose=_("Customer management and order history"),
            legal_basis=_("Art. 6 (1) (b) GDPR (contract), (c) (retention duties)"),
            persons=customers,
            data=[
                _("Name, form of address, company, VAT id"),
                _("Contact data: e-mail, phone, postal addresses"),
                _("Orders, invoices data, shipments, returns, refunds, withdrawals"),
                _("Shop customer numbers"),
            ],
            recipients=[_("Staff of the service team (by role)"), *shops],
            retention=_(
                "Orders and invoices %(voucher)d years (%(voucher_basis)s), business letters "
                "%(letter)d years (%(letter_basis)s), from the end of the calendar year; customers "
                "without orders %(lead)d days after their last contact, unverified contacts "
                "%(unverified)d days."
            )
            % {
                "voucher": voucher_years,
                "voucher_basis": voucher_basis,
                "letter": letter_years,
                "letter_basis": letter_basis,
                "lead": lead_days,
                "unverified": unverified_days,
            },
            sources=shops or [_("No shop connected yet")],
        ),
        Activity(
            purpose=_("Customer service: contacts, notes, calls, complaints"),
            legal_basis=_("Art. 6 (1) (b) and (f) GDPR (handling the customer's requests)"),
            persons=customers,
            data=[_("Contact history (timeline), notes and call logs, messages")],
            recipients=[_("Staff of the service team (by role)"), mail],
            # The rule per message kind: service.letters and messaging.letters.
            retention=_(
                "Business letters (%(letter_basis)s) %(years)d years from the end of the calendar "
                "year they were written in, kept on erasure with processing restricted and "
                "deleted when the period ends: the customer's messages (by e-mail or the web "
                "form, with the original) and our replies in service cases, and the "
                "transactional mails sent (order, shipping and service mails). Internal notes "
                "are no business letters and are deleted on erasure. Goodwill granted "
                "(vouchers, refunds, free shipping, replacements, gifts) is an accounting "
                "voucher (%(voucher_basis)s): kind, amount, voucher code, order, case and dates "
                "are kept %(voucher)d years from the end of the calendar year it was decided, "
                "with processing restricted; its free-text reasons are deleted on erasure. "
                "Declined goodwill is deleted on erasure."
            )
            % {
                "years": letter_years,
                "letter_basis": letter_basis,
                "voucher": voucher_years,
                "voucher_basis": voucher_basis,
            },
        ),
        Activity(
            purpose=_("E-mail marketing and feedback requests"),
            legal_basis=_("Art. 6 (1) (a) GDPR (consent), § 7 (2) UWG; § 7 (3) UWG where enabled"),
            persons=_("Customers who consented"),
            data=[_("E-mail address, name, form of address"), _("Consent ledger with its proof")],
            recipients=[mail],
            retention=_(
                "Until consent is withdrawn; the consent proof as long as it may be needed. "
                "Marketing mails, feedback requests and double opt-in mails are no business "
                "letters: their texts and addresses are deleted on erasure."
            ),
        ),
        Activity(
            purpose=_("Analysis: purchase behaviour, churn risk, customer value, segments"),
            legal_basis=_("Art. 6 (1) (f) GDPR (legitimate interest in customer care)"),
            persons=customers,
            data=[_("Order history, derived scores (RFM, churn risk, predicted value)")],
            recipients=[_("Team leads, marketing and the shop owner (by role)")],
            retention=_(
                "Recomputed nightly; deleted with the customer, never kept for erased customers."
            ),
        ),
        Activity(
            purpose=_("Accountability: audit log of staff access"),
            legal_basis=_("Art. 5 (2), Art. 32 GDPR"),
            persons=_("Customers; staff members"),
            data=[_("Who read or changed which record, when, from which address (no contents)")],
            recipients=[_("Team leads and administrators")],
            retention=_("Kept beyond erasure as proof of lawful processing."),
        ),
    ]
    measures = [
        _("Roles with the least permissions needed; every page checks them."),
        _("Every read and change of personal data by staff is written to the audit log."),
        _("Shop credentials and webhook secrets stored encrypted."),
        _("Backups with `stammkunde backup`, one archive readable by its owner only."),
        _("Erasure with retention: kept records are restricted from processing (Art. 18 GDPR)."),
    ]
    return ProcessingRecord(
        controller=settings.PRIVACY_CONTROLLER or _("(set STAMMKUNDE_PRIVACY_CONTROLLER)"),
        officer=settings.PRIVACY_OFFICER or _("(set STAMMKUNDE_PRIVACY_OFFICER)"),
        activities=activities,
        storage=storage_description(),
        measures=measures,
    )
