"""Background work of the backfill package: the scheduled reconciliation pass."""

from __future__ import annotations

from django_tasks import task


@task()
def reconcile_shops() -> int:
    """Reconcile every active shop with API credentials; returns how many passes finished."""
    from stammkunde.connectors.backfill.services import reconcile_all_shops
    from stammkunde.connectors.models.backfill import RunState

    return sum(run.state == RunState.FINISHED for run in reconcile_all_shops())
