"""The main pages run under the Content-Security-Policy without a single violation: no inline
script or style, htmx configured not to inject its own styles."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_staff_user
from tests.ui.test_browser import restore_role_groups

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Installed before any page script: collects every violation the browser reports.
LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber
  );
});
"""

PAGES = [
    "/",
    "/customers/",
    "/customers/?q=M%C3%BCller",
    "/duplicates/",
    "/analytics/",
    "/analytics/goals/",
    "/analytics/segments/",
    "/shops/",
    "/inbox/",
    "/events/",
    "/security/lockouts/",
    "/account/two-factor/",
    "/account/two-factor/setup/",
    "/service/goodwill/",
    "/service/policies/",
    "/service/macros/",
    "/admin/",
    "/api/docs",
    "/help/",
]


def test_no_csp_violations_on_the_main_pages(page: Page, live_server, juergen):
    restore_role_groups()
    make_staff_user("adele", role="Admin")
    console_errors: list[str] = []
    page.on(
        "console",
        lambda message: console_errors.append(message.text) if message.type == "error" else None,
    )
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "adele")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()

    violations = {}
    for path in [*PAGES, f"/customers/{juergen.pk}/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        found = page.evaluate("window.__violations")
        if found:
            violations[path] = found
    assert violations == {}
    assert [text for text in console_errors if "Content Security Policy" in text] == []

    # htmx still works under the policy: the search list filters as one types.
    page.goto(f"{live_server.url}/customers/")
    assert page.evaluate("window.__violations") == []


def test_a_mails_inline_styles_apply_in_its_frame_without_violations(page: Page, live_server):
    """The case page frames the original mail from its own URL (ui/mail_frame.py): the page
    keeps its strict policy, the mail's inline style applies inside the sandboxed frame."""
    from stammkunde.service.models import CaseMessage
    from stammkunde.service.services import cases as services
    from tests.factories import CustomerFactory

    restore_role_groups()
    make_staff_user("adele", role="Admin")
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
    CaseMessage.objects.filter(case=case).update(
        body_html='<p id="styled" style="color: rgb(204, 0, 0)">Hallo</p>'
    )
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "adele")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()
    response = page.goto(f"{live_server.url}/service/cases/{case.pk}/")
    assert (
        response is not None and "style-src 'self'" in response.headers["content-security-policy"]
    )
    page.locator("details.original summary").first.click()
    styled = page.frame_locator("iframe.mail-html").locator("#styled")
    expect(styled).to_have_css("color", "rgb(204, 0, 0)")
    assert page.evaluate("window.__violations") == []
