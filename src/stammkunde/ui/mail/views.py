"""The inbox of inbound mail: mails by state (parked ones with their reason), one mail with
its original, files and outcome, re-processing, downloads of the original and of files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.core.ids import parse_page
from stammkunde.service.intake import queries
from stammkunde.service.intake.receiving import reprocess_inbound_mail
from stammkunde.service.models import InboundState

PAGE_SIZE = 50
# Files shown in the browser rather than downloaded: images (inline images of a mail); every
# other type is sent as a download with a neutral type, so nothing a sender attached runs.
SHOWN_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def _page(raw: str | None) -> int:
    return parse_page(raw, last=100_000)


@login_required
@permission_required("service.view_inboundmail", raise_exception=True)
def mail_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in InboundState.values:
        state = ""
    page = _page(request.GET.get("page"))
    rows = queries.inbound_mails(
        state=state, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, by=request.user
    )
    context = {
        "state": state,
        "counts": queries.state_counts(by=request.user),
        "mails": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page > 1,
    }
    return render(request, "ui/mail/list.html", context)


@login_required
@permission_required("service.view_inboundmail", raise_exception=True)
def mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mail = queries.inbound_mail(pk, by=request.user)
    if mail is None:
        raise Http404
    files = queries.attachments_of(mail)
    context = {
        "mail": mail,
        "files": files,
        **queries.readable(mail, files),
        "can_reprocess": mail.state != InboundState.RECEIVED
        and request.user.has_perm("service.reprocess_inboundmail"),
    }
    return render(request, "ui/mail/detail.html", context)


@login_required
@permission_required("service.download_raw_mail", raise_exception=True)
def mail_original(request: HttpRequest, pk: int) -> HttpResponse:
    mail = queries.inbound_mail(pk, by=request.user, detail="original downloaded")
    if mail is None:
        raise Http404
    response = HttpResponse(bytes(mail.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="mail-{mail.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@permission_required("service.reprocess_inboundmail", raise_exception=True)
@require_POST
def mail_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    mail = queries.inbound_mail(pk, by=request.user, detail="reprocess")
    if mail is None:
        raise Http404
    reprocess_inbound_mail(mail, by=request.user)
    messages.success(request, _("The mail is queued to be processed again."))
    return redirect("ui:inbound-mail-detail", pk=pk)


@login_required
@permission_required("service.view_attachment", raise_exception=True)
def attachment_file(request: HttpRequest, pk: int) -> HttpResponse:
    found = queries.attachment(pk, by=request.user)
    if found is None or found.content is None:
        raise Http404
    shown = found.sniffed_type in SHOWN_TYPES
    response = HttpResponse(
        bytes(found.content),
        content_type=found.sniffed_type if shown else "application/octet-stream",
    )
    disposition = "inline" if shown else "attachment"
    name = found.filename.replace('"', "").replace("\\", "")
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
