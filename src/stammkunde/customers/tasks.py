"""Background work of the customers app: the daily privacy housekeeping."""

from __future__ import annotations

from django_tasks import task

from stammkunde.core.lease import rerunnable


# Each step is idempotent (a deferred erasure is tried again, a finished one is left alone), so
# a run cut off by its worker's death simply runs again.
@rerunnable
@task(queue_name="long")
def privacy_housekeeping() -> dict[str, int]:
    """Retry deferred erasures, finish those whose retention ended, apply the retention rules."""
    from stammkunde.customers.privacy.housekeeping import (
        erase_due_by_retention_rules,
        finish_expired_restrictions,
        retry_deferred_erasures,
    )

    return {
        "deferred_done": retry_deferred_erasures(),
        "restrictions_finished": finish_expired_restrictions(),
        "erased_by_rules": erase_due_by_retention_rules(),
    }
