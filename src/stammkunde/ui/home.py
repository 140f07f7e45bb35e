"""The home page: a few figures, the newest contacts across customers and a search box.

Each section is computed and shown only for a user holding the permission of what it shows
(issue 12): the figures need ``analytics.view_dashboard``, the newest entries (customer names
and note texts) ``timeline.view_activity`` and ``customers.view_customer``, the customer search
``customers.view_customer``. A user without a role gets a friendly page without data.
Staff limited to shops get no figures: they count all shops together (the dashboard says
more); the newest entries are their shops' customers' (``latest_activities``).
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
    may_see_figures = user.has_perm(FIGURES_PERMISSION)
    limited = may_see_figures and staff_shop_ids(user) is not None
    show_figures = may_see_figures and not limited
    show_activities = user.has_perms(ACTIVITY_PERMISSIONS)
    show_search = user.has_perm(SEARCH_PERMISSION)
    context: dict[str, object] = {
        "show_figures": show_figures,
        "figures_limited_to_shops": limited,
        "show_activities": show_activities,
        "show_search": show_search,
        "nothing_to_show": not (show_figures or show_activities or show_search),
    }
    # Queried only when shown, so nothing the user may not see is even loaded.
    if show_figures:
        context["customer_count"] = active_customer_count()
        # The same points and tiles as the dashboard's month view, so both show the same
        # figures for the same month.
        headline = period_figures(kpi_series("month"), "month")
        context["headline"] = headline
        context["currency"] = main_currency()
        context["home_figures"] = headline.only(*HOME_KPIS) if headline else []
    if show_activities:
        context["activities"] = latest_activities(by=user, limit=15)
    return render(request, "ui/home.html", context)
