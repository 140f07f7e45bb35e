"""Benchmark: the case page with a long thread (issue 13: p95 < 150 ms with 200 messages).

Builds a fresh SQLite database under ``benchmarks/.work/case_page/`` (or uses
``--database-url``), opens one case through the desk's services with ``--messages`` messages in
its thread (customer mails, replies as notes, a linked order), and measures the server time of
``--requests`` requests of the case page with Django's test client, logged in as an agent:

    .venv/bin/python benchmarks/case_page.py                        # 200 messages, 200 requests
    .venv/bin/python benchmarks/case_page.py --messages 50 --requests 50

The last output line is one JSON object: case_page_p95_ms, case_page_median_ms, queries,
messages, requests. ``queries`` (the database statements of one request) is counted with a
wrapper on the connection since Dec 2026; before, it read 0 (see main()).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "case_page"


def configure(database_url: str) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    database = WORK / "case_page.sqlite3"
    if not database_url:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["STAMMKUNDE_DATA_DIR"] = str(WORK)
    os.environ["STAMMKUNDE_DATABASE_URL"] = database_url or f"sqlite:///{database}"
    os.environ["STAMMKUNDE_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    sys.path.insert(0, str(ROOT / "src"))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def build_case(messages: int):
    """One case of a customer with an order, and a thread of ``messages`` messages."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from stammkunde.customers.services.profile import create_customer
    from stammkunde.service.models import Case, CaseMessage, Team, TeamMember
    from stammkunde.service.services import cases as services
    from stammkunde.shop.models import Order, Shop

    agent = User.objects.create_user(username="bench-agent", first_name="Anna")
    agent.groups.add(Group.objects.get(name="Service agent"))
    for team in Team.objects.all():
        TeamMember.objects.get_or_create(team=team, user=agent)
    customer = create_customer(by=None, email="erika@example.de", first_name="Erika")
    shop = Shop.objects.create(name="Bench", slug="bench", platform="csv")
    order = Order.objects.create(
        shop=shop, external_id="1", number="10234", customer=customer, placed_at=timezone.now()
    )
    case = services.open_case(
        customer=customer,
        case_type="delivery_problem",
        channel="email",
        subject="Paket nicht angekommen",
        body="Bestellung 10234 ist nicht da.",
        orders=[order],
        from_address=customer.email,
    )
    start = timezone.now()
    # The thread's rows in one insert: the page's cost is reading them, not writing them.
    CaseMessage.objects.bulk_create(
        CaseMessage(
            case=case,
            direction="note" if number % 2 else "inbound",
            author=agent if number % 2 else None,
            from_address=customer.email,
            subject="Paket nicht angekommen",
            body_text=f"Nachricht {number}: " + "Wo bleibt mein Paket? " * 20,
            message_id=f"<bench-{number}@example.de>",
            created_at=start + timedelta(seconds=number),
        )
        for number in range(messages - 1)
    )
    assert Case.objects.get(pk=case.pk).messages.count() == messages
    return agent, case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    configure(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    call_command("migrate", verbosity=0, interactive=False)
    agent, case = build_case(args.messages)
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(agent)
    url = reverse("ui:case-detail", args=[case.pk])
    for _ in range(5):
        assert client.get(url).status_code == 200
    # Counted by a wrapper on the connection: the request closes its SQLite connection at the
    # end (CONN_MAX_AGE 0), which left CaptureQueriesContext reporting 0 queries.
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    result = {
        "case_page_p95_ms": round(percentile(times, 0.95), 1),
        "case_page_median_ms": round(statistics.median(times), 1),
        "queries": len(queries),
        "messages": args.messages,
        "requests": args.requests,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
