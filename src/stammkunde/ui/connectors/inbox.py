"""The webhook inbox: deliveries by state, one delivery's detail, re-processing a failed one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.connectors.inbox import queries
from stammkunde.connectors.inbox.services import reprocess
from stammkunde.connectors.models import DeliveryState
from stammkunde.core.ids import parse_id, parse_page

PAGE_SIZE = 50


@login_required
@permission_required("connectors.view_webhookdelivery", raise_exception=True)
def inbox(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in DeliveryState.values:
        state = ""
    shop_id = parse_id(request.GET.get("shop")) or 0
    page = parse_page(request.GET.get("page"))
    offset = (page - 1) * PAGE_SIZE
    rows = list(
        queries.deliveries(state=state, shop_id=shop_id, by=request.user)[
            offset : offset + PAGE_SIZE + 1
        ]
    )
    context = {
        "state": state,
        "shop_id": shop_id,
        "counts": queries.state_counts(shop_id, by=request.user),
        "deliveries": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page > 1,
        "shops": queries.connections(by=request.user),
    }
    return render(request, "ui/connectors/inbox.html", context)


@login_required
@permission_required("connectors.view_webhookdelivery", raise_exception=True)
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = queries.delivery_for_staff(pk, by=request.user)
    if delivery is None:
        raise Http404
    context = {
        "delivery": delivery,
        "body": queries.pretty_body(delivery),
        "headers": sorted(delivery.headers.items()),
        "touched": queries.touched_objects(delivery),
        "related": queries.deliveries_of_resource(delivery),
        "can_reprocess": delivery.state == DeliveryState.FAILED
        and request.user.has_perm("connectors.change_webhookdelivery"),
    }
    return render(request, "ui/connectors/delivery_detail.html", context)


@login_required
@permission_required("connectors.change_webhookdelivery", raise_exception=True)
@require_POST
def delivery_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = queries.delivery_to_reprocess(pk, by=request.user)
    if delivery is None:
        raise Http404
    try:
        reprocess(delivery, by=request.user)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The delivery is queued to be processed again."))
    return redirect("ui:delivery-detail", pk=pk)
