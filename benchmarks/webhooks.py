"""Benchmark: webhook deliveries accepted and processed per second, as a shop running the README's
setup gets them, with the documented production setup beside it.

Two setups in one run, each in a process of its own with a fresh database:

* **default** (keys without prefix): SQLite under ``benchmarks/.work/webhooks/default/``, served
  exactly as ``stammkunde serve`` starts it (its default web processes and threads, and its two
  embedded, supervised worker processes with their periodic jobs).
* **production** (keys ``pg_...``, only with ``--database-url``; the database is dropped and
  created again, its name must contain "bench"): PostgreSQL as README's "Running on PostgreSQL"
  documents it, ``stammkunde serve --no-worker --workers 2`` plus one ``stammkunde worker``.

In each setup:

1. ``--deliveries`` signed Shopify deliveries shaped like Shopify's published orders/create
   example (varied order and customer ids, lines and prices; about one in five an orders/updated
   of an earlier order), with 10% re-sent duplicates and 2% invalid signatures, are posted by
   ``--clients`` threads with keep-alive connections (http.client), while the worker drains the
   inbox at the same time, as in production. ``accepted_per_s`` counts the 2xx answers per
   second of posting.
2. The script waits until no delivery is waiting or being processed. ``processed_per_s`` counts
   deliveries applied (inbox state processed; duplicates and forged ones not counted) per second
   from the first delivery sent to the last one applied; ``events_per_s`` the normalized events
   those deliveries applied (a Shopify order is an order event and a consent event) over the
   same span; ``drain_after_posting_s`` how long the worker needed after the last delivery was
   answered. When the worker keeps up, processed_per_s is bounded by the arrival rate.
3. Checks from the database rows: ``lost`` = valid deliveries never answered 2xx (no copy of
   them), plus valid accepted deliveries without a processed first delivery or without their
   order; ``doubled`` = orders, order lines or "order placed" timeline entries applied twice,
   plus ``duplicate_customers`` (customers beyond one per distinct e-mail address sent).
4. Domain events (``webhooks_events``): the servers stopped, the events the drain stored are
   handed out once more (their dispatch marks and deliveries reset, so the real subscribers run
   again too) and delivered to a benchmark subscriber as a backlog (``event_deliveries_per_s``),
   then the delay from commit to delivery (``event_delay_p95_ms``) while the scoring job runs in
   another process and events are published as fast as the drain applied them.

What it leaves out: TLS and the reverse proxy, the network (loopback), the staff using the UI at
the same time (benchmarks/load.py), and deliveries larger than Shopify's example.

    .venv/bin/python benchmarks/webhooks.py                         # 20,000 deliveries, SQLite
    .venv/bin/python benchmarks/webhooks.py --deliveries 2000
    .venv/bin/python benchmarks/webhooks.py --database-url postgres://postgres@127.0.0.1/bench_hooks
    .venv/bin/python benchmarks/webhooks.py --accept-only --deliveries 4000   # posting only

``--accept-only`` runs the default setup's web server without its worker (``serve
--no-worker``): no drain, processed_per_s (and the drain's checks) null; instead it checks that
every delivery answered 2xx is in the inbox and every forged one was answered 401.

Targets: >= 500 accepted/s, >= 1,000 processed events/s, 0 lost, 0 doubled,
event_deliveries_per_s at least events_per_s, event_delay_p95_ms under 2,000. The last output line
is one JSON object with the keys accepted_per_s, processed_per_s, events_per_s, lost, doubled,
duplicate_customers, event_deliveries_per_s, event_delay_p95_ms, and the same with ``pg_`` for the
production setup (null without ``--database-url``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make the benchmarks package importable

from benchmarks.webhooks_checks import (  # noqa: E402
    check,
    check_accepted,
    duplicate_customers,
    never_answered,
    wait_for_drain,
)
from benchmarks.webhooks_load import SECRET, build_load  # noqa: E402
from benchmarks.webhooks_server import (  # noqa: E402
    STAMMKUNDE,
    WORK,
    free_port,
    fresh_database,
    post_all,
    setup_django,
    wait_for_port,
)

SETUPS = {
    "default": "stammkunde serve (SQLite, embedded workers)",
    "production": "stammkunde serve --no-worker --workers 2 + stammkunde worker (PostgreSQL)",
}
# The keys of a setup's result that the combined last line carries (prefixed for production).
FIGURES = (
    "deliveries",
    "accepted",
    "accepted_per_s",
    "processed",
    "processed_per_s",
    "processed_events",
    "events_per_s",
    "drain_after_posting_s",
    "lost",
    "never_2xx",
    "doubled",
    "duplicate_customers",
    "stale",
    "event_deliveries_per_s",
    "event_delay_p95_ms",
)


def start_setup(
    setup: str, env: dict[str, str], port: int, *, worker: bool = True, web: int | None = None
):
    """Start the servers of ``setup``; the first process is the web server. ``web`` overrides
    the default setup's web processes (to compare; by default exactly as ``serve`` starts)."""
    options = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if setup == "default":
        command = [*STAMMKUNDE, "serve", "--port", str(port)]
        command += ["--workers", str(web)] if web else []
        return [subprocess.Popen([*command] if worker else [*command, "--no-worker"], **options)]
    server = subprocess.Popen(
        [*STAMMKUNDE, "serve", "--no-worker", "--workers", "2", "--port", str(port)], **options
    )
    if not worker:
        return [server]
    return [server, subprocess.Popen([*STAMMKUNDE, "worker"], **options)]


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop the servers gracefully (serve stops its own workers), killing what hangs."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_setup(args) -> dict:
    """Steps 1-4 for one setup, in this process; returns its figures (unprefixed)."""
    load, expected = build_load(args.deliveries, args.seed)
    database_url = args.database_url if args.setup == "production" else ""
    env = fresh_database(database_url, args.work_dir / args.setup)
    setup_django()
    from stammkunde.connectors.inbox.connections import connect_shop

    connection = connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    )
    port = free_port()
    processes = start_setup(
        args.setup, env, port, worker=not args.accept_only, web=args.serve_workers
    )
    print(f"{args.setup}: {SETUPS[args.setup]}", flush=True)
    try:
        wait_for_port(port, processes[0])
        path = connection.webhook_path
        seconds = post_all(port, path, load, args.clients)
        posting_ended = time.perf_counter()
        posting_started = posting_ended - seconds
        if not args.accept_only:
            drained = wait_for_drain(connection.shop_id, timeout=max(600.0, args.deliveries / 10))
    finally:
        stop(processes)
    statuses = Counter(delivery.status for delivery in load)
    accepted = sum(count for status, count in statuses.items() if status // 100 == 2)
    print(f"posted {len(load):,} deliveries in {seconds:.1f} s: {dict(sorted(statuses.items()))}")
    result: dict = dict.fromkeys(FIGURES)
    result |= {
        "setup": SETUPS[args.setup],
        "deliveries": len(load),
        "accepted": accepted,
        "accepted_per_s": round(accepted / seconds, 1),
        "never_2xx": never_answered(load),
    }
    if args.accept_only:
        figures = check_accepted(load, connection.shop_id)
        print(f"checks: {figures}")
        return result | figures

    from django.db.models import Sum

    from stammkunde.connectors.models import WebhookDelivery

    deliveries = WebhookDelivery.objects.filter(shop_id=connection.shop_id)
    applied = deliveries.filter(state="processed")
    processed = applied.count()
    events = applied.aggregate(n=Sum("events_count"))["n"] or 0
    span = max(drained - posting_started, 1e-9)
    after_posting = max(0.0, drained - posting_ended)
    print(f"inbox states: {dict(Counter(deliveries.values_list('state', flat=True)))}")
    print(
        f"worker: {processed:,} deliveries, {events:,} events applied in {span:.1f} s from the "
        f"first delivery sent; drained {after_posting:.1f} s after posting"
    )
    figures = check(load, expected, connection.shop_id)
    figures["duplicate_customers"] = duplicate_customers(load)
    figures["lost"] += result["never_2xx"]
    figures["doubled"] += figures["duplicate_customers"]
    print(f"checks: {figures}")
    event_rate = events / span
    event_deliveries_per_s, delay_p95 = measure_events(env, rate=event_rate)
    return result | {
        "processed": processed,
        "processed_per_s": round(processed / span, 1),
        "processed_events": events,
        "events_per_s": round(event_rate, 1),
        "drain_after_posting_s": round(after_posting, 1),
        "lost": figures["lost"],
        "doubled": figures["doubled"],
        "duplicate_customers": figures["duplicate_customers"],
        "stale": figures["stale"],
        "event_deliveries_per_s": event_deliveries_per_s,
        "event_delay_p95_ms": delay_p95,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16, help="load generator threads")
    parser.add_argument(
        "--database-url", default="", help="also run the PostgreSQL setup (db name with 'bench')"
    )
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--accept-only", action="store_true", help="post only, web server without worker"
    )
    parser.add_argument(
        "--work-dir", type=Path, default=WORK, help="data directory (deleted and created again)"
    )
    parser.add_argument(
        "--serve-workers",
        type=int,
        default=None,
        help="default setup only: pass --workers N to serve (to compare; default: serve's own)",
    )
    parser.add_argument("--setup", choices=sorted(SETUPS), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup:
        # One setup in this process (Django is configured once per process).
        print(json.dumps(run_setup(args)))
        return

    setups = ["default", *(["production"] if args.database_url else [])]
    combined: dict = {}
    for setup in setups:
        command = [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:], "--setup", setup]
        completed = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        output = completed.stdout.strip().splitlines()
        print("\n".join(output[:-1]), flush=True)
        if completed.returncode != 0 or not output:
            raise SystemExit(f"the {setup} setup failed")
        figures = json.loads(output[-1])
        prefix = "" if setup == "default" else "pg_"
        combined |= {f"{prefix}{key}": figures.get(key) for key in (*FIGURES, "setup")}
        if setup == "default":
            combined |= {f"pg_{key}": None for key in (*FIGURES, "setup") if not args.database_url}
    print(json.dumps(combined))


def measure_events(env: dict[str, str], *, rate: float) -> tuple[float, float]:
    """Step 4: the domain events (see ``webhooks_events``): the drain's events delivered again
    to every subscriber as a backlog per second, and the p95 delay from commit to delivery while
    scoring runs."""
    from benchmarks.webhooks_events import (
        delay_while_scoring,
        deliver_backlog,
        p95,
        register_counter,
        undispatch_all,
    )

    counter = register_counter()
    undispatch_all()
    delivered, busy = deliver_backlog(counter)
    deliveries_per_s = round(delivered / max(busy, 1e-9), 1)
    print(
        f"events: {delivered:,} delivered to a subscriber in {busy:.1f} s; "
        f"{deliveries_per_s:,.0f}/s"
    )
    delays, scoring = delay_while_scoring(counter, sys.executable, env, rate=rate)
    delay_p95 = round(p95(delays), 1)
    print(
        f"events while scoring ran ({scoring:.1f} s): {len(delays):,} delivered, "
        f"delay p95 {delay_p95:,.0f} ms, max {max(delays, default=0):,.0f} ms"
    )
    return deliveries_per_s, delay_p95


if __name__ == "__main__":
    main()
