"""The inbox service: store first, answer, process in the background, lose nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from stammkunde.audit.models import AuditEntry
from stammkunde.connectors.inbox import receive
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import (
    MAX_ATTEMPTS,
    RETRY_BASE_DELAY,
    process_delivery,
    process_waiting,
    reprocess,
)
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.connectors.platforms import PayloadError
from stammkunde.shop.models import Order
from tests.connectors.test_inbox_helpers import SECRET, shopify_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopify_shop(db):
    connection = connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    )
    return connection.shop


def deliver(shop, order_id, *, webhook_id, verified=True, **order):
    headers, body = shopify_delivery(order_id, webhook_id=webhook_id, **order)
    return receive(shop, headers, body, verified=verified)


def test_a_new_delivery_is_stored_raw_and_waits(shopify_shop):
    headers, body = shopify_delivery(4711, webhook_id="w-1")
    headers["Authorization"] = "Bearer our-own-api-token"

    delivery = receive(shopify_shop, headers, body, verified=True)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RECEIVED
    assert bytes(delivery.body) == body
    assert delivery.topic == "orders/updated"
    assert delivery.delivery_id == "w-1"
    assert delivery.resource_key.endswith("4711")
    assert delivery.resource_updated_at is not None
    assert delivery.headers["X-Shopify-Webhook-Id"] == "w-1"
    assert "Authorization" not in delivery.headers
    assert delivery.received_at <= timezone.now()
    assert not Order.objects.exists()


def test_the_same_delivery_id_again_is_a_duplicate(shopify_shop):
    first = deliver(shopify_shop, 4711, webhook_id="w-1")
    again = deliver(shopify_shop, 4711, webhook_id="w-1")

    assert again.state == DeliveryState.DUPLICATE
    assert again.duplicate_of_id == first.pk
    assert WebhookDelivery.objects.count() == 2


def test_the_same_delivery_id_in_another_shop_is_new(shopify_shop):
    other = connect_shop(by=None, name="Teeladen", platform="shopify").shop
    deliver(shopify_shop, 4711, webhook_id="w-1")

    assert deliver(other, 4711, webhook_id="w-1").state == DeliveryState.RECEIVED


def test_an_unverified_delivery_is_rejected_and_does_not_block_the_real_one(shopify_shop):
    forged = deliver(shopify_shop, 4711, webhook_id="w-1", verified=False)
    real = deliver(shopify_shop, 4711, webhook_id="w-1")

    assert forged.state == DeliveryState.REJECTED
    assert "signature" in forged.error
    assert real.state == DeliveryState.RECEIVED
    process_waiting()
    forged.refresh_from_db()
    assert forged.state == DeliveryState.REJECTED
    assert Order.objects.count() == 1


def test_a_body_that_cannot_be_identified_is_recorded_and_refused(shopify_shop):
    headers, _body = shopify_delivery(4711, webhook_id="w-1")

    with pytest.raises(PayloadError):
        receive(shopify_shop, headers, b"{not json", verified=True)

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.REJECTED
    assert delivery.error
    assert bytes(delivery.body) == b"{not json"


def test_an_accepted_delivery_enqueues_one_processing_task(
    shopify_shop, django_capture_on_commit_callbacks, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    from stammkunde.connectors.inbox import services

    # Forget what earlier tests in this process told the enqueue throttle.
    monkeypatch.setattr(services.enqueue_after_receive, "_confirmed_at", -1e9)

    with django_capture_on_commit_callbacks(execute=True):
        deliver(shopify_shop, 4711, webhook_id="w-1")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(shopify_shop, 4712, webhook_id="w-2")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        deliver(shopify_shop, 4712, webhook_id="w-2")  # a duplicate: nothing to process

    tasks = DBTaskResult.objects.filter(task_path__endswith="process_inbox")
    # One waiting task drains everything committed before it starts.
    assert tasks.count() == 1
    assert callbacks == []


def test_processing_applies_the_order_and_records_what_it_touched(shopify_shop):
    delivery = deliver(shopify_shop, 4711, webhook_id="w-1", unit_price="12.50", quantity=2)

    result = process_waiting()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PROCESSED, delivery.error
    assert delivery.attempts == 1
    assert delivery.processed_at is not None
    assert delivery.events_count >= 1
    assert result.processed == 1
    order = Order.objects.get(shop=shopify_shop, external_id="4711")
    assert order.total == pytest.approx(25)  # 2 x 12.50, computed by hand
    assert order.customer.email == "jon@example.com"


def test_processing_twice_applies_once(shopify_shop):
    deliver(shopify_shop, 4711, webhook_id="w-1")
    process_waiting()
    second = process_waiting()

    assert second.claimed == 0
    assert Order.objects.count() == 1


def test_an_older_update_arriving_later_does_not_overwrite_the_newer(shopify_shop):
    deliver(
        shopify_shop,
        4711,
        webhook_id="w-new",
        updated_at="2026-03-02T10:00:00+01:00",
        unit_price="30.00",
    )
    deliver(
        shopify_shop,
        4711,
        webhook_id="w-old",
        updated_at="2026-03-01T10:00:00+01:00",
        unit_price="10.00",
    )

    process_waiting()

    assert Order.objects.get(external_id="4711").total == pytest.approx(30)
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) <= {DeliveryState.PROCESSED}


def test_updates_in_arrival_order_end_with_the_newest(shopify_shop):
    for day, price in [(1, "10.00"), (2, "20.00"), (3, "30.00")]:
        deliver(
            shopify_shop,
            4711,
            webhook_id=f"w-{day}",
            updated_at=f"2026-03-0{day}T10:00:00+01:00",
            unit_price=price,
        )

    process_waiting(limit=1)
    assert Order.objects.get(external_id="4711").total == pytest.approx(10)
    process_waiting()
    assert Order.objects.get(external_id="4711").total == pytest.approx(30)


def test_a_younger_delivery_waits_while_an_older_one_of_the_same_order_is_open(shopify_shop):
    older = deliver(shopify_shop, 4711, webhook_id="w-1", updated_at="2026-03-01T10:00:00+01:00")
    younger = deliver(shopify_shop, 4711, webhook_id="w-2", updated_at="2026-03-02T10:00:00+01:00")
    other_order = deliver(shopify_shop, 4712, webhook_id="w-3")
    # The older one waits for its next attempt (as after a failed first try).
    WebhookDelivery.objects.filter(pk=older.pk).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )

    result = process_waiting()

    younger.refresh_from_db()
    other_order.refresh_from_db()
    assert result.deferred == 1
    assert younger.state == DeliveryState.RECEIVED
    assert younger.next_attempt_at is not None
    assert other_order.state == DeliveryState.PROCESSED
    assert not Order.objects.filter(external_id="4711").exists()

    later = timezone.now() + timedelta(minutes=6)
    process_waiting(now=later)
    older.refresh_from_db()
    younger.refresh_from_db()
    assert (older.state, younger.state) == (DeliveryState.PROCESSED, DeliveryState.PROCESSED)


def test_a_delivery_that_cannot_be_applied_is_parked_with_its_reason(shopify_shop):
    delivery = deliver(shopify_shop, 4711, webhook_id="w-1", quantity=-3)

    result = process_waiting()

    delivery.refresh_from_db()
    assert result.failed == 1
    assert delivery.state == DeliveryState.FAILED
    assert "quantity" in delivery.error.lower()
    assert delivery.attempts == 1
    assert not Order.objects.exists()


def test_a_failed_delivery_can_be_processed_again(shopify_shop, team_lead):
    delivery = deliver(shopify_shop, 4711, webhook_id="w-1", quantity=-3)
    process_waiting()

    reprocess(delivery, by=team_lead)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RECEIVED
    assert (delivery.attempts, delivery.error) == (0, "")
    assert AuditEntry.objects.filter(
        object_type="connectors.webhookdelivery", object_id=str(delivery.pk)
    ).exists()
    with pytest.raises(ValueError):
        reprocess(delivery, by=team_lead)  # only failed deliveries


def test_an_unexpected_error_is_retried_with_backoff_then_parked(shopify_shop, monkeypatch):
    # The database going away mid-apply is the outside-world fault we cannot provoke for real.
    # Both ways of applying an order (the batch's and one by one) write it through upsert_orders.
    from stammkunde.connectors import batch_applying
    from stammkunde.shop.services import upserting

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(upserting, "upsert_orders", database_gone)
    monkeypatch.setattr(batch_applying, "upsert_orders", database_gone)
    delivery = deliver(shopify_shop, 4711, webhook_id="w-1")
    now = timezone.now()
    delays = []
    for _attempt in range(MAX_ATTEMPTS):
        process_waiting(now=now)
        delivery.refresh_from_db()
        if delivery.state != DeliveryState.RECEIVED:
            break
        delays.append(delivery.next_attempt_at - now)
        assert process_waiting(now=now).claimed == 0  # not before its time
        now = delivery.next_attempt_at

    assert delays == [RETRY_BASE_DELAY * 2**n for n in range(MAX_ATTEMPTS - 1)]
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert "server closed the connection" in delivery.error


def test_deliveries_wait_while_no_worker_runs_and_the_sweep_picks_them_up(shopify_shop):
    from stammkunde.connectors.tasks import process_inbox
    from stammkunde.core.scheduling import registered_jobs

    deliver(shopify_shop, 4711, webhook_id="w-1")
    deliver(shopify_shop, 4712, webhook_id="w-2")
    sweep = {job.name: job for job in registered_jobs()}["connectors.process_inbox"]
    assert sweep.every == timedelta(minutes=1)

    outcome = sweep.task.call()

    assert outcome["processed"] == 2
    assert sweep.task.module_path == process_inbox.module_path
    assert Order.objects.filter(shop=shopify_shop).count() == 2


def test_processing_one_delivery_by_id(shopify_shop):
    delivery = deliver(shopify_shop, 4711, webhook_id="w-1")

    assert process_delivery(delivery.pk).state == DeliveryState.PROCESSED
    assert process_delivery(delivery.pk).attempts == 1  # a processed one is left alone


def test_the_admin_action_queues_failed_deliveries_again(shopify_shop, admin_client):
    failed = deliver(shopify_shop, 4711, webhook_id="w-1", quantity=-3)
    processed = deliver(shopify_shop, 4712, webhook_id="w-2")
    process_waiting()

    response = admin_client.post(
        "/admin/connectors/webhookdelivery/",
        {"action": "process_again", "_selected_action": [failed.pk, processed.pk]},
    )

    assert response.status_code == 302
    failed.refresh_from_db()
    processed.refresh_from_db()
    assert (failed.state, processed.state) == (DeliveryState.RECEIVED, DeliveryState.PROCESSED)
    assert (
        admin_client.get(f"/admin/connectors/webhookdelivery/{failed.pk}/change/").status_code
        == 200
    )


def test_a_pass_resumes_after_what_it_finished_and_before_what_it_left_open(shopify_shop):
    first = deliver(shopify_shop, 4711, webhook_id="w-1")
    second = deliver(shopify_shop, 4712, webhook_id="w-2")
    third = deliver(shopify_shop, 4713, webhook_id="w-3")

    done = process_waiting(limit=2)

    assert done.resume_after == second.pk
    # A pass that starts there takes the third only.
    rest = process_waiting(after_id=done.resume_after)
    assert rest.claimed == 1
    third.refresh_from_db()
    assert third.state == DeliveryState.PROCESSED

    # A delivery left open (deferred behind an older open one of its order) is claimed again:
    # the resume point lies before it.
    WebhookDelivery.objects.filter(pk=first.pk).update(
        state=DeliveryState.RECEIVED, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    younger = deliver(shopify_shop, 4711, webhook_id="w-4", updated_at="2026-03-03T10:00:00+01:00")
    fourth = deliver(shopify_shop, 4714, webhook_id="w-5")
    result = process_waiting(after_id=third.pk)
    younger.refresh_from_db()
    assert younger.state == DeliveryState.RECEIVED
    assert result.resume_after == younger.pk - 1
    assert WebhookDelivery.objects.get(pk=fourth.pk).state == DeliveryState.PROCESSED


def test_the_drain_looks_again_from_the_start_for_a_delivery_with_a_smaller_id(
    shopify_shop, monkeypatch
):
    """A delivery can commit after younger ones were claimed (ids are taken before commit)."""
    from stammkunde.connectors import tasks
    from stammkunde.connectors.inbox import processing

    late = deliver(shopify_shop, 4710, webhook_id="w-0")
    WebhookDelivery.objects.filter(pk=late.pk).update(state=DeliveryState.PROCESSING)
    deliver(shopify_shop, 4711, webhook_id="w-1")
    deliver(shopify_shop, 4712, webhook_id="w-2")
    monkeypatch.setattr("stammkunde.connectors.inbox.services.ENQUEUE_THROTTLE_SECONDS", 0)
    passes = []
    real = processing.process_waiting

    def process_and_then_commit_the_late_one(**options):
        result = real(**options)
        passes.append(options["after_id"])
        if len(passes) == 1:
            # Now the late one is there, with an id below where the drain got to.
            WebhookDelivery.objects.filter(pk=late.pk).update(state=DeliveryState.RECEIVED)
        return result

    monkeypatch.setattr(processing, "process_waiting", process_and_then_commit_the_late_one)

    outcome = tasks.process_inbox.call()

    assert outcome["processed"] == 3
    assert passes[0] == 0 and passes[1] > late.pk
    assert 0 in passes[2:]
    late.refresh_from_db()
    assert late.state == DeliveryState.PROCESSED


def test_a_resent_delivery_finds_its_first_one_after_a_forged_and_a_duplicate(shopify_shop):
    forged = deliver(shopify_shop, 4711, webhook_id="w-1", verified=False)
    first = deliver(shopify_shop, 4711, webhook_id="w-1")
    deliver(shopify_shop, 4711, webhook_id="w-1")

    third = deliver(shopify_shop, 4711, webhook_id="w-1")

    assert forged.state == DeliveryState.REJECTED
    assert third.state == DeliveryState.DUPLICATE
    assert third.duplicate_of_id == first.pk


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the plan of SQLite's partial index matching"
)
def test_the_first_delivery_is_found_by_the_partial_unique_index():
    from stammkunde.connectors.inbox.services import FIRST_DELIVERY_SQL

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + FIRST_DELIVERY_SQL, [1, "w-1"])
        plan = " ".join(str(row) for row in cursor.fetchall())

    assert "webhook_delivery_first_once" in plan
