"""Benchmark: campaigns and the outbox.

``plan_s``: plan a newsletter to ``--customers`` customers (default 1,000,000) on SQLite: the
segment read, consent, suppression list, contact holds, recent sends and the governor decided
for every customer, and every decision recorded (``messaging.services.campaigns.plan_campaign``).
Target: under 60 s. The customers (40 % subscribed, 5 % withdrawn, 1 % suppressed, 0.5 % on
hold, 3 % with recent promotional mail) are generated once under ``benchmarks/.work/campaign/``.

``smtp_per_s`` (render and hand ``--messages`` messages, default 10,000, to a local SMTP
server) and ``duplicates`` (drain them with two workers on the PostgreSQL of
``--database-url``; null without it) are the outbox's sending, measured by
``benchmarks/campaign_sending.py`` in a process of its own (a fresh database).

    .venv/bin/python benchmarks/campaign.py                       # 1,000,000 customers
    .venv/bin/python benchmarks/campaign.py --customers 20000 --messages 2000 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_campaign

The last output line is one JSON object with the keys ``plan_s``, ``smtp_per_s``,
``duplicates``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "campaign"
CHUNK = 50_000


def configure(customers: int) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    database = WORK / f"campaign-{customers}.sqlite3"
    os.environ["STAMMKUNDE_DATA_DIR"] = str(WORK)
    os.environ["STAMMKUNDE_DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    return database


def insert_filled(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows, every other NOT NULL column filled with its field's default."""
    from django.db import connection

    from stammkunde.core.bulk import insert_rows

    extra, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.name in columns:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            from django.utils import timezone

            default = connection.ops.adapt_datetimefield_value(timezone.now())
        else:
            default = field.get_db_prep_save(field.get_default(), connection)
        extra.append(field.name)
        values.append(default)
    insert_rows(model, (*columns, *extra), [(*row, *values) for row in rows])


