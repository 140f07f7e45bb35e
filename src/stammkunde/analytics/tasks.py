"""Background work of the analytics app: the nightly scoring job and runs asked for in the UI."""

from __future__ import annotations

from django_tasks import task

from stammkunde.core.lease import rerunnable


# On the `long` queue, so that minutes of scoring never hold up the intake; a run cut off by
# its worker's death is simply started again (it recomputes from the orders).
@rerunnable
@task(queue_name="long")
def score_customers_nightly() -> int:
    """Run the scoring job; returns the id of its ScoringRun (failures are recorded on it)."""
    from stammkunde.analytics.services import run_scoring

    return run_scoring().pk


@rerunnable
@task(queue_name="long")
def run_analysis_now(kind: str) -> int:
    """Run the scoring job or the churn backtest that staff asked for in the UI.

    Returns the id of the ScoringRun; a model that cannot be fitted is recorded on the run by
    the service, so the dashboard can say why.
    """
    from stammkunde.analytics.services import run_backtest, run_scoring

    if kind == "backtest":
        return run_backtest().pk
    return run_scoring().pk
