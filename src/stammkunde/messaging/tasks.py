"""Background work of messaging: firing the Drehbuch's due runs, birthdays, campaigns, and
the worker that sends the outbox (queue ``mail``)."""

from __future__ import annotations

from django_tasks import task

from stammkunde.core.lease import rerunnable


# Rerunnable: a run is fired in one transaction and keyed, so firing again never doubles.
@rerunnable
@task(queue_name="mail")
def fire_trigger_runs() -> int:
    """Fire the trigger runs that are due; returns how many."""
    from stammkunde.messaging.services.triggers import fire_due_runs

    total = 0
    while True:
        handled = fire_due_runs()
        total += handled
        if handled == 0:
            return total


@rerunnable
@task(queue_name="mail")
def schedule_birthdays() -> int:
    """Today's birthday runs (keyed per day and customer: a second run adds none)."""
    from stammkunde.messaging.services.triggers import schedule_birthdays as schedule

    return schedule()


@rerunnable
@task(queue_name="long")
def run_due_campaigns() -> int:
    """Plan the campaigns whose time has come and queue the messages of planned ones."""
    from stammkunde.messaging.services.campaigns import run_due_campaigns as run

    return run()


@rerunnable  # it claims each message with a lease before sending: running it again is safe
@task(queue_name="mail")
def send_messages() -> dict[str, int]:
    """Send the due messages of the outbox until none is due (and mark lost claims uncertain)."""
    from stammkunde.messaging.services.sending import drain

    return drain().as_dict()
