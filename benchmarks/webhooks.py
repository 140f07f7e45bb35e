"""Benchmark: webhook deliveries accepted per second, and events processed per second.

1. A fresh database under ``benchmarks/.work/webhooks/`` (or the PostgreSQL database given by
   ``--database-url``, which is dropped and created again: its name must contain "bench").
2. The production web server as the README documents it, ``stammkunde serve --no-worker
   --workers 2`` (gunicorn, 2 processes with 4 threads each), on loopback.
3. ``--deliveries`` signed Shopify deliveries shaped like Shopify's published orders/create
   example (varied order and customer ids, lines and prices; about one in five an orders/updated
   of an earlier order), with 10% re-sent duplicates and 2% invalid signatures, posted by
   ``--clients`` threads with keep-alive connections (http.client). Accepted/s counts 200s.
4. With the web server stopped, ONE worker process (``stammkunde worker --batch``) drains the
   inbox; processed/s counts the normalized events applied per second of the drain task.
5. Checks: lost = valid accepted deliveries without a processed first delivery or without their
   order; doubled = orders, order lines or "order placed" timeline entries applied twice.
6. Domain events (``webhooks_events``): the events the drain stored, delivered to a benchmark
   subscriber (events_per_s), then the delay from commit to delivery (p95) while the scoring
   job runs in another process and events are published as fast as the drain applied them.

    .venv/bin/python benchmarks/webhooks.py                         # 20,000 deliveries, SQLite
    .venv/bin/python benchmarks/webhooks.py --deliveries 2000
    .venv/bin/python benchmarks/webhooks.py --database-url postgres://postgres@127.0.0.1/bench_hooks
    .venv/bin/python benchmarks/webhooks.py --accept-only --deliveries 4000   # steps 1-3 only

``--accept-only`` stops after posting: no drain, processed_per_s (and the drain's checks) null;
instead it checks that every delivery answered 200 is in the inbox and every forged one was
answered 401.

Targets: >= 500 accepted/s, >= 1,000 processed events/s, 0 lost, 0 doubled, events_per_s at
least processed_per_s, event_delay_p95_ms under 2,000. The last output line is one JSON object
with the keys accepted_per_s, processed_per_s, lost, doubled, events_per_s, event_delay_p95_ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make the benchmarks package importable

from benchmarks.webhooks_load import SECRET, Delivery, Expected, build_load  # noqa: E402

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


def check(load: list[Delivery], expected: Expected, shop_id: int) -> dict[str, int]:
    """Count lost and doubled deliveries from the database (independently of the inbox code)."""
    from stammkunde.connectors.models import WebhookDelivery
    from stammkunde.shop.models import Order, OrderLine
    from stammkunde.timeline.models import Activity, ActivityKind

    accepted_ids = {d.webhook_id for d in load if d.valid and d.status == 200}
    accepted_orders = {d.order_id for d in load if d.valid and d.status == 200}
    first_rows = Counter(
        WebhookDelivery.objects.filter(shop_id=shop_id, state="processed").values_list(
            "delivery_id", flat=True
        )
    )
    orders = {
        int(external_id): (pk, total)
        for external_id, pk, total in Order.objects.filter(shop_id=shop_id).values_list(
            "external_id", "pk", "total"
        )
    }
    lines = Counter(
        OrderLine.objects.filter(order__shop_id=shop_id).values_list("order_id", flat=True)
    )
    placed = Counter(
        Activity.objects.filter(kind=ActivityKind.ORDER_PLACED).values_list("subject_id", flat=True)
    )
    lost = sum(1 for webhook_id in accepted_ids if first_rows[webhook_id] == 0)
    lost += sum(1 for order_id in accepted_orders if order_id not in orders)
    doubled = sum(count - 1 for count in first_rows.values() if count > 1)
    stale = 0
    for order_id in accepted_orders:
        if order_id not in orders:
            continue
        pk, total = orders[order_id]
        doubled += max(0, placed[pk] - 1)
        doubled += max(0, lines[pk] - expected.lines[order_id])
        # Only meaningful when every update of the order was accepted (the usual case).
        stale += total != expected.total[order_id]
    forged_applied = sum(1 for d in load if not d.valid and d.order_id in orders)
    return {
        "lost": lost,
        "doubled": doubled,
        "stale": stale,
        "forged_applied": forged_applied,
        "orders": len(orders),
    }


def check_accepted(load: list[Delivery], shop_id: int) -> dict[str, int]:
    """After posting only: deliveries answered 200 but not in the inbox, forged ones not 401."""
    from stammkunde.connectors.models import WebhookDelivery

    stored = Counter(
        WebhookDelivery.objects.filter(shop_id=shop_id)
        .exclude(state="rejected")
        .values_list("delivery_id", flat=True)
    )
    answered = Counter(d.webhook_id for d in load if d.valid and d.status == 200)
    unstored = sum(max(0, count - stored[webhook_id]) for webhook_id, count in answered.items())
    forged_not_401 = sum(1 for d in load if not d.valid and d.status != 401)
    return {"unstored": unstored, "forged_not_401": forged_not_401}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16, help="load generator threads")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (db name with 'bench')")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--accept-only", action="store_true", help="stop after posting (no drain, no processed/s)"
    )
    parser.add_argument(
        "--work-dir", type=Path, default=WORK, help="data directory (deleted and created again)"
    )
    args = parser.parse_args()

    load, expected = build_load(args.deliveries, args.seed)
    env = fresh_database(args.database_url, args.work_dir)
    setup_django()
    from stammkunde.connectors.inbox.connections import connect_shop

    connection = connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    )
    port = free_port()
    server = subprocess.Popen(
        [*STAMMKUNDE, "serve", "--no-worker", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        seconds = post_all(port, connection.webhook_path, load, args.clients)
    finally:
        server.terminate()
        server.wait(timeout=30)
    statuses = Counter(delivery.status for delivery in load)
    accepted = statuses[200]
    print(f"posted {len(load):,} deliveries in {seconds:.1f} s: {dict(sorted(statuses.items()))}")
    database = "postgresql" if args.database_url else "sqlite"
    if args.accept_only:
        figures = check_accepted(load, connection.shop_id)
        print(f"checks: {figures}")
        result = {
            "deliveries": len(load),
            "accepted": accepted,
            "accepted_per_s": round(accepted / seconds, 1),
            "processed_events": None,
            "processed_per_s": None,
            "events_per_s": None,
            "event_delay_p95_ms": None,
            "lost": None,
            "doubled": None,
            "stale": None,
            **figures,
            "database": database,
        }
        print(json.dumps(result))
        return

    started = time.perf_counter()
    subprocess.run(
        [*STAMMKUNDE, "worker", "--batch", "--no-scheduler", "--queues", "intake"],
        env=env,
        check=True,
    )
    wall = time.perf_counter() - started

    from django.db.models import Sum
    from django_tasks_db.models import DBTaskResult

    from stammkunde.connectors.models import WebhookDelivery

    drains = DBTaskResult.objects.filter(task_path__endswith="process_inbox", status="SUCCESSFUL")
    busy = sum((task.finished_at - task.started_at).total_seconds() for task in drains)
    events = WebhookDelivery.objects.aggregate(n=Sum("events_count"))["n"] or 0
    processed = WebhookDelivery.objects.filter(state="processed").count()
    states = dict(Counter(WebhookDelivery.objects.values_list("state", flat=True)))
    print(f"inbox states: {states}")
    print(
        f"worker: {processed:,} deliveries, {events:,} events in {busy:.1f} s of drain task "
        f"({wall:.1f} s with process start); {processed / max(busy, 1e-9):,.0f} deliveries/s"
    )
    figures = check(load, expected, connection.shop_id)
    print(f"checks: {figures}")
    events_per_s, delay_p95 = measure_events(env, rate=events / max(busy, 1e-9))
    result = {
        "deliveries": len(load),
        "accepted": accepted,
        "accepted_per_s": round(accepted / seconds, 1),
        "processed_events": events,
        "processed_per_s": round(events / max(busy, 1e-9), 1),
        "lost": figures["lost"],
        "doubled": figures["doubled"],
        "stale": figures["stale"],
        "events_per_s": events_per_s,
        "event_delay_p95_ms": delay_p95,
        "database": database,
    }
    print(json.dumps(result))


def measure_events(env: dict[str, str], *, rate: float) -> tuple[float, float]:
    """Step 6: the domain events (see ``webhooks_events``): the drain's backlog delivered to a
    subscriber per second, and the p95 delay from commit to delivery while scoring runs."""
    from benchmarks.webhooks_events import (
        delay_while_scoring,
        deliver_backlog,
        p95,
        register_counter,
    )

    counter = register_counter()
    delivered, busy = deliver_backlog(counter)
    events_per_s = round(delivered / max(busy, 1e-9), 1)
    print(f"events: {delivered:,} delivered to a subscriber in {busy:.1f} s; {events_per_s:,.0f}/s")
    delays, scoring = delay_while_scoring(counter, sys.executable, env, rate=rate)
    delay_p95 = round(p95(delays), 1)
    print(
        f"events while scoring ran ({scoring:.1f} s): {len(delays):,} delivered, "
        f"delay p95 {delay_p95:,.0f} ms, max {max(delays, default=0):,.0f} ms"
    )
    return events_per_s, delay_p95


if __name__ == "__main__":
    main()
