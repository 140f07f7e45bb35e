"""The service desk's GDPR handlers are registered and do what they say."""

from __future__ import annotations

from datetime import date

import pytest

from stammkunde.core.gdpr import ErasureRequest, erasure_checks, erasure_handlers, export_handlers
from stammkunde.service.models import Case, CaseMessage, CaseStatus
from stammkunde.service.services import cases as services
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _open(customer, subject="Paket fehlt"):
    return services.open_case(
        customer=customer,
        case_type="delivery_problem",
        channel="email",
        subject=subject,
        body="Wo ist mein Paket?",
        from_address=customer.email,
    )


def test_the_handlers_are_registered():
    assert "service" in export_handlers()
    assert "service" in erasure_handlers()
    assert "service" in erasure_checks()


def test_the_export_holds_cases_and_their_thread(staffed, customer, order, agent):
    case = _open(customer)
    case.orders.add(order)
    services.add_note(case, by=agent, text="Versender angefragt")
    exported = export_handlers()["service"](customer.pk)
    assert [entry["reference"] for entry in exported["cases"]] == [case.reference]
    assert exported["cases"][0]["orders"] == ["10234"]
    texts = [message["text"] for message in exported["cases"][0]["messages"]]
    assert texts == ["Wo ist mein Paket?", "Versender angefragt"]


def test_an_open_case_defers_erasure_and_a_solved_one_is_erased(staffed, customer, agent):
    case = _open(customer)
    other = _open(CustomerFactory(), "Fremder Vorgang")
    check = erasure_checks()["service"](customer.pk, date.today())
    assert [obstacle.params["case"] for obstacle in check.obstacles] == [case.reference]
    services.set_status(case, CaseStatus.SOLVED, by=agent)
    assert erasure_checks()["service"](customer.pk, date.today()).obstacles == ()
    counts = erasure_handlers()["service"](ErasureRequest(customer_id=customer.pk, request_id=1))
    assert (counts["cases"], counts["messages"]) == (1, 1)
    assert not Case.objects.filter(customer=customer).exists()
    assert CaseMessage.objects.filter(case=other).count() == 1
