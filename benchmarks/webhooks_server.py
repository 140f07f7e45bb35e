"""The server side of the webhook benchmarks (``webhooks.py``, ``load.py``): a fresh, migrated
database, Django for reading it, a free port, and posting signed deliveries from client threads."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from benchmarks.webhooks_load import Delivery

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "webhooks"
STAMMKUNDE = [sys.executable, "-m", "stammkunde"]


def post_all(port: int, path: str, load: list[Delivery], clients: int) -> float:
    """Send the load from ``clients`` threads with keep-alive; returns the seconds it took."""
    cursor = iter(range(len(load)))
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            delivery = load[index]
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": delivery.topic,
                "X-Shopify-Webhook-Id": delivery.webhook_id,
                "X-Shopify-Hmac-Sha256": delivery.signature,
                "X-Shopify-Shop-Domain": "kaffee-sued.myshopify.com",
            }
            for attempt in range(3):
                try:
                    connection.request("POST", path, body=delivery.body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    delivery.status = response.status
                    break
                except (ConnectionError, http.client.HTTPException, OSError):
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    if attempt == 2:
                        delivery.status = -1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the web server exited at startup")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the web server did not start")


def fresh_database(database_url: str | None, work: Path = WORK) -> dict[str, str]:
    """Environment for a new, empty benchmark database (migrated)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {
        **os.environ,
        "STAMMKUNDE_DATA_DIR": str(work),
        "STAMMKUNDE_DATABASE_URL": database_url or "",
        "STAMMKUNDE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STAMMKUNDE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    if database_url:
        name = urlparse(database_url).path.lstrip("/")
        if "bench" not in name:
            raise SystemExit(
                "--database-url: the database is recreated; its name must contain 'bench'"
            )
        import psycopg

        maintenance = database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([*STAMMKUNDE, "migrate", "--verbosity", "0"], env=env, check=True)
    os.environ.update(env)
    return env


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
