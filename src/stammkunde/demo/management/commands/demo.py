"""``stammkunde demo``: a ready-to-try installation with a generated demo shop."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stammkunde.demo.cases import ensure_cases_demo
from stammkunde.demo.desk import ensure_desk_demo
from stammkunde.demo.drehbuch import ensure_drehbuch_demo
from stammkunde.demo.mail import file_demo_mails
from stammkunde.demo.messages import ensure_messaging_demo
from stammkunde.demo.population import DEFAULT_ORDERS_PER_CUSTOMER
from stammkunde.demo.privacy import ensure_privacy_demo
from stammkunde.demo.showcase import ensure_showcase_demo
from stammkunde.demo.staff import demo_password, ensure_demo_staff, login_file
from stammkunde.demo.writer import demo_shop_exists, generate_demo


class Command(BaseCommand):
    help = "Set up a demo installation: database, staff logins and a generated demo shop."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--customers", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--orders-per-customer",
            type=float,
            default=DEFAULT_ORDERS_PER_CUSTOMER,
            help="Mean number of orders per customer (scales the purchase rates).",
        )
        parser.add_argument("--no-serve", action="store_true", help="Do not start the server.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console()
        console.print("Migrating the database ...")
        call_command("migrate", verbosity=0, interactive=False)
        password = demo_password()
        accounts = ensure_demo_staff(password)

        generated = not demo_shop_exists()
        if not generated:
            console.print("The demo shop exists already; skipping generation.")
        else:
            total = options["customers"]
            columns = (
                TextColumn("Generating demo shop"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("customers", total=total)
                result = generate_demo(
                    customers=total,
                    seed=options["seed"],
                    orders_per_customer=options["orders_per_customer"],
                    progress=lambda n: progress.advance(task, n),
                )
            console.print(
                f"Generated {result.customers:,} customers, {result.orders:,} orders and "
                f"{result.activities:,} timeline entries in {result.seconds:.1f} s."
            )

        _score_customers(console)
        if ensure_desk_demo():
            console.print("Added the service desk's limits, house rules, articles and goodwill.")
        if ensure_cases_demo():
            console.print("Added service cases in every state to the queue.")
        if generated:
            # After the demo's cases, which are written only while there are none, and with
            # the teams staffed, so that the mails' cases are assigned like real ones.
            console.print(f"Filed {file_demo_mails()} inbound mails (service desk).")
        if ensure_drehbuch_demo():
            console.print(
                "Switched the Drehbuch on; sent the recent orders' mails and a newsletter."
            )
        showcase = ensure_showcase_demo()
        if showcase:
            console.print(
                f"Saved {showcase['segments']} segments and {showcase['goals']} goals; connected "
                f"a shop with {showcase['deliveries']} webhook deliveries in its inbox."
            )
        if ensure_privacy_demo():
            console.print("Recorded a privacy export and an erasure waiting for an open order.")
        mail = ensure_messaging_demo()
        if mail:
            console.print(
                f"Added {mail['sent']} sent and {mail['held_back']} held-back messages and "
                f"{mail['suppressed']} suppressed addresses."
            )

        url = f"http://{options['host']}:{options['port']}"
        console.print()
        console.print(f"[bold]Stammkunde demo[/bold] at {url}")
        for username, role in accounts:
            console.print(f"  user [bold]{username:<6}[/bold] {role}")
        console.print(f"  password: [bold]{password}[/bold]  (kept in {login_file()})")
        console.print()
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])


def _score_customers(console: Any) -> None:
    """Fill the dashboards on first start; the worker's nightly job keeps them current."""
    from stammkunde.analytics.queries import latest_backtest, latest_run
    from stammkunde.analytics.services import BacktestError, run_backtest, run_scoring

    if latest_run() is None:
        console.print("Scoring the customers (RFM, churn risk, CLV) ...")
        run = run_scoring()
        console.print(f"Scored {run.customers_scored:,} customers ({run.state}).")
    if latest_backtest() is None:
        try:
            run_backtest()
        except BacktestError as error:
            console.print(f"No churn backtest: {error}")
