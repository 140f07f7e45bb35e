"""Saved segments: list, detail with a preview of the audience, add/edit/delete, CSV export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from stammkunde.analytics.models import Segment
from stammkunde.analytics.queries import segment_member_page
from stammkunde.analytics.segment_definitions import SegmentDefinitionError, parse_definition
from stammkunde.analytics.segment_services import (
    SegmentError,
    create_segment,
    delete_segment,
    export_segment_rows,
    update_segment,
)
from stammkunde.analytics.segments import DEFAULT_MEMBER_SORT, MEMBER_SORTS
from stammkunde.core import spreadsheet
from stammkunde.core.client_address import client_address
from stammkunde.shop.visibility import staff_shop_ids
from stammkunde.ui.analytics.segment_forms import SegmentForm, describe

PAGE_ROWS = 50


def _sort_links(current: str) -> dict[str, dict[str, str]]:
    """Per column: the sort key a click on its header asks for (the other direction when it
    is the current one) and the arrow that marks the current one."""
    links = {}
    for column in ("name", "clv", "risk", "last_order"):
        descending = f"-{column}"
        if current == descending:
            links[column] = {"key": column, "arrow": "↓"}
        elif current == column:
            links[column] = {"key": descending, "arrow": "↑"}
        else:
            links[column] = {"key": column if column == "name" else descending, "arrow": ""}
    return links


@login_required
@permission_required("analytics.view_segment", raise_exception=True)
def segment_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ui/analytics/segment_list.html",
        {
            "segments": Segment.objects.all(),
            "can_manage": request.user.has_perm("analytics.manage_segments"),
            # the stored counts are of all shops: not shown to staff limited to shops
            "limited_to_shops": staff_shop_ids(request.user) is not None,
        },
    )


@login_required
@permission_required("analytics.view_segment", raise_exception=True)
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    sort = request.GET.get("sort", DEFAULT_MEMBER_SORT)
    if sort not in MEMBER_SORTS:
        sort = DEFAULT_MEMBER_SORT
    try:
        page = segment_member_page(
            segment, by=request.user, sort=sort, number=request.GET.get("page"), per_page=PAGE_ROWS
        )
    except SegmentDefinitionError:
        page = None
    return render(
        request,
        "ui/analytics/segment_detail.html",
        {
            "segment": segment,
            "filters": describe(segment.definition),
            "page": page,
            "sort": sort,
            "sort_links": _sort_links(sort),
            "can_manage": request.user.has_perm("analytics.manage_segments"),
            "can_export": request.user.has_perm("analytics.export_segment"),
            # staff limited to shops see their shops' members counted, not the stored count
            "limited_to_shops": staff_shop_ids(request.user) is not None,
        },
    )


def _save(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    if request.method == "POST":
        form = SegmentForm(request.POST)
        if form.is_valid():
            values = {
                "by": request.user,
                "name": form.cleaned_data["name"],
                "description": form.cleaned_data["description"],
                "definition": form.definition,
            }
            try:
                if segment is None:
                    segment = create_segment(**values)
                else:
                    segment = update_segment(segment, **values)
            except (SegmentError, SegmentDefinitionError) as error:
                form.add_error("name" if isinstance(error, SegmentError) else None, str(error))
            else:
                messages.success(
                    request,
                    ngettext(
                        "Segment saved: %(count)d customer.",
                        "Segment saved: %(count)d customers.",
                        segment.customer_count or 0,
                    )
                    % {"count": segment.customer_count or 0},
                )
                return redirect(segment)
    else:
        form = SegmentForm() if segment is None else SegmentForm.for_segment(segment)
    return render(request, "ui/analytics/segment_form.html", {"form": form, "segment": segment})


@login_required
@permission_required("analytics.manage_segments", raise_exception=True)
def segment_add(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@login_required
@permission_required("analytics.manage_segments", raise_exception=True)
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save(request, get_object_or_404(Segment, pk=pk))


@login_required
@permission_required("analytics.manage_segments", raise_exception=True)
@require_POST
def segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    try:
        delete_segment(segment, by=request.user)
    except SegmentError as error:
        messages.error(request, str(error))
        return redirect("ui:segment-detail", pk=pk)
    messages.success(request, _("The segment was deleted."))
    return redirect("ui:segment-list")


@login_required
@permission_required("analytics.export_segment", raise_exception=True)
def segment_export(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    try:
        parse_definition(segment.definition)
    except SegmentDefinitionError as error:
        messages.error(request, str(error))
        return redirect(segment)
    # German Excel splits on ";", English on ","; the page offers the other one as a choice.
    separator = spreadsheet.choose_separator(request.GET.get("separator"))
    rows = export_segment_rows(
        segment,
        by=request.user,
        ip_address=client_address(request),
        separator=separator,
    )
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    filename = f"segment-{segment.pk}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
