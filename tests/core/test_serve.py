"""`stammkunde serve` as a user runs it: a real gunicorn and real worker processes.

Every wait polls a condition with a generous deadline: on a loaded machine starting Python
processes takes seconds, and the worker may run other due jobs first.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from stammkunde.core.management.commands.serve import WORKER_NICE

DEADLINE = 120.0
# Several deadlines and a migration per test: more than the suite's default timeout.
pytestmark = pytest.mark.timeout(900)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, seconds: float = DEADLINE):
    """Poll ``condition`` until it returns something true (returned) or the deadline passes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    return condition()


@pytest.fixture
def embedded_env(tmp_path):
    env = {**os.environ, "STAMMKUNDE_DATA_DIR": str(tmp_path), "STAMMKUNDE_DATABASE_URL": ""}
    subprocess.run(
        [sys.executable, "-m", "stammkunde", "migrate", "-v0"], env=env, check=True, timeout=300
    )
    return env


@pytest.fixture
def serve(embedded_env, tmp_path):
    """A running `stammkunde serve`; yields (process, port); stops it and checks it stopped."""
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "stammkunde", "serve", "--port", str(port)],
        env=embedded_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield server, port
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    assert server.returncode == 0
    # Its workers stopped cleanly: each ended its lease (a killed one leaves its row behind).
    assert query(tmp_path, "SELECT worker_id FROM core_workerheartbeat") == []


def answers(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/") as response:
            return response.status
    except OSError:
        return None


def query(tmp_path, sql: str, *params):
    with sqlite3.connect(tmp_path / "stammkunde.sqlite3", timeout=30) as database:
        return database.execute(sql, params).fetchall()


def task_status(tmp_path, task_id: str) -> str | None:
    rows = query(
        tmp_path,
        "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?",
        uuid.UUID(task_id).hex,
    )
    return rows[0][0] if rows else None


def shell(env, code: str) -> str:
    """Run Python in the installation (as `stammkunde shell -c`); returns its last line."""
    done = subprocess.run(
        [sys.executable, "-m", "stammkunde", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout.strip().splitlines()[-1]


def test_serve_answers_http_and_its_worker_runs_periodic_jobs(serve, tmp_path):
    _server, port = serve

    assert wait_for(lambda: answers(port)) == 200
    assert wait_for(
        lambda: "recover_stale_tasks state=SUCCESSFUL" in (tmp_path / "serve.log").read_text()
    )


def test_the_workers_run_at_a_lower_priority_than_the_web_processes_in_their_session(
    serve, tmp_path
):
    """Linux shares the CPU between sessions first (autogroup): a worker in a session of its
    own would get as much as all web processes together, whatever its nice value."""
    server, port = serve
    assert wait_for(lambda: answers(port)) == 200

    def both_workers() -> list[int] | None:
        pids = [pid for (pid,) in query(tmp_path, "SELECT pid FROM core_workerheartbeat")]
        return pids if len(pids) == 2 else None

    workers = wait_for(both_workers)

    assert workers
    assert WORKER_NICE > 0
    for pid in workers:
        assert os.getsid(pid) == os.getsid(server.pid)
        assert os.getpgid(pid) != os.getpgid(server.pid)  # Ctrl+C reaches the server only
        assert (
            os.getpriority(os.PRIO_PROCESS, pid)
            == os.getpriority(os.PRIO_PROCESS, server.pid) + WORKER_NICE
        )


def test_a_killed_worker_is_started_again_and_takes_over_what_it_was_running(
    serve, embedded_env, tmp_path
):
    _server, port = serve
    assert wait_for(lambda: answers(port)) == 200
    quick = wait_for(
        lambda: query(
            tmp_path,
            "SELECT worker_id, pid FROM core_workerheartbeat WHERE queues LIKE '%intake%'",
        )
    )
    worker_id, pid = quick[0]
    # An inbox drain RUNNING in that worker when it is killed (marked in the same transaction
    # as it is queued, so the live worker never takes it itself).
    interrupted = shell(
        embedded_env,
        "from django.db import transaction; from django.utils import timezone; "
        "from django_tasks_db.models import DBTaskResult; "
        "from stammkunde.connectors.tasks import process_inbox\n"
        "with transaction.atomic():\n"
        "    r = process_inbox.enqueue()\n"
        "    DBTaskResult.objects.filter(id=r.id).update(status='RUNNING', "
        f"started_at=timezone.now(), worker_ids=['{worker_id}/intake'])\n"
        "print(r.id)",
    )

    os.kill(pid, signal.SIGKILL)
    later = shell(
        embedded_env,
        "from stammkunde.core.tasks import recover_stale_tasks; "
        "print(recover_stale_tasks.enqueue().id)",
    )

    assert wait_for(lambda: task_status(tmp_path, later) == "SUCCESSFUL")
    assert wait_for(lambda: task_status(tmp_path, interrupted) == "SUCCESSFUL")
    beats = query(tmp_path, "SELECT pid FROM core_workerheartbeat WHERE worker_id = ?", worker_id)
    assert beats and beats[0][0] != pid
    log = (tmp_path / "serve.log").read_text()
    assert f"worker quick (pid {pid}) stopped" in log
    assert "starting it again" in log
