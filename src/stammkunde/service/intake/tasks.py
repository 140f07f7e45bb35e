"""Background work of the mail intake (queue ``intake``): process stored mail, read the
service mailbox. Both are registered as periodic jobs (each minute) by ``ServiceConfig``."""

from __future__ import annotations

import time

from django_tasks import task

from stammkunde.core.lease import rerunnable

# A drain hands over to a fresh task after this long (see connectors.tasks).
MAX_RUN_SECONDS = 300.0


@rerunnable  # it claims waiting mails itself: running it again is harmless
@task(queue_name="intake")
def process_inbound_mail() -> dict[str, int]:
    """Process waiting inbound mail batch by batch until none is due."""
    from stammkunde.service.intake.processing import process_waiting
    from stammkunde.service.intake.receiving import (
        ENQUEUE_THROTTLE_SECONDS,
        enqueue_processing,
    )

    totals = {"processed": 0, "retried": 0, "parked": 0}
    started = time.monotonic()
    looked_again = False
    while True:
        batch = process_waiting()
        totals["processed"] += batch.processed
        totals["retried"] += batch.retried
        totals["parked"] += batch.parked
        if not batch.claimed:
            if looked_again:
                break
            # A web process that saw this task waiting may have skipped enqueueing another
            # for a mail committed just now; wait out that window and look once more.
            time.sleep(ENQUEUE_THROTTLE_SECONDS + 0.5)
            looked_again = True
            continue
        looked_again = False
        if time.monotonic() - started > MAX_RUN_SECONDS:
            enqueue_processing.enqueue()
            break
    return totals


@rerunnable  # messages are marked only after they are stored: a rerun stores nothing twice
@task(queue_name="intake")
def fetch_service_mailbox() -> dict[str, int]:
    """Store the new messages of the configured IMAP mailbox (nothing when none is set)."""
    from stammkunde.service.intake.imap import fetch_mailbox, mailbox_from_settings

    config = mailbox_from_settings()
    if config is None:
        return {"fetched": 0, "stored": 0}
    result = fetch_mailbox(config)
    return {"fetched": result.fetched, "stored": result.stored}
