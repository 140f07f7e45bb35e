"""Telling people that a case's clock is about to run out or has run out: the assignee and
the leads of the case's team get a staff mail through messaging's outbox (transactional, one
per person and alert: the outbox's idempotency key), beside the list on the desk
(``alert_queries.breach_alerts``), which needs no mail at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from stammkunde.service.models import Case, TeamMember
from stammkunde.service.services.outside import queue_staff_mail
from stammkunde.service.staff_scope import who_may_see

WARNING = "warning"
BREACH = "breach"


def people_to_alert(case: Case) -> list[Any]:
    """The assignee and the leads of the case's team (active users, each once) who may see the
    case's customer."""
    people: dict[int, Any] = {}
    if case.assignee_id is not None and case.assignee.is_active:
        people[case.assignee_id] = case.assignee
    if case.team_id is not None:
        leads = (
            get_user_model()
            .objects.select_related("staff_preference")
            .filter(
                pk__in=TeamMember.objects.filter(team_id=case.team_id, is_lead=True).values(
                    "user_id"
                ),
                is_active=True,
            )
        )
        for lead in leads:
            people.setdefault(lead.pk, lead)
    return who_may_see(list(people.values()), case.customer_id, case_id=case.pk)


def alert_people(case: Case, *, kind: str, due: datetime, at: datetime) -> int:
    """Queue the staff mail of one alert (``WARNING`` before a breach, ``BREACH`` after) to
    each person to alert who has an address, each in their own language; returns how many
    were queued. Called inside the clock check's transaction, so an alert and the case's mark
    commit together."""
    link = settings.SITE_URL.rstrip("/") + reverse("ui:case-detail", args=[case.pk])
    return queue_staff_mail(
        people_to_alert(case),
        compose=lambda person: _alert_text(case, kind=kind, due=due, link=link),
        idempotency_key=lambda person: (
            f"case-clock:{kind}:{case.pk}:{person.pk}:{int(at.timestamp())}"
        ),
        source_type="case_clock",
        source_id=case.pk,
    )


def _alert_text(case: Case, *, kind: str, due: datetime, link: str) -> tuple[str, str]:
    """Subject and text of an alert in the active language (dates in its format)."""
    moment = date_format(localtime(due), "SHORT_DATETIME_FORMAT")
    if kind == BREACH:
        subject = _("Deadline missed: %(reference)s %(subject)s")
        lead = _("The response-time standard of case %(reference)s was missed (due %(due)s).")
    else:
        subject = _("Deadline soon: %(reference)s %(subject)s")
        lead = _("Case %(reference)s is due %(due)s and not yet answered or solved.")
    values = {"reference": case.reference, "subject": case.subject, "due": moment}
    text = "\n\n".join([lead % values, _("Open the case: %(link)s") % {"link": link}])
    return (subject % values)[:300], text
