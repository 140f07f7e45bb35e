"""Background work of the desk's policies: the refund clock and the web form sweep."""

from __future__ import annotations

from django_tasks import task

from stammkunde.core.lease import rerunnable


@rerunnable  # it looks at the clocks as they are: running it again is harmless
@task()
def check_refunds() -> dict[str, int]:
    """Start, stop, warn and escalate refund clocks (every 15 minutes)."""
    from stammkunde.service.services.refunds import check_refund_clocks

    return check_refund_clocks()


@rerunnable  # submissions are claimed; a second run finds nothing left
@task(queue_name="intake")
def process_web_form() -> int:
    """Open the cases of stored web form submissions not processed yet (every minute)."""
    from stammkunde.service.services.web_form import process_due_submissions

    return process_due_submissions()
