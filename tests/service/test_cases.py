"""Opening and working a case: references, routing, the thread, status, escalation."""

from __future__ import annotations

import pytest

from stammkunde.audit.models import AuditEntry
from stammkunde.core.models import StoredEvent
from stammkunde.service.models import (
    Case,
    CaseMessage,
    CaseStatus,
    EscalationReason,
    MessageDirection,
)
from stammkunde.service.services import cases as services
from stammkunde.service.services.cases import CaseError
from stammkunde.timeline.models import Activity
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def _open(customer, **fields):
    values = {
        "customer": customer,
        "case_type": "question",
        "channel": "email",
        "subject": "Frage zur Mühle",
        "body": "Wie stelle ich den Mahlgrad ein?",
    }
    values.update(fields)
    return services.open_case(**values)


def test_references_count_up_from_vg_10001(staffed, customer):
    first = _open(customer)
    second = _open(customer)
    assert first.reference.startswith("VG-")
    assert int(second.reference[3:]) == int(first.reference[3:]) + 1
    assert int(first.reference[3:]) > 10000


def test_a_delivery_problem_goes_to_logistics_with_its_order(staffed, customer, order):
    case = _open(
        customer,
        case_type="delivery_problem",
        subject="Paket nicht angekommen",
        body="Bestellung 10234 ist nicht da.",
        orders=[order],
    )
    assert case.team.slug == "logistik"
    assert list(case.orders.values_list("number", flat=True)) == ["10234"]
    assert case.status == CaseStatus.NEW
    assert case.first_response_due_at is not None


def test_damaged_goods_go_to_product_management_and_the_rest_to_the_complaints_desk(
    staffed, customer
):
    damaged = _open(customer, case_type="damaged_goods", subject="Tasse zerbrochen")
    other = _open(customer, case_type="question", subject="Öffnungszeiten?")
    assert damaged.team.slug == "produktmanagement"
    assert other.team.slug == "beschwerdestelle"


def test_keywords_route_an_untyped_mail_to_logistics(staffed, customer):
    case = _open(customer, case_type="other", subject="Hallo", body="Wo bleibt mein Paket?")
    assert case.team.slug == "logistik"


def test_opening_files_the_first_message_and_writes_timeline_audit_and_event(staffed, customer):
    case = _open(customer, from_address="erika@example.de", message_id="<a1@example.de>")
    message = CaseMessage.objects.get(case=case)
    assert message.direction == MessageDirection.INBOUND
    assert message.message_id == "<a1@example.de>"
    kinds = list(Activity.objects.filter(customer=customer).values_list("kind", flat=True))
    assert "case_opened" in kinds
    opened = Activity.objects.get(customer=customer, kind="case_opened")
    assert opened.params == {"case": case.reference, "subject": "Frage zur Mühle"}
    assert AuditEntry.objects.filter(object_type="service.case", object_id=str(case.pk)).exists()
    event = StoredEvent.objects.get(name="service.CaseOpened")
    assert event.payload["reference"] == case.reference
    # What messaging's Drehbuch reads by name (messaging/trigger_events.py).
    assert event.payload["customer_id"] == customer.pk
    assert event.payload["subject"] == "Frage zur Mühle"
    assert event.payload["assignee_name"] == case.assignee.get_full_name()


def test_cases_are_assigned_round_robin(staffed, customer, agent, colleague):
    assignees = [_open(customer).assignee for _ in range(4)]
    assert assignees[0] != assignees[1]
    assert assignees[0] == assignees[2]
    assert {assignees[0], assignees[1]} == {agent, colleague}


def test_an_order_of_another_customer_is_refused(staffed, customer):
    stranger_order = OrderFactory(customer=CustomerFactory())
    with pytest.raises(CaseError, match="belongs to another customer"):
        _open(customer, orders=[stranger_order])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("case_type", "weird", "Unknown case type"),
        ("channel", "pigeon", "Unknown channel"),
        ("subject", "   ", "must not be empty"),
        ("subject", "x" * 301, "longer than"),
    ],
)
def test_bad_input_gets_a_clear_error(staffed, customer, field, value, message):
    with pytest.raises(CaseError, match=message):
        _open(customer, **{field: value})
    assert Case.objects.count() == 0


