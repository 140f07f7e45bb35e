"""The home page: a few figures, the newest contacts across customers and a search box.

Each section is computed and shown only for a user holding the permission of what it shows
(issue 12): the figures need ``analytics.view_dashboard``, the newest entries (customer names
and note texts) ``timeline.view_activity`` and ``customers.view_customer``, the customer search
``customers.view_customer``. A user without a role gets a friendly page without data.
Staff limited to shops see the month's figures of their shops (the KPI rows the nightly job
stores per shop, summed) and no count of all customers; the newest entries are their shops'
customers' (``latest_activities``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stammkunde.analytics.queries import kpi_series, main_currency
from stammkunde.customers.queries import active_customer_count
from stammkunde.shop.visibility import staff_shop_ids
from stammkunde.timeline.queries import latest_activities
from stammkunde.ui.period_figures import period_figures

FIGURES_PERMISSION = "analytics.view_dashboard"
ACTIVITY_PERMISSIONS = ("timeline.view_activity", "customers.view_customer")
SEARCH_PERMISSION = "customers.view_customer"
# The dashboard's tiles the start page repeats.
HOME_KPIS = ("revenue", "orders", "new_customers")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page with only the sections the user's permissions allow."""
    user = request.user
    show_figures = user.has_perm(FIGURES_PERMISSION)
    shop_ids = staff_shop_ids(user) if show_figures else None
    show_activities = user.has_perms(ACTIVITY_PERMISSIONS)
    show_search = user.has_perm(SEARCH_PERMISSION)
    context: dict[str, object] = {
        "show_figures": show_figures,
        "figures_of_shops": shop_ids is not None,
        "show_activities": show_activities,
        "show_search": show_search,
        "nothing_to_show": not (show_figures or show_activities or show_search),
    }
    # Queried only when shown, so nothing the user may not see is even loaded.
    if show_figures:
        if shop_ids is None:  # all customers: not a figure of some shops
            context["customer_count"] = active_customer_count()
        # The same points and tiles as the dashboard's month view, so both show the same
        # figures for the same month (and the same shops).
        # The currency first: kpi_series would read the latest run for it again.
        currency = main_currency()
        headline = period_figures(
            kpi_series("month", currency=currency, shop_ids=shop_ids), "month"
        )
        context["headline"] = headline
        context["currency"] = currency
        context["home_figures"] = headline.only(*HOME_KPIS) if headline else []
    if show_activities:
        context["activities"] = latest_activities(by=user, limit=15)
    return render(request, "ui/home.html", context)
