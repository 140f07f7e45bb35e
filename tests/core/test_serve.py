"""`stammkunde serve` as a user runs it: a real gunicorn and a real worker process."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def embedded_env(tmp_path):
    env = {**os.environ, "STAMMKUNDE_DATA_DIR": str(tmp_path), "STAMMKUNDE_DATABASE_URL": ""}
    subprocess.run(
        [sys.executable, "-m", "stammkunde", "migrate", "-v0"], env=env, check=True, timeout=120
    )
    return env


def test_serve_answers_http_and_its_worker_runs_periodic_jobs(embedded_env, tmp_path):
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "stammkunde", "serve", "--port", str(port)],
        env=embedded_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        status = None
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/") as response:
                    status = response.status
                    break
            except OSError:
                time.sleep(0.25)
        assert status == 200
        for _ in range(40):
            if "recover_stale_tasks state=SUCCESSFUL" in (tmp_path / "serve.log").read_text():
                break
            time.sleep(0.25)
        assert "recover_stale_tasks state=SUCCESSFUL" in (tmp_path / "serve.log").read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert server.returncode == 0
