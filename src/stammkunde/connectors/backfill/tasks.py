"""Background work of the backfill package: the scheduled reconciliation pass."""

from __future__ import annotations

from django_tasks import task


# On the `long` queue (it may wait for slow shop APIs for minutes). Not rerunnable: a pass cut
# off by its worker's death is failed with that reason (core.lease); the next hour runs anew.
@task(queue_name="long")
def reconcile_shops() -> int:
    """Reconcile every active shop with API credentials; returns how many passes finished."""
    from stammkunde.connectors.backfill.services import reconcile_all_shops
    from stammkunde.connectors.models.backfill import RunState

    return sum(run.state == RunState.FINISHED for run in reconcile_all_shops())
