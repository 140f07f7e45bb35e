"""Background tasks of the connectors: drain the webhook inbox."""

from __future__ import annotations

import time

from django_tasks import task

from stammkunde.core.lease import rerunnable

# A drain task hands over to a fresh one after this long, so a steady stream of deliveries
# never keeps one task RUNNING for ever (and a drain run again after its worker died, see
# core.lease, starts from what is open then).
MAX_RUN_SECONDS = 300.0
# How long a drain claims onward from its last batch before it looks from the first open
# delivery again (for one that committed late with a smaller id than those already claimed).
RESTART_SECONDS = 5.0


@rerunnable  # it claims open deliveries itself: running it again is harmless
@task(queue_name="intake")
def process_inbox() -> dict[str, int]:
    """Process waiting webhook deliveries batch by batch until none is due.

    Enqueued after each accepted delivery (unless one is already waiting), after a retry is
    scheduled, and every minute by the scheduler as the sweep that catches anything left
    behind (a worker that was down or crashed).
    """
    from stammkunde.connectors.inbox.applying import BatchResult
    from stammkunde.connectors.inbox.processing import (
        BATCH_SIZE,
        enqueue_processing,
        next_limit,
        process_waiting,
    )
    from stammkunde.connectors.inbox.services import ENQUEUE_THROTTLE_SECONDS

    total = BatchResult()
    started = time.monotonic()
    looked_again = False
    limit = BATCH_SIZE // 4  # grown (or shrunk) to the write budget by next_limit
    after_id, restarted = 0, time.monotonic()
    while True:
        batch = process_waiting(limit=limit, after_id=after_id)
        after_id = batch.resume_after
        if time.monotonic() - restarted > RESTART_SECONDS:
            after_id, restarted = 0, time.monotonic()
        # Claim about what fits into one write transaction's time budget.
        limit = next_limit(batch)
        total.add(batch)
        if batch.claimed == batch.deferred:  # nothing (more) to do right now
            if after_id:
                after_id = 0  # but maybe before where this drain got to
                continue
            if looked_again:
                break
            # A web process that saw this task waiting may have skipped enqueueing another
            # for a delivery committed just now; wait out that window and look once more.
            time.sleep(ENQUEUE_THROTTLE_SECONDS + 0.5)
            looked_again = True
            continue
        looked_again = False
        if time.monotonic() - started > MAX_RUN_SECONDS:
            enqueue_processing()
            break
    return {
        "processed": total.processed,
        "failed": total.failed,
        "retried": total.retried,
        "events": total.events,
    }


@task(queue_name="imports")
def import_upload(upload_id: int) -> dict[str, int]:
    """Import a CSV file uploaded in the web UI with its confirmed mapping (``csv_import.uploads``);
    the page polls the upload's progress."""
    from stammkunde.connectors.csv_import.uploads import run_upload_import

    upload = run_upload_import(upload_id)
    return {"rows": upload.rows, "accepted": upload.accepted, "rejected": upload.rejected}
