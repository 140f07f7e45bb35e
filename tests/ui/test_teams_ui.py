"""The team lead's pages of the service desk: teams and routing rules, absences, members and
response-time standards, the service report; agents are kept out.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.audit.models import AuditEntry
from stammkunde.service.models import RoutingRule, Team, TeamMember
from stammkunde.service.services import cases as services

pytestmark = pytest.mark.django_db


def test_agents_may_not_change_teams_or_see_reports(client, agent):
    client.force_login(agent)
    assert client.get(reverse("ui:team-list")).status_code == 403
    assert client.get(reverse("ui:service-report")).status_code == 403


def test_the_team_lead_edits_a_team_and_a_rule(client, team_lead):
    client.force_login(team_lead)
    team = Team.objects.get(slug="logistik")
    response = client.post(
        reverse("ui:team-edit", args=[team.pk]),
        {
            "name": "Logistik",
            "opening_hours": '{"0": [["08:00", "16:00"]]}',
            "subdivision": "BY",
            "company_holidays": "[]",
            "first_response_minutes": "240",
            "resolution_minutes": "",
            "warn_before_minutes": "30",
            "escalate_on_breach": "on",
            "assignment": "least_loaded",
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.first_response_minutes, team.assignment) == (240, "least_loaded")
    bad = client.post(
        reverse("ui:team-edit", args=[team.pk]),
        {
            "name": "Logistik",
            "opening_hours": '{"0": [["17:00", "08:00"]]}',
            "assignment": "none",
            "warn_before_minutes": "30",
        },
    )
    assert bad.status_code == 422
    response = client.post(
        reverse("ui:routing-rule-new"),
        {
            "name": "Retouren",
            "position": "50",
            "is_active": "on",
            "case_type": "return",
            "team": str(team.pk),
        },
    )
    assert response.status_code == 302
    assert RoutingRule.objects.filter(name="Retouren", team=team).exists()


def test_the_report_shows_figures_and_charts(client, team_lead, case, agent):
    services.reply(case, by=agent, text="Ist unterwegs.")
    client.force_login(team_lead)
    html = client.get(reverse("ui:service-report")).content.decode()
    assert "First response, median" in html
    assert 'id="cases-per-week"' in html or "cases-per-week" in html
    assert "Delivery problem" in html


def test_the_reports_weeks_are_dates_of_the_readers_language(client, team_lead, case, agent):
    # The chart's axis read "2026-10-19" on the German page.
    from django.conf import settings
    from django.utils import formats, translation

    monday = (case.opened_at - timedelta(days=case.opened_at.weekday())).date()
    client.force_login(team_lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    html = client.get(reverse("ui:service-report")).content.decode()
    with translation.override("de"):
        label = formats.date_format(monday, "MONTH_DAY_FORMAT")
    assert f">{label}<" in html
    assert monday.isoformat() not in html


def test_the_team_lead_records_absences_members_and_standards(client, team_lead, agent):
    from stammkunde.audit.models import AuditAction
    from stammkunde.service.models import Absence, ResponseStandard

    team = Team.objects.get(is_default=True)
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:absence-list"),
        {
            "user": agent.pk,
            "starts": "2030-07-01T08:00",
            "ends": "2030-07-14T18:00",
            "substitute": team_lead.pk,
            "note": "Urlaub",
        },
    )
    assert response.status_code == 302
    absence = Absence.objects.get(user=agent)
    assert absence.substitute == team_lead
    page = client.get(reverse("ui:absence-list"))
    assert "Urlaub" in page.content.decode()
    assert AuditEntry.objects.filter(
        actor=team_lead, action=AuditAction.VIEW, object_type="service.absence"
    ).exists()
    backwards = client.post(
        reverse("ui:absence-list"),
        {"user": agent.pk, "starts": "2030-08-02T08:00", "ends": "2030-08-01T08:00"},
    )
    assert backwards.status_code == 422
    assert Absence.objects.filter(user=agent).count() == 1

    client.post(
        reverse("ui:team-member-set", args=[team.pk]),
        {"user": agent.pk, "takes_cases": "on"},
    )
    assert TeamMember.objects.get(team=team, user=agent).is_active is True
    client.post(
        reverse("ui:team-standard-set", args=[team.pk]),
        {"case_type": "damaged_goods", "first_response_hours": "1,5", "resolution_hours": "8"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    standard = ResponseStandard.objects.get(team=team, case_type="damaged_goods")
    assert (standard.first_response_minutes, standard.resolution_minutes) == (90, 480)
    page = client.get(reverse("ui:team-edit", args=[team.pk])).content.decode()
    assert 'data-member="' + agent.username + '"' in page
    assert "1.5" in page

    client.post(reverse("ui:absence-list"), {"end": absence.pk})
    assert not Absence.objects.filter(pk=absence.pk).exists()  # still to come: cancelled


def test_an_overlapping_absence_is_a_form_error(client, team_lead, agent):
    from stammkunde.service.models import Absence

    client.force_login(team_lead)
    first = {"user": agent.pk, "starts": "2030-07-01T08:00", "ends": "2030-07-14T18:00"}
    assert client.post(reverse("ui:absence-list"), first).status_code == 302
    overlapping = {"user": agent.pk, "starts": "2030-07-10T08:00", "ends": "2030-07-20T18:00"}
    response = client.post(reverse("ui:absence-list"), overlapping)
    assert response.status_code == 422
    assert "is already away from" in response.content.decode()
    german = client.post(reverse("ui:absence-list"), overlapping, HTTP_ACCEPT_LANGUAGE="de")
    assert "ist bereits von 01.07.2030 08:00 bis 14.07.2030 18:00 abwesend" in (
        german.content.decode()
    )
    assert Absence.objects.filter(user=agent).count() == 1


def test_past_absences_are_listed_latest_first_in_pages(client, team_lead, agent):

    from stammkunde.service.services.teams import record_absence

    now = timezone.now()
    for weeks in range(1, 23):  # 22 past absences: a page of 20 and one of 2
        record_absence(
            user=agent,
            starts=now - timedelta(weeks=weeks, days=2),
            ends=now - timedelta(weeks=weeks),
            note=f"Woche {weeks}",
            by=team_lead,
        )
    record_absence(
        user=agent,
        starts=now + timedelta(days=1),
        ends=now + timedelta(days=2),
        note="bald",
        by=team_lead,
    )
    client.force_login(team_lead)
    first = client.get(reverse("ui:absence-list")).content.decode()
    past = first[first.index('id="past"') :]
    assert past.count("data-past-absence=") == 20
    assert "Woche 1<" in past and "Woche 20<" in past and "Woche 21<" not in past
    assert past.index("Woche 1<") < past.index("Woche 2<")
    assert "bald" not in past
    assert "?past_page=2" in past
    second = client.get(reverse("ui:absence-list") + "?past_page=2").content.decode()
    past = second[second.index('id="past"') :]
    assert past.count("data-past-absence=") == 2
    assert "Woche 21<" in past and "Woche 22<" in past
    assert "?past_page=1" in past and "?past_page=3" not in past
    assert client.get(reverse("ui:absence-list") + "?past_page=x").status_code == 200


def test_agents_may_not_manage_absences(client, agent):
    client.force_login(agent)
    assert client.get(reverse("ui:absence-list")).status_code == 403


def test_the_team_pages_say_which_resolution_target_applies_by_default(client, team_lead):
    # No team had a resolution target, and the pages showed a dash for it.
    from django.conf import settings

    client.force_login(team_lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    listing = client.get(reverse("ui:team-list")).content.decode()
    assert "Lösung: 24 Geschäftsstunden (Standard)" in listing
    assert "nur bundesweite Feiertage" in listing
    team = Team.objects.get(slug="logistik")
    page = client.get(reverse("ui:team-edit", args=[team.pk])).content.decode()
    assert 'data-source="default">24 <span class="small">(Standard)</span>' in page


def test_the_report_shows_each_teams_figures_and_the_goodwill_granted(
    client, team_lead, case, agent, erika
):
    """The report had cases per team as one total and no goodwill: a lead could not compare
    the teams' times, breaches and backlog, nor see what goodwill cost."""
    import re
    from decimal import Decimal

    from stammkunde.service.models import GoodwillLimit
    from stammkunde.service.services.goodwill import request_goodwill

    services.reply(case, by=agent, text="Ist unterwegs.")
    GoodwillLimit.objects.create(role="Service agent", case_type="", maximum=Decimal("20"))
    request_goodwill(customer=erika, kind="voucher", amount="10", reason="Verspätet", by=agent)
    request_goodwill(customer=erika, kind="voucher", amount="5.50", reason="Ärger", by=agent)
    client.force_login(team_lead)
    html = client.get(reverse("ui:service-report")).content.decode()
    teams = html[
        html.index('id="team-figures"') : html.index("</section>", html.index('id="team-figures"'))
    ]
    row = re.search(rf"<th scope=\"row\">{case.team.name}</th>(.*?)</tr>", teams).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[0] == "1"  # cases opened
    assert cells[4] == "\u2013"  # not solved: no resolution time yet
    assert cells[-1] == "1"  # still open
    assert 'id="cases-per-team-title"' in html and "Cases per team and week" in html
    goodwill = html[html.index('id="goodwill-granted-figures"') :]
    assert re.search(
        r"<td>Voucher</td><td class=\"num\">2</td><td class=\"num\">[^<]*15.50", goodwill
    )
    assert 'id="goodwill-granted-title"' in goodwill


def test_the_backlog_ages_are_in_the_readers_language(client, team_lead, case):
    # They were translated once, at import, in the process's first language: an English lead
    # read "unter 1 Tag" (or a German one "under 1 day").
    from django.conf import settings

    client.force_login(team_lead)
    for language, label, other in (
        ("en", "under 1 day", "unter 1 Tag"),
        ("de", "unter 1 Tag", "under 1 day"),
    ):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(reverse("ui:service-report")).content.decode()
        assert label in html and other not in html
