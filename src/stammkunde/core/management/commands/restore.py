"""``stammkunde restore``: put back a database and data directory from a backup archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stammkunde.core.backup import BackupError, database_has_data, read_manifest, restore_backup


class Command(BaseCommand):
    help = (
        "Replace the database and the data directory's files with those of a backup archive "
        "(stop the server first)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="the archive `stammkunde backup` wrote")
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite a database that already holds an installation",
        )

    def handle(self, *args, **options) -> None:
        archive = Path(options["archive"])
        try:
            manifest = read_manifest(archive)
            if database_has_data() and not options["force"]:
                raise CommandError(
                    "The database already holds an installation; restoring replaces it. "
                    "Run again with --force to do so."
                )
            restore_backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the {manifest['database']} database and "
            f"{len(manifest['data_files'])} files from the backup of {manifest['created_at']}."
        )
