"""``stammkunde send_mail``: send the due messages of the outbox now, in this process (what the
``mail`` queue's task does; for operations, scripts and the fault tests)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from stammkunde.messaging.services.sending import drain


class Command(BaseCommand):
    help = "Send the due messages of the outbox until none is due, then print what happened."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-seconds", type=float, default=300.0, help="stop after this long (default 300)"
        )
        parser.add_argument("--batch-size", type=int, default=50, help="messages per claim")

    def handle(self, *args, max_seconds: float, batch_size: int, **options):
        result = drain(max_seconds=max_seconds, batch_size=batch_size)
        self.stdout.write(json.dumps(result.as_dict()))
