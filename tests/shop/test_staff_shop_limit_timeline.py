"""Staff limited to shops, and tokens bound to one, see a shared customer's timeline without
the other shop's matters (issue 12): Clara bought in shop A and shop B; the agent limited to A
sees A's order and what is about Clara herself, not B's order, its shipment, its case and its
messages, on the 360 page, its timeline fragment, the start page, the case page's history and
through the API. Unlimited staff see both."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stammkunde.api.models import Scope
from stammkunde.api.tokens import create_token
from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.services.contacts import add_note
from stammkunde.messaging.models import OutboundMessage
from stammkunde.service.models import Case
from stammkunde.service.services.case_common import record_case_activity
from stammkunde.shop.models import Order
from stammkunde.shop.services import limit_staff_to_shops
from stammkunde.shop.services.aftersales import record_shipment
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.queries import folded_timeline_page, timeline_page
from stammkunde.timeline.services import record_activity

pytestmark = pytest.mark.django_db

# What of shop B's matters would show on a page: the order number, the shipment's tracking
# number, the case's reference and subject, the messages' subjects.
SHOP_B_MARKS = ("B-2002", "TRACK-TEE", "SK-TEE-1", "Tee-Frage", "Tee-Versand", "Tee-Antwort")
# What shop A's agent must see: A's order, A's case, and Clara's own note.
SHOP_A_MARKS = ("A-1002", "Kaffee-Frage", "Clara mag Matcha")


def _case(customer, reference: str, subject: str, order: Order) -> Case:
    case = Case.objects.create(
        reference=reference, customer=customer, subject=subject, opened_at=timezone.now()
    )
    case.orders.add(order)
    record_case_activity(case, ActivityKind.CASE_OPENED, by=None, params={"subject": subject})
    return case


def _message(customer, key: str, subject: str, **about) -> None:
    message = OutboundMessage.objects.create(
        idempotency_key=key,
        customer=customer,
        to_address=customer.email,
        purpose="transactional",
        subject=subject,
        from_address="service@example.de",
        message_id=f"<{key}@example.de>",
        **about,
    )
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.MESSAGE_SENT,
        params={"message": subject},
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        subject=message,
    )


@pytest.fixture
def clara_in_both(two_shops):
    """Clara's timeline with both shops' orders (as the shops' writers record them), B's
    shipment, a case about each order, a message about B's order, a reply in B's case, and a
    note about Clara herself."""
    clara = two_shops["clara"]
    order_a = Order.objects.get(number="A-1002")
    order_b = Order.objects.get(number="B-2002")
    for order in (order_a, order_b):
        record_activity(
            customer_id=clara.pk,
            kind=ActivityKind.ORDER_PLACED,
            params={"number": order.number},
            channel=Channel.SHOP,
            direction=Direction.INBOUND,
            occurred_at=order.placed_at,
            subject=order,
        )
    record_shipment(
        order_b, shipped_at=timezone.now() - timedelta(days=2), tracking_number="TRACK-TEE"
    )
    case_a = _case(clara, "SK-KAFFEE-1", "Kaffee-Frage", order_a)
    case_b = _case(clara, "SK-TEE-1", "Tee-Frage", order_b)
    _message(clara, "tee-versand", "Tee-Versand", order_id=str(order_b.pk), source_type="trigger")
    _message(clara, "tee-antwort", "Tee-Antwort", source_type="case", source_id=str(case_b.pk))
    add_note(clara, by=None, text="Clara mag Matcha")
    return {**two_shops, "case_a": case_a, "case_b": case_b}


def _html(client: Client, user, path: str, **headers) -> str:
    client.force_login(user)
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.content.decode()


def _assert_shop_a_only(html: str) -> None:
    shown = [mark for mark in SHOP_B_MARKS if mark in html]
    assert not shown, f"shop B's matters shown: {shown}"
    missing = [mark for mark in SHOP_A_MARKS if mark not in html]
    assert not missing, f"shop A's or Clara's own entries missing: {missing}"


def test_the_360_page_shows_a_limited_agent_only_their_shops_entries(client, agent, clara_in_both):
    path = reverse("ui:customer-detail", args=[clara_in_both["clara"].pk])
    _assert_shop_a_only(_html(client, agent, path))
    _assert_shop_a_only(_html(client, agent, f"{path}?view=flat"))


def test_the_timeline_fragment_shows_a_limited_agent_only_their_shops_entries(
    client, agent, clara_in_both
):
    path = reverse("ui:customer-timeline", args=[clara_in_both["clara"].pk])
    _assert_shop_a_only(_html(client, agent, path, HX_Request="true"))
    _assert_shop_a_only(_html(client, agent, path))


def test_the_start_page_shows_a_limited_agent_only_their_shops_entries(
    client, agent, clara_in_both
):
    html = _html(client, agent, reverse("ui:home"))
    shown = [mark for mark in SHOP_B_MARKS if mark in html]
    assert not shown, f"shop B's matters shown: {shown}"
    assert "Clara mag Matcha" in html


def test_the_case_page_history_leaves_out_another_shops_cases(client, agent, clara_in_both):
    html = _html(client, agent, reverse("ui:case-detail", args=[clara_in_both["case_a"].pk]))
    assert "Kaffee-Frage" in html
    shown = [mark for mark in SHOP_B_MARKS if mark in html]
    assert not shown, f"shop B's matters shown: {shown}"


def test_unlimited_staff_see_both_shops_entries(client, team_lead, clara_in_both):
    clara = clara_in_both["clara"]
    for path in (
        reverse("ui:customer-detail", args=[clara.pk]),
        reverse("ui:customer-timeline", args=[clara.pk]),
    ):
        html = _html(client, team_lead, path)
        missing = [mark for mark in (*SHOP_A_MARKS, *SHOP_B_MARKS) if mark not in html]
        assert not missing, f"{path} lacks {missing}"
    html = _html(client, team_lead, reverse("ui:case-detail", args=[clara_in_both["case_a"].pk]))
    assert "SK-TEE-1" in html and "Tee-Frage" in html


def test_a_token_bound_to_a_shop_reads_only_its_entries(client, clara_in_both):
    clara = clara_in_both["clara"]
    path = f"/api/customers/{clara.pk}/activities"
    _token, secret = create_token(
        name="kaffee-sync", scopes=[Scope.ACTIVITIES_READ], shop=clara_in_both["a"]
    )
    response = client.get(path, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    _assert_shop_a_only(response.content.decode())
    _token, secret = create_token(name="all-shops", scopes=[Scope.ACTIVITIES_READ], shop=None)
    body = client.get(path, headers={"Authorization": f"Bearer {secret}"}).content.decode()
    assert all(mark in body for mark in ("A-1002", "B-2002", "TRACK-TEE", "Tee-Antwort"))


def test_folding_keeps_another_shops_order_of_the_same_number_apart(clara_in_both):
    """Order numbers are each shop's own: B's order numbered like A's is not folded into A's
    line for staff of A, and not shown at all."""
    clara, b = clara_in_both["clara"], clara_in_both["b"]
    twin = Order.objects.create(
        shop=b, customer=clara, number="A-1002", placed_at=timezone.now(), currency="EUR"
    )
    record_shipment(twin, shipped_at=timezone.now(), tracking_number="TRACK-ZWILLING")
    a_only = [clara_in_both["a"].pk]
    lines, _cursor = folded_timeline_page(clara.pk, shop_ids=a_only)
    shown = [entry for line in lines for entry in (line.entry, *line.more)]
    assert not [e for e in shown if e.params.get("tracking") == "TRACK-ZWILLING"]
    flat = timeline_page(clara.pk, shop_ids=None)
    assert [e for e in flat if e.params.get("tracking") == "TRACK-ZWILLING"]


def test_limited_staff_cannot_export_or_erase_a_customer_shared_with_another_shop(
    client, team_lead, two_shops
):
    """The GDPR export and the erasure are of the whole person, both shops' orders and
    timeline: staff limited to A run them for A's own customers only; for Clara, who bought in
    B too, the answer is 404 with a REFUSE row, and nothing is erased."""
    limit_staff_to_shops(team_lead, [two_shops["a"].pk], by=None)
    client.force_login(team_lead)
    clara, alma = two_shops["clara"], two_shops["alma"]
    response = client.get(reverse("ui:customer-export-json", args=[clara.pk]))
    assert response.status_code == 404
    assert "B-2002" not in response.content.decode()
    assert client.get(reverse("ui:customer-export-html", args=[clara.pk])).status_code == 404
    erase = client.post(reverse("ui:customer-erase", args=[clara.pk]), {"confirm": "erase"})
    assert erase.status_code == 404
    clara.refresh_from_db()
    assert clara.email == "clara@example.de"
    assert AuditEntry.objects.filter(
        actor=team_lead, action=AuditAction.REFUSE, object_id=str(clara.pk)
    ).exists()
    assert client.get(reverse("ui:customer-export-json", args=[alma.pk])).status_code == 200


def test_a_bound_token_cannot_export_or_erase_a_customer_shared_with_another_shop(
    client, two_shops
):
    _token, secret = create_token(
        name="kaffee-privacy", scopes=[Scope.PRIVACY], shop=two_shops["a"]
    )
    headers = {"Authorization": f"Bearer {secret}"}
    clara, alma = two_shops["clara"], two_shops["alma"]
    assert client.get(f"/api/customers/{clara.pk}/gdpr-export", headers=headers).status_code == 404
    erase = client.post(f"/api/customers/{clara.pk}/erasure", headers=headers)
    assert erase.status_code == 404
    clara.refresh_from_db()
    assert clara.email == "clara@example.de"
    assert client.get(f"/api/customers/{alma.pk}/gdpr-export", headers=headers).status_code == 200
