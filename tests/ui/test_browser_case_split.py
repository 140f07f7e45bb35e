"""Splitting a case in a real browser: the agent ticks the message of another matter in the
thread and presses the split button; the new case opens with that message, and the old case's
thread names the new one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stammkunde.customers.services.profile import create_customer
from stammkunde.service.models import Case
from stammkunde.service.services.cases import add_inbound_message, open_case
from tests.factories import make_staff_user
from tests.ui.test_browser import restore_role_groups
from tests.ui.test_browser_desk import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def case_with_two_matters(transactional_db):
    restore_role_groups()
    anna = make_staff_user("anna", role="Service agent")
    customer = create_customer(
        by=None, email="j.mueller@example.de", first_name="Jürgen", last_name="Müller"
    )
    case = open_case(
        customer=customer,
        case_type="delivery_problem",
        channel="email",
        subject="Paket nicht angekommen",
        body="Mein Paket ist nicht angekommen.",
        assignee=anna,
    )
    other = add_inbound_message(
        case,
        from_address=customer.email,
        subject="Rechnung fehlt",
        text="Außerdem fehlt mir die Rechnung für März.",
    )
    return case, other


def test_agent_splits_the_ticked_message_into_a_new_case(
    page: Page, live_server, case_with_two_matters
):
    case, other = case_with_two_matters
    log_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/service/cases/{case.pk}/")
    page.locator(f"#message-{other.pk} input[name=message]").check()
    page.get_by_role("button", name="In neuen Vorgang abtrennen").click()

    expect(page.locator(".case-head")).to_contain_text("Rechnung fehlt", timeout=20_000)
    expect(page.locator(".case-head")).to_contain_text(case.reference, timeout=20_000)
    expect(page.locator("#thread")).to_contain_text(
        "Außerdem fehlt mir die Rechnung", timeout=20_000
    )
    new_case = Case.objects.get(split_from=case)
    page.goto(f"{live_server.url}/service/cases/{case.pk}/")
    expect(page.locator("#thread")).to_contain_text(new_case.reference, timeout=20_000)
    expect(page.locator("#thread")).not_to_contain_text(
        "Außerdem fehlt mir die Rechnung", timeout=20_000
    )
