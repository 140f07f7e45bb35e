"""Shop setup pages: the connected shops, adding one, and a shop's webhook address and secret."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stammkunde.connectors.inbox.connections import ShopSetupError, connect_shop, update_connection
from stammkunde.connectors.inbox.queries import (
    connection_for_staff,
    connections,
    state_counts,
)
from stammkunde.ui.connectors.forms import CredentialsForm, ShopForm


@login_required
@permission_required("connectors.view_shopconnection", raise_exception=True)
def shop_list(request: HttpRequest) -> HttpResponse:
    return render(request, "ui/connectors/shop_list.html", {"connections": connections()})


@login_required
@permission_required("connectors.add_shopconnection", raise_exception=True)
@require_http_methods(["GET", "POST"])
def shop_add(request: HttpRequest) -> HttpResponse:
    form = ShopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            connection = connect_shop(by=request.user, **form.cleaned_data)
        except ShopSetupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The shop was added. Paste its webhook URL into the shop."))
            return redirect("ui:shop-detail", pk=connection.pk)
    return render(request, "ui/connectors/shop_add.html", {"form": form})


@login_required
@permission_required("connectors.view_shopconnection", raise_exception=True)
@require_http_methods(["GET", "POST"])
def shop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    connection = connection_for_staff(pk, by=request.user)
    if connection is None:
        raise Http404
    can_change = request.user.has_perm("connectors.change_shopconnection")
    initial = {
        "webhook_secret": connection.webhook_secret,
        "api_base_url": connection.api_base_url,
        "api_key": connection.api_key,
    }
    form = CredentialsForm(initial=initial)
    if request.method == "POST":
        if not can_change:
            return HttpResponse(status=403)
        form = CredentialsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            update_connection(
                connection,
                by=request.user,
                webhook_secret=data["webhook_secret"],
                api_base_url=data["api_base_url"],
                api_key=data["api_key"],
                api_secret=data["api_secret"] or None,
                new_url=data["new_url"],
            )
            messages.success(request, _("Saved."))
            return redirect("ui:shop-detail", pk=connection.pk)
    context = {
        "connection": connection,
        "webhook_url": request.build_absolute_uri(connection.webhook_path),
        "counts": state_counts(connection.shop_id),
        "form": form,
        "can_change": can_change,
    }
    return render(request, "ui/connectors/shop_detail.html", context)
