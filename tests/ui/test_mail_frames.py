"""A mail's HTML (the editor's preview, a case's original mail) comes from its own URL into a
sandboxed frame, under a policy that lets its inline styles apply; the staff pages keep theirs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.messaging.models import Trigger
from stammkunde.service.models import CaseMessage, Team, TeamMember
from stammkunde.service.services import cases as services
from tests.factories import CustomerFactory, make_staff_user

pytestmark = pytest.mark.django_db

STYLED = '<p style="color: #c00">Hallo Erika</p>'


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: [*part.strip().split(" ", 1), ""][1]
        for part in header.split(";")
        if part.strip()
    }


def _assert_mail_frame(response) -> None:
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == "'none'"
    assert policy["style-src"] == "'unsafe-inline'"
    assert policy["img-src"].split()[0] == "data:"
    assert policy["frame-ancestors"] == "'self'"
    # Same origin for the cid: images, never scripts (both together would undo the sandbox).
    assert policy["sandbox"] == "allow-same-origin"
    assert "allow-scripts" not in response.headers["Content-Security-Policy"]
    assert "script-src" not in policy
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Cache-Control"] == "no-store"


def _assert_staff_page(response) -> None:
    policy = _policy(response)
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def case(agent):
    for team in Team.objects.all():
        TeamMember.objects.create(team=team, user=agent)
    erika = CustomerFactory(first_name="Erika", last_name="Mustermann", email="erika@example.de")
    case = services.open_case(
        customer=erika,
        case_type="delivery_problem",
        channel="email",
        subject="Paket nicht angekommen",
        body="Bestellung 10234 ist nicht da.",
        orders=[],
        from_address="erika@example.de",
        message_id="<m1@example.de>",
    )
    CaseMessage.objects.filter(case=case).update(body_html=STYLED)
    return case


def test_the_case_page_frames_the_original_mail_from_its_own_url(client, agent, case):
    message = CaseMessage.objects.get(case=case)
    client.force_login(agent)
    page = client.get(reverse("ui:case-detail", args=[case.pk]))
    _assert_staff_page(page)
    html = page.content.decode()
    assert "srcdoc" not in html
    url = f"/service/cases/{case.pk}/messages/{message.pk}/html/"
    assert f'sandbox="allow-same-origin" title="HTML version" src="{url}"' in html
    before = AuditEntry.objects.filter(action=AuditAction.VIEW, actor=agent).count()
    frame = client.get(url)
    _assert_mail_frame(frame)
    assert frame.content.decode() == STYLED
    assert _policy(frame)["img-src"] == "data: http://testserver/service/mail/attachments/"
    # The same audited read as the case page.
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, actor=agent).count() == before + 1


def test_the_original_mail_is_not_for_marketing_nor_for_another_case(client, agent, case):
    message = CaseMessage.objects.get(case=case)
    client.force_login(make_staff_user("mia", role="Marketing"))
    assert client.get(f"/service/cases/{case.pk}/messages/{message.pk}/html/").status_code == 403
    client.force_login(agent)
    assert (
        client.get(f"/service/cases/{case.pk + 1}/messages/{message.pk}/html/").status_code == 404
    )


def _preview(client, template):
    response = client.post(
        reverse("ui:template-preview", args=[template.pk]),
        {
            "subject": template.subject,
            "text_body": template.text_body,
            "html_body": '<p style="color: #c00">Unsaved draft</p>',
            "language": template.language,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    _assert_staff_page(response)
    found = re.search(
        r'<iframe class="preview-html"[^>]* sandbox src="([^"]+)"', response.content.decode()
    )
    assert found, response.content.decode()
    return found.group(1)


def test_the_editor_preview_is_framed_from_its_own_url(client, team_lead):
    template = Trigger.objects.get(key="default:order_shipped").template_de
    client.force_login(team_lead)
    url = _preview(client, template)
    frame = client.get(url)
    _assert_mail_frame(frame)
    html = frame.content.decode()
    assert "Unsaved draft" in html
    assert "color: #c00" in html
    assert _policy(frame)["img-src"] == "data:"


def test_the_editor_preview_is_only_for_the_user_who_made_it(client, team_lead):
    template = Trigger.objects.get(key="default:order_shipped").template_de
    client.force_login(team_lead)
    url = _preview(client, template)
    client.force_login(make_staff_user("mia", role="Marketing"))
    assert client.get(url).status_code == 404
    client.force_login(team_lead)
    other = url.replace(f"/templates/{template.pk}/", f"/templates/{template.pk + 1000}/")
    assert client.get(other).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
