"""The outbox's sending figures (benchmarks/campaign.py runs this in a process of its own):
hand rendered messages to a local SMTP server (smtp_per_s), drain the outbox with two workers
on PostgreSQL (duplicates).

    python benchmarks/campaign_sending.py             # smtp_per_s on SQLite, 10,000 messages
    python benchmarks/campaign_sending.py --database-url postgres://postgres@127.0.0.1/bench

``smtp_per_s``: 10,000 messages rendered and queued, then sent by the worker (its sender
threads, ``MESSAGING_CONNECTIONS`` reused connections) to an aiosmtpd server in a process of
its own (no GIL shared with the sender; its CPU per message is printed beside the sender's);
the time from the first render to the last message accepted by the server. ``--queue campaign``
(the default) takes the product's path for a mailing of this size: a newsletter campaign to
customers who consented, planned in bulk (every decision recorded) and rendered and queued 500
at a time (``messaging.services.campaigns``); its mails carry the unsubscribe headers and footer.
``--queue single`` renders a transactional mail per customer and queues each through
``queue_message`` (a trigger's path), as the figure was first measured.
``duplicates``: the same number queued on the PostgreSQL database given (it is migrated and its
outbox emptied first), then two ``stammkunde send_mail`` processes drain it at the same time;
the Message-IDs the server received more than once (target 0; every message must arrive).
The last line is one JSON object (``smtp_per_s``, ``duplicates``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"

SUBJECT = "Ihre Bestellung {{ order.number }} ist unterwegs"
TEXT = (
    "{{ salutation }},\n\nIhre Bestellung {{ order.number }} ist heute zu Ihnen aufgebrochen.\n\n"
    "Herzliche Grüße\nJana Berger"
)
CAMPAIGN_TEXT = (
    "{{ salutation }},\n\nneu bei uns: Sidamo aus Äthiopien.\n\nViele Grüße\n{{ sender.name }}"
)
CAMPAIGN_HTML = (
    "<html><head><style>p { color: #333; }</style></head><body><p>{{ salutation }},</p>"
    "<p>neu bei uns: Sidamo aus Äthiopien.</p><p>Viele Grüße<br>{{ sender.name }}</p>"
    "</body></html>"
)
HTML = (
    "<html><head><style>p { color: #333; }</style></head><body><p>{{ salutation }},</p>"
    "<p>Ihre Bestellung {{ order.number }} ist heute zu Ihnen aufgebrochen.</p>"
    "<p>Herzliche Grüße<br>Jana Berger</p></body></html>"
)


def setup_django(database_url: str, data_dir: Path) -> None:
    os.environ["STAMMKUNDE_DATA_DIR"] = str(data_dir)
    os.environ["STAMMKUNDE_DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "stammkunde.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


class SMTPProcess:
    """An aiosmtpd server in its own process, writing each Message-ID it accepts to a file."""

    def __init__(self, work: Path) -> None:
        sys.path.insert(0, str(ROOT))
        from tests.messaging.smtp_server import free_port

        self.host, self.port = "127.0.0.1", free_port()
        self.log = work / f"received-{self.port}.txt"
        self.log.write_text("")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.messaging.smtp_server", str(self.port), str(self.log)],
            cwd=ROOT,
        )
        import socket

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex((self.host, self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("the SMTP server did not start")

    def received(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if line]

    def wait_for(self, count: int, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.received()
            if len(received) >= count:
                return received
            time.sleep(0.05)
        raise RuntimeError(f"expected {count} messages, got {len(self.received())}")

    def cpu_seconds(self) -> float:
        """The server process's CPU time so far (Linux; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def make_customers(count: int) -> list:
    from stammkunde.customers.models import Customer

    Customer.objects.bulk_create(
        [
            Customer(email=f"kunde{n}@example.org", first_name="Anna", last_name=f"Meier{n}")
            for n in range(count)
        ],
        batch_size=2000,
    )
    return list(Customer.objects.order_by("id"))


def queue_rendered(customers: list, campaign: str) -> None:
    from stammkunde.messaging.rendering import render_message
    from stammkunde.messaging.services.outbox import queue_message

    for customer in customers:
        rendered = render_message(
            subject=SUBJECT,
            text=TEXT,
            html=HTML,
            context={
                "salutation": f"Hallo {customer.first_name}",
                "order": {"number": f"B-{customer.pk}"},
            },
        )
        queue_message(
            customer=customer,
            to_address=customer.email,
            purpose="transactional",
            idempotency_key=f"{campaign}:{customer.pk}",
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            from_name="Jana Berger",
            from_address="jana@shop.example",
            source_type="benchmark",
            source_id=campaign,
        )


def add_consent(customers: list) -> None:
    """Newsletter consent for every customer (set up before the clock starts)."""
    from django.utils import timezone

    from stammkunde.customers.models import ConsentEvent

    now = timezone.now()
    ConsentEvent.objects.bulk_create(
        [
            ConsentEvent(
                customer=customer,
                channel="email",
                purpose="newsletter",
                granted=True,
                source="customer",
                given_at=now,
            )
            for customer in customers
        ],
        batch_size=2000,
    )


