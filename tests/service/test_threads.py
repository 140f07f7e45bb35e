"""Merging, splitting, and a customer's reply to a finished case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.service.models import Case, CaseMessage, CaseStatus
from stammkunde.service.services import cases as services
from stammkunde.service.services import threads
from stammkunde.service.services.cases import CaseError
from stammkunde.timeline.models import Activity
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _open(customer, subject="Paket fehlt", body="Wo ist es?"):
    return services.open_case(
        customer=customer,
        case_type="delivery_problem",
        channel="email",
        subject=subject,
        body=body,
        from_address=customer.email,
        message_id=f"<{subject}@example.de>",
    )


def test_merging_moves_the_thread_and_closes_the_source(staffed, customer, order, agent):
    first = _open(customer, "Paket fehlt")
    second = _open(customer, "Nochmal Paket")
    second.orders.add(order)
    threads.merge_cases(second, first, by=agent)
    second.refresh_from_db()
    assert second.status == CaseStatus.CLOSED
    assert second.merged_into == first
    assert CaseMessage.objects.filter(case=first).count() == 2
    assert list(first.orders.all()) == [order]
    entry = Activity.objects.get(customer=customer, kind="case_merged")
    assert entry.params == {"case": second.reference, "into": first.reference}


def test_cases_of_two_customers_are_not_merged(staffed, customer, agent):
    other = _open(CustomerFactory())
    mine = _open(customer)
    with pytest.raises(CaseError, match="same customer"):
        threads.merge_cases(other, mine, by=agent)


def test_splitting_takes_the_chosen_messages_into_a_linked_case(staffed, customer, agent):
    case = _open(customer)
    second = services.add_inbound_message(
        case, from_address=customer.email, subject="Und noch eine Frage", text="Rechnung?"
    )
    new_case = threads.split_case(case, [second], by=agent)
    assert new_case.split_from == case
    assert new_case.subject == "Und noch eine Frage"
    assert list(new_case.messages.exclude(direction="note")) == [second]
    assert case.messages.exclude(direction="note").count() == 1
    assert Activity.objects.filter(customer=customer, kind="case_split").exists()
    # Each thread notes the split, naming the other case.
    (left_behind,) = case.messages.filter(direction="note")
    assert new_case.reference in left_behind.body_text
    assert left_behind.author == agent
    (arrived,) = new_case.messages.filter(direction="note")
    assert case.reference in arrived.body_text


def test_a_split_must_leave_a_message_behind(staffed, customer, agent):
    case = _open(customer)
    with pytest.raises(CaseError, match="at least one message"):
        threads.split_case(case, list(case.messages.all()), by=agent)


def test_a_reply_soon_after_solving_reopens_the_case(staffed, customer, agent):
    case = _open(customer)
    services.set_status(case, CaseStatus.SOLVED, by=agent)
    message = threads.file_customer_reply(
        case, from_address=customer.email, text="Doch noch nicht da."
    )
    case.refresh_from_db()
    assert message.case == case
    assert case.status == CaseStatus.OPEN
    assert Activity.objects.filter(customer=customer, kind="case_reopened").count() == 1


def test_a_late_reply_opens_a_linked_new_case(staffed, customer, agent, settings):
    settings.SERVICE_REOPEN_DAYS = 7
    case = _open(customer)
    services.set_status(case, CaseStatus.CLOSED, by=agent)
    Case.objects.filter(pk=case.pk).update(solved_at=timezone.now() - timedelta(days=8))
    case.refresh_from_db()
    message = threads.file_customer_reply(
        case, from_address=customer.email, subject="Re: Paket fehlt", text="Wieder kaputt."
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert message.case != case
    assert message.case.reopened_from == case
    assert message.case.case_type == case.case_type


def test_a_reply_to_a_merged_case_lands_in_the_case_it_went_to(staffed, customer, agent):
    first = _open(customer, "Paket fehlt")
    second = _open(customer, "Nochmal Paket")
    threads.merge_cases(second, first, by=agent)
    message = threads.file_customer_reply(second, from_address=customer.email, text="Und?")
    assert message.case == first
