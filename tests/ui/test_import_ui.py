"""The CSV import in the web UI: upload, preview with the detected columns, a corrected mapping
that is kept, the import in the worker, progress and the error file."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.connectors.csv_import.uploads import run_upload_import
from stammkunde.connectors.models import CsvUpload, UploadState
from stammkunde.shop.models import Order

pytestmark = pytest.mark.django_db

EXPORT = (
    "Bestellnummer;Datum;E-Mail;Menge;Preis;Notiz\r\n"
    "10234;24.12.2024;anna@example.de;2;7,50 €;Geschenk\r\n"
    "10235;27.12.2024;ben@example.de;1;;\r\n"
).encode("cp1252")


@pytest.fixture(autouse=True)
def german_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"


def upload(client, content=EXPORT, name="bestellungen.csv"):
    return client.post(
        reverse("ui:import-new"),
        {"kind": "orders", "file": SimpleUploadedFile(name, content, "text/csv")},
    )


def test_upload_preview_mapping_import_and_error_file(client, team_lead):
    client.force_login(team_lead)

    response = upload(client)
    assert response.status_code == 302
    run = CsvUpload.objects.get()
    html = client.get(response["Location"]).content.decode()
    assert "cp1252" in html and "Trennzeichen ;" in html
    assert "Geschenk" in html  # the preview shows the rows
    # German headers are proposed without a mapping file; the note column is not known.
    assert run.columns == {
        "Bestellnummer": "order_number",
        "Datum": "placed_at",
        "E-Mail": "customer_email",
        "Menge": "quantity",
        "Preis": "unit_price",
        "Notiz": "",
    }

    start = reverse("ui:import-start", args=[run.pk])
    # The form's fields are numbered by the file's header (a JSON object's key order is not
    # kept by PostgreSQL's jsonb, so never by the mapping's order).
    fields = {f"column-{index}": run.columns[name] for index, name in enumerate(run.header)}
    missing = client.post(start, {**fields, "column-4": ""})
    assert missing.status_code == 422
    assert "unit_price" in missing.content.decode()
    run.refresh_from_db()
    assert run.state == UploadState.UPLOADED

    assert client.post(start, fields).status_code == 302
    run.refresh_from_db()
    assert run.state == UploadState.QUEUED
    # The worker's part.
    run_upload_import(run.pk)
    run.refresh_from_db()
    assert (run.state, run.rows, run.accepted, run.rejected) == ("finished", 2, 1, 1)
    assert Order.objects.get().total == Decimal("15.00")

    progress = client.get(reverse("ui:import-progress", args=[run.pk])).content.decode()
    assert 'data-testid="import-errors"' in progress
    assert "Abgewiesene Zeilen herunterladen" in progress
    assert "every 1s" not in progress  # finished: the page stops polling

    download = client.get(reverse("ui:import-errors", args=[run.pk]))
    body = b"".join(download.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[0] == '"Zeile";"Spalte";"Grund"'
    assert lines[1].startswith('"3";"Preis";')
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id=str(run.pk)).exists()
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_the_corrected_mapping_is_kept_for_the_next_file_with_the_same_columns(client, team_lead):
    client.force_login(team_lead)
    upload(client)
    first = CsvUpload.objects.get()
    fields = {f"column-{index}": first.columns[name] for index, name in enumerate(first.header)}
    fields["column-5"] = ""
    fields["column-2"] = ""  # this shop's e-mails are not wanted
    client.post(reverse("ui:import-start", args=[first.pk]), fields)

    upload(client, name="januar.csv")
    second = CsvUpload.objects.exclude(pk=first.pk).get()
    assert second.columns["E-Mail"] == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Die Datei ist leer."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
    ],
)
def test_a_file_that_is_no_csv_gets_a_form_error_in_german(client, team_lead, content, message):
    client.force_login(team_lead)
    response = upload(client, content=content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CsvUpload.objects.exists()


def test_agents_and_marketing_may_not_import(client, agent, marketer):
    for user in (agent, marketer):
        client.force_login(user)
        assert client.get(reverse("ui:import-new")).status_code == 403
        assert upload(client).status_code == 403


def test_an_upload_never_started_is_dropped_after_a_week(client, team_lead):
    from datetime import timedelta

    from django.utils import timezone

    from stammkunde.connectors.csv_import.uploads import stored_path

    client.force_login(team_lead)
    upload(client)
    old = CsvUpload.objects.get()
    assert stored_path(old).exists()
    CsvUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))

    upload(client, name="neu.csv")

    old.refresh_from_db()
    assert old.state == UploadState.FAILED
    assert "7" in old.error
    assert not stored_path(old).exists()
    assert CsvUpload.objects.get(file_name="neu.csv").state == UploadState.UPLOADED


def test_staff_limited_to_shops_import_only_into_theirs_and_see_only_their_uploads(
    client, team_lead
):
    """A team lead limited to one shop may neither read another shop's upload (its preview
    shows buyers' names and addresses), start it, follow its progress or download its error
    file, nor import into another shop; each probe leaves a REFUSE row."""
    from stammkunde.shop.models import Shop
    from stammkunde.shop.services import limit_staff_to_shops

    own = Shop.objects.create(name="Eigener Shop", slug="eigen", platform="csv")
    other = Shop.objects.create(name="Fremder Shop", slug="fremd", platform="csv")
    admin = team_lead.__class__.objects.create_superuser("root", "root@example.de", "x")
    client.force_login(admin)
    client.post(
        reverse("ui:import-new"),
        {"kind": "orders", "shop": other.pk, "file": SimpleUploadedFile("f.csv", EXPORT)},
    )
    foreign = CsvUpload.objects.get(shop=other)

    limit_staff_to_shops(team_lead, [own.pk], by=None)
    client.force_login(team_lead)
    page = client.get(reverse("ui:import-new")).content.decode()
    assert "Fremder Shop" not in page and "Eigener Shop" in page
    for name in ("ui:import-detail", "ui:import-progress", "ui:import-errors"):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404, name
    start = client.post(reverse("ui:import-start", args=[foreign.pk]), {"column-0": ""})
    assert start.status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == UploadState.UPLOADED
    refused = AuditEntry.objects.filter(
        actor=team_lead, action=AuditAction.REFUSE, object_id=str(foreign.pk)
    )
    assert refused.count() == 4

    into_other = client.post(
        reverse("ui:import-new"),
        {"kind": "orders", "shop": other.pk, "file": SimpleUploadedFile("g.csv", EXPORT)},
    )
    assert into_other.status_code == 200  # the form again, with the error
    assert not CsvUpload.objects.filter(created_by=team_lead).exists()

    mine = client.post(
        reverse("ui:import-new"),
        {"kind": "orders", "shop": own.pk, "file": SimpleUploadedFile("h.csv", EXPORT)},
    )
    assert mine.status_code == 302
    assert CsvUpload.objects.get(created_by=team_lead).shop == own


def test_the_preview_of_an_upload_is_an_audited_read(client, team_lead):
    """The preview shows the file's first rows (names, addresses, orders): a staff read of
    personal data, audited like the error file's download."""
    client.force_login(team_lead)
    response = upload(client)
    run = CsvUpload.objects.get()
    assert "Geschenk" in client.get(response["Location"]).content.decode()
    viewed = AuditEntry.objects.filter(
        actor=team_lead, action=AuditAction.VIEW, object_id=str(run.pk)
    )
    assert viewed.count() == 1
    assert "first 2 rows" in viewed.get().detail
