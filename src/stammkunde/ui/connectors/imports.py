"""CSV import in the web UI: upload, preview with the detected columns, mapping, progress, and
the error file (staff with shop.import_data). The work is csv_import.uploads'; the import runs
in the worker."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stammkunde.connectors.csv_import.mappings import KINDS
from stammkunde.connectors.csv_import.reading import UnreadableFile
from stammkunde.connectors.csv_import.uploads import (
    SEPARATOR_NAMES,
    error_file_for_download,
    preview_for_staff,
    receive_upload,
    start_upload_import,
    upload_for_staff,
    uploads_for_staff,
)
from stammkunde.connectors.models import CsvUpload, UploadState
from stammkunde.core.client_address import client_address
from stammkunde.ui.connectors.forms import UploadForm

PERMISSION = "shop.import_data"


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            upload = receive_upload(
                kind=form.cleaned_data["kind"],
                name=uploaded.name,
                content=uploaded,
                size=uploaded.size,
                shop=form.cleaned_data["shop"],
                by=request.user,
            )
        except UnreadableFile as error:
            form.add_error("file", str(error))
        else:
            return redirect("ui:import-detail", pk=upload.pk)
    uploads = uploads_for_staff(by=request.user)
    return render(request, "ui/connectors/import_new.html", {"form": form, "uploads": uploads})


def _upload(request: HttpRequest, pk: int) -> CsvUpload:
    """The upload named in the URL, or 404: none such, or another shop's for staff limited
    to shops."""
    upload = upload_for_staff(pk, by=request.user)
    if upload is None:
        raise Http404
    return upload


def _field_choices(kind: str) -> list[tuple[str, str]]:
    fields, required = KINDS[kind]
    return [("", _("(ignore)"))] + [
        (name, f"{name} *" if name in required else name) for name in fields
    ]


@login_required
@permission_required(PERMISSION, raise_exception=True)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    rows: list[list[str]] = []
    error = ""
    if upload.state == UploadState.UPLOADED:
        try:
            rows = preview_for_staff(upload, by=request.user)
        except UnreadableFile as problem:
            error = str(problem)
    return render(
        request,
        "ui/connectors/import_detail.html",
        {
            "upload": upload,
            "rows": rows,
            "columns": [(name, upload.columns.get(name, "")) for name in upload.header],
            "choices": _field_choices(upload.kind),
            "separator": SEPARATOR_NAMES.get(upload.delimiter, upload.delimiter),
            "error": error,
        },
    )


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    columns = {
        name: request.POST.get(f"column-{index}", "") for index, name in enumerate(upload.header)
    }
    try:
        start_upload_import(
            upload,
            columns=columns,
            decimal_separator=request.POST.get("decimal_separator", ""),
            by=request.user,
        )
    except UnreadableFile as error:
        upload.refresh_from_db()
        return render(
            request,
            "ui/connectors/import_detail.html",
            {
                "upload": upload,
                "rows": preview_for_staff(upload, by=request.user)
                if upload.state == UploadState.UPLOADED
                else [],
                "columns": [(name, columns.get(name, "")) for name in upload.header],
                "choices": _field_choices(upload.kind),
                "separator": SEPARATOR_NAMES.get(upload.delimiter, upload.delimiter),
                "error": str(error),
            },
            status=422,
        )
    return redirect("ui:import-detail", pk=upload.pk)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    return render(request, "ui/connectors/_import_progress.html", {"upload": upload})


@login_required
@permission_required(PERMISSION, raise_exception=True)
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    path = error_file_for_download(upload, by=request.user, ip_address=client_address(request))
    if path is None:
        raise Http404(_("No row was rejected."))
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{upload.file_name}.errors.csv",
        content_type="text/csv; charset=utf-8",
    )
