"""Benchmark: the CPU time and the queries the worker spends per webhook delivery it drains.

Fills a fresh database's inbox with ``--deliveries`` of benchmarks/webhooks.py's load (signed
Shopify orders, one in five an update of an earlier order, re-sent duplicates, forged ones),
stored through ``inbox.services.receive`` as the web server stores them, and then drains it in
this process batch by batch as the worker's ``process_inbox`` task does (``process_waiting``,
the next batch sized by ``next_limit``). Only the drain is measured:

- ``cpu_ms_per_delivery``: this process's CPU time (``time.process_time``: Python and, on
  SQLite, the SQLite library) per processed delivery;
- ``write_cpu_ms_per_delivery``: the part of it spent in the write transactions (the rest:
  reading, parsing and mapping before them);
- ``db_cpu_ms_per_delivery``: on PostgreSQL, the CPU time of the server process serving this
  connection (read from /proc, so only for a server on this machine), per processed delivery;
- ``queries_per_delivery``: the statements sent, per processed delivery;
- ``event_cpu_ms_per_delivery`` (and ``event_db_...``): afterwards, the CPU of delivering the
  drain's domain events to their subscribers (``core.event_delivery.dispatch_waiting`` until
  none is left, as the worker's ``events`` queue does), per processed delivery.

SQLite under ``--work-dir``; ``--database-url`` for PostgreSQL (the database is recreated, its
name must contain "bench"). ``--source`` imports stammkunde from another checkout (A/B in the
same minute); ``--profile`` prints cProfile's top functions of the drain.

    .venv/bin/python benchmarks/drain_cpu.py --deliveries 3000
    .venv/bin/python benchmarks/drain_cpu.py --source ../main/src --work-dir /tmp/drain-a
    .venv/bin/python benchmarks/drain_cpu.py --database-url postgres://postgres@127.0.0.1/bench_x

The last output line is one JSON object with the keys above plus processed, events and batches.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make the benchmarks package importable

from benchmarks.webhooks_load import SECRET, build_load  # noqa: E402
from benchmarks.webhooks_server import fresh_database  # noqa: E402


def _server_cpu_seconds() -> float:
    """CPU seconds of the PostgreSQL backend serving this connection (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fill_inbox(deliveries: int, seed: int) -> int:
    """Store the load's deliveries as the web server would; the shop's id."""
    from stammkunde.connectors.inbox.connections import connect_shop
    from stammkunde.connectors.inbox.services import receive
    from stammkunde.connectors.platforms import PayloadError
    from stammkunde.shop.models import Shop

    connection = connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    )
    shop = Shop.objects.get(pk=connection.shop_id)
    load, _expected = build_load(deliveries, seed)
    for delivery in load:
        headers = {
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Hmac-Sha256": delivery.signature,
            "X-Shopify-Shop-Domain": "kaffee-sued.myshopify.com",
        }
        with contextlib.suppress(PayloadError):  # as the web server answers 4xx
            receive(shop, headers, delivery.body, verified=delivery.valid)
    return shop.pk


def drain() -> dict:
    """Drain the inbox as ``connectors.tasks.process_inbox`` does; counts of the work done."""
    from stammkunde.connectors.inbox.applying import BatchResult
    from stammkunde.connectors.inbox.processing import BATCH_SIZE, next_limit, process_waiting

    total, batches = BatchResult(), 0
    limit, after_id = BATCH_SIZE // 4, 0
    while True:
        batch = process_waiting(limit=limit, after_id=after_id)
        batches += 1
        total.add(batch)
        limit = next_limit(batch)
        if batch.claimed == batch.deferred:
            if after_id == 0:
                break
            after_id = 0
            continue
        after_id = batch.resume_after
    return {
        "processed": total.processed,
        "events": total.events,
        "failed": total.failed,
        "retried": total.retried,
        "batches": batches,
        "write_seconds": total.write_seconds,
    }


def deliver_events() -> int:
    """Deliver the drain's domain events to their subscribers as ``core.tasks.deliver_events``
    does (dispatch passes until none is left); the number of events handed out."""
    from stammkunde.core.event_delivery import dispatch_waiting

    events, after_id = 0, 0
    while True:
        dispatched = dispatch_waiting(after_id=after_id)
        events += dispatched.claimed
        if not dispatched.claimed:
            if after_id == 0:
                return events
            after_id = 0
            continue
        after_id = dispatched.resume_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "benchmarks" / ".work" / "drain")
    parser.add_argument(
        "--source", type=Path, default=ROOT / "src", help="where to import stammkunde from (A/B)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the drain")
    args = parser.parse_args()
    source = str(args.source.resolve())
    os.environ["PYTHONPATH"] = source
    sys.path.insert(0, source)
    env = fresh_database(args.database_url or None, args.work_dir)
    env["PYTHONPATH"] = source
    os.environ.update(env, PYTHONPATH=source, STAMMKUNDE_LOG_LEVEL="ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    import django

    django.setup()
    from django.db import connection

    fill_inbox(args.deliveries, args.seed)
    profile = cProfile.Profile() if args.profile else None
    server_started = _server_cpu_seconds()
    cpu_started = time.process_time()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(None)  # cheaper than Django's debug cursor, which keeps every SQL text
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        if profile:
            profile.enable()
        counts = drain()
        if profile:
            profile.disable()
    cpu = time.process_time() - cpu_started
    server = _server_cpu_seconds() - server_started
    events_started, events_server = time.process_time(), _server_cpu_seconds()
    domain_events = deliver_events()
    events_cpu = time.process_time() - events_started
    events_server = _server_cpu_seconds() - events_server
    processed = max(1, counts["processed"])
    write_seconds = counts.pop("write_seconds")
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())
    figures = {
        **counts,
        "cpu_ms_per_delivery": round(cpu * 1000 / processed, 3),
        "db_cpu_ms_per_delivery": round(server * 1000 / processed, 3),
        "write_cpu_ms_per_delivery": round(write_seconds * 1000 / processed, 3),
        "queries_per_delivery": round(len(queries) / processed, 2),
        "domain_events": domain_events,
        "event_cpu_ms_per_delivery": round(events_cpu * 1000 / processed, 3),
        "event_db_cpu_ms_per_delivery": round(events_server * 1000 / processed, 3),
        "source": source,
        "database": connection.vendor,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
