"""The stored domain events (admins): delivery state per subscriber, parked ones with their
reason, and delivering one again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.audit.operations import redeliver_event
from stammkunde.core import queries
from stammkunde.core.ids import parse_page
from stammkunde.core.models import EventDeliveryState
from stammkunde.ui.redirects import redirect_back

PAGE_SIZE = 50


@login_required
@permission_required("core.view_storedevent", raise_exception=True)
def event_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "")
    if show not in queries.EVENT_FILTERS:
        show = ""
    names = queries.event_names()
    name = request.GET.get("name", "")
    if name not in names:
        name = ""
    page = parse_page(request.GET.get("page"))
    offset = (page - 1) * PAGE_SIZE
    rows = list(queries.stored_events(show=show, name=name)[offset : offset + PAGE_SIZE + 1])
    context = {
        "show": show,
        "name": name,
        "names": names,
        "counts": queries.delivery_counts(),
        "events": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page > 1,
        "can_redeliver": request.user.has_perm("core.change_eventdelivery"),
        "delivered": EventDeliveryState.DELIVERED,
        "waiting": EventDeliveryState.WAITING,
    }
    return render(request, "ui/connectors/events.html", context)


@login_required
@permission_required("core.change_eventdelivery", raise_exception=True)
@require_POST
def event_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = queries.event_delivery(pk)
    if delivery is None:
        raise Http404
    try:
        redeliver_event(delivery, by=request.user)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Event #%(event)s will be delivered to %(subscriber)s again.")
            % {"event": delivery.event_id, "subscriber": delivery.subscriber},
        )
    return redirect_back(request, "ui:event-list")
