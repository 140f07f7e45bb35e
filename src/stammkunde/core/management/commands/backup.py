"""``stammkunde backup``: the database and the data directory as one archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from stammkunde.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write the database (SQLite online backup or pg_dump) and the data directory's keys and "
        "attachments to one archive; safe while the server runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "output",
            nargs="?",
            help="the archive to write (default: stammkunde-backup-<time>.tar.gz here)",
        )

    def handle(self, *args, **options) -> None:
        name = options["output"] or timezone.now().strftime(
            "stammkunde-backup-%Y%m%d-%H%M%S.tar.gz"
        )
        output = Path(name)
        try:
            manifest = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup written to {output} ({manifest['database']} database, "
            f"{len(manifest['data_files'])} files of the data directory)."
        )
