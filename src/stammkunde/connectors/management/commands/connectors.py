"""``stammkunde connectors backfill SHOP [--since DATE] [--restart]`` and
``stammkunde connectors reconcile [SHOP]``: a shop's orders through its own REST API."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stammkunde.connectors.backfill.services import (
    BackfillError,
    run_backfill,
    run_reconciliation,
    shops_with_api,
)
from stammkunde.connectors.models.backfill import BackfillRun, RunState
from stammkunde.shop.models import Shop


def parse_since(value: str, shop: Shop) -> datetime:
    """``2024-01-31`` (midnight in the shop's time zone) or a full ISO 8601 time."""
    try:
        zone = ZoneInfo(shop.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    try:
        if len(value.strip()) == 10:
            return datetime.combine(date.fromisoformat(value.strip()), time(0), tzinfo=zone)
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            _("--since must be a date like 2024-01-31, not '%(value)s'.") % {"value": value}
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def summary(run: BackfillRun) -> str:
    return _(
        "%(shop)s: %(pages)d pages, %(seen)d orders read, %(applied)d new or changed, "
        "%(failed)d refused."
    ) % {
        "shop": run.shop.name,
        "pages": run.pages_done,
        "seen": run.orders_seen,
        "applied": run.orders_applied,
        "failed": run.orders_failed,
    }


class Command(BaseCommand):
    help = "Pull a shop's order history through its REST API, or reconcile recent changes."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        backfill = commands.add_parser(
            "backfill", help="pull all orders (or those since a date) from the shop's API"
        )
        backfill.add_argument("shop", help="short name (slug) of the shop")
        backfill.add_argument("--since", default="", help="only orders created since this date")
        backfill.add_argument(
            "--restart", action="store_true", help="start from the first page, not where it stopped"
        )
        reconcile = commands.add_parser(
            "reconcile", help="re-read orders changed since the last pass (all shops by default)"
        )
        reconcile.add_argument("shop", nargs="?", default="", help="short name of one shop")

    def handle(self, *args, **options) -> None:
        if options["action"] == "backfill":
            self.backfill(options["shop"], since=options["since"], restart=options["restart"])
        else:
            self.reconcile(options["shop"])

    def _shop(self, slug: str) -> Shop:
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise CommandError(
                _("There is no shop with the short name '%(slug)s'.") % {"slug": slug}
            )
        return shop

    def _progress(self) -> Progress:
        return Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )

    def _run(self, shop: Shop, work) -> BackfillRun:
        progress = self._progress()
        task = progress.add_task(shop.name, total=None)

        def advance(run: BackfillRun) -> None:
            progress.update(task, completed=run.orders_seen, total=run.orders_total)

        try:
            with progress:
                run = work(advance)
        except BackfillError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(summary(run))
        if run.orders_failed:
            for problem in run.errors[:10]:
                self.stdout.write(
                    _("  order %(order)s: %(error)s")
                    % {"order": problem["order"], "error": problem["error"]}
                )
        return run

    def backfill(self, slug: str, *, since: str, restart: bool) -> None:
        shop = self._shop(slug)
        moment = parse_since(since, shop) if since else None
        run = self._run(shop, lambda advance: run_backfill(shop, moment, advance, restart=restart))
        if run.state == RunState.FAILED:
            raise CommandError(
                _("%(error)s Stopped before page %(page)d; run the command again to continue.")
                % {"error": run.error, "page": run.pages_done + 1}
            )

    def reconcile(self, slug: str) -> None:
        shops = [self._shop(slug)] if slug else shops_with_api()
        if not shops:
            self.stdout.write(_("No active shop has API credentials."))
            return
        failed = []
        for shop in shops:
            run = self._run(shop, lambda advance, shop=shop: run_reconciliation(shop, advance))
            if run.state == RunState.FAILED:
                failed.append(f"{shop.name}: {run.error}")
        if failed:
            raise CommandError(" ".join(failed))
