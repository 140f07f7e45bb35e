"""The desk's GDPR handlers: registered, export what is held, erase free texts and messages."""

from __future__ import annotations

import pytest

from stammkunde.core.gdpr import ErasureRequest, erasure_handlers, export_handlers
from stammkunde.service.desk_gdpr import erase_desk, export_desk
from stammkunde.service.models import GoodwillGrant, WebFormSubmission
from stammkunde.service.services.goodwill import request_goodwill
from stammkunde.service.services.web_form import FormInput, process_submission, receive_submission
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_handlers_are_registered_for_the_service_app():
    assert "service" in export_handlers()
    assert "service" in erasure_handlers()


def test_export_then_erasure(anna, limits):
    customer = CustomerFactory(email="jana@example.de")
    request_goodwill(
        customer=customer, kind="voucher", amount="10", reason="Jana war sauer", by=anna
    )
    submission = receive_submission(
        FormInput(name="Jana", email="jana@example.de", message="Wo bleibt mein Paket?"),
        address="192.0.2.7",
    )
    process_submission(submission.pk)
    exported = export_handlers()["service"](customer.pk)
    assert exported["goodwill_grants"][0]["reason"] == "Jana war sauer"
    assert exported["goodwill_grants"][0]["voucher_code"].startswith("KUL-")
    assert exported["web_form_submissions"][0]["message"] == "Wo bleibt mein Paket?"
    counts = erase_desk(ErasureRequest(customer_id=customer.pk, request_id=1))
    assert counts == {"web_form_submissions_deleted": 1, "goodwill_grants_pseudonymized": 1}
    assert not WebFormSubmission.objects.exists()
    grant = GoodwillGrant.objects.get()
    assert grant.reason == "[erased]"
    assert str(grant.amount) == "10.00"
    assert export_desk(customer.pk)["web_form_submissions"] == []


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
