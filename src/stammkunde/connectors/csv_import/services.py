"""Running one CSV import: open the file, import its rows batch by batch, audit the run."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.connectors.csv_import.customers import CustomerImporter
from stammkunde.connectors.csv_import.mappings import Mapping, get_mapping
from stammkunde.connectors.csv_import.orders import OrderImporter
from stammkunde.connectors.csv_import.reading import UnreadableFile, open_csv
from stammkunde.connectors.csv_import.report import ErrorFile, ImportSummary
from stammkunde.core.origin import Origin, event_origin
from stammkunde.shop.models import Shop
from stammkunde.shop.services import shop_for_imports

DEFAULT_SHOP_NAME = "CSV import"
KINDS = ("customers", "orders")


def get_import_shop(slug: str = "") -> Shop:
    """The shop named by ``slug``, or the "CSV import" shop, created on first use."""
    if slug:
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise UnreadableFile(_("There is no shop “%(slug)s”.") % {"slug": slug})
        return shop
    return shop_for_imports(DEFAULT_SHOP_NAME)


def default_errors_path(path: Path) -> Path:
    """Where rejected rows go unless told otherwise: beside the file, ``FILE.errors.csv``."""
    return path.with_name(path.name + ".errors.csv")


def import_file(
    kind: str,
    path: str | Path,
    *,
    shop: Shop | None = None,
    shop_slug: str = "",
    mapping: str | Mapping = "",
    errors_path: Path | None = None,
    delimiter: str = "",
    encoding: str = "",
    decimal_separator: str = "",
    by: Any | None = None,
    progress: Callable[[int], None] | None = None,
    on_open: Callable[[int], None] | None = None,
    batch_size: int | None = None,
    parallel: bool | None = None,
) -> ImportSummary:
    """Import a customers or orders file into ``shop`` and return the summary.

    Without ``shop`` the shop with ``shop_slug`` is used, or the "CSV import" shop. It is looked
    up only after the file proved readable, so a wrong file never touches the database.

    ``parallel`` reads an orders file in a child process while this one writes; by default
    for large files (``OrderImporter.run``).

    ``decimal_separator`` (``,`` or ``.``) overrides the mapping's: how amounts such as
    ``1.234`` are read (without one they are rejected as ambiguous).

    Raises ``UnreadableFile`` (nothing imported) when the file as a whole cannot be read, its
    columns are unknown or it has no rows after the header. Rows that fail are reported in the
    error file and skipped; every batch commits on its own, so an interrupted run is finished by
    running it again.
    """
    if kind not in KINDS:
        raise UnreadableFile(_("Unknown import kind “%(kind)s”.") % {"kind": kind})
    path = Path(path)
    chosen = mapping if isinstance(mapping, Mapping) else get_mapping(kind, mapping)
    if decimal_separator:
        if decimal_separator not in (",", "."):
            raise UnreadableFile(_("The decimal separator must be “,” or “.”."))
        chosen = dataclasses.replace(chosen, decimal_separator=decimal_separator)
    # Imported rows are history: their events must never look like something happening now.
    with (
        open_csv(path, encoding=encoding, delimiter=delimiter) as source,
        event_origin(Origin.IMPORT),
    ):
        # Check the columns before anything is written, so a wrong file leaves no trace.
        chosen.resolve(source.header)
        shop = shop or get_import_shop(shop_slug)
        if on_open:
            on_open(source.size)
        errors = ErrorFile(errors_path)
        try:
            if kind == "orders":
                importer = OrderImporter(shop=shop, mapping=chosen, errors=errors)
                if batch_size:
                    importer.batch_size = batch_size
                summary = importer.run(source, progress=progress, parallel=parallel)
            else:
                customers = CustomerImporter(shop=shop, mapping=chosen, errors=errors)
                summary = customers.run(source, progress=progress)
        finally:
            errors.close()
    if summary.rows == 0:
        # A header and nothing else: say so instead of reporting a successful import of 0 rows.
        raise UnreadableFile(_("The file has a header line but no rows to import."))
    audit(
        actor=by,
        action=AuditAction.IMPORT,
        obj=shop,
        detail=f"{kind} {path.name} ({chosen.name}): {summary.rows} rows, "
        f"{summary.accepted} imported, {summary.rejected} rejected",
    )
    return summary
