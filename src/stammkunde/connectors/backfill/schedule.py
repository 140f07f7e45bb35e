"""The hourly reconciliation job: orders changed in the shop since the last pass."""

from __future__ import annotations

from datetime import timedelta

JOB_NAME = "connectors.reconcile"
EVERY = timedelta(hours=1)
# Off the full hour, when the nightly jobs and many shops' own cron jobs start.
OFFSET = timedelta(minutes=17)


def register_reconciliation() -> None:
    """Register the reconciliation pass with the worker's scheduler (from AppConfig.ready)."""
    from stammkunde.connectors.backfill.tasks import reconcile_shops
    from stammkunde.core.scheduling import register_periodic_job

    register_periodic_job(JOB_NAME, reconcile_shops, every=EVERY, offset=OFFSET)
