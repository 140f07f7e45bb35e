"""Benchmark: import N order lines from a generated CSV on SQLite, against a bare sqlite3 insert.

    .venv/bin/python benchmarks/import_orders.py            # 1,000,000 lines
    .venv/bin/python benchmarks/import_orders.py --rows 100000
    .venv/bin/python benchmarks/import_orders.py --work-dir /tmp/me   # not benchmarks/.work/

The script writes its CSV and two fresh SQLite databases under benchmarks/.work/ (migrating the
importer's database first), imports the CSV with ``stammkunde.connectors.csv_import`` and then
inserts the same lines with a bare ``sqlite3`` ``executemany`` into a table with the columns,
constraints and indexes of ``shop_orderline``, in batches of the same size, one transaction per
batch. The bare figure excludes CSV reading and parsing, so it is the ceiling the importer
approaches.

The importer, as ``stammkunde import`` runs it, reads and checks the rows in a forked child
process while this process writes (for files of 4 MB and more: ``--parallel auto``, the default;
``on``/``off`` force it), so it can use two cores where the baseline uses one. Beside the
wall-clock ``ratio`` (importer rows/s over bare rows/s) the script therefore reports ``cpu_ratio``:
the bare insert's CPU seconds over the importer's CPU seconds, both processes counted
(``getrusage`` of this process plus its waited-for children, taken around each run). The
importer's peak memory is measured right after it, in its own processes, before the baseline
loads its rows: ``importer_peak_mb`` (the writing process, Django included) and
``reader_peak_mb`` (the forked reader; null when it did not fork).

What it leaves out: PostgreSQL, other imports (customers), a second run over the same file (a
no-op by the natural keys), and the CSV parsing in the baseline.

The last output line is one JSON object: rows_per_s, bare_rows_per_s, ratio, cpu_ratio,
importer_cpu_s (reader_cpu_s: the forked reader's part), bare_cpu_s, importer_peak_mb,
reader_peak_mb, parallel. Targets: ratio >= 0.25, cpu_ratio >= 0.2.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
ROOT = HERE.parent

BARE_TABLE = """
CREATE TABLE "bare_orderline" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "line_number" integer unsigned NOT NULL CHECK ("line_number" >= 0),
    "sku" varchar(64) NOT NULL,
    "name" varchar(300) NOT NULL,
    "quantity" integer unsigned NOT NULL CHECK ("quantity" >= 0),
    "unit_price" decimal NOT NULL,
    "total" decimal NOT NULL,
    "order_id" bigint NOT NULL,
    "product_id" bigint NULL,
    CONSTRAINT "bare_line_unique" UNIQUE ("order_id", "line_number"),
    CONSTRAINT "bare_price_not_negative" CHECK ("unit_price" >= '0')
)
"""
BARE_INDEXES = (
    'CREATE INDEX "bare_orderline_order_id" ON "bare_orderline" ("order_id")',
    'CREATE INDEX "bare_orderline_product_id" ON "bare_orderline" ("product_id")',
)
BARE_INSERT = (
    'INSERT INTO "bare_orderline" (order_id, line_number, sku, name, quantity, unit_price, total)'
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
PRODUCTS = [
    (f"SKU-{n:05d}", f"Produkt Nummer {n}", Decimal(random.Random(n).randint(99, 99999)) / 100)
    for n in range(2000)
]


def generate(path: Path, rows: int, lines_per_order: int, customers: int) -> None:
    """Write ``rows`` order lines the way a German shop export looks (``;``, decimal comma)."""
    rng = random.Random(42)
    start = datetime(2021, 1, 1, 8, 0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            "order_number;placed_at;customer_email;customer_id;sku;product_name;"
            "quantity;unit_price\n"
        )
        written = 0
        order = 100000
        while written < rows:
            order += 1
            customer = rng.randrange(customers)
            placed = (start + timedelta(minutes=order % 1_500_000)).isoformat(sep=" ")
            for _line in range(min(rng.randint(1, 2 * lines_per_order - 1), rows - written)):
                sku, name, price = PRODUCTS[rng.randrange(len(PRODUCTS))]
                handle.write(
                    f"{order};{placed};kunde{customer}@example.de;K{customer};{sku};{name};"
                    f"{rng.randint(1, 5)};{str(price).replace('.', ',')}\n"
                )
                written += 1


def bare_rows(path: Path):
    """The lines of the generated CSV as insert parameters (parsed outside the timing)."""
    order_ids: dict[str, int] = {}
    positions: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        next(handle)
        for text in handle:
            number, _placed, _email, _cid, sku, name, quantity, price = text.rstrip("\n").split(";")
            order_id = order_ids.setdefault(number, len(order_ids) + 1)
            positions[number] = line_number = positions.get(number, 0) + 1
            unit_price = Decimal(price.replace(",", "."))
            yield (
                order_id,
                line_number,
                sku,
                name,
                int(quantity),
                str(unit_price),
                str(unit_price * int(quantity)),
            )


def cpu_seconds(who: int | None = None) -> float:
    """User + system CPU seconds of this process and of its children that were waited for
    (``who``: only RUSAGE_SELF or only RUSAGE_CHILDREN)."""
    parts = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) if who is None else (who,)
    return sum(usage.ru_utime + usage.ru_stime for usage in map(resource.getrusage, parts))


def peak_mb(who: int) -> float:
    """Peak resident set size in MB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024


def fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def run_bare(csv_path: Path, batch_size: int, work: Path = WORK) -> tuple[int, float, float]:
    """Insert the lines with plain sqlite3, one transaction per batch; return (rows, seconds,
    CPU seconds)."""
    db = work / "bare.sqlite3"
    fresh(db)
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(BARE_TABLE)
    for statement in BARE_INDEXES:
        connection.execute(statement)
    batches, batch = [], []
    for row in bare_rows(csv_path):
        batch.append(row)
        if len(batch) >= batch_size:
            batches.append(batch)
            batch = []
    if batch:
        batches.append(batch)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    for chunk in batches:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(BARE_INSERT, chunk)
        connection.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    count = connection.execute("SELECT COUNT(*) FROM bare_orderline").fetchone()[0]
    connection.close()
    return count, elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lines-per-order", type=int, default=5)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument(
        "--batch-size", type=int, default=None, help="default: the importer's (BATCH_SIZE)"
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=WORK,
        help="where the CSV and the databases go (default: benchmarks/.work)",
    )
    parser.add_argument(
        "--parallel",
        choices=["auto", "on", "off"],
        default="auto",
        help="read in a forked child: auto = as the importer decides (files of 4 MB and more)",
    )
    parser.add_argument(
        "--profile", type=Path, default=None, help="write a cProfile of the import to this file"
    )
    args = parser.parse_args()

    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    database = work / "import.sqlite3"
    fresh(database)
    os.environ["STAMMKUNDE_DATA_DIR"] = str(work / "data")
    os.environ["STAMMKUNDE_DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "stammkunde.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from stammkunde.connectors.csv_import.orders import BATCH_SIZE
    from stammkunde.connectors.csv_import.services import import_file
    from stammkunde.shop.models import OrderLine

    call_command("migrate", verbosity=0)
    batch_size = args.batch_size or BATCH_SIZE
    csv_path = work / f"orders-{args.rows}.csv"
    if not csv_path.exists():
        print(f"generating {csv_path} ...", flush=True)
        generate(csv_path, args.rows, args.lines_per_order, args.customers)

    parallel = {"auto": None, "on": True, "off": False}[args.parallel]
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time: the machine may be busy
    children_before = peak_mb(resource.RUSAGE_CHILDREN)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    reader_started = cpu_seconds(resource.RUSAGE_CHILDREN)
    if profiler:
        profiler.enable()
    summary = import_file(
        "orders",
        csv_path,
        errors_path=work / "errors.csv",
        batch_size=batch_size,
        parallel=parallel,
    )
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    elapsed, importer_cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    reader_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - reader_started
    # Before the baseline loads its rows: the peaks are the importer's own.
    importer_peak = peak_mb(resource.RUSAGE_SELF)
    reader_peak = peak_mb(resource.RUSAGE_CHILDREN)
    forked_reader = reader_peak > children_before
    lines = OrderLine.objects.count()
    assert summary.rejected == 0 and lines == args.rows, (summary.text(), lines)
    rows_per_s = args.rows / elapsed
    print(
        f"import: {args.rows} lines in {elapsed:.1f} s = {rows_per_s:,.0f} rows/s, "
        f"{importer_cpu:.1f} CPU s ({'forked reader' if forked_reader else 'one process'}), "
        f"peak {importer_peak:,.0f} MB"
        + (f", reader peak {reader_peak:,.0f} MB" if forked_reader else "")
    )
    print(f"  {summary.text()}")

    bare_count, bare_elapsed, bare_cpu = run_bare(csv_path, batch_size, work)
    assert bare_count == args.rows
    bare_per_s = bare_count / bare_elapsed
    ratio = rows_per_s / bare_per_s
    cpu_ratio = bare_cpu / importer_cpu
    print(
        f"bare sqlite3 executemany: {bare_elapsed:.1f} s = {bare_per_s:,.0f} rows/s, "
        f"{bare_cpu:.1f} CPU s"
    )
    print(f"ratio import / bare: {ratio:.1%} wall clock, {cpu_ratio:.1%} CPU")
    print(
        json.dumps(
            {
                "rows": args.rows,
                "rows_per_s": round(rows_per_s),
                "bare_rows_per_s": round(bare_per_s),
                "ratio": round(ratio, 3),
                "cpu_ratio": round(cpu_ratio, 3),
                "importer_cpu_s": round(importer_cpu, 2),
                "reader_cpu_s": round(reader_cpu, 2) if forked_reader else None,
                "bare_cpu_s": round(bare_cpu, 2),
                "importer_peak_mb": round(importer_peak),
                "reader_peak_mb": round(reader_peak) if forked_reader else None,
                "parallel": forked_reader,
            }
        )
    )


if __name__ == "__main__":
    main()