def ensure_customers(customers: int, seed: int) -> None:
    """Generate the customers and their consent, suppressions, holds and recent mail once."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from stammkunde.customers.bulk import insert_generated_rows
    from stammkunde.customers.models import Customer
    from stammkunde.messaging.models import ContactHold, OutboundMessage, Suppression

    call_command("migrate", verbosity=0, interactive=False)
    if Customer.objects.count() == customers:
        print(f"Reusing {customers:,} customers.")
        return
    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    at = adapt(now - timedelta(days=400))
    for start in range(1, customers + 1, CHUNK):
        ids = range(start, min(start + CHUNK, customers + 1))
        with transaction.atomic():
            insert_generated_rows(
                "customer",
                [
                    (
                        pk, f"kunde{pk}@example.de", "Anna", f"Muster{pk}", "ms", "",
                        "formal", "de" if pk % 10 else "en", "", None, "", "", "{}",
                        "active", at, at, f"muster{pk}", "anna", "",
                    )
                    for pk in ids
                ],
            )  # fmt: skip
            consent, suppressed, holds, sends = [], [], [], []
            for pk in ids:
                roll = rng.random()
                if roll < 0.45:
                    consent.append((pk, "email", "newsletter", True, "customer", "", at, at))
                if roll < 0.05:
                    later = adapt(now - timedelta(days=30))
                    consent.append((pk, "email", "newsletter", False, "customer", "", later, later))
                roll = rng.random()
                if roll < 0.01:
                    suppressed.append((f"kunde{pk}@example.de", "hard_bounce", "benchmark"))
                elif roll < 0.015:
                    holds.append((pk, "open_case", f"VG-{pk}", adapt(now - timedelta(days=2))))
                elif roll < 0.045:
                    sent = adapt(now - timedelta(days=rng.randint(1, 20)))
                    sends.append(
                        (
                            f"bench:{pk}", pk, f"kunde{pk}@example.de", "newsletter", "sent",
                            "Früher", "Hallo", "Lena Vogel", "lena@kaffee.example",
                            f"<bench.{pk}@kaffee.example>", "benchmark", "1", sent, sent,
                        )
                    )  # fmt: skip
            insert_generated_rows("consent", consent)
            insert_filled(Suppression, ("address", "reason", "source"), suppressed)
            insert_filled(ContactHold, ("customer", "kind", "reference", "since"), holds)
            insert_filled(
                OutboundMessage,
                (
                    "idempotency_key", "customer", "to_address", "purpose", "state", "subject",
                    "text_body", "from_name", "from_address", "message_id", "source_type",
                    "source_id", "sent_at", "created_at",
                ),
                sends,
            )  # fmt: skip
        print(f"  {ids[-1]:,} customers", end="\r", flush=True)
    print(f"Generated {customers:,} customers in {time.perf_counter() - started:.0f} s.")


def measure_plan() -> dict:
    """Plan one newsletter to every customer; seconds, and the decisions by outcome."""
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from stammkunde.analytics.models import Segment
    from stammkunde.messaging.governor_terms import Purpose
    from stammkunde.messaging.models import Campaign, MessageTemplate, SendDecision
    from stammkunde.messaging.services.campaigns import plan_campaign, schedule_campaign

    with transaction.atomic(), connection.cursor() as cursor:
        # The previous run's decisions, without loading a million objects to delete them.
        cursor.execute(f"DELETE FROM {SendDecision._meta.db_table} WHERE source_type = 'campaign'")
        Campaign.objects.all().delete()
    segment, _ = Segment.objects.get_or_create(name="Alle", defaults={"definition": {}})
    template = MessageTemplate.objects.filter(purpose=Purpose.NEWSLETTER).first()
    if template is None:
        template = MessageTemplate.objects.create(
            name="Newsletter",
            language="de",
            purpose=Purpose.NEWSLETTER,
            subject="Neu aus der Rösterei",
            text_body="{{ salutation }},\n\nneu: Sidamo.\n\nViele Grüße\n{{ sender.name }}",
        )
    campaign = Campaign.objects.create(
        name="Benchmark",
        purpose=Purpose.NEWSLETTER,
        segment=segment,
        template_de=template,
        sender_name="Lena Vogel",
        sender_address="lena.vogel@kaffee.example",
    )
    schedule_campaign(campaign, at=timezone.now(), by=None)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = plan_campaign(campaign.pk)
    seconds = time.perf_counter() - started
    # SQLite works in this process: on a machine shared with other work, the CPU seconds of
    # this process are what the planning costs, the wall-clock seconds what it took here.
    cpu_seconds = time.process_time() - cpu_started
    outcomes = dict(
        SendDecision.objects.filter(source_type="campaign")
        .values_list("rule")
        .annotate(count=Count("id"))
        .values_list("rule", "count")
    )
    print(
        f"Planned {result.audience:,} recipients in {seconds:.1f} s "
        f"({cpu_seconds:.1f} s CPU): {outcomes}"
    )
    return {
        "plan_s": round(seconds, 2),
        "plan_cpu_s": round(cpu_seconds, 2),
        "audience": result.audience,
        "decisions": outcomes,
    }


def measure_sending(args) -> dict:
    """smtp_per_s and duplicates from benchmarks/campaign_sending.py, run as its own process."""
    if args.skip_sending:
        return {"smtp_per_s": None, "duplicates": None}
    import subprocess

    command = [sys.executable, str(ROOT / "benchmarks" / "campaign_sending.py")]
    command += ["--messages", str(args.messages)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    env = {key: value for key, value in os.environ.items() if not key.startswith("STAMMKUNDE_")}
    finished = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=True)
    lines = finished.stdout.strip().splitlines()
    print("\n".join(lines[:-1]), flush=True)
    sending = json.loads(lines[-1])
    return {"smtp_per_s": sending.get("smtp_per_s"), "duplicates": sending.get("duplicates")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--messages", type=int, default=10_000, help="for smtp_per_s, duplicates")
    parser.add_argument("--database-url", default="", help="PostgreSQL for duplicates")
    parser.add_argument("--skip-sending", action="store_true", help="only plan_s")
    args = parser.parse_args()
    configure(args.customers)
    ensure_customers(args.customers, args.seed)
    figures = {"customers": args.customers, **measure_plan()}
    figures.update(measure_sending(args))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
