"""The desk's policies inside a case: crisis plans with ticked steps, macros for the case,
goodwill recorded in the case, web form cases, refunds escalating cases, incident cases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from stammkunde.service.models import Case, CaseStepTick, CrisisPlan, Macro, SubmissionState
from stammkunde.service.queries import affected_orders
from stammkunde.service.services.case_desk import (
    macros_for_case,
    plans_for_case,
    tick_step,
    use_macro,
)
from stammkunde.service.services.cases import open_case
from stammkunde.service.services.crisis import add_affected_orders, open_incident
from stammkunde.service.services.goodwill import request_goodwill
from stammkunde.service.services.refunds import check_refund_clocks
from stammkunde.service.services.web_form import FormInput, process_submission, receive_submission
from stammkunde.shop.models import ReturnReason, Shipment
from stammkunde.shop.services import mark_return_received, record_return
from stammkunde.timeline.models import Activity, ActivityKind
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_parcel(db):
    customer = CustomerFactory(first_name="Jürgen", last_name="Müller", salutation="mr")
    order = OrderFactory(customer=customer, number="10234")
    OrderLineFactory(order=order, name="Espresso Napoli")
    Shipment.objects.create(
        order=order,
        carrier="DHL",
        tracking_url="https://www.dhl.de/t?piececode=1",
        shipped_at=order.placed_at,
    )
    case = open_case(
        customer=customer,
        case_type="delivery_problem",
        channel="email",
        subject="Paket nicht angekommen, Bestellung 10234",
        body="Wo bleibt mein Paket?",
        orders=[order],
    )
    return case


def test_matching_crisis_plan_is_shown_in_the_agents_language(late_parcel):
    plans = plans_for_case(late_parcel, language="de")
    assert [entry.plan.incident_type for entry in plans] == ["late_delivery", "out_of_stock"]
    assert {entry.plan.language for entry in plans} == {"de"}
    assert plans[0].done_count == 0
    english = plans_for_case(late_parcel, language="en")
    assert {entry.plan.language for entry in english} == {"en"}


def test_steps_are_ticked_per_case(late_parcel, anna):
    entry = plans_for_case(late_parcel, language="de")[0]
    first = entry.steps[0].step
    tick_step(late_parcel, first, done=True, by=anna)
    tick_step(late_parcel, first, done=True, by=anna)
    entry = plans_for_case(late_parcel, language="de")[0]
    assert entry.done_count == 1
    assert entry.steps[0].done_by == anna
    other = open_case(
        customer=late_parcel.customer,
        case_type="delivery_problem",
        channel="phone",
        subject="Noch ein Paket",
        body="x",
    )
    assert plans_for_case(other, language="de")[0].done_count == 0
    tick_step(late_parcel, first, done=False, by=anna)
    assert not CaseStepTick.objects.exists()


def test_macro_for_the_case_fills_greeting_order_and_tracking(late_parcel, anna):
    names = [macro.name for macro in macros_for_case(late_parcel).matching]
    assert "Lieferverzug: Zwischenstand" in names
    macro = Macro.objects.get(name="Lieferverzug: Zwischenstand")
    text = use_macro(late_parcel, macro, by=anna)
    assert text.startswith("Sehr geehrter Herr Müller,")
    assert "Bestellung 10234" in text
    assert "https://www.dhl.de/t?piececode=1" in text
    assert text.rstrip().endswith("Anna")
    macro.refresh_from_db()
    assert macro.use_count == 1


def test_macros_in_the_customers_language_are_offered_and_the_rest_set_apart(late_parcel):
    # A German customer was offered English macros beside the German ones.
    offer = macros_for_case(late_parcel)
    assert offer.language == "de"
    assert offer.matching
    assert {macro.language for macro in offer.matching} == {"de"}
    assert {macro.language for macro in offer.others} == {"en"}
    late_parcel.customer.language = "en"
    english = macros_for_case(late_parcel)
    assert {macro.language for macro in english.matching} == {"en"}
    assert {macro.language for macro in english.others} == {"de"}


def test_goodwill_in_a_case_uses_the_case_type_limit_and_names_the_case(late_parcel, anna):
    from stammkunde.service.models import GoodwillLimit

    GoodwillLimit.objects.create(role="Service agent", case_type="", maximum=Decimal("20"))
    GoodwillLimit.objects.create(
        role="Service agent", case_type="delivery_problem", maximum=Decimal("15")
    )
    waiting = request_goodwill(
        customer=late_parcel.customer,
        kind="voucher",
        amount="18",
        reason="x",
        by=anna,
        case=late_parcel,
    )
    assert waiting.status == "pending"
    granted = request_goodwill(
        customer=late_parcel.customer,
        kind="voucher",
        amount="10",
        reason="x",
        by=anna,
        case=late_parcel,
    )
    assert granted.case == late_parcel
    entry = Activity.objects.get(kind=ActivityKind.GOODWILL_GRANTED)
    assert entry.params["case"] == late_parcel.reference


def test_web_form_opens_a_case_with_channel_web_form(db):
    customer = CustomerFactory(email="jana@example.de")
    order = OrderFactory(customer=customer, number="30001")
    submission = receive_submission(
        FormInput(
            name="Jana",
            email="jana@example.de",
            message="Der Deckel ist kaputt",
            order_number="30001",
            topic="damaged_goods",
        ),
        address="192.0.2.9",
    )
    submission = process_submission(submission.pk)
    assert submission.state == SubmissionState.DONE
    case = Case.objects.get(customer=customer)
    assert case.reference == submission.case_reference
    assert case.channel == "web_form"
    assert case.case_type == "damaged_goods"
    assert list(case.orders.all()) == [order]


def test_overdue_refund_escalates_the_case_about_the_order(late_parcel):
    order = late_parcel.orders.get()
    line = order.lines.get()
    received = timezone.now() - timedelta(days=7)
    item = record_return(order, reason=ReturnReason.OTHER, announced_at=received, lines=[(line, 1)])
    mark_return_received(item, received_at=received)
    check_refund_clocks(received + timedelta(minutes=1))
    # The job runs every 15 minutes: it sees the deadline pass (one found days late is only
    # marked, see test_refund_clock.py).
    from stammkunde.service.models import RefundClock

    due = RefundClock.objects.get(return_request=item).due_at
    check_refund_clocks(due + timedelta(minutes=15))
    late_parcel.refresh_from_db()
    assert late_parcel.escalation_reason == "refund_overdue"


def test_incident_lists_the_cases_of_its_orders(late_parcel, lena):
    incident = open_incident(title="Charge", incident_type="late_delivery", description="", by=lena)
    add_affected_orders(incident, numbers=["10234"], by=lena)
    [row] = affected_orders(incident, by=lena)
    assert row.cases == [late_parcel]


def test_case_panels_render_plan_macros_and_goodwill(late_parcel, anna):
    request = RequestFactory().get("/")
    request.user = anna
    html = Template("{% load desk_ui %}{% desk_case_panels case %}").render(
        Context({"request": request, "case": late_parcel, "csrf_token": "t"})
    )
    # The page is in English here (the tests' language): the English plan, both languages' macros.
    assert "Check the tracking" in html
    assert "Lieferverzug: Zwischenstand" in html
    assert f"?case={late_parcel.pk}" in html
    assert CrisisPlan.objects.filter(incident_type="late_delivery").count() == 2
