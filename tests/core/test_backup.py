"""`stammkunde backup` and `restore`: a round trip brings back every table and the data files."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection

from stammkunde.audit.models import AuditEntry
from stammkunde.core import backup
from stammkunde.core.backup import BackupError, table_fingerprints
from stammkunde.customers.models import Customer
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]


@pytest.fixture
def data_dir(tmp_path, settings):
    directory = tmp_path / "data"
    (directory / "attachments" / "2026").mkdir(parents=True)
    (directory / "secret_key").write_text("geheim-123")
    (directory / "credentials.key").write_bytes(b"\x00\x01schluessel")
    (directory / "attachments" / "2026" / "rechnung.pdf").write_bytes(b"%PDF-1.4 Rechnung")
    settings.DATA_DIR = directory
    return directory


@pytest.fixture
def installation(data_dir):
    # A user without a role: the role groups are gone after an earlier transactional test's flush.
    agent = User.objects.create_user(username="anna", password="korrekt-Pferd-Batterie-42")
    for number in range(5):
        customer = create_customer(
            by=agent, email=f"kunde{number}@example.de", first_name="Jörg", last_name="Groß"
        )
        order = OrderFactory(customer=customer)
        OrderLineFactory(order=order)
        add_note(customer, by=agent, text=f"Notiz {number} - Umlaute äöü")
    return agent


def test_a_round_trip_brings_back_every_table_and_file(installation, data_dir, tmp_path):
    before = table_fingerprints()
    assert before["customers_customer"].rows == 5
    archive = tmp_path / "sicherung.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    assert archive.stat().st_mode & 0o077 == 0

    Customer.objects.filter(email="kunde0@example.de").delete()
    create_customer(by=None, email="neu@example.de")
    (data_dir / "credentials.key").unlink()
    (data_dir / "attachments" / "2026" / "rechnung.pdf").write_bytes(b"kaputt")
    assert table_fingerprints() != before

    call_command("restore", str(archive), "--force", stdout=io.StringIO())
    after = table_fingerprints()
    assert set(after) == set(before)
    changed = [table for table in before if before[table] != after[table]]
    assert changed == []
    assert (data_dir / "credentials.key").read_bytes() == b"\x00\x01schluessel"
    assert (data_dir / "attachments" / "2026" / "rechnung.pdf").read_bytes() == b"%PDF-1.4 Rechnung"


def test_a_backup_taken_while_the_server_writes_is_consistent(installation, tmp_path):
    """Each write adds a customer and its audit row in one transaction; the snapshot must hold
    both or neither of every such pair."""
    stop = threading.Event()
    written = []

    def keep_writing() -> None:
        try:
            number = 0
            while not stop.is_set():
                create_customer(by=None, email=f"laufend{number}@example.de")
                written.append(number)
                number += 1
        finally:
            connection.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        archive = tmp_path / "live.tar.gz"
        deadline = threading.Event()
        # Let a few writes happen before and during the backup.
        for _ in range(600):
            if len(written) >= 3:
                break
            deadline.wait(0.05)
        call_command("backup", str(archive), stdout=io.StringIO())
    finally:
        stop.set()
        writer.join(timeout=60)
    call_command("restore", str(archive), "--force", stdout=io.StringIO())
    running = Customer.objects.filter(email__startswith="laufend")
    audited = AuditEntry.objects.filter(
        object_type="customers.customer", customer_id__in=running.values("pk"), action="create"
    )
    assert running.count() >= 3
    assert audited.count() == running.count()


def test_restore_refuses_to_overwrite_without_force(installation, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_restore_refuses_a_backup_of_the_other_database_kind(installation, tmp_path):
    archive = tmp_path / "fremd.tar.gz"
    manifest = {
        "format": backup.FORMAT,
        "database": "postgresql" if connection.vendor == "sqlite" else "sqlite",
        "database_member": "database/x",
        "data_files": [],
        "created_at": "2026-12-03T10:00:00+00:00",
    }
    with tarfile.open(archive, "w:gz") as tar:
        content = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    with pytest.raises(CommandError, match="holds a"):
        call_command("restore", str(archive), "--force", stdout=io.StringIO())


def test_something_else_than_a_backup_is_refused(db, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar file")
    with pytest.raises(BackupError, match="not a Stammkunde backup"):
        backup.read_manifest(bogus)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_pg_tools_of_another_major_version_are_refused(db, monkeypatch):
    monkeypatch.setattr(backup, "_tool_major", lambda tool: 14)
    with pytest.raises(BackupError, match="install the client tools of version 15"):
        backup.check_pg_tools("pg_dump")


def test_the_installed_pg_client_matches_the_server_major_version():
    import shutil
    import subprocess

    output = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True).stdout
    assert shutil.which("pg_restore") is not None
    assert " 15." in output


def test_data_directory_files_skip_the_live_database(tmp_path):
    (tmp_path / "stammkunde.sqlite3").write_bytes(b"x")
    (tmp_path / "stammkunde.sqlite3-wal").write_bytes(b"x")
    (tmp_path / "stammkunde.sqlite3-turns").write_bytes(b"")
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "old.tar.gz").write_bytes(b"x")
    (tmp_path / "secret_key").write_text("k")
    assert [relative for _path, relative in backup._data_files(Path(tmp_path))] == ["secret_key"]
