"""The desk's GDPR handlers: registered, export what is held, erase free texts and messages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from stammkunde.core.gdpr import ErasureRequest, erasure_handlers, export_handlers
from stammkunde.customers.models import PrivacyRequestState
from stammkunde.customers.privacy.erasure import request_erasure
from stammkunde.customers.privacy.housekeeping import finish_expired_restrictions
from stammkunde.service.desk_gdpr import erase_desk, export_desk
from stammkunde.service.models import (
    Case,
    CaseMessage,
    CaseStatus,
    GoodwillGrant,
    GoodwillStatus,
    WebFormSubmission,
)
from stammkunde.service.services.goodwill import request_goodwill
from stammkunde.service.services.web_form import FormInput, process_submission, receive_submission
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_handlers_are_registered_for_the_service_app():
    assert "service" in export_handlers()
    assert "service" in erasure_handlers()


def _web_form_case(customer, text="Wo bleibt mein Paket?"):
    submission = receive_submission(
        FormInput(name="Jana", email=customer.email, message=text), address="192.0.2.7"
    )
    process_submission(submission.pk)
    case = Case.objects.get(customer=customer)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.SOLVED)
    return case


def test_export_then_erasure(anna, limits):
    customer = CustomerFactory(email="jana@example.de")
    request_goodwill(
        customer=customer, kind="voucher", amount="10", reason="Jana war sauer", by=anna
    )
    _web_form_case(customer)
    exported = export_handlers()["service"](customer.pk)
    assert exported["goodwill_grants"][0]["reason"] == "Jana war sauer"
    assert exported["goodwill_grants"][0]["voucher_code"].startswith("KUL-")
    assert exported["web_form_submissions"][0]["message"] == "Wo bleibt mein Paket?"
    # Without retention duties (their periods over): nothing of it stays.
    counts = erase_desk(ErasureRequest(customer_id=customer.pk, request_id=1))
    assert counts["web_form_submissions_deleted"] == 1
    assert counts["goodwill_grants_deleted"] == 1
    assert not WebFormSubmission.objects.exists()
    assert not GoodwillGrant.objects.exists()
    assert export_desk(customer.pk)["web_form_submissions"] == []


def test_a_web_form_letter_is_kept_like_a_mail_and_a_granted_goodwill_like_a_voucher(anna, limits):
    """The web form message is a received business letter (six years, with its case); the
    granted goodwill an accounting voucher (eight years: kind, amount, code, dates), its free
    texts erased; a declined grant booked nothing and goes at once."""
    customer = CustomerFactory(email="jana@example.de")
    grant = request_goodwill(
        customer=customer, kind="voucher", amount="10", reason="Jana ist krank", by=anna
    )
    GoodwillGrant.objects.filter(pk=grant.pk).update(
        decided_at=datetime(2026, 3, 1, 10, tzinfo=UTC), decision_reason="ok"
    )
    declined = GoodwillGrant.objects.create(
        customer=customer,
        kind="refund",
        amount="30",
        reason="zu viel",
        status=GoodwillStatus.DECLINED,
        requested_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
    )
    case = _web_form_case(customer)
    WebFormSubmission.objects.update(received_at=datetime(2026, 3, 1, 9, tzinfo=UTC))
    CaseMessage.objects.filter(case=case).update(created_at=datetime(2026, 3, 1, 9, tzinfo=UTC))

    record = request_erasure(customer.pk, by=anna, today=date(2026, 12, 3))

    assert record.state == PrivacyRequestState.RESTRICTED
    duties = {(duty["what"], duty["years"], duty["until"]) for duty in record.duties}
    assert ("letters", 6, "2032-12-31") in duties
    assert ("goodwill", 8, "2034-12-31") in duties
    assert record.restricted_until == date(2034, 12, 31)
    submission = WebFormSubmission.objects.get()
    assert (submission.message, submission.case_reference) == (
        "Wo bleibt mein Paket?",
        case.reference,
    )
    kept = GoodwillGrant.objects.select_related("voucher").get()
    assert kept.pk == grant.pk and not GoodwillGrant.objects.filter(pk=declined.pk).exists()
    assert (kept.kind, str(kept.amount), kept.reason, kept.decision_reason) == (
        "voucher",
        "10.00",
        "[erased]",
        "",
    )
    assert kept.voucher.code.startswith("KUL-")

    # The letter's six years end first: the submission goes with its case, the grant stays.
    finish_expired_restrictions(today=date(2033, 1, 1))
    assert not WebFormSubmission.objects.exists()
    assert not Case.objects.filter(customer=customer).exists()
    assert GoodwillGrant.objects.filter(pk=grant.pk).exists()
    record.refresh_from_db()
    assert record.state == PrivacyRequestState.RESTRICTED
    # Then the grant's eight years.
    assert finish_expired_restrictions(today=date(2035, 1, 1)) == 1
    assert not GoodwillGrant.objects.exists()


def test_shop_export_lists_the_customers_vouchers(anna, limits):
    customer = CustomerFactory()
    grant = request_goodwill(customer=customer, kind="voucher", amount="7.5", reason="x", by=anna)
    exported = export_handlers()["shop"](customer.pk)
    assert exported["vouchers"] == [
        {
            "code": grant.voucher.code,
            "kind": "amount",
            "amount": "7.50",
            "currency": "EUR",
            "issued_at": grant.voucher.issued_at.isoformat(),
            "redeemed_at": None,
        }
    ]
