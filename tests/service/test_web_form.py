"""The public case form's services: stored as sent, throttled, honeypot, unknown senders."""

from __future__ import annotations

import pytest

from stammkunde.customers.models import Customer
from stammkunde.service.models import FormThrottle, SubmissionState, WebFormSubmission
from stammkunde.service.services.web_form import (
    FormInput,
    FormRefused,
    Throttled,
    process_submission,
    receive_submission,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def form(**overrides) -> FormInput:
    values = {"name": "Jana Beispiel", "email": "Jana@Example.de", "message": "Paket fehlt"}
    return FormInput(**{**values, **overrides})


def test_submission_is_stored_as_sent_then_processed():
    submission = receive_submission(form(order_number="10234"), address="203.0.113.5")
    assert submission.state == SubmissionState.RECEIVED
    assert submission.email == "jana@example.de"
    assert "203.0.113.5" not in submission.client_key
    process_submission(submission.pk)
    submission.refresh_from_db()
    assert submission.state == SubmissionState.DONE
    customer = submission.customer
    assert customer.email == "jana@example.de"
    assert (customer.first_name, customer.last_name) == ("Jana", "Beispiel")
    created = customer.activities.get(kind="customer_created")
    assert created.params == {"source": "web_form"}


def test_known_sender_is_matched_not_duplicated():
    known = CustomerFactory(email="jana@example.de")
    submission = receive_submission(form(), address="203.0.113.5")
    process_submission(submission.pk)
    submission.refresh_from_db()
    assert submission.customer == known
    assert Customer.objects.count() == 1


def test_flood_from_one_sender_is_throttled_others_still_pass():
    for _ in range(3):
        receive_submission(form(), address="198.51.100.7")
    with pytest.raises(Throttled):
        receive_submission(form(), address="198.51.100.7")
    assert WebFormSubmission.objects.count() == 3
    assert FormThrottle.objects.get().refused == 1
    receive_submission(form(email="other@example.de"), address="198.51.100.8")
    assert WebFormSubmission.objects.count() == 4


def test_honeypot_stores_nothing():
    assert receive_submission(form(), address="198.51.100.9", honeypot="http://spam") is None
    assert not WebFormSubmission.objects.exists()


@pytest.mark.parametrize(
    "overrides", [{"email": "not-an-address"}, {"message": "   "}, {"message": "x" * 10_001}]
)
def test_bad_input_is_refused_with_a_reason(overrides):
    with pytest.raises(FormRefused) as refused:
        receive_submission(form(**overrides), address="192.0.2.1")
    assert str(refused.value)
    assert not WebFormSubmission.objects.exists()
