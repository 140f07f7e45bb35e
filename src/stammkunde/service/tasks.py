"""Background work of the service desk: the response-time and absence checks."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from stammkunde.core.lease import rerunnable


@rerunnable  # every step checks what is already done: running it again is harmless
@task()
def check_service_desk() -> dict[str, int]:
    """Warn before breaches, mark and escalate breaches, hand over absent agents' cases."""
    from stammkunde.service.services.monitoring import run_checks

    return asdict(run_checks())