def campaign_to_all(name: str):
    """A scheduled newsletter campaign to every customer, its mail in German."""
    from django.utils import timezone

    from stammkunde.analytics.models import Segment
    from stammkunde.messaging.models import Campaign, MessageTemplate
    from stammkunde.messaging.services.campaigns import schedule_campaign

    segment, _ = Segment.objects.get_or_create(name="Alle", defaults={"definition": {}})
    template = MessageTemplate.objects.create(
        name=name,
        language="de",
        purpose="newsletter",
        subject="Neu aus der Rösterei",
        text_body=CAMPAIGN_TEXT,
        html_body=CAMPAIGN_HTML,
    )
    campaign = Campaign.objects.create(
        name=name,
        purpose="newsletter",
        segment=segment,
        template_de=template,
        sender_name="Jana Berger",
        sender_address="jana@shop.example",
    )
    return schedule_campaign(campaign, at=timezone.now(), by=None)


def queue_campaign(campaign) -> None:
    """Plan the campaign and render and queue all its mails, batch by batch."""
    from stammkunde.messaging.services.campaigns import plan_campaign, queue_campaign_batch

    plan_campaign(campaign.pk)
    while queue_campaign_batch(campaign.pk):
        pass


def measure_smtp(messages: int, work: Path, queue: str = "campaign") -> float:
    """Render, queue and send ``messages`` to a local SMTP server: messages per second."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    server = SMTPProcess(work)
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
    # The governor's quiet hours (20:00-08:00) would delay the whole newsletter when the
    # benchmark runs in the evening: nothing sent, the wait for the server timed out.
    settings.MESSAGING_GOVERNOR = {
        **(settings.MESSAGING_GOVERNOR or {}),
        "quiet_hours_start": "00:00",
        "quiet_hours_end": "00:00",
    }
    try:
        customers = make_customers(messages)
        from stammkunde.messaging.services.sending import drain

        if queue == "campaign":
            add_consent(customers)
            campaign = campaign_to_all("smtp")
        started, cpu_started = time.perf_counter(), time.process_time()
        if queue == "campaign":
            queue_campaign(campaign)
        else:
            queue_rendered(customers, "smtp")
        queued, cpu_queued = time.perf_counter(), time.process_time()
        server_cpu = server.cpu_seconds()
        result = drain(max_seconds=3600, batch_size=200)
        server.wait_for(messages, timeout=600)
        elapsed = time.perf_counter() - started
        cpu_sent = time.process_time()
        server_cpu = server.cpu_seconds() - server_cpu
    finally:
        server.stop()
    assert result.sent == messages, result
    # The machine may be shared: this process's CPU per message (rendering, database, MIME,
    # smtplib; the server runs in its own process) says what the sending costs here.
    print(
        f"smtp ({queue}): {messages} messages rendered+queued in {queued - started:.1f} s "
        f"({1000 * (cpu_queued - cpu_started) / messages:.2f} ms CPU each), "
        f"sent in {elapsed - (queued - started):.1f} s "
        f"({1000 * (cpu_sent - cpu_queued) / messages:.2f} ms CPU each, the server "
        f"{1000 * server_cpu / messages:.2f} ms); "
        f"{messages / elapsed:,.0f} messages/s",
        flush=True,
    )
    return messages / elapsed


def measure_duplicates(messages: int, database_url: str, data_dir: Path) -> int:
    """Two worker processes drain the same outbox on PostgreSQL: Message-IDs received twice."""
    from django.core.management import call_command

    from stammkunde.customers.models import Customer
    from stammkunde.messaging.models import OutboundMessage, SendDecision

    call_command("migrate", verbosity=0)
    OutboundMessage.objects.all().delete()
    SendDecision.objects.all().delete()
    Customer.objects.filter(email__startswith="kunde", email__endswith="@example.org").delete()
    customers = make_customers(messages)
    queue_rendered(customers, f"drain-{time.time():.0f}")
    server = SMTPProcess(data_dir.parent)
    env = {
        **os.environ,
        "STAMMKUNDE_DATABASE_URL": database_url,
        "STAMMKUNDE_DATA_DIR": str(data_dir),
        "STAMMKUNDE_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "STAMMKUNDE_EMAIL_HOST": server.host,
        "STAMMKUNDE_EMAIL_PORT": str(server.port),
    }
    started = time.perf_counter()
    try:
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "stammkunde", "send_mail", "--max-seconds", "3600"],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        for worker in workers:
            worker.wait(timeout=3600)
        elapsed = time.perf_counter() - started
        received = Counter(server.received())
    finally:
        server.stop()
    duplicates = sum(times - 1 for times in received.values() if times > 1)
    missing = messages - len(received)
    print(
        f"drain: {messages} messages by 2 workers in {elapsed:.1f} s, "
        f"{duplicates} duplicates, {missing} missing",
        flush=True,
    )
    assert missing == 0, f"{missing} messages never arrived"
    return duplicates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL for the two-worker drain (duplicates)"
    )
    parser.add_argument("--work-dir", type=Path, default=WORK)
    parser.add_argument(
        "--queue",
        choices=("campaign", "single"),
        default="campaign",
        help="queue as a campaign (bulk) or message by message through queue_message",
    )
    args = parser.parse_args()
    work = args.work_dir / "campaign-sending"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    data_dir = work / "data"
    data_dir.mkdir()

    figures: dict[str, float | int | None] = {}
    if args.database_url:
        setup_django(args.database_url, data_dir)
        figures["smtp_per_s"] = round(measure_smtp(args.messages, work, args.queue), 1)
        figures["duplicates"] = measure_duplicates(args.messages, args.database_url, data_dir)
    else:
        setup_django(f"sqlite:///{work / 'campaign.sqlite3'}", data_dir)
        figures["smtp_per_s"] = round(measure_smtp(args.messages, work, args.queue), 1)
        figures["duplicates"] = None
        print("duplicates: give --database-url (PostgreSQL) to measure", flush=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
