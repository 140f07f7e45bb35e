"""``stammkunde mail fetch``: store the service mailbox's new messages now;
``stammkunde mail process``: process the stored waiting mails now (the worker does both
every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Inbound e-mail: fetch the IMAP mailbox (fetch) or process stored mail (process)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["fetch", "process"])
        parser.add_argument("--limit", type=int, default=None, help="at most this many")

    def handle(self, *args: Any, action: str, limit: int | None, **options: Any) -> None:
        if action == "fetch":
            from stammkunde.service.intake.imap import fetch_mailbox, mailbox_from_settings

            try:
                config = mailbox_from_settings()
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            if config is None:
                raise CommandError("No mailbox configured (STAMMKUNDE_IMAP_URL).")
            try:
                result = fetch_mailbox(config, limit=limit)
            except Exception as exc:  # the server's refusal, for the operator to read
                raise CommandError(f"{config.host}:{config.port}: {exc}") from exc
            self.stdout.write(
                f"{result.fetched} fetched, {result.stored} stored, {result.known} known before"
            )
            return
        from stammkunde.service.intake.processing import process_waiting

        processed = parked = retried = 0
        while True:
            batch = process_waiting()
            processed += batch.processed
            parked += batch.parked
            retried += batch.retried
            if not batch.claimed or (limit and processed >= limit):
                break
        self.stdout.write(f"{processed} processed, {retried} to retry, {parked} parked")
