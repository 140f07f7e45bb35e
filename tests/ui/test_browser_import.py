"""The CSV import in a real browser: a team lead uploads a German Excel export, sees the preview
with the detected columns, encoding and separator, corrects a column, starts the import and
watches the page update itself until the worker is done; the error file is offered."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from stammkunde.connectors.csv_import.uploads import run_upload_import
from stammkunde.connectors.models import CsvUpload, UploadState
from stammkunde.shop.models import Order
from tests.factories import PASSWORD, make_staff_user
from tests.ui.test_browser import restore_role_groups

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EXPORT = (
    "Bestellnummer;Datum;Kundennummer;Menge;Preis;Status;Bemerkung\r\n"
    "10234;24.12.24 10:15;K-1001;2;7,50 €;bezahlt;Geschenkpapier\r\n"
    "10235;27.12.24;K-1002;1;12,00 €;storniert;\r\n"
    "10236;28.12.24;K-1003;1;x;versendet;\r\n"
).encode("cp1252")


@pytest.fixture
def team_lead(transactional_db):
    restore_role_groups()
    return make_staff_user("lena", role="Team lead")


def test_upload_import_with_preview_and_progress(page: Page, live_server, team_lead, tmp_path):
    path = tmp_path / "bestellungen.csv"
    path.write_bytes(EXPORT)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()

    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Hochladen und Vorschau zeigen").click()

    detected = page.locator("[data-testid=import-detected]")
    expect(detected).to_contain_text("cp1252")
    expect(detected).to_contain_text("Trennzeichen ;")
    mapping = page.locator("[data-testid=import-mapping]")
    expect(mapping).to_contain_text("Geschenkpapier")
    expect(mapping).to_contain_text("7,50 €")
    # Detected without a mapping file: Bestellnummer -> order_number, Preis -> unit_price.
    expect(page.locator("[data-testid=column-0]")).to_have_value("order_number")
    expect(page.locator("[data-testid=column-4]")).to_have_value("unit_price")
    expect(page.locator("[data-testid=column-6]")).to_have_value("")
    # Correct one column: the customer number is not wanted for this shop.
    page.select_option("[data-testid=column-2]", "")
    page.get_by_role("button", name="Import starten").click()

    progress = page.locator("[data-testid=import-progress]")
    expect(progress).to_contain_text("Wartet auf den Hintergrunddienst")
    upload = CsvUpload.objects.get()
    assert upload.state == UploadState.QUEUED
    assert upload.columns["Kundennummer"] == ""
    # The worker's part, while the page polls.
    run_upload_import(upload.pk)

    expect(page.locator("[data-testid=import-summary]")).to_be_visible()
    expect(page.locator("[data-testid=import-errors]")).to_be_visible()
    totals = dict(Order.objects.values_list("external_id", "total"))
    assert totals == {"10234": Decimal("15.00"), "10235": Decimal("12.00")}
    with page.expect_download() as download_info:
        page.locator("[data-testid=import-errors]").click()
    body = download_info.value.path().read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    assert '"4";"Preis";' in body.decode("utf-8-sig")