def test_an_inbound_message_on_a_waiting_case_opens_it_and_runs_the_clock(staffed, customer, agent):
    case = _open(customer)
    services.set_status(case, CaseStatus.WAITING_CUSTOMER, by=agent)
    assert case.waiting_since is not None
    assert case.first_response_due_at is None  # the clock stands still
    services.add_inbound_message(case, from_address="erika@example.de", text="Hier die Fotos")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.waiting_since is None
    assert case.first_response_due_at is not None
    assert case.pauses[0][1] is not None
    assert case.inbound_count == 2


def test_a_note_stays_internal(staffed, customer, agent):
    case = _open(customer)
    note = services.add_note(case, by=agent, text="Kundin ruft morgen an")
    assert note.direction == MessageDirection.NOTE
    assert note.author == agent
    entry = Activity.objects.filter(customer=customer, kind="note").get()
    assert entry.params["text"].startswith(case.reference)


def test_solving_publishes_and_reopening_is_recorded(staffed, customer, agent):
    case = _open(customer)
    services.set_status(case, CaseStatus.SOLVED, by=agent)
    assert case.solved_at is not None
    assert StoredEvent.objects.filter(name="service.CaseSolved").count() == 1
    services.set_status(case, CaseStatus.OPEN, by=agent)
    assert case.solved_at is None
    kinds = list(
        Activity.objects.filter(customer=customer, kind__startswith="case_")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["case_solved", "case_reopened"]


def test_assigning_to_someone_away_gives_the_case_to_the_substitute(
    staffed, customer, agent, colleague, team_lead
):
    from datetime import timedelta

    from django.utils import timezone

    from stammkunde.service.models import Absence

    case = _open(customer)
    now = timezone.now()
    Absence.objects.create(
        user=agent,
        starts=now - timedelta(days=1),
        ends=now + timedelta(days=5),
        substitute=colleague,
    )
    services.assign(case, agent, by=team_lead)
    assert case.assignee == colleague
    entry = Activity.objects.filter(customer=customer, kind="case_assigned").last()
    assert entry.params["assignee"] == "Carla"


def test_the_escalation_button_records_the_reason_once(staffed, customer, agent):
    case = _open(customer)
    services.escalate(case, by=agent)
    services.escalate(case, by=agent, reason=EscalationReason.LEGAL_THREAT)
    case.refresh_from_db()
    assert case.escalation_reason == EscalationReason.MANUAL
    assert case.priority == "high"
    entries = Activity.objects.filter(customer=customer, kind="case_escalated")
    assert [entry.params["reason"] for entry in entries] == ["manual"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Das ist eine Frechheit, nie wieder bestelle ich hier!", "angry_wording"),
        ("This is outrageous.", "angry_wording"),
        ("Ich schalte meinen Anwalt ein.", "legal_threat"),
    ],
)
def test_angry_or_legal_wording_escalates_by_rule(staffed, customer, body, reason):
    case = _open(customer, body=body)
    case.refresh_from_db()
    assert case.escalation_reason == reason
    assert case.escalated_by is None


def test_the_third_contact_on_the_same_matter_escalates(staffed, customer):
    case = _open(customer, body="Wo ist meine Ware?")
    services.add_inbound_message(case, from_address="erika@example.de", text="Hallo?")
    case.refresh_from_db()
    assert case.escalated_at is None
    services.add_inbound_message(case, from_address="erika@example.de", text="Noch einmal.")
    case.refresh_from_db()
    assert case.escalation_reason == EscalationReason.REPEATED_COMPLAINT


def test_a_complaint_of_a_high_value_customer_goes_to_the_mediator(staffed, customer, settings):
    from decimal import Decimal

    settings.SERVICE_HIGH_VALUE = "500"
    OrderFactory(customer=customer, total=Decimal("800.00"))
    complaint = _open(customer, case_type="complaint", subject="Reklamation", body="Bitte prüfen")
    complaint.refresh_from_db()
    assert complaint.escalation_reason == EscalationReason.HIGH_VALUE
    question = _open(customer, body="Bitte prüfen")
    question.refresh_from_db()
    assert question.escalated_at is None
