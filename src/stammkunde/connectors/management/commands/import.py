"""``stammkunde import customers FILE`` / ``stammkunde import orders FILE``: CSV import."""

from __future__ import annotations

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from stammkunde.connectors.csv_import.forked import ChildFailed
from stammkunde.connectors.csv_import.reading import UnreadableFile
from stammkunde.connectors.csv_import.services import (
    KINDS,
    default_errors_path,
    import_file,
)
from stammkunde.core.setup_check import database_not_set_up


class Command(BaseCommand):
    help = "Import customers or orders from a CSV file (columns: see docs/IMPORT.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=KINDS, help="what the file holds")
        parser.add_argument("file", type=Path, help="the CSV file (may be .gz)")
        parser.add_argument("--shop", default="", help="slug of the shop (default: 'CSV import')")
        parser.add_argument(
            "--mapping",
            default="",
            help="column mapping: a preset (online-retail) or a JSON file; without one the "
            "documented English and the usual German headers are recognised",
        )
        parser.add_argument(
            "--errors", type=Path, default=None, help="error file (default: FILE.errors.csv)"
        )
        parser.add_argument("--delimiter", default="", help="separator (default: detected)")
        parser.add_argument("--encoding", default="", help="encoding (default: detected)")
        parser.add_argument(
            "--decimal-separator",
            default="",
            choices=("", ",", "."),
            help="decimal separator of the amounts (',' or '.'); without it 1.234 is ambiguous",
        )
        parser.add_argument("--batch-size", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        delimiter = {"tab": "\t", "\\t": "\t"}.get(options["delimiter"], options["delimiter"])
        if len(delimiter) > 1:
            raise CommandError(_("The separator must be one character."))
        errors_path = options["errors"] or default_errors_path(path)
        console = Console(stderr=True)
        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        task = progress.add_task(_("Importing %(name)s") % {"name": path.name}, total=None)
        try:
            with progress:
                summary = import_file(
                    options["kind"],
                    path,
                    shop_slug=options["shop"],
                    mapping=options["mapping"],
                    errors_path=errors_path,
                    delimiter=delimiter,
                    encoding=options["encoding"],
                    decimal_separator=options["decimal_separator"],
                    on_open=lambda size: progress.update(task, total=size),
                    progress=lambda done: progress.update(task, completed=done),
                    batch_size=options["batch_size"],
                )
        except UnreadableFile as error:
            raise CommandError(f"{path}: {error}") from None
        except ChildFailed as error:
            raise CommandError(
                _(
                    "%(path)s: reading the file stopped unexpectedly (%(error)s); batches before "
                    "are saved, run the import again to finish."
                )
                % {"path": path, "error": str(error).strip().splitlines()[-1]}
            ) from None
        except DatabaseError as error:
            if problem := database_not_set_up():
                raise CommandError(problem) from None
            raise CommandError(
                _(
                    "%(path)s: the database refused the import (%(error)s); batches before the "
                    "failure are saved, run the import again to finish."
                )
                % {"path": path, "error": str(error).splitlines()[0] if str(error) else ""}
            ) from None
        self.stdout.write(summary.text())
        if summary.rejected:
            self.stdout.write(_("Rejected rows are listed in %(path)s.") % {"path": errors_path})
