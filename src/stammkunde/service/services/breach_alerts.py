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
from django.utils.translation import ngettext

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


# The late breaches one mail lists by reference; the rest are counted.
LISTED = 25


def alert_found_late(found: list[tuple[Case, datetime]], *, at: datetime) -> int:
    """One mail per person concerned (assignee, the team's leads, as for one breach) listing
    the breaches the check found late (``monitoring.FOUND_LATE_AFTER``), instead of a mail per
    case; returns how many were queued."""
    per_person: dict[int, tuple[Any, list[tuple[Case, datetime]]]] = {}
    for case, due in found:
        for person in people_to_alert(case):
            per_person.setdefault(person.pk, (person, []))[1].append((case, due))
    link = settings.SITE_URL.rstrip("/") + reverse("ui:case-queue") + "?view=due"
    queued = 0
    for person, cases in per_person.values():
        queued += queue_staff_mail(
            [person],
            compose=lambda person, cases=cases: _found_late_text(cases, link=link),
            idempotency_key=lambda person: (
                f"case-clock:found-late:{person.pk}:{int(at.timestamp())}"
            ),
            source_type="case_clock",
            source_id=cases[0][0].pk,
        )
    return queued


def _found_late_text(cases: list[tuple[Case, datetime]], *, link: str) -> tuple[str, str]:
    count = len(cases)
    subject = ngettext(
        "%(count)d case found past its deadline",
        "%(count)d cases found past their deadline",
        count,
    ) % {"count": count}
    lines = [
        _("%(reference)s %(subject)s (due %(due)s)")
        % {
            "reference": case.reference,
            "subject": case.subject,
            "due": date_format(localtime(due), "SHORT_DATETIME_FORMAT"),
        }
        for case, due in cases[:LISTED]
    ]
    if count > LISTED:
        lines.append(_("and %(count)d more") % {"count": count - LISTED})
    text = "\n\n".join(
        [
            _(
                "These cases were already past their response-time standard when the desk's "
                "check first saw them: their due time was set or moved into the past (an "
                "update, a changed target, a mail filed late) or the check did not run. They "
                "are marked overdue in the queue, not escalated, and not mailed one by one."
            ),
            "\n".join(lines),
            _("The overdue cases: %(link)s") % {"link": link},
        ]
    )
    return subject, text
