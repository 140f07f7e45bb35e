"""A killed import leaves no process behind and holds no lock.

A real ``stammkunde import orders`` runs in a subprocess on a file large enough to be read in a
forked child. As soon as the child is there, the import is killed (SIGKILL, SIGTERM). The child
must end too, and the same import run again right after must complete: on PostgreSQL a child
that kept its copy of the database socket would keep the killed session's transaction and its
locks alive, and the re-run would wait for ever.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from stammkunde.connectors.csv_import import forked
from stammkunde.connectors.csv_import.orders import PARALLEL_MIN_BYTES
from stammkunde.shop.models import Order
from tests.connectors.conftest import ORDER_HEADER

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not forked.available(), reason="the child is forked on Linux only"),
]

DEADLINE = 120  # seconds; generous for a loaded machine, never waited out when all is well


def children_of(pid: int) -> list[int]:
    """Pids of the processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may contain spaces, so split after ")".
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def is_running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie (a dead process nobody reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def wait_for(condition, what: str):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def environment(tmp_path, django_db_blocker):
    """The environment of a subprocess that uses this test's database.

    PostgreSQL: the test database itself (this test commits, ``transaction=True``). SQLite:
    the test database lives in memory, so the subprocess gets a database file of its own.
    """
    env = {**os.environ, "STAMMKUNDE_DATA_DIR": str(tmp_path)}
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings["USER"] or "postgres"
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or 5432
        env["STAMMKUNDE_DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{settings['NAME']}"
    else:
        env["STAMMKUNDE_DATABASE_URL"] = ""
        subprocess.run(
            [sys.executable, "-m", "stammkunde", "migrate", "-v0"],
            env=env,
            check=True,
            timeout=600,
        )
    return env


@pytest.fixture
def large_file(tmp_path) -> Path:
    """Orders of two lines each, large enough to be read in a forked child."""
    path = tmp_path / "orders.csv"
    rows = [ORDER_HEADER]
    for number in range(1, 40_001):
        for line in (1, 2):
            rows.append(
                f"{number};01.03.2025 10:00;kunde{number % 500}@example.de;K{number % 500};"
                f"SKU-{line};Produkt {line};{line};{line},50"
            )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert path.stat().st_size >= PARALLEL_MIN_BYTES
    return path


def import_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "stammkunde", "import", "orders", str(path)]


def another_session_writes() -> bool:
    """Whether another PostgreSQL session of this database holds a transaction that wrote."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        return cursor.fetchone()[0] > 0


# A migration (SQLite), a killed import and a second one: minutes on a loaded machine.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_import_leaves_no_process_and_no_lock(
    environment, large_file, tmp_path, signal_number
):
    importing = subprocess.Popen(
        import_command(large_file),
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    reader = None
    try:
        child = wait_for(
            lambda: children_of(importing.pid) or importing.poll() is not None,
            "the reading child",
        )
        if connection.vendor == "postgresql":
            # Kill it while it holds a transaction with rows written (and so their locks).
            wait_for(
                lambda: another_session_writes() or importing.poll() is not None,
                "the import to write",
            )
        assert importing.poll() is None, "the import ended before it could be killed"
        [reader] = child

        importing.send_signal(signal_number)
        importing.wait(timeout=DEADLINE)

        wait_for(lambda: not is_running(reader), "the reading child to end with its parent")
    finally:
        if importing.poll() is None:
            importing.kill()
            importing.wait()
        # A reader left behind would keep the database locked and the teardown waiting.
        if reader is not None and is_running(reader):
            os.kill(reader, signal.SIGKILL)

    # The first orders of the file again: they were in the batch the killed import wrote.
    first_orders = tmp_path / "first.csv"
    first_orders.write_text("\n".join(large_file.read_text().splitlines()[:21]) + "\n")
    again = subprocess.run(
        import_command(first_orders),
        env=environment,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    if connection.vendor == "postgresql":
        assert Order.objects.filter(external_id__in=[str(n) for n in range(1, 11)]).count() == 10
