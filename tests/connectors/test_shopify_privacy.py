"""Shopify's customers/redact and shop/redact for a person who is a customer of another shop
too: only the redacting shop's part goes; the whole person only when no other shop remains."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from stammkunde.audit.models import AuditEntry
from stammkunde.customers.models import (
    Customer,
    CustomerStatus,
    ErasureScope,
    PrivacyRequest,
    PrivacyRequestState,
)
from stammkunde.service.models import Case, CaseMessage, CaseStatus
from stammkunde.shop.models import Order, Platform, ShopAccount
from stammkunde.timeline.models import Activity, ActivityKind
from tests.connectors.applying_helpers import deliver, make_shop
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

# The order of 2017 was kept until 31 December 2025; the one of February 2026 until 2034.
OLD = datetime(2017, 5, 1, 10, tzinfo=UTC)
RECENT = datetime(2026, 2, 1, 10, tzinfo=UTC)


def _john(shopify, woo):
    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/create",
        lambda p: p.update(id=191167, email="john@example.com"),
    )
    john = Customer.objects.get(email="john@example.com")
    ShopAccount.objects.create(shop=woo, customer=john, external_id="w-7")
    return john


def _order(shop, customer, placed_at, number):
    order = OrderFactory(
        shop=shop,
        customer=customer,
        placed_at=placed_at,
        number=number,
        status="delivered",
        email=customer.email,
        billing_address={"name": "John Doe", "city": "Köln"},
    )
    Activity.objects.create(
        customer=customer,
        kind=ActivityKind.ORDER_PLACED,
        occurred_at=placed_at,
        params={"number": number},
        subject_type="shop.order",
        subject_id=order.pk,
    )
    return order


def _case(customer, order, subject):
    case = Case.objects.create(
        customer=customer,
        reference=f"VG-{order.number}",
        case_type="question",
        channel="email",
        subject=subject,
        opened_at=RECENT,
        status=CaseStatus.SOLVED,
    )
    case.orders.add(order)
    CaseMessage.objects.create(
        case=case, direction="inbound", body_text=f"{subject}?", created_at=RECENT
    )
    CaseMessage.objects.create(case=case, direction="note", body_text="intern", created_at=RECENT)
    return case


@pytest.fixture
def shops():
    return make_shop(Platform.SHOPIFY), make_shop(Platform.WOOCOMMERCE)


def test_customers_redact_of_a_shared_person_erases_only_that_shops_part(shops):
    shopify, woo = shops
    john = _john(shopify, woo)
    old = _order(shopify, john, OLD, "S-1")
    recent = _order(shopify, john, RECENT, "S-2")
    theirs = _order(woo, john, RECENT, "W-1")
    shopify_case = _case(john, recent, "Shopify-Frage")
    woo_case = _case(john, theirs, "Woo-Frage")

    deliver(shopify, "webhooks/shopify/customers-redact.json", "customers/redact")

    john.refresh_from_db()
    assert (john.status, john.email, john.first_name) == (
        CustomerStatus.ACTIVE,
        "john@example.com",
        "Bob",
    )
    assert list(john.shop_accounts.values_list("shop__slug", flat=True)) == ["woocommerce"]
    # Past its eight years: stripped and tied to nobody; within them: the shop's voucher, whole,
    # detached from the person; the other shop's order as it was.
    old.refresh_from_db()
    recent.refresh_from_db()
    theirs.refresh_from_db()
    assert (old.customer_id, old.detached_from_id, old.email, old.billing_address) == (
        None,
        None,
        "",
        {},
    )
    assert (recent.customer_id, recent.detached_from_id) == (None, john.pk)
    assert (recent.email, recent.billing_address["city"]) == ("john@example.com", "Köln")
    assert (theirs.customer_id, theirs.email) == (john.pk, "john@example.com")
    # Timeline: the entries about the shop's orders went; the other shop's stays, and so does
    # the note that the request came in.
    placed = Activity.objects.filter(customer=john, kind=ActivityKind.ORDER_PLACED)
    assert list(placed.values_list("params__number", flat=True)) == ["W-1"]
    assert Activity.objects.filter(customer=john, kind=ActivityKind.PRIVACY_REQUEST).exists()
    # Cases: the shop's case keeps only the customer's letter (six years); the other's is whole.
    assert list(
        CaseMessage.objects.filter(case=shopify_case).values_list("direction", flat=True)
    ) == ["inbound"]
    assert CaseMessage.objects.filter(case=woo_case).count() == 2

    record = PrivacyRequest.objects.get(kind="erasure")
    assert (record.scope, record.shop_id, record.state) == (
        ErasureScope.SHOP_PART,
        shopify.pk,
        PrivacyRequestState.RESTRICTED,
    )
    assert record.restricted_until == date(2034, 12, 31)
    assert AuditEntry.objects.filter(
        action="erase", customer_id=john.pk, detail__contains="part only"
    ).exists()


def test_the_last_shops_redact_erases_the_whole_person(shops):
    shopify, woo = shops
    john = _john(shopify, woo)
    _order(shopify, john, RECENT, "S-2")
    deliver(shopify, "webhooks/shopify/customers-redact.json", "customers/redact")
    assert Customer.objects.get(pk=john.pk).status == CustomerStatus.ACTIVE

    # The shop's kept voucher is no relationship: the other shop was the last one.
    ShopAccount.objects.filter(shop=woo).delete()
    Order.objects.filter(shop=woo).delete()
    _order(woo, john, RECENT, "W-1")
    from stammkunde.customers.privacy.erasure import request_erasure

    record = request_erasure(john.pk, by=woo.name, channel="shop", shop_id=woo.pk)

    john.refresh_from_db()
    assert (john.status, john.email) == (CustomerStatus.ERASED, None)
    assert (record.scope, record.shop_id) == (ErasureScope.LAST_SHOP, None)


def test_shop_redact_erases_its_part_of_shared_people_and_whole_people_of_its_own(shops):
    shopify, woo = shops
    john = _john(shopify, woo)
    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/create",
        lambda p: p.update(id=2, email="only-here@example.com"),
    )
    only_here = Customer.objects.get(email="only-here@example.com")
    mine = _order(shopify, john, RECENT, "S-2")
    theirs = _order(woo, john, RECENT, "W-1")

    deliver(shopify, "webhooks/shopify/shop-redact.json", "shop/redact")

    only_here.refresh_from_db()
    john.refresh_from_db()
    assert only_here.status == CustomerStatus.ERASED
    assert (john.status, john.email) == (CustomerStatus.ACTIVE, "john@example.com")
    assert list(john.shop_accounts.values_list("shop__slug", flat=True)) == ["woocommerce"]
    assert Order.objects.get(pk=mine.pk).customer_id is None
    assert Order.objects.get(pk=theirs.pk).customer_id == john.pk
    scopes = dict(PrivacyRequest.objects.filter(kind="erasure").values_list("customer_id", "scope"))
    assert scopes == {john.pk: ErasureScope.SHOP_PART, only_here.pk: ErasureScope.LAST_SHOP}


def test_the_daily_job_strips_the_detached_voucher_when_its_period_ends(shops):
    from stammkunde.customers.privacy.housekeeping import finish_expired_restrictions

    shopify, woo = shops
    john = _john(shopify, woo)
    recent = _order(shopify, john, RECENT, "S-2")
    deliver(shopify, "webhooks/shopify/customers-redact.json", "customers/redact")

    assert finish_expired_restrictions(today=date(2034, 12, 31)) == 0
    assert Order.objects.get(pk=recent.pk).email == "john@example.com"
    assert finish_expired_restrictions(today=date(2035, 1, 1)) == 1
    recent.refresh_from_db()
    assert (recent.customer_id, recent.detached_from_id, recent.email) == (None, None, "")
    assert Customer.objects.get(pk=john.pk).status == CustomerStatus.ACTIVE


def _message(john, n, *, order=None, source=("", ""), state="sent", purpose="transactional"):
    from stammkunde.messaging.models import OutboundMessage

    return OutboundMessage.objects.create(
        idempotency_key=f"k-{n}",
        message_id=f"<m-{n}@test>",
        customer=john,
        to_address=john.email,
        purpose=purpose,
        state=state,
        subject=f"Betreff {n}",
        text_body="Text",
        from_address="shop@example.de",
        source_type=source[0],
        source_id=str(source[1]),
        order_id=str(order.pk) if order is not None else "",
        sent_at=RECENT if state == "sent" else None,
    )


def _grant(john, status, *, order=None, case=None):
    from stammkunde.service.models import GoodwillGrant

    return GoodwillGrant.objects.create(
        customer=john,
        order=order,
        case=case,
        kind="voucher",
        amount="10",
        reason="Kunde ist krank",
        status=status,
        requested_at=RECENT,
        decided_at=RECENT,
    )


def test_a_shops_part_takes_its_outbox_goodwill_team_cases_and_order_links(shops):
    """The rule of a shop's part (docs/WEBHOOKS.md): messages about the shop's orders and
    cases are cancelled or blanked (sent letters kept six years); the shop's goodwill is kept
    as a voucher (reasons erased) or deleted; a case about no order in the shop's team is the
    shop's; a case about both shops' orders stays but loses its link to the shop's order; a
    case about no order in no shop's team and the other shop's matters stay whole."""
    from stammkunde.service.models import GoodwillGrant, Team

    shopify, woo = shops
    john = _john(shopify, woo)
    mine = _order(shopify, john, RECENT, "S-2")
    theirs = _order(woo, john, RECENT, "W-1")
    mixed = _case(john, mine, "Beide Bestellungen")
    mixed.orders.add(theirs)
    shopify_team = Team.objects.create(name="Shopify-Team", slug="shopify-team", shop=shopify)
    team_case = Case.objects.create(
        customer=john,
        reference="VG-T1",
        case_type="question",
        channel="email",
        subject="Allgemein",
        opened_at=RECENT,
        status=CaseStatus.SOLVED,
        team=shopify_team,
    )
    CaseMessage.objects.create(case=team_case, direction="note", body_text="x", created_at=RECENT)
    own_case = Case.objects.create(
        customer=john,
        reference="VG-P1",
        case_type="question",
        channel="email",
        subject="Person",
        opened_at=RECENT,
        status=CaseStatus.SOLVED,
    )
    CaseMessage.objects.create(case=own_case, direction="note", body_text="y", created_at=RECENT)
    from stammkunde.service.models import WebFormSubmission

    for reference in (team_case.reference, own_case.reference):
        WebFormSubmission.objects.create(
            received_at=RECENT,
            email=john.email,
            message=f"Frage zu {reference}",
            client_key="k",
            customer=john,
            case_reference=reference,
            state="done",
        )
    queued = _message(john, 1, order=mine, state="queued")
    shipped = _message(john, 2, order=mine)
    feedback = _message(john, 3, order=mine, purpose="feedback")
    reply = _message(john, 4, source=("case", team_case.pk))
    other = _message(john, 5, order=theirs, state="queued")
    newsletter = _message(john, 6, purpose="newsletter")
    granted = _grant(john, "granted", order=mine)
    declined = _grant(john, "declined", case=team_case)
    their_grant = _grant(john, "granted", order=theirs)

    deliver(shopify, "webhooks/shopify/customers-redact.json", "customers/redact")

    for message in (queued, shipped, feedback, reply, other, newsletter):
        message.refresh_from_db()
    assert queued.state == "cancelled" and queued.to_address == ""
    # Sent transactional mails are letters: kept whole; a feedback request is no letter.
    assert (shipped.to_address, reply.subject) == ("john@example.com", "Betreff 4")
    assert (feedback.to_address, feedback.subject) == ("", "")
    assert (other.state, other.to_address) == ("queued", "john@example.com")
    assert newsletter.subject == "Betreff 6"
    granted.refresh_from_db()
    assert (granted.amount, granted.reason) == (granted.amount, "[erased]")
    assert not GoodwillGrant.objects.filter(pk=declined.pk).exists()
    their_grant.refresh_from_db()
    assert their_grant.reason == "Kunde ist krank"
    # The team's case had no letter: gone. The person's own case and the mixed one stay.
    assert not Case.objects.filter(pk=team_case.pk).exists()
    # The web form message that opened the shop's case went with it; the person's stays.
    assert list(WebFormSubmission.objects.values_list("case_reference", flat=True)) == [
        own_case.reference
    ]
    assert CaseMessage.objects.filter(case=own_case).count() == 1
    assert list(mixed.orders.values_list("number", flat=True)) == ["W-1"]
    assert CaseMessage.objects.filter(case=mixed).count() == 2
    record = PrivacyRequest.objects.get(kind="erasure")
    assert {duty["app_label"] for duty in record.duties} >= {"messaging", "service", "shop"}


def test_after_a_shops_part_its_kept_case_is_restricted_and_nothing_about_its_orders_is_sent(
    shops, team_lead
):
    """The shop's kept case is marked restricted (the person's other cases are not); no
    message about the shop's kept order goes out, from the outbox or an incident."""
    from stammkunde.messaging.services.outbox import queue_message
    from stammkunde.service.models import AffectedOrder
    from stammkunde.service.services.crisis import notify_affected, open_incident

    shopify, woo = shops
    john = _john(shopify, woo)
    mine = _order(shopify, john, RECENT, "S-2")
    theirs = _order(woo, john, RECENT, "W-1")
    shopify_case = _case(john, mine, "Shopify-Frage")
    woo_case = _case(john, theirs, "Woo-Frage")
    incident = open_incident(
        title="Streik", incident_type="late_delivery", description="", by=team_lead
    )
    for order in (mine, theirs):
        AffectedOrder.objects.create(incident=incident, order=order, customer=john)

    deliver(shopify, "webhooks/shopify/customers-redact.json", "customers/redact")

    shopify_case.refresh_from_db()
    woo_case.refresh_from_db()
    assert shopify_case.restricted_until == date(2032, 12, 31)
    assert shopify_case.processing_restricted and not woo_case.processing_restricted
    mine.refresh_from_db()
    assert (mine.customer_id, mine.email) == (None, "john@example.com")
    queued = queue_message(
        customer=None,
        to_address=mine.email,
        purpose="transactional",
        idempotency_key="late-shipping-note",
        subject="Ihre Bestellung S-2",
        text="Unterwegs",
        from_name="",
        from_address="shop@example.de",
        source_type="order",
        source_id=mine.pk,
        order_id=mine.pk,
    )
    assert queued.message is None and queued.decision.rule == "restricted"
    AffectedOrder.objects.filter(order=mine).update(customer=None)
    counts = notify_affected(incident, subject="Verspätung", body="Es dauert", by=team_lead)
    assert (counts["queued"], counts["held"]) == (1, 1)
    outcomes = dict(AffectedOrder.objects.values_list("order__number", "notify_outcome"))
    assert outcomes["S-2"] == "restricted"
