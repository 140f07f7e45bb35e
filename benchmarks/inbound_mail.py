"""Benchmark: inbound e-mail from stored raw message to filed case, the case page with a long
thread, and the IMAP fetch rate from a local Dovecot.

Builds ``--messages`` real-shaped messages from tests/fixtures/emails/ (new cases from the
customer, forward and malformed messages with a sender each; replies threading to them by
In-Reply-To; auto-replies; bounces), stores them raw, then times the worker's processing
(``process_waiting`` batches until none is left) on a fresh SQLite database (or
``--database-url``):

    .venv/bin/python benchmarks/inbound_mail.py                       # 10,000 messages
    .venv/bin/python benchmarks/inbound_mail.py --messages 1000 --imap-messages 300

Targets: ``messages_per_s`` >= 200 (SQLite), ``case_page_p95_ms`` < 150 for a case with 200
messages, ``imap_per_s`` >= 100 (Dovecot must be installed; run as root, see STACK.md). The
last output line is one JSON object with these keys (and ``filing_cpu_s``, the CPU seconds of
the filing, with ``messages_per_cpu_s``) (a figure that could not be measured is
null, with the reason in ``notes``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "inbound_mail"
FIXTURES = ROOT / "tests" / "fixtures" / "emails"

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def configure(database_url: str) -> None:
    """Point the settings at a fresh data directory and database."""
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    os.environ["STAMMKUNDE_DATA_DIR"] = str(WORK)
    os.environ["STAMMKUNDE_DATABASE_URL"] = database_url or f"sqlite:///{WORK / 'bench.sqlite3'}"
    os.environ["STAMMKUNDE_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["STAMMKUNDE_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))


def fixture_groups() -> dict[str, list[bytes]]:
    """The fixture messages by what they stand for in the mix."""
    groups: dict[str, list[bytes]] = {"new": [], "auto": [], "bounce": []}
    with (FIXTURES / "expected.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            data = (FIXTURES / row["file"]).read_bytes()
            if data.startswith(b"From "):
                data = data.split(b"\n", 1)[1]
            if row["category"] == "bounce":
                groups["bounce"].append(data)
            elif row["is_auto_or_bounce"] == "yes":
                groups["auto"].append(data)
            else:
                groups["new"].append(data)
    return groups


def reshaped(data: bytes, **headers: str) -> bytes:
    """``data`` with the given headers replacing its own (From, Message-ID, In-Reply-To)."""
    end = _HEADER_END.search(data)
    head, body = (data[: end.start()], data[end.start() :]) if end else (data, b"\r\n\r\n")
    names = {name.lower().encode() for name in headers}
    kept: list[bytes] = []
    skipping = False
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = line.split(b":", 1)[0].strip().lower() in names
        if not skipping:
            kept.append(line)
    new = [f"{name}: {value}".encode() for name, value in headers.items()]
    return b"\r\n".join(new + kept) + body


def build_messages(count: int) -> list[bytes]:
    """The mix: 50 % new matters, 25 % replies threading to them, 15 % auto-replies, 10 %
    bounces, each with its own Message-ID."""
    groups = fixture_groups()
    messages: list[bytes] = []
    opened: list[tuple[str, str]] = []
    for n in range(count):
        slot = n % 20
        message_id = f"<bench-{n}@example.de>"
        if slot < 10 or not opened:
            sender = f"kunde{n}@example.de"
            data = groups["new"][n % len(groups["new"])]
            messages.append(
                reshaped(data, **{"From": f"Kunde {n} <{sender}>", "Message-ID": message_id})
            )
            opened.append((sender, message_id))
        elif slot < 15:
            sender, parent = opened[(n * 7) % len(opened)]
            data = (
                f"From: {sender}\r\nTo: service@shop.example\r\nSubject: Re: Nachfrage\r\n"
                f"Message-ID: {message_id}\r\nIn-Reply-To: {parent}\r\nReferences: {parent}\r\n"
                f"Content-Type: text/plain; charset=utf-8\r\n\r\nGibt es etwas Neues?\r\n\r\n"
                f"Am 01.12.2026 schrieb Service:\r\n> Wir melden uns.\r\n"
            ).encode()
            messages.append(data)
        elif slot < 18:
            data = groups["auto"][n % len(groups["auto"])]
            messages.append(reshaped(data, **{"Message-ID": message_id}))
        else:
            data = groups["bounce"][n % len(groups["bounce"])]
            messages.append(reshaped(data, **{"Message-ID": message_id}))
    return messages


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def measure_filing(count: int) -> tuple[float, float, dict[str, int]]:
    """Messages filed per second (wall) and the CPU seconds of this process spent on them."""
    from django.db.models import Count

    from stammkunde.service.intake.processing import process_waiting
    from stammkunde.service.intake.receiving import store_inbound_mail
    from stammkunde.service.models import InboundMail

    messages = build_messages(count)
    started = time.perf_counter()
    for data in messages:
        store_inbound_mail(raw=data, source="raw")
    stored_s = time.perf_counter() - started
    print(f"Stored {count:,} raw messages in {stored_s:.1f} s ({count / stored_s:,.0f}/s).")
    started, cpu_started = time.perf_counter(), time.process_time()
    while process_waiting(limit=200).claimed:
        pass
    seconds = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started
    states = dict(
        InboundMail.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    print(f"Processed {count:,} in {seconds:.1f} s ({cpu_s:.1f} s CPU): {states}")
    return count / seconds, cpu_s, states


def measure_case_page(requests: int) -> tuple[float | None, str]:
    """p95 of the case page with 200 messages in its thread (the cases' staff page)."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from stammkunde.service.models import CaseMessage

    case_id = CaseMessage.objects.values_list("case_id", flat=True).order_by("case_id").first()
    try:
        url = reverse("ui:case-detail", args=[case_id])
    except NoReverseMatch:
        return None, "the case page (ui:case-detail) is not there yet"
    from stammkunde.service.intake.processing import process_waiting
    from stammkunde.service.intake.receiving import store_inbound_mail
    from stammkunde.service.models import Case
    from tests.service.intake.helpers import customer_mail

    case = Case.objects.get(pk=case_id)
    for n in range(200 - case.messages.count()):
        store_inbound_mail(
            raw=customer_mail(
                sender=case.customer.email or "x@example.de",
                subject=f"Re: [{case.reference}] Nachtrag {n}",
                text=f"Nachtrag {n}: noch eine Frage zur Bestellung.",
            ),
            source="raw",
        )
    while process_waiting(limit=200).claimed:
        pass
    from tests.factories import make_staff_user

    user = make_staff_user("bench-agent", role="Service agent")
    client = Client()
    client.force_login(user)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            return None, f"the case page answered {response.status_code}"
    return percentile(timings, 0.95), f"{case.messages.count()} messages in the thread"


def measure_imap(count: int) -> tuple[float | None, str]:
    from tests.service.intake.dovecot import dovecot_available, start_dovecot, stop_dovecot

    if not dovecot_available():
        return None, "dovecot is not installed"
    from imapclient import IMAPClient
    from imapclient.exceptions import LoginError

    from stammkunde.service.intake.imap import MailboxConfig, fetch_mailbox

    server = start_dovecot()
    try:
        messages = build_messages(count)
        client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=60)
        try:
            client.login(server.user, server.password)
        except LoginError as exc:
            # A Dovecot that cannot authenticate here (its auth process on a loaded machine)
            # leaves the figure unmeasured, and the ones measured before it still printed.
            return None, f"dovecot refused the login: {exc}"
        for data in messages:
            client.append("INBOX", data)
        client.logout()
        config = MailboxConfig("127.0.0.1", server.port, server.user, server.password)
        started = time.perf_counter()
        result = fetch_mailbox(config)
        seconds = time.perf_counter() - started
    finally:
        stop_dovecot(server)
    return result.fetched / seconds, f"{result.fetched} fetched and stored in {seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--imap-messages", type=int, default=2_000)
    parser.add_argument("--page-requests", type=int, default=50)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    configure(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    notes: dict[str, str] = {}
    messages_per_s, filing_cpu_s, states = measure_filing(args.messages)
    page_p95, notes["case_page"] = measure_case_page(args.page_requests)
    imap_per_s, notes["imap"] = measure_imap(args.imap_messages)
    result = {
        "messages_per_s": round(messages_per_s, 1),
        # CPU of the filing alone: the wall figure moves with whatever else the machine runs.
        "filing_cpu_s": round(filing_cpu_s, 2),
        "messages_per_cpu_s": round(args.messages / filing_cpu_s, 1),
        "case_page_p95_ms": None if page_p95 is None else round(page_p95, 1),
        "imap_per_s": None if imap_per_s is None else round(imap_per_s, 1),
        "messages": args.messages,
        "states": states,
        "notes": notes,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
