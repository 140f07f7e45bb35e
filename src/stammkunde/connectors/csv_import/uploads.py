"""CSV imports started from the web UI: receive the file, show what was detected, keep the
corrected mapping, and run the import in the worker with its progress on the upload.

The command line (``stammkunde import``) and this path share ``services.import_file``.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.connectors.csv_import.mappings import KINDS, Mapping, recognised_field
from stammkunde.connectors.csv_import.reading import UnreadableFile, open_csv
from stammkunde.connectors.csv_import.services import get_import_shop, import_file
from stammkunde.connectors.models import CsvUpload, UploadState
from stammkunde.shop.models import Shop
from stammkunde.shop.visibility import record_refused, staff_shop_ids

# Larger files belong on the command line (no upload limit, a progress bar on the terminal).
MAX_UPLOAD_BYTES = 200 << 20
PREVIEW_ROWS = 10
# How often the worker writes its progress (the page polls every second).
PROGRESS_EVERY_SECONDS = 0.5
# An upload whose import was never started is dropped (file and all) after this long: it holds
# personal data nobody asked to import.
STALE_AFTER = timedelta(days=7)
SEPARATOR_NAMES = {";": ";", ",": ",", "\t": "Tab", "|": "|"}


def upload_dir() -> Path:
    """Where uploaded files wait for their import (inside the data directory)."""
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def stored_path(upload: CsvUpload) -> Path:
    """The uploaded file on disk."""
    return upload_dir() / upload.stored_name


def errors_path(upload: CsvUpload) -> Path:
    """The error file of the upload's import (exists only if rows were rejected)."""
    return upload_dir() / f"{upload.stored_name}.errors.csv"


def receive_upload(
    *, kind: str, name: str, content: BinaryIO, size: int, shop: Shop | None, by: Any
) -> CsvUpload:
    """Store an uploaded file, detect its encoding, separator and header, and propose a mapping.

    Raises ``UnreadableFile`` (nothing kept) for a file that is too large, empty, binary or
    without a header. The proposal is the mapping last confirmed for the same header, else the
    documented and German column names (``mappings.recognised_field``).
    """
    if kind not in KINDS:
        raise UnreadableFile(_("Unknown import kind “%(kind)s”.") % {"kind": kind})
    shop_ids = staff_shop_ids(by)
    if shop_ids is not None and (shop is None or shop.pk not in shop_ids):
        # Staff limited to shops import into their shops only (the form offers no other).
        record_refused(by=by, object_type="shop.shop", object_id=shop.pk if shop else "csv")
        raise UnreadableFile(_("You may import only into the shops you work for."))
    if size > MAX_UPLOAD_BYTES:
        raise UnreadableFile(
            _("The file is larger than %(limit)d MB; import it with “stammkunde import”.")
            % {"limit": MAX_UPLOAD_BYTES >> 20}
        )
    drop_stale_uploads()
    stored_name = secrets.token_hex(16) + ".csv"
    path = upload_dir() / stored_name
    with path.open("wb") as target:
        for chunk in iter(lambda: content.read(1 << 20), b""):
            target.write(chunk)
    try:
        with open_csv(path) as source:
            header, encoding, delimiter = source.header, source.encoding, source.delimiter
    except UnreadableFile:
        path.unlink(missing_ok=True)
        raise
    previous = (
        CsvUpload.objects.filter(kind=kind, header=header)
        .exclude(columns={})
        .order_by("-created_at", "-id")
        .first()
    )
    if previous is not None:
        columns = previous.columns
    else:
        columns = {name: recognised_field(kind, name) or "" for name in header}
    upload = CsvUpload.objects.create(
        shop=shop or get_import_shop(),
        kind=kind,
        file_name=Path(name).name[:255],
        stored_name=stored_name,
        size=path.stat().st_size,
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        columns=columns,
        decimal_separator=previous.decimal_separator if previous else "",
        language=translation.get_language() or "de",
        created_by=by,
    )
    audit(actor=by, action=AuditAction.CREATE, obj=upload, detail=f"{kind} {upload.file_name}")
    return upload


def drop_stale_uploads() -> int:
    """Delete the files of uploads not started within STALE_AFTER and mark them failed with the
    reason; returns how many. Runs with each new upload."""
    stale = CsvUpload.objects.filter(
        state=UploadState.UPLOADED, created_at__lt=timezone.now() - STALE_AFTER
    )
    count = 0
    for upload in stale:
        stored_path(upload).unlink(missing_ok=True)
        count += CsvUpload.objects.filter(pk=upload.pk, state=UploadState.UPLOADED).update(
            state=UploadState.FAILED,
            error=_("Not started within %(days)d days; the uploaded file was deleted.")
            % {"days": STALE_AFTER.days},
            finished_at=timezone.now(),
        )
    return count


def uploads_for_staff(*, by: Any, limit: int = 10) -> list[CsvUpload]:
    """The latest uploads, newest first, of the shops ``by`` may see (all without a limit)."""
    rows = CsvUpload.objects.select_related("shop").order_by("-created_at", "-id")
    shop_ids = staff_shop_ids(by)
    if shop_ids is not None:
        rows = rows.filter(shop_id__in=shop_ids)
    return list(rows[:limit])


