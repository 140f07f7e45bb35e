"""Background work of the analytics app: the nightly scoring job."""

from __future__ import annotations

from django_tasks import task


@task()
def score_customers_nightly() -> int:
    """Run the scoring job; returns the id of its ScoringRun (failures are recorded on it)."""
    from stammkunde.analytics.services import run_scoring

    return run_scoring().pk
