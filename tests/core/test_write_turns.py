"""Turns at SQLite's write lock: web writers before background writers (core.write_turns)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest

from stammkunde.core import write_turns
from stammkunde.core.sqlite.base import DatabaseWrapper, write_turn
from stammkunde.core.write_turns import BACKGROUND, FOREGROUND, WriteTurns

pytestmark = pytest.mark.timeout(60)


def wait_for(condition, deadline: float = 30.0) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < deadline, "condition not met in time"
        time.sleep(0.005)


@pytest.fixture
def looks(monkeypatch):
    """How many times waiting writers looked again at the lock (each a failed try)."""
    count = [0]
    sleep = write_turns._sleep

    def counting(seconds: float) -> None:
        count[0] += 1
        sleep(seconds)

    monkeypatch.setattr(write_turns, "_sleep", counting)
    return count


def exclusive_is_free(path: Path) -> bool:
    """Whether another open file could take the lock exclusively right now."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_a_web_writer_waits_for_a_background_transaction_and_goes_when_it_ends(tmp_path, looks):
    turns = WriteTurns(str(tmp_path / "db-turns"))
    assert turns.take(BACKGROUND) is True
    events: list[str] = []
    web = threading.Thread(
        target=lambda: (turns.take(FOREGROUND), events.append("web writes"), turns.give_back())
    )
    web.start()
    wait_for(lambda: looks[0] >= 3)  # it tried and waits
    assert events == []
    events.append("background commits")
    turns.give_back()
    web.join(timeout=30)
    assert events == ["background commits", "web writes"]


def test_web_writers_share_their_turn(tmp_path):
    turns = WriteTurns(str(tmp_path / "db-turns"))
    assert turns.take(FOREGROUND) is True
    other: list[bool] = []
    thread = threading.Thread(target=lambda: other.append(turns.take(FOREGROUND)))
    thread.start()
    thread.join(timeout=30)
    assert other == [True]  # not blocked by the first web writer
    assert not exclusive_is_free(tmp_path / "db-turns")


def test_a_background_writer_waits_until_the_web_writers_are_done(tmp_path, monkeypatch):
    monkeypatch.setattr(write_turns, "BACKGROUND_PATIENCE", 30.0)
    turns = WriteTurns(str(tmp_path / "db-turns"))
    assert turns.take(FOREGROUND) is True
    events: list[object] = []
    background = threading.Thread(target=lambda: events.append(turns.take(BACKGROUND)))
    background.start()
    # The background writer keeps looking (it never queues in the kernel behind web writers).
    events.append("web commits")
    turns.give_back()
    background.join(timeout=30)
    assert events == ["web commits", True]


@pytest.mark.parametrize(
    ("waiting", "holding", "patience"),
    [
        # Web writes never stop the background: it queues at SQLite's own lock instead.
        (BACKGROUND, FOREGROUND, "BACKGROUND_PATIENCE"),
        # A background transaction that hangs holds back web writes no longer than SQLite's
        # own busy timeout would have.
        (FOREGROUND, BACKGROUND, "FOREGROUND_PATIENCE"),
    ],
)
def test_a_writer_goes_ahead_without_its_turn_after_its_patience(
    tmp_path, monkeypatch, waiting, holding, patience
):
    monkeypatch.setattr(write_turns, patience, 0.05)
    turns = WriteTurns(str(tmp_path / "db-turns"))
    assert turns.take(holding) is True
    result: list[bool] = []
    writer = threading.Thread(target=lambda: result.append(turns.take(waiting)))
    writer.start()
    writer.join(timeout=30)
    assert result == [False]
    turns.give_back()
    assert exclusive_is_free(tmp_path / "db-turns")


def test_the_role_is_one_of_two():
    with pytest.raises(ValueError, match="unknown writer role"):
        write_turns.set_role("sometimes")
    assert write_turns.role() == FOREGROUND


def test_in_memory_databases_take_no_turns():
    assert write_turns.for_database(":memory:") is None
    assert write_turns.for_database("file:memorydb_default?mode=memory&cache=shared") is None


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A connection of our backend to a database file of its own (not the test database)."""
    django_db_blocker.unblock()
    wrapper = DatabaseWrapper(
        {
            "ENGINE": "stammkunde.core.sqlite",
            "NAME": str(tmp_path / "db.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias="turns_test",
    )
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
    yield wrapper, tmp_path / "db.sqlite3-turns"
    wrapper.close()
    django_db_blocker.restore()


def test_a_transaction_holds_its_turn_until_commit(database):
    wrapper, lock = database
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO note (text) VALUES (%s)", ["in a transaction"])
    assert not exclusive_is_free(lock)
    wrapper.commit()
    wrapper.set_autocommit(True)
    assert exclusive_is_free(lock)


def test_a_rolled_back_or_closed_transaction_gives_its_turn_back(database):
    wrapper, lock = database
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert not exclusive_is_free(lock)
    wrapper.rollback()
    wrapper.set_autocommit(True)
    assert exclusive_is_free(lock)
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert not exclusive_is_free(lock)
    wrapper.close()
    assert exclusive_is_free(lock)


def test_a_write_outside_a_transaction_waits_for_a_background_transaction(database, looks):
    wrapper, lock = database
    background = WriteTurns(str(lock))
    background.take(BACKGROUND)
    events: list[str] = []

    def web_insert() -> None:
        with wrapper.cursor() as cursor:  # a connection in another thread
            cursor.execute("INSERT INTO note (text) VALUES (%s)", ["audit row"])
        events.append("inserted")

    wrapper.inc_thread_sharing()
    thread = threading.Thread(target=web_insert)
    thread.start()
    wait_for(lambda: looks[0] >= 3)
    assert events == []
    background.give_back()
    thread.join(timeout=30)
    wrapper.dec_thread_sharing()
    assert events == ["inserted"]


def test_reads_take_no_turn(database):
    wrapper, lock = database
    holder = WriteTurns(str(lock))
    holder.take(BACKGROUND)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM note")
            assert cursor.fetchone() == (0,)
    finally:
        holder.give_back()


def test_the_driver_cursor_write_takes_its_turn_outside_a_transaction(database):
    wrapper, lock = database
    wrapper.ensure_connection()
    with write_turn(wrapper):
        assert not exclusive_is_free(lock)
    assert exclusive_is_free(lock)
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with write_turn(wrapper):
        pass  # inside a transaction the transaction's turn covers it
    wrapper.rollback()
    wrapper.set_autocommit(True)
    assert exclusive_is_free(lock)


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_writes_in_the_background_role_and_gives_it_back():
    from django.core.management import call_command

    call_command("worker", "--batch", "--queues", "default", "--no-scheduler")
    assert write_turns.role() == FOREGROUND
