"""Benchmark: the whole scoring job end to end, and BG/NBD against ``lifetimes`` on its arrays.

    .venv/bin/python benchmarks/analytics.py                                   # 1M / 10M, SQLite
    .venv/bin/python benchmarks/analytics.py --customers 50000 --orders 500000 --skip-lifetimes
    .venv/bin/python benchmarks/analytics.py --database-url postgres://postgres@127.0.0.1/bench

The database (customers buying as BG/NBD says, with a long-tailed catalogue of 3,000 products,
about 1.3 order lines per order, orders in five currencies, cancelled, refunded and test orders:
``benchmarks/analytics_data.py``) is generated in a child process and cached: SQLite files under
benchmarks/.work/analytics/, on PostgreSQL the named database is filled once (an existing one with
the same counts is reused). The whole nightly job (``stammkunde.analytics.services.run_scoring``,
what ``score_customers_nightly`` runs: read, compute, fit BG/NBD and Gamma-Gamma, calibration
check, write scores and dashboard aggregates, then segment counts and product affinities from the
order lines) runs in this process; ``job_s`` is its wall-clock time and ``peak_mb`` the
process's peak resident set size (``ru_maxrss``) measured right after it, before anything else is
loaded (the data generation ran in another process). Then the BG/NBD fit plus P(alive) and expected
purchases run on the job's own (x, t_x, T) arrays against lifetimes in its own venv
(``benchmarks/btyd_reference.py compare_with_lifetimes``).

What it leaves out: the worker around the job (it runs here, in the foreground), staff using the
UI meanwhile, and the backtest.

The last output line is one JSON object: job_s, job_cpu_s (the job's CPU time in this process,
user and system: what a busy machine does not inflate as it does job_s), peak_mb, orders,
order_lines, product_affinities, speedup_vs_lifetimes, speedup_vs_lifetimes_weighted,
max_param_rel_diff, max_prediction_rel_diff (the lifetimes figures null with --skip-lifetimes).
Targets: job_s < 120, peak_mb < 4,096 at the default size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "analytics"


def configure(database_url: str, customers: int, orders: int) -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    # "lines": the data set with order lines and products (older cached files have none).
    url = database_url or f"sqlite:///{WORK / f'scoring-lines-{customers}-{orders}.sqlite3'}"
    os.environ["STAMMKUNDE_DATA_DIR"] = str(WORK)
    os.environ["STAMMKUNDE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    return url


def _setup() -> None:
    import django

    django.setup()


def prepare(customers: int, orders: int) -> None:
    """Child process: migrate and fill the database unless it holds this data set already."""
    _setup()
    from django.core.management import call_command

    from stammkunde.customers.models import Customer
    from stammkunde.shop.models import Order, OrderLine

    call_command("migrate", verbosity=0, interactive=False)
    have = Customer.objects.count()
    # A database of the earlier generator (orders without lines) is not reused.
    if have == customers and OrderLine.objects.exists():
        print(f"reusing the database: {have:,} customers, {Order.objects.count():,} orders")
        return
    if have or Order.objects.exists():
        raise SystemExit("the benchmark database holds other data: remove it or pick another")
    from benchmarks.analytics_data import write

    result = write(customers, orders, progress=lambda text: print(text, flush=True))
    print(
        f"generated {result['customers']:,} customers, {result['orders']:,} orders, "
        f"{result['order_lines']:,} order lines, {result['products']:,} products "
        f"in {result['seconds']} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--database-url", default="", help="default: a cached SQLite file")
    parser.add_argument("--skip-lifetimes", action="store_true")
    parser.add_argument("--model", default="bgnbd", choices=["bgnbd", "paretonbd"])
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = configure(args.database_url, args.customers, args.orders)
    if args.prepare_only:
        prepare(args.customers, args.orders)
        return
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--prepare-only",
            "--customers",
            str(args.customers),
            "--orders",
            str(args.orders),
            "--database-url",
            args.database_url,
        ],
        check=True,
    )
    print(f"database: {url.split('@')[-1]}")

    _setup()
    from stammkunde.analytics.services import run_scoring

    stages: dict[str, float] = {}
    started = time.perf_counter()
    cpu_started = time.process_time()

    def progress(stage: str, done: int, total: int | None) -> None:
        stages.setdefault(stage, time.perf_counter() - started)

    run = run_scoring(progress=progress, model=args.model)
    job_s = time.perf_counter() - started
    job_cpu_s = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if run.state != "finished":
        raise SystemExit(f"the scoring run failed: {run.error}")
    print(
        f"scoring job: {job_s:.1f} s ({job_cpu_s:.1f} s CPU), peak {peak_mb:.0f} MB; "
        f"{run.customers_scored:,} customers scored with {run.model}; stages started at "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stages.items())
    )
    print(f"parameters: {json.dumps(run.parameters)}")
    calibration = run.calibration
    print(
        f"calibration check ({calibration.get('holdout_days')} days): predicted "
        f"{calibration.get('predicted_total')} vs actual {calibration.get('actual_total')} "
        f"repeat purchases"
    )

    from stammkunde.analytics.models import ProductAffinity
    from stammkunde.shop.models import Order, OrderLine

    affinities = ProductAffinity.objects.count()
    print(f"product affinities written: {affinities:,}")
    figures = {
        "job_s": round(job_s, 1),
        "job_cpu_s": round(job_cpu_s, 1),
        "peak_mb": round(peak_mb),
        "customers_scored": run.customers_scored,
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
        "product_affinities": affinities,
    }
    if args.skip_lifetimes:
        figures |= {
            "speedup_vs_lifetimes": None,
            "speedup_vs_lifetimes_weighted": None,
            "max_param_rel_diff": None,
            "max_prediction_rel_diff": None,
        }
    else:
        figures |= compare(args.customers)
    print(json.dumps(figures))


def compare(customers: int) -> dict:
    """BG/NBD fit + predictions, ours vs lifetimes, on the (x, t_x, T) the job fitted."""
    import numpy as np
    from django.utils import timezone

    from benchmarks.btyd_reference import compare_with_lifetimes
    from stammkunde.analytics import reading, rfm

    orders = reading.read_orders()
    now = timezone.now()
    as_of_day = int(reading.local_days(np.array([int(now.timestamp())]))[0])
    current = (orders.seconds <= int(now.timestamp())) & (orders.customer > 0)
    summary = rfm.summarize(
        orders.customer[current], orders.day[current], orders.value[current], as_of_day
    )
    result = compare_with_lifetimes(
        summary.frequency.astype(float),
        summary.recency.astype(float),
        summary.age.astype(float),
        WORK,
    )
    print(
        f"BG/NBD on {result['customers']:,} customers: ours {result['ours_s']} s, lifetimes "
        f"{result['lifetimes_s']} s; ours {result['ours_params']}, "
        f"lifetimes {result['lifetimes_params']}"
    )
    return {
        key: result[key]
        for key in (
            "speedup_vs_lifetimes",
            "speedup_vs_lifetimes_weighted",
            "max_param_rel_diff",
            "max_prediction_rel_diff",
        )
    }


if __name__ == "__main__":
    main()