def upload_for_staff(upload_id: int, *, by: Any) -> CsvUpload | None:
    """One upload for its pages (detail, start, progress, error file), or None: no such
    upload, or (staff limited to shops) another shop's, which leaves a REFUSE row. The file
    holds that shop's buyers' names and addresses."""
    upload = CsvUpload.objects.select_related("shop").filter(pk=upload_id).first()
    shop_ids = staff_shop_ids(by)
    if upload is not None and shop_ids is not None and upload.shop_id not in shop_ids:
        record_refused(by=by, object_type="connectors.csvupload", object_id=upload_id)
        return None
    return upload


def preview_for_staff(upload: CsvUpload, *, by: Any) -> list[list[str]]:
    """The file's first rows as the detail page shows them, the read audited (the rows are
    customers' names, addresses and orders as the file has them)."""
    rows = preview(upload)
    audit(
        actor=by,
        action=AuditAction.VIEW,
        obj=upload,
        detail=f"{upload.file_name}: first {len(rows)} rows",
    )
    return rows


def preview(upload: CsvUpload, limit: int = PREVIEW_ROWS) -> list[list[str]]:
    """The first ``limit`` rows of the file as read with the detected encoding and separator
    (a row that cannot be read shows as one cell with the reason)."""
    rows: list[list[str]] = []
    with open_csv(stored_path(upload), delimiter=upload.delimiter) as source:
        for _line, cells, problem in source.rows():
            rows.append(cells if cells is not None else [problem])
            if len(rows) >= limit:
                break
    return rows


def upload_mapping(upload: CsvUpload) -> Mapping:
    """The confirmed mapping of the upload as the importer takes it."""
    columns = {name: field for name, field in upload.columns.items() if field}
    ignore = tuple(name for name in upload.header if not upload.columns.get(name))
    return Mapping(
        name=_("upload %(id)s") % {"id": upload.pk},
        kind=upload.kind,
        columns=columns,
        ignore=ignore,
        decimal_separator=upload.decimal_separator,
    )


@transaction.atomic
def start_upload_import(
    upload: CsvUpload, *, columns: dict[str, str], decimal_separator: str, by: Any
) -> CsvUpload:
    """Keep the mapping as corrected on the page and queue the import for the worker.

    Raises ``UnreadableFile`` for a mapping the importer refuses (a required field missing, a
    field chosen twice), with the importer's own message; nothing is queued then.
    """
    upload = CsvUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.state != UploadState.UPLOADED:
        raise UnreadableFile(_("This import was already started."))
    if decimal_separator not in ("", ",", "."):
        raise UnreadableFile(_("The decimal separator must be “,” or “.”."))
    fields = set(KINDS[upload.kind][0])
    upload.columns = {
        name: (columns.get(name) or "") if columns.get(name) in fields else ""
        for name in upload.header
    }
    upload.decimal_separator = decimal_separator
    upload_mapping(upload).resolve(upload.header)
    upload.state = UploadState.QUEUED
    upload.save(update_fields=["columns", "decimal_separator", "state"])
    audit(actor=by, action=AuditAction.CHANGE, obj=upload, fields=["columns", "state"])
    from stammkunde.connectors.tasks import import_upload

    pk = upload.pk
    transaction.on_commit(lambda: import_upload.enqueue(pk))
    return upload


def run_upload_import(upload_id: int) -> CsvUpload:
    """The worker's part: import the file with the confirmed mapping, reporting progress on the
    upload; the uploaded file is deleted afterwards (the error file stays for download)."""
    upload = CsvUpload.objects.select_related("shop", "created_by").get(pk=upload_id)
    if upload.state not in (UploadState.QUEUED, UploadState.RUNNING):
        return upload
    CsvUpload.objects.filter(pk=upload.pk).update(state=UploadState.RUNNING)
    last = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            CsvUpload.objects.filter(pk=upload.pk).update(bytes_done=done)

    with translation.override(upload.language):
        try:
            summary = import_file(
                upload.kind,
                stored_path(upload),
                shop=upload.shop,
                mapping=upload_mapping(upload),
                errors_path=errors_path(upload),
                delimiter=upload.delimiter,
                by=upload.created_by,
                progress=progress,
            )
        except UnreadableFile as error:
            CsvUpload.objects.filter(pk=upload.pk).update(
                state=UploadState.FAILED, error=str(error), finished_at=timezone.now()
            )
        else:
            CsvUpload.objects.filter(pk=upload.pk).update(
                state=UploadState.FINISHED,
                bytes_done=upload.size,
                rows=summary.rows,
                accepted=summary.accepted,
                rejected=summary.rejected,
                summary=summary.text(),
                finished_at=timezone.now(),
            )
    stored_path(upload).unlink(missing_ok=True)
    upload.refresh_from_db()
    return upload


def error_file_for_download(upload: CsvUpload, *, by: Any, ip_address: str | None) -> Path | None:
    """The upload's error file, audited as an export (its reasons quote the rejected cells);
    None when no row was rejected."""
    path = errors_path(upload)
    if not path.is_file():
        return None
    audit(
        actor=by,
        action=AuditAction.EXPORT,
        obj=upload,
        detail=f"{upload.file_name}: {upload.rejected} rejected rows",
        ip_address=ip_address,
    )
    return path
