"""The Drehbuch in a real browser (Chromium) with a real SMTP server (aiosmtpd): edit and
preview a mail, send yourself a test, run a small campaign, unsubscribe in one click from the
mail that arrived."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from stammkunde.analytics.models import Segment
from stammkunde.customers.models import ConsentChannel, ConsentEvent, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.defaults.seeding import seed_default_drehbuch
from stammkunde.messaging.models import MessageTemplate, Trigger
from stammkunde.messaging.services.campaigns import run_due_campaigns
from stammkunde.messaging.services.sending import drain
from tests.factories import PASSWORD, CustomerFactory, OrderFactory, OrderLineFactory
from tests.messaging.smtp_server import SMTPServer
from tests.ui.test_browser import restore_role_groups

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NO_QUIET_HOURS = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}


@pytest.fixture
def smtp(live_server):
    server = SMTPServer().start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=server.host,
        EMAIL_PORT=server.port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=10,
        MESSAGING_GOVERNOR=NO_QUIET_HOURS,
        MAIL_DOMAIN="mail.shop.example",
        SITE_URL=live_server.url,
    ):
        yield server
    server.stop()


@pytest.fixture
def staff(transactional_db):
    from tests.factories import make_staff_user

    restore_role_groups()
    seed_default_drehbuch()  # the flush of a transactional test removed the seeded set
    lena = make_staff_user("lena", role="Team lead")
    lena.email = "lena@kaffee.example"
    lena.save()
    mark = make_staff_user("mark", role="Marketing")
    mark.email = "mark@kaffee.example"
    mark.last_name = "Weber"
    mark.save()
    return lena, mark


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()


def test_team_lead_edits_previews_and_sends_a_test(page: Page, live_server, smtp, staff):
    anna = CustomerFactory(
        first_name="Anna", last_name="Müller", salutation="ms", email="anna@example.org"
    )
    order = OrderFactory(customer=anna, number="10234")
    OrderLineFactory(order=order, name="Äthiopien Sidamo, 500 g", line_number=1)
    shipped = Trigger.objects.get(key="default:order_shipped")
    log_in(page, live_server, "lena")

    page.get_by_role("link", name="Drehbuch").first.click()
    expect(page.get_by_role("heading", name="Drehbuch")).to_be_visible()
    row = page.locator("tr[data-trigger='order_shipped']")
    row.get_by_role("link", name="DE").click()
    expect(page.get_by_role("heading", name=shipped.template_de.name)).to_be_visible()
    preview = page.locator("#preview")
    # The preview loads with the example data and reads as personal.
    expect(preview.get_by_role("heading", name="Liest sich persönlich")).to_be_visible()

    # A real customer's order, live.
    page.fill("#id_order", "10234")
    page.locator("#preview-options").get_by_role("button", name="Vorschau").click()
    expect(preview.locator(".preview-text")).to_contain_text("Sehr geehrte Frau Müller,")
    expect(preview.locator(".preview-subject")).to_contain_text("Bestellung 10234")

    # Typing a machine phrase turns the check red, live.
    body = page.locator("#id_text_body")
    original = body.input_value()
    body.fill(original + "\n\nDies ist eine automatisch generierte E-Mail.")
    expect(preview.get_by_role("heading", name="Liest sich nicht persönlich")).to_be_visible()
    expect(preview.locator(".findings")).to_contain_text("automatisch generierte")
    body.fill(original)
    page.fill("#id_subject", "Ihre Bestellung {{ order.number }} ist unterwegs")
    expect(preview.get_by_role("heading", name="Liest sich persönlich")).to_be_visible()

    # English, same customer.
    page.select_option("#id_language", "en")
    expect(preview.locator(".preview-text")).to_contain_text("Dear Ms Müller,")

    page.locator("#template-form").get_by_role("button", name="Speichern").click()
    expect(page.locator(".messages")).to_contain_text("Version 2")
    page.get_by_role("button", name="Mir einen Test schicken").click()
    expect(page.locator(".messages")).to_contain_text("lena@kaffee.example")
    page.screenshot(path="/tmp/ui-drehbuch-editor.png", full_page=True)

    assert drain().sent == 1
    (delivered,) = smtp.wait_for(1)
    mail = delivered.parsed
    assert delivered.rcpt_tos == ["lena@kaffee.example"]
    assert mail["Subject"] == "[Test] Ihre Bestellung 10234 ist unterwegs"
    assert "Lena Vogel" in mail["From"] or shipped.sender_name in mail["From"]


def test_marketing_runs_a_campaign_and_the_reader_unsubscribes_in_one_click(
    page: Page, live_server, smtp, staff
):
    anna = CustomerFactory(
        first_name="Anna", last_name="Müller", salutation="ms", email="anna@example.org"
    )
    record_consent(
        anna,
        channel=ConsentChannel.EMAIL,
        purpose="newsletter",
        granted=True,
        source=ConsentSource.CUSTOMER,
    )
    CustomerFactory(email="ohne.einwilligung@example.org")
    Segment.objects.create(name="Alle Kunden", definition={})
    log_in(page, live_server, "mark")

    page.goto(f"{live_server.url}/messaging/campaigns/")
    page.get_by_role("link", name="Neue Mail").click()
    page.fill("#id_name", "Dezember-Brief")
    page.select_option("#id_language", "de")
    page.select_option("#id_purpose", "newsletter")
    page.fill("#id_subject", "Neu aus der Rösterei")
    page.fill(
        "#id_text_body",
        "{{ salutation }},\n\ndiese Woche rösten wir einen Kaffee aus Kenia.\n\n"
        "Viele Grüße\n{{ sender.name }}",
    )
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#preview")).to_contain_text("Liest sich persönlich")

    page.goto(f"{live_server.url}/messaging/campaigns/add/")
    page.fill("#id_name", "Dezember")
    page.select_option("#id_segment", label="Alle Kunden")
    template = MessageTemplate.objects.get(name="Dezember-Brief")
    page.select_option("#id_template_de", str(template.pk))
    page.fill("#id_sender_name", "Mark Weber")
    page.fill("#id_sender_address", "mark@kaffee.example")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", name="Dezember")).to_be_visible()
    page.get_by_role("button", name="Planen").click()
    expect(page.locator(".campaign-state")).to_have_text("Geplant")

    run_due_campaigns()
    assert drain().sent == 1
    (delivered,) = smtp.wait_for(1)
    mail = delivered.parsed
    assert delivered.rcpt_tos == ["anna@example.org"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Sehr geehrte Frau Müller,")
    link = re.search(r"<(https?://[^>]+)>", mail["List-Unsubscribe"]).group(1)

    page.reload()
    expect(page.locator("[data-figure='queued'], [data-figure='sent']").first).to_be_visible()
    expect(page.locator(".held-reasons")).to_contain_text("Keine Einwilligung: 1")

    # The reader opens the link from the mail and unsubscribes with one click.
    reader = page.context.browser.new_page()
    reader.goto(link)
    reader.get_by_role("button").first.click()
    expect(reader.locator("body")).to_contain_text(re.compile("abgemeldet|unsubscribed", re.I))
    withdrawal = ConsentEvent.objects.filter(customer=anna, purpose="newsletter").latest("id")
    assert withdrawal.granted is False
    page.reload()
    expect(page.locator(".figure").filter(has_text="Abgemeldet")).to_contain_text("1")
